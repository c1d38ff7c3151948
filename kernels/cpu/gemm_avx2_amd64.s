//go:build !purego

#include "textflag.h"
#include "twobit_amd64.h"
#include "panel_amd64.h"

// The GEMM loops of the AVX2 level (see gemm.go for the layouts). AVX2 has
// no VPDPBUSD: VPMADDUBSW multiplies unsigned codes+1 ∈ {0,1,2} by signed
// activations and adds neighbouring pairs into int16 (|w0·x0 + w1·x1| ≤
// 512, never saturating). Those int16 pairs are summed across up to
// WIDEN k-groups (|Σ| ≤ 32·512 = 16384) before one VPMADDWD by ones
// widens them to a row's int32 and adds them into out: two instructions
// per 32 multiply-adds in the loop instead of three.
//
// A YMM holds half a 16-row panel (8 rows × 4 codes), and sixteen YMM
// registers hold 8 accumulators: a call covers one panel (16 rows) and up
// to 4 tokens; the Go side calls it for the three panels of a row block
// and each group of 4 tokens of a tile.

DATA words01<>+0(SB)/4, $0x00010001
GLOBL words01<>(SB), RODATA|NOPTR, $4

// WIDEN is how many k-groups are summed in int16 before widening.
#define WIDEN 32

// TOK: token t's four activation bytes (at addr), broadcast, against the
// panel's two weight halves Y0, Y1 into its int16 sums a0, a1.
#define TOK(addr, a0, a1) \
	VPBROADCASTD addr, Y2 \
	VPMADDUBSW   Y2, Y0, Y3 \
	VPADDW       Y3, a0, a0 \
	VPMADDUBSW   Y2, Y1, Y3 \
	VPADDW       Y3, a1, a1

#define BODY1(b) TOK(b(DI), Y8, Y9)
#define BODY2(b) BODY1(b) \
	TOK(b(DI)(R9*1), Y10, Y11)
#define BODY3(b) BODY2(b) \
	TOK(b(DI)(R9*2), Y12, Y13)
#define BODY4(b) BODY3(b) \
	TOK(b(DI)(R10*1), Y14, Y15)

// Token t's sums are 16 int32 at out + t·192 (its 48-row tile line).
#define ZSTORE(off) \
	VMOVDQU Y0, off(R8) \
	VMOVDQU Y0, off+32(R8)
#define ZSTORES1 ZSTORE(0)
#define ZSTORES2 ZSTORES1 \
	ZSTORE(192)
#define ZSTORES3 ZSTORES2 \
	ZSTORE(384)
#define ZSTORES4 ZSTORES3 \
	ZSTORE(576)

// WIDE: int16 pairs of a to int32 (Y0 holds ones), added into out.
#define WIDE(a, off) \
	VPMADDWD Y0, a, a \
	VPADDD   off(R8), a, a \
	VMOVDQU  a, off(R8)
#define WIDES1 \
	WIDE(Y8, 0) \
	WIDE(Y9, 32)
#define WIDES2 WIDES1 \
	WIDE(Y10, 192) \
	WIDE(Y11, 224)
#define WIDES3 WIDES2 \
	WIDE(Y12, 384) \
	WIDE(Y13, 416)
#define WIDES4 WIDES3 \
	WIDE(Y14, 576) \
	WIDE(Y15, 608)

// PROLOGUE: arguments into registers; out cleared unless add.
// R9 is xstride, R10 three strides; CX counts what is left.
#define PROLOGUE(ZSTORES, lstart) \
	MOVQ  w+0(FP), SI \
	MOVQ  x+8(FP), DI \
	MOVQ  xstride+16(FP), R9 \
	MOVQ  n+24(FP), CX \
	MOVQ  out+32(FP), R8 \
	MOVQ  add+40(FP), AX \
	LEAQ  (R9)(R9*2), R10 \
	TESTQ AX, AX \
	JNZ   lstart \
	VPXOR Y0, Y0, Y0 \
	ZSTORES \
lstart:

// func gemmPanel<T>AVX2(w, x *int8, xstride, n int, out *int32, add int):
// n k-groups of one unpacked panel (64 bytes at w + 192·g) against T
// tokens (token t's k-group g at x + t·xstride + 4g).
#define PANEL(BODY, ZACC, WIDES, ZSTORES, lstart, lblock, lloop, ldone) \
	PROLOGUE(ZSTORES, lstart) \
	TESTQ CX, CX \
	JZ    ldone \
lblock: \
	MOVQ    $WIDEN, DX \
	CMPQ    CX, DX \
	CMOVQLT CX, DX \
	SUBQ    DX, CX \
	ZACC \
lloop: \
	VMOVDQU (SI), Y0 \
	VMOVDQU 32(SI), Y1 \
	BODY(0) \
	ADDQ $192, SI \
	ADDQ $4, DI \
	DECQ DX \
	JNZ  lloop \
	VPBROADCASTD words01<>(SB), Y0 \
	WIDES \
	TESTQ CX, CX \
	JNZ   lblock \
ldone: \
	VZEROUPPER \
	RET

