//go:build !purego

#include "textflag.h"
#include "amx_amd64.h"

// The AMX level's loops (see amx.go for the layouts and the tile model
// they are held to).

// func gemmTilesAMX(w, x *int8, xstride, groups, tokens int, out *int32, add int, cfg *byte)
// tokens a multiple of 16, groups of 16, both > 0; cfg the 64-byte tile
// configuration (every tile 16 rows × 64 bytes). Per 16 tokens: C0-C2
// (TMM0-2) from out (add) or zero, then per 64 codes A (TMM3, the tokens'
// bytes, xstride apart) and B0-B2 (TMM4-6, the three panels' codes+1, 192
// bytes apart) into three TDPBSUD, then C0-C2 back to out, 192 bytes a
// token. CX and SI point 64 bytes into their block so the three panels
// are at disp8 −64, 0, +64.
TEXT ·gemmTilesAMX(SB), NOSPLIT, $0-64
	MOVQ w+0(FP), R8
	MOVQ x+8(FP), R9
	MOVQ xstride+16(FP), DX
	MOVQ groups+24(FP), R10
	MOVQ tokens+32(FP), R11
	MOVQ out+40(FP), CX
	MOVQ add+48(FP), R12
	MOVQ cfg+56(FP), AX
	LDTILECFG_AX
	MOVQ $192, BX
	SHRQ $4, R10 // 64-code steps
	SHRQ $4, R11 // 16-token tiles
	ADDQ $64, CX
	ADDQ $64, R8
	MOVQ DX, R13
	SHLQ $4, R13 // 16 tokens of activations

tiles:
	TESTQ R12, R12
	JZ    zero
	TILELOADD_T0_CX_BX_M64
	TILELOADD_T1_CX_BX
	TILELOADD_T2_CX_BX_P64
	JMP   start

zero:
	TILEZERO_T0
	TILEZERO_T1
	TILEZERO_T2

start:
	MOVQ R8, SI
	MOVQ R9, DI
	MOVQ R10, AX

steps:
	TILELOADD_T3_DI_DX
	TILELOADD_T4_SI_BX_M64
	TILELOADD_T5_SI_BX
	TILELOADD_T6_SI_BX_P64
	TDPBSUD_T0_T3_T4
	TDPBSUD_T1_T3_T5
	TDPBSUD_T2_T3_T6
	ADDQ $64, DI
	ADDQ $3072, SI // 16 k-groups of 192 bytes
	DECQ AX
	JNZ  steps

	TILESTORED_CX_BX_M64_T0
	TILESTORED_CX_BX_T1
	TILESTORED_CX_BX_P64_T2
	ADDQ $3072, CX // 16 tokens of 48 sums
	ADDQ R13, R9
	DECQ R11
	JNZ  tiles

	TILERELEASE
	RET

// func peakAMXLoop(iters int, cfg, data, out *byte) uint64
// The AMX int8 peak: per iteration four TDPBSUD (16×16×64 MACs each) into
// four independent sums (TMM0-3) from A tiles TMM4, TMM5 and B tiles
// TMM6, TMM7 loaded from data (1 KiB, 64 bytes a row); TMM0 is stored to
// out (1 KiB) and its first word returned so the work is kept.
TEXT ·peakAMXLoop(SB), NOSPLIT, $0-40
	MOVQ iters+0(FP), CX
	MOVQ cfg+8(FP), AX
	MOVQ data+16(FP), SI
	MOVQ out+24(FP), DI
	LDTILECFG_AX
	MOVQ $64, BX
	TILEZERO_T0
	TILEZERO_T1
	TILEZERO_T2
	TILEZERO_T3
	TILELOADD_T4_SI_BX
	TILELOADD_T5_SI_BX
	TILELOADD_T6_SI_BX
	TILELOADD_T7_SI_BX
	TESTQ CX, CX
	JZ    peak_done

peak_loop:
	TDPBSUD_T0_T4_T6
	TDPBSUD_T1_T4_T7
	TDPBSUD_T2_T5_T6
	TDPBSUD_T3_T5_T7
	DECQ CX
	JNZ  peak_loop

peak_done:
	TILESTORED_DI_BX_T0
	TILERELEASE
	MOVQ (DI), AX
	MOVQ AX, ret+32(FP)
	RET
