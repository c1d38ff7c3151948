//go:build !purego

#include "textflag.h"
#include "twobit_amd64.h"
#include "panel_amd64.h"
#include "avxvnni_amd64.h"

// The GEMM loops of the avxvnni level (AVX2 + AVX-VNNI, no AVX-512; see
// gemm.go for the layouts): the AVX2 level's panels with VEX VPDPBUSD
// adding each token's products straight into int32 sums, so no int16
// stage and no widening. A YMM holds half a 16-row panel (8 rows × 4
// codes); sixteen YMM registers hold 8 accumulators (Y8-Y15: token t's
// two halves in Y8+2t, Y9+2t), the panel's two weight halves (Y0, Y1)
// and the broadcast activations (Y2). A call covers one panel and up to
// 4 tokens; the Go side calls it for the three panels of a row block and
// each group of 4 tokens of a tile.

// TOK: token t's four activation bytes (at addr), broadcast, against the
// panel's halves Y0, Y1: m0 and m1 are its two VPDPBUSD_Y2_Y0/1_Yacc.
#define TOK(addr, m0, m1) \
	VPBROADCASTD addr, Y2 \
	m0 \
	m1

#define BODY1(b) TOK(b(DI), VPDPBUSD_Y2_Y0_Y8, VPDPBUSD_Y2_Y1_Y9)
#define BODY2(b) BODY1(b) \
	TOK(b(DI)(R9*1), VPDPBUSD_Y2_Y0_Y10, VPDPBUSD_Y2_Y1_Y11)
#define BODY3(b) BODY2(b) \
	TOK(b(DI)(R9*2), VPDPBUSD_Y2_Y0_Y12, VPDPBUSD_Y2_Y1_Y13)
#define BODY4(b) BODY3(b) \
	TOK(b(DI)(R10*1), VPDPBUSD_Y2_Y0_Y14, VPDPBUSD_Y2_Y1_Y15)

// Token t's sums are 16 int32 at out + t·192 (its 48-row tile line).
#define LOAD2(off, a0, a1) \
	VMOVDQU off(R8), a0 \
	VMOVDQU off+32(R8), a1
#define LOADS1 LOAD2(0, Y8, Y9)
#define LOADS2 LOADS1 \
	LOAD2(192, Y10, Y11)
#define LOADS3 LOADS2 \
	LOAD2(384, Y12, Y13)
#define LOADS4 LOADS3 \
	LOAD2(576, Y14, Y15)

#define STORE2(off, a0, a1) \
	VMOVDQU a0, off(R8) \
	VMOVDQU a1, off+32(R8)
#define STORES1 STORE2(0, Y8, Y9)
#define STORES2 STORES1 \
	STORE2(192, Y10, Y11)
#define STORES3 STORES2 \
	STORE2(384, Y12, Y13)
#define STORES4 STORES3 \
	STORE2(576, Y14, Y15)

// PROLOGUE: arguments into registers; the sums start from out when add
// is not 0, else from zero. R9 is xstride, R10 three strides; CX counts
// k-groups (panels) or chunks (fused).
#define PROLOGUE(LOADS, ZACC, lzero, lstart) \
	MOVQ  w+0(FP), SI \
	MOVQ  x+8(FP), DI \
	MOVQ  xstride+16(FP), R9 \
	MOVQ  n+24(FP), CX \
	MOVQ  out+32(FP), R8 \
	MOVQ  add+40(FP), AX \
	LEAQ  (R9)(R9*2), R10 \
	TESTQ AX, AX \
	JZ    lzero \
	LOADS \
	JMP   lstart \
lzero: \
	ZACC \
lstart:

// func gemmPanel<T>AVXVNNI(w, x *int8, xstride, n int, out *int32, add int):
// n k-groups of one unpacked panel (64 bytes at w + 192·g) against T
// tokens (token t's k-group g at x + t·xstride + 4g).
#define PANEL(BODY, LOADS, ZACC, STORES, lzero, lstart, lloop, ldone) \
	PROLOGUE(LOADS, ZACC, lzero, lstart) \
	TESTQ CX, CX \
	JZ    ldone \
lloop: \
	VMOVDQU (SI), Y0 \
	VMOVDQU 32(SI), Y1 \
	BODY(0) \
	ADDQ $192, SI \
	ADDQ $4, DI \
	DECQ CX \
	JNZ  lloop \
