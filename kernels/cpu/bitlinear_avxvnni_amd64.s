//go:build !purego

#include "textflag.h"
#include "twobit_amd64.h"
#include "avxvnni_amd64.h"

// The one-token BitLinear rows of the avxvnni level: the AVX2 rows
// (bitlinear_amd64.s) with VEX VPDPBUSD taking each plane's codes+1
// times activations straight into int32 sums, one instruction where AVX2
// spends VPMADDUBSW, VPADDW and (per block) VPMADDWD. A row's planes 0, 1
// go into one accumulator and 2, 3 into a second, so no chain is longer
// than two VPDPBUSD a half-block.

// Row's half-block (32 bytes at off): planes 0-3 (Y5, Y6 alternately)
// against the activation planes Y0-Y3; m0..m3 are the VPDPBUSD for them.
#define VNNI_ROW(ptr, off, m0, m1, m2, m3) \
	VMOVDQU off(ptr)(AX*1), Y4 \
	VPAND   Y15, Y4, Y5 \
	m0 \
	VPSRLW  $2, Y4, Y6 \
	VPAND   Y15, Y6, Y6 \
	m1 \
	VPSRLW  $4, Y4, Y5 \
	VPAND   Y15, Y5, Y5 \
	m2 \
	VPSRLW  $6, Y4, Y6 \
	VPAND   Y15, Y6, Y6 \
	m3

// The accumulators: row r's planes 0, 1 into A_r, planes 2, 3 into B_r.
#define ROW0(off) VNNI_ROW(SI, off, VPDPBUSD_Y0_Y5_Y8, VPDPBUSD_Y1_Y6_Y8, VPDPBUSD_Y2_Y5_Y7, VPDPBUSD_Y3_Y6_Y7)
#define ROW1(off) VNNI_ROW(R9, off, VPDPBUSD_Y0_Y5_Y11, VPDPBUSD_Y1_Y6_Y11, VPDPBUSD_Y2_Y5_Y9, VPDPBUSD_Y3_Y6_Y9)
#define ROW2(off) VNNI_ROW(R10, off, VPDPBUSD_Y0_Y5_Y12, VPDPBUSD_Y1_Y6_Y12, VPDPBUSD_Y2_Y5_Y10, VPDPBUSD_Y3_Y6_Y10)
#define ROW3(off) VNNI_ROW(R11, off, VPDPBUSD_Y0_Y5_Y13, VPDPBUSD_Y1_Y6_Y13, VPDPBUSD_Y2_Y5_Y14, VPDPBUSD_Y3_Y6_Y14)

// The four activation planes of a half-block.
#define VNNI_X(off) \
	VMOVDQU off(DI), Y0 \
	VMOVDQU 64+off(DI), Y1 \
	VMOVDQU 128+off(DI), Y2 \
	VMOVDQU 192+off(DI), Y3

#define ZERO_ACC \
	VPXOR Y7, Y7, Y7 \
	VPXOR Y8, Y8, Y8 \
	VPXOR Y9, Y9, Y9 \
	VPXOR Y10, Y10, Y10 \
	VPXOR Y11, Y11, Y11 \
	VPXOR Y12, Y12, Y12 \
	VPXOR Y13, Y13, Y13 \
	VPXOR Y14, Y14, Y14

// func dotRowsAVXVNNI(w *byte, stride int, groups int, x *int8, blocks int, out *int32)
// dotRowsAVX2's contract: groups of four plain rows, stride bytes apart.
TEXT ·dotRowsAVXVNNI(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), SI
	MOVQ stride+8(FP), DX
	MOVQ groups+16(FP), R12
	MOVQ out+40(FP), R8
	VPBROADCASTD bytes03<>(SB), Y15
	TESTQ R12, R12
	JZ   vrows_end

vrows_group:
	LEAQ (SI)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	LEAQ (R10)(DX*1), R11
	MOVQ x+24(FP), DI
	MOVQ blocks+32(FP), CX
	ZERO_ACC
	XORQ AX, AX
	TESTQ CX, CX
	JZ   vrows_reduce

vrows_block:
	// The weight stream 8192 bytes ahead, as in dotRowsAVX2.
	PREFETCHT0 8192(SI)(AX*4)
	PREFETCHT0 8256(SI)(AX*4)
	PREFETCHT0 8320(SI)(AX*4)
	PREFETCHT0 8384(SI)(AX*4)
	VNNI_X(0)
	ROW0(0)
	ROW1(0)
	ROW2(0)
	ROW3(0)
	VNNI_X(32)
	ROW0(32)
	ROW1(32)
	ROW2(32)
	ROW3(32)
	ADDQ $64, AX
	ADDQ $256, DI
	DECQ CX
	JNZ  vrows_block

vrows_reduce:
	// B into A first: AVX2_REDUCE takes Y9 and Y10 as scratch.
	VPADDD Y7, Y8, Y8
	VPADDD Y9, Y11, Y11
	VPADDD Y10, Y12, Y12
	VPADDD Y14, Y13, Y13
	AVX2_REDUCE(Y8, X8, 0)
	AVX2_REDUCE(Y11, X11, 4)
	AVX2_REDUCE(Y12, X12, 8)
	AVX2_REDUCE(Y13, X13, 12)
	ADDQ $16, R8
	LEAQ (R11)(DX*1), SI
	DECQ R12
	JNZ  vrows_group

vrows_end:
	VZEROUPPER
	RET

// func dot1AVXVNNI(w *byte, x *int8, blocks int) int32
TEXT ·dot1AVXVNNI(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ blocks+16(FP), CX
	VPBROADCASTD bytes03<>(SB), Y15
	ZERO_ACC
	XORQ AX, AX
	TESTQ CX, CX
	JZ   vdot1_done

vdot1_loop:
	VNNI_X(0)
	ROW0(0)
	VNNI_X(32)
	ROW0(32)
	ADDQ $64, AX
	ADDQ $256, DI
	DECQ CX
	JNZ  vdot1_loop

vdot1_done:
	VPADDD Y7, Y8, Y8
	LEAQ ret+24(FP), R8
	AVX2_REDUCE(Y8, X8, 0)
	VZEROUPPER
	RET