// func gemmFusedPanel<T>AVX2(w *byte, x *int8, xstride, n int, out *int32, add int):
// PANEL over n woven chunks (the panel's 64 bytes at w + 192·c), its four
// planes extracted as it goes. WIDEN/4 chunks are WIDEN k-groups.
#define FUSED(BODY, ZACC, WIDES, ZSTORES, lstart, lblock, lloop, ldone) \
	PROLOGUE(ZSTORES, lstart) \
	VPBROADCASTD bytes03<>(SB), Y6 \
	TESTQ CX, CX \
	JZ    ldone \
lblock: \
	MOVQ    $(WIDEN/4), DX \
	CMPQ    CX, DX \
	CMOVQLT CX, DX \
	SUBQ    DX, CX \
	ZACC \
lloop: \
	FUSED_CHUNK(BODY) \
	DECQ DX \
	JNZ  lloop \
	VPBROADCASTD words01<>(SB), Y0 \
	WIDES \
	TESTQ CX, CX \
	JNZ   lblock \
ldone: \
	VZEROUPPER \
	RET

TEXT ·gemmPanel1AVX2(SB), NOSPLIT, $0-48
	PANEL(BODY1, ZACC1, WIDES1, ZSTORES1, panel1_start, panel1_block, panel1_loop, panel1_done)

TEXT ·gemmPanel2AVX2(SB), NOSPLIT, $0-48
	PANEL(BODY2, ZACC2, WIDES2, ZSTORES2, panel2_start, panel2_block, panel2_loop, panel2_done)

TEXT ·gemmPanel3AVX2(SB), NOSPLIT, $0-48
	PANEL(BODY3, ZACC3, WIDES3, ZSTORES3, panel3_start, panel3_block, panel3_loop, panel3_done)

TEXT ·gemmPanel4AVX2(SB), NOSPLIT, $0-48
	PANEL(BODY4, ZACC4, WIDES4, ZSTORES4, panel4_start, panel4_block, panel4_loop, panel4_done)

TEXT ·gemmFusedPanel1AVX2(SB), NOSPLIT, $0-48
	FUSED(BODY1, ZACC1, WIDES1, ZSTORES1, fused1_start, fused1_block, fused1_loop, fused1_done)

TEXT ·gemmFusedPanel2AVX2(SB), NOSPLIT, $0-48
	FUSED(BODY2, ZACC2, WIDES2, ZSTORES2, fused2_start, fused2_block, fused2_loop, fused2_done)

TEXT ·gemmFusedPanel3AVX2(SB), NOSPLIT, $0-48
	FUSED(BODY3, ZACC3, WIDES3, ZSTORES3, fused3_start, fused3_block, fused3_loop, fused3_done)

TEXT ·gemmFusedPanel4AVX2(SB), NOSPLIT, $0-48
	FUSED(BODY4, ZACC4, WIDES4, ZSTORES4, fused4_start, fused4_block, fused4_loop, fused4_done)

// func gemmUnpackAVX2(dst *int8, src *byte, chunks int): gemmUnpackVNNI
// in 32-byte halves.
#define UNPACK_PLANE(s, off) \
	VPSRLW  $s, Y0, Y4 \
	VPSRLW  $s, Y1, Y5 \
	VPSRLW  $s, Y2, Y7 \
	VPAND   Y6, Y4, Y4 \
	VPAND   Y6, Y5, Y5 \
	VPAND   Y6, Y7, Y7 \
	VMOVDQU Y4, off(DI) \
	VMOVDQU Y5, off+64(DI) \
	VMOVDQU Y7, off+128(DI)

#define UNPACK_HALF(h) \
	VMOVDQU h(SI), Y0 \
	VMOVDQU h+64(SI), Y1 \
	VMOVDQU h+128(SI), Y2 \
	VPAND   Y6, Y0, Y4 \
	VPAND   Y6, Y1, Y5 \
	VPAND   Y6, Y2, Y7 \
	VMOVDQU Y4, h(DI) \
	VMOVDQU Y5, h+64(DI) \
	VMOVDQU Y7, h+128(DI) \
	UNPACK_PLANE(2, h+192) \
	UNPACK_PLANE(4, h+384) \
	UNPACK_PLANE(6, h+576)

TEXT ·gemmUnpackAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ chunks+16(FP), CX
	VPBROADCASTD bytes03<>(SB), Y6
	TESTQ CX, CX
	JZ    unpack_done

unpack_loop:
	UNPACK_HALF(0)
	UNPACK_HALF(32)
	ADDQ $192, SI
	ADDQ $768, DI
	DECQ CX
	JNZ  unpack_loop

unpack_done:
	VZEROUPPER
	RET

// func sumBytesAVX2(x *int8, n int) uint64
// sumBytesAVX512 with 32 bytes a step (n a multiple of 32).
TEXT ·sumBytesAVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $5, CX
	MOVL $0x80808080, AX
	MOVL AX, X4
	VPBROADCASTD X4, Y4
	VPXOR Y0, Y0, Y0
	VPXOR Y5, Y5, Y5
	TESTQ CX, CX
	JZ    sum256_done

sum256_loop:
	VPXOR   (SI), Y4, Y2
	VPSADBW Y5, Y2, Y2
	VPADDQ  Y2, Y0, Y0
	ADDQ    $32, SI
	DECQ    CX
	JNZ     sum256_loop

sum256_done:
	SUMQ_Y0_AX
	MOVQ AX, ret+16(FP)
	RET