ldone: \
	STORES \
	VZEROUPPER \
	RET

// func gemmFusedPanel<T>AVXVNNI(w *byte, x *int8, xstride, n int, out *int32, add int):
// PANEL over n woven chunks (the panel's 64 bytes at w + 192·c), its four
// planes extracted as it goes.
#define FUSED(BODY, LOADS, ZACC, STORES, lzero, lstart, lloop, ldone) \
	PROLOGUE(LOADS, ZACC, lzero, lstart) \
	VPBROADCASTD bytes03<>(SB), Y6 \
	TESTQ CX, CX \
	JZ    ldone \
lloop: \
	FUSED_CHUNK(BODY) \
	DECQ CX \
	JNZ  lloop \
ldone: \
	STORES \
	VZEROUPPER \
	RET

TEXT ·gemmPanel1AVXVNNI(SB), NOSPLIT, $0-48
	PANEL(BODY1, LOADS1, ZACC1, STORES1, panel1_zero, panel1_start, panel1_loop, panel1_done)

TEXT ·gemmPanel2AVXVNNI(SB), NOSPLIT, $0-48
	PANEL(BODY2, LOADS2, ZACC2, STORES2, panel2_zero, panel2_start, panel2_loop, panel2_done)

TEXT ·gemmPanel3AVXVNNI(SB), NOSPLIT, $0-48
	PANEL(BODY3, LOADS3, ZACC3, STORES3, panel3_zero, panel3_start, panel3_loop, panel3_done)

TEXT ·gemmPanel4AVXVNNI(SB), NOSPLIT, $0-48
	PANEL(BODY4, LOADS4, ZACC4, STORES4, panel4_zero, panel4_start, panel4_loop, panel4_done)

TEXT ·gemmFusedPanel1AVXVNNI(SB), NOSPLIT, $0-48
	FUSED(BODY1, LOADS1, ZACC1, STORES1, fused1_zero, fused1_start, fused1_loop, fused1_done)

TEXT ·gemmFusedPanel2AVXVNNI(SB), NOSPLIT, $0-48
	FUSED(BODY2, LOADS2, ZACC2, STORES2, fused2_zero, fused2_start, fused2_loop, fused2_done)

TEXT ·gemmFusedPanel3AVXVNNI(SB), NOSPLIT, $0-48
	FUSED(BODY3, LOADS3, ZACC3, STORES3, fused3_zero, fused3_start, fused3_loop, fused3_done)

TEXT ·gemmFusedPanel4AVXVNNI(SB), NOSPLIT, $0-48
	FUSED(BODY4, LOADS4, ZACC4, STORES4, fused4_zero, fused4_start, fused4_loop, fused4_done)

// func peakAVXVNNI(iters int) uint64
// 12 independent VEX VPDPBUSD (12 × 32 = 384 int8 MACs an iteration) on
// registers only: the int8 peak of the avxvnni level.
TEXT ·peakAVXVNNI(SB), NOSPLIT, $0-16
	MOVQ iters+0(FP), CX
	VPCMPEQB Y0, Y0, Y0
	VPABSB   Y0, Y14
	VMOVDQU  Y0, Y15
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	VPXOR Y10, Y10, Y10
	VPXOR Y11, Y11, Y11
	VPXOR Y12, Y12, Y12
	VPXOR Y13, Y13, Y13
	TESTQ CX, CX
	JZ    peakvnni256_done

peakvnni256_loop:
	VPDPBUSD_Y15_Y14_Y2
	VPDPBUSD_Y15_Y14_Y3
	VPDPBUSD_Y15_Y14_Y4
	VPDPBUSD_Y15_Y14_Y5
	VPDPBUSD_Y15_Y14_Y6
	VPDPBUSD_Y15_Y14_Y7
	VPDPBUSD_Y15_Y14_Y8
	VPDPBUSD_Y15_Y14_Y9
	VPDPBUSD_Y15_Y14_Y10
	VPDPBUSD_Y15_Y14_Y11
	VPDPBUSD_Y15_Y14_Y12
	VPDPBUSD_Y15_Y14_Y13
	DECQ CX
	JNZ  peakvnni256_loop

peakvnni256_done:
	VPADDD Y3, Y2, Y2
	VPADDD Y13, Y2, Y2
	VMOVD  X2, AX
	MOVQ   AX, ret+8(FP)
	VZEROUPPER
	RET
