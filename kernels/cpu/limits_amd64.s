//go:build !purego

#include "textflag.h"
#include "avx512_amd64.h"

// func readAVX512(p *byte, n int) uint64
// Streams n bytes (a multiple of 256) through four independent XOR chains
// so the loads, not the arithmetic, set the pace; the folded result is
// returned so the loads cannot be dropped.
TEXT ·readAVX512(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $8, CX
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	TESTQ CX, CX
	JZ   read512_done

read512_loop:
	VPXORQ (SI), Z0, Z0
	VPXORQ 64(SI), Z1, Z1
	VPXORQ 128(SI), Z2, Z2
	VPXORQ 192(SI), Z3, Z3
	ADDQ $256, SI
	DECQ CX
	JNZ  read512_loop

read512_done:
	VPXORQ Z1, Z0, Z0
	VPXORQ Z3, Z2, Z2
	VPXORQ Z2, Z0, Z0
	VEXTRACTI64X4 $1, Z0, Y1
	VPXOR  Y1, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPXOR  X1, X0, X0
	VPSHUFD $0x4e, X0, X1
	VPXOR  X1, X0, X0
	MOVQ   X0, AX
	MOVQ   AX, ret+16(FP)
	VZEROUPPER
	RET

// func readAVX2(p *byte, n int) uint64
TEXT ·readAVX2(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $7, CX
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	TESTQ CX, CX
	JZ   read256_done

read256_loop:
	VPXOR (SI), Y0, Y0
	VPXOR 32(SI), Y1, Y1
	VPXOR 64(SI), Y2, Y2
	VPXOR 96(SI), Y3, Y3
	ADDQ $128, SI
	DECQ CX
	JNZ  read256_loop

read256_done:
	VPXOR Y1, Y0, Y0
	VPXOR Y3, Y2, Y2
	VPXOR Y2, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPXOR X1, X0, X0
	VPSHUFD $0x4e, X0, X1
	VPXOR X1, X0, X0
	MOVQ  X0, AX
	MOVQ  AX, ret+16(FP)
	VZEROUPPER
	RET

// func read4AVX512(p *byte, q int) uint64
// Streams the four quarters p[0:q], p[q:2q], p[2q:3q], p[3q:4q] (q a
// multiple of 256) side by side, 256 bytes of each per step: one core
// reads DRAM faster from several sequential streams than from one (see
// readerFor), and the four-stream GEMV kernels read this way.
TEXT ·read4AVX512(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ q+8(FP), DX
	MOVQ DX, CX
	SHRQ $8, CX
	LEAQ (SI)(DX*2), DI
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	TESTQ CX, CX
	JZ   read4_512_done

read4_512_loop:
	VPXORQ (SI), Z0, Z0
	VPXORQ 64(SI), Z1, Z1
	VPXORQ 128(SI), Z2, Z2
	VPXORQ 192(SI), Z3, Z3
	VPXORQ (SI)(DX*1), Z0, Z0
	VPXORQ 64(SI)(DX*1), Z1, Z1
	VPXORQ 128(SI)(DX*1), Z2, Z2
	VPXORQ 192(SI)(DX*1), Z3, Z3
	VPXORQ (DI), Z0, Z0
	VPXORQ 64(DI), Z1, Z1
	VPXORQ 128(DI), Z2, Z2
	VPXORQ 192(DI), Z3, Z3
	VPXORQ (DI)(DX*1), Z0, Z0
	VPXORQ 64(DI)(DX*1), Z1, Z1
	VPXORQ 128(DI)(DX*1), Z2, Z2
	VPXORQ 192(DI)(DX*1), Z3, Z3
	ADDQ $256, SI
	ADDQ $256, DI
	DECQ CX
	JNZ  read4_512_loop

read4_512_done:
	VPXORQ Z1, Z0, Z0
	VPXORQ Z3, Z2, Z2
	VPXORQ Z2, Z0, Z0
	VEXTRACTI64X4 $1, Z0, Y1
	VPXOR  Y1, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPXOR  X1, X0, X0
	VPSHUFD $0x4e, X0, X1
	VPXOR  X1, X0, X0
	MOVQ   X0, AX
	MOVQ   AX, ret+16(FP)
	VZEROUPPER
	RET

// func read4AVX2(p *byte, q int) uint64
// read4AVX512 with 256-bit loads, 128 bytes of each quarter per step (q a
// multiple of 128).
TEXT ·read4AVX2(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ q+8(FP), DX
	MOVQ DX, CX
	SHRQ $7, CX
	LEAQ (SI)(DX*2), DI
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	TESTQ CX, CX
	JZ   read4_256_done

read4_256_loop:
	VPXOR (SI), Y0, Y0
	VPXOR 32(SI), Y1, Y1
	VPXOR 64(SI), Y2, Y2
	VPXOR 96(SI), Y3, Y3
	VPXOR (SI)(DX*1), Y0, Y0
	VPXOR 32(SI)(DX*1), Y1, Y1
	VPXOR 64(SI)(DX*1), Y2, Y2
	VPXOR 96(SI)(DX*1), Y3, Y3
	VPXOR (DI), Y0, Y0
	VPXOR 32(DI), Y1, Y1
	VPXOR 64(DI), Y2, Y2
	VPXOR 96(DI), Y3, Y3
	VPXOR (DI)(DX*1), Y0, Y0
	VPXOR 32(DI)(DX*1), Y1, Y1
	VPXOR 64(DI)(DX*1), Y2, Y2
	VPXOR 96(DI)(DX*1), Y3, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  read4_256_loop

read4_256_done:
	VPXOR Y1, Y0, Y0
	VPXOR Y3, Y2, Y2
	VPXOR Y2, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPXOR X1, X0, X0
	VPSHUFD $0x4e, X0, X1
	VPXOR X1, X0, X0
	MOVQ  X0, AX
	MOVQ  AX, ret+16(FP)
	VZEROUPPER
	RET

// func peakVNNI(iters int) uint64
// Each iteration issues 16 independent VPDPBUSD (16 × 64 = 1024 int8 MACs)
// on registers only: the int8 dot-product peak of one core.
TEXT ·peakVNNI(SB), NOSPLIT, $0-16
	MOVQ iters+0(FP), CX
	VPTERNLOGD $0xff, Z0, Z0, Z0
	VPTERNLOGD $0xff, Z1, Z1, Z1
	ZERO16
	TESTQ CX, CX
	JZ   peak512_done

peak512_loop:
	VPDPBUSD Z1, Z0, Z16
	VPDPBUSD Z1, Z0, Z17
	VPDPBUSD Z1, Z0, Z18
	VPDPBUSD Z1, Z0, Z19
	VPDPBUSD Z1, Z0, Z20
	VPDPBUSD Z1, Z0, Z21
	VPDPBUSD Z1, Z0, Z22
	VPDPBUSD Z1, Z0, Z23
	VPDPBUSD Z1, Z0, Z24
	VPDPBUSD Z1, Z0, Z25
	VPDPBUSD Z1, Z0, Z26
	VPDPBUSD Z1, Z0, Z27
	VPDPBUSD Z1, Z0, Z28
	VPDPBUSD Z1, Z0, Z29
	VPDPBUSD Z1, Z0, Z30
	VPDPBUSD Z1, Z0, Z31
	DECQ CX
	JNZ  peak512_loop

peak512_done:
	VPADDD Z17, Z16, Z16
	VPADDD Z31, Z16, Z16
	VMOVD  X16, AX
	MOVQ   AX, ret+8(FP)
	VZEROUPPER
	RET

// func lookupVPERMW(iters int) uint64
// Each iteration issues 16 independent VPERMW table lookups (32 words from
// a 32-word table in a register), each added into its own int16 sums: the
// inner loop of a table-lookup ternary kernel (T-MAC, bitnet.cpp's TL2)
// whose table holds the 27 sums Σ c_i·x_i of three codes c_i ∈ {-1,0,1}
// against three activations, so one lookup stands for three MACs (16 × 32
// × 3 = 1536 per iteration). Not a kernel: BenchmarkLookupVersusVNNI sets
// its rate beside peakVNNI's.
TEXT ·lookupVPERMW(SB), NOSPLIT, $0-16
	MOVQ iters+0(FP), CX
	VPTERNLOGD $0xff, Z0, Z0, Z0
	VPXORD     Z1, Z1, Z1
	VPXORD     Z2, Z2, Z2
	ZERO16
	TESTQ CX, CX
	JZ   lookup_done

#define LOOKUP(idx, t, acc) \
	VPERMW Z0, idx, t \
	VPADDW t, acc, acc

lookup_loop:
	LOOKUP(Z1, Z3, Z16)
	LOOKUP(Z2, Z4, Z17)
	LOOKUP(Z1, Z5, Z18)
	LOOKUP(Z2, Z6, Z19)
	LOOKUP(Z1, Z7, Z20)
	LOOKUP(Z2, Z8, Z21)
	LOOKUP(Z1, Z9, Z22)
	LOOKUP(Z2, Z10, Z23)
	LOOKUP(Z1, Z3, Z24)
	LOOKUP(Z2, Z4, Z25)
	LOOKUP(Z1, Z5, Z26)
	LOOKUP(Z2, Z6, Z27)
	LOOKUP(Z1, Z7, Z28)
	LOOKUP(Z2, Z8, Z29)
	LOOKUP(Z1, Z9, Z30)
	LOOKUP(Z2, Z10, Z31)
	DECQ CX
	JNZ  lookup_loop

lookup_done:
	VPADDW Z17, Z16, Z16
	VPADDW Z31, Z16, Z16
	VMOVD  X16, AX
	MOVQ   AX, ret+8(FP)
	VZEROUPPER
	RET

// func peakAVX2(iters int) uint64
// 8 independent VPMADDUBSW+VPADDW chains of 32 MACs each (256
// MACs/iteration): the int8 peak of AVX2, the GEMM's sequence (its int16
// sums are widened once per 32 steps). The GEMV's VPMADDUBSW+VPMADDWD+
// VPADDD widens every step and so reaches about two thirds of it; with
// that sequence as the peak the GEMM read 104-155% of it.
TEXT ·peakAVX2(SB), NOSPLIT, $0-16
	MOVQ iters+0(FP), CX
	VPCMPEQB Y0, Y0, Y0
	VPABSB   Y0, Y14
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	TESTQ CX, CX
	JZ   peak256_done

#define AVX2_MAC(acc) \
	VPMADDUBSW Y14, Y14, Y10 \
	VPADDW     Y10, acc, acc

peak256_loop:
	AVX2_MAC(Y2)
	AVX2_MAC(Y3)
	AVX2_MAC(Y4)
	AVX2_MAC(Y5)
	AVX2_MAC(Y6)
	AVX2_MAC(Y7)
	AVX2_MAC(Y8)
	AVX2_MAC(Y9)
	DECQ CX
	JNZ  peak256_loop

peak256_done:
	VPADDD Y3, Y2, Y2
	VPADDD Y9, Y2, Y2
	VMOVD  X2, AX
	MOVQ   AX, ret+8(FP)
	VZEROUPPER
	RET
