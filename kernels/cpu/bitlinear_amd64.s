//go:build !purego

#include "textflag.h"
#include "avx512_amd64.h"
#include "twobit_amd64.h"

// Kernels over the block-interleaved 2-bit layout (kernels/pack): a block is
// 64 bytes holding 256 codes; byte j holds codes j, j+64, j+128, j+192 in
// bits 0-1, 2-3, 4-5, 6-7, stored as code+1 ∈ {0,1,2}. A shift and a mask
// of 64 bytes give 64 consecutive unsigned codes (a "plane"), lined up with
// 64 consecutive signed activations. The dot products return Σ (c+1)·x.

DATA bytes01<>+0(SB)/4, $0x01010101
GLOBL bytes01<>(SB), RODATA|NOPTR, $4
DATA words01<>+0(SB)/4, $0x00010001
GLOBL words01<>(SB), RODATA|NOPTR, $4


// ---------------------------------------------------------------- AVX-512

// One row's block (the 64 bytes at mem) into four plane accumulators:
// acc_p += Σ u8(plane_p(w)) · s8(x plane p), with VPDPBUSD.
#define AVX512_ROW(mem, a0, a1, a2, a3) \
	VMOVDQU64 mem, Z4 \
	VPANDD    Z15, Z4, Z5 \
	VPDPBUSD  Z0, Z5, a0 \
	VPSRLW    $2, Z4, Z6 \
	VPANDD    Z15, Z6, Z6 \
	VPDPBUSD  Z1, Z6, a1 \
	VPSRLW    $4, Z4, Z7 \
	VPANDD    Z15, Z7, Z7 \
	VPDPBUSD  Z2, Z7, a2 \
	VPSRLW    $6, Z4, Z8 \
	VPANDD    Z15, Z8, Z8 \
	VPDPBUSD  Z3, Z8, a3

// AVX512_ROW with GFNI: one VGF2P8AFFINEQB extracts a plane instead of a
// shift and a mask (Z12-Z14 hold the plane matrices).
#define GFNI_ROW(mem, a0, a1, a2, a3) \
	VMOVDQU64      mem, Z4 \
	VPANDD         Z15, Z4, Z5 \
	VPDPBUSD       Z0, Z5, a0 \
	VGF2P8AFFINEQB $0, Z12, Z4, Z6 \
	VPDPBUSD       Z1, Z6, a1 \
	VGF2P8AFFINEQB $0, Z13, Z4, Z7 \
	VPDPBUSD       Z2, Z7, a2 \
	VGF2P8AFFINEQB $0, Z14, Z4, Z8 \
	VPDPBUSD       Z3, Z8, a3

// Sum accumulator a (y: its low 256 bits) and store the total at dst.
#define REDUCE1(a, y, dst) \
	VEXTRACTI64X4 $1, a, Y9 \
	VPADDD        Y9, y, Y9 \
	VEXTRACTI128  $1, Y9, X10 \
	VPADDD        X10, X9, X9 \
	VPSHUFD       $0x4e, X9, X10 \
	VPADDD        X10, X9, X9 \
	VPSHUFD       $0xb1, X9, X10 \
	VPADDD        X10, X9, X9 \
	MOVL          X9, dst

// Sum four int32 accumulators and store the total at off(R8).
#define AVX512_REDUCE(a0, a1, a2, a3, y0, off) \
	VPADDD a1, a0, a0 \
	VPADDD a3, a2, a2 \
	VPADDD a2, a0, a0 \
	REDUCE1(a0, y0, off(R8))

// dotRows: groups of four rows, sixteen independent accumulators (row ×
// plane) so the VPDPBUSD latency is hidden; the activations are loaded once
// per block for all four rows.
//
// out[4g+i] = Σ (c+1)·x for row 4g+i, g < groups. The AVX-512 kernels read
// row groups woven by pack.InterleaveRowGroups (block b of row i of a group
// at 256·b + 64·i; groups 4·stride bytes apart); the AVX2 kernel reads the
// plain layout (rows stride bytes apart).

// GROUP_BLOCKS is the inner loop of the row-group frames: zero Z16-Z31,
// point DI at x and AX at the group's first block, run BLOCK blocks times,
// and end at lreduce.
#define GROUP_BLOCKS(BLOCK, lblock, lreduce) \
	MOVQ  x+24(FP), DI \
	MOVQ  blocks+32(FP), CX \
	ZERO16 \
	XORQ  AX, AX \
	TESTQ CX, CX \
	JZ    lreduce \
lblock: \
	BLOCK \
	DECQ  CX \
	JNZ   lblock \
lreduce:

// ROWGROUPS512 is the frame of the four-row AVX-512 kernels, whose
// arguments are (w *byte, stride, groups int, x, blocks int, out *int32):
// per group of four woven rows it zeroes sixteen accumulators, runs BLOCK
// blocks times (BLOCK loads from (DI) and (SI)(AX*4) and advances AX and
// DI), adds each row's four accumulators into out, and steps to the next
// group, 4·stride bytes on.
#define ROWGROUPS512(BLOCK, PREFETCH, lgroup, lblock, lreduce, lend) \
	MOVQ  w+0(FP), SI \
	MOVQ  stride+8(FP), DX \
	MOVQ  groups+16(FP), R12 \
	MOVQ  out+40(FP), R8 \
	TESTQ R12, R12 \
	JZ    lend \
lgroup: \
	MOVQ  PREFETCH, R13 \
	ADDQ  SI, R13 \
	GROUP_BLOCKS(BLOCK, lblock, lreduce) \
	AVX512_REDUCE(Z16, Z17, Z18, Z19, Y16, 0) \
	AVX512_REDUCE(Z20, Z21, Z22, Z23, Y20, 4) \
	AVX512_REDUCE(Z24, Z25, Z26, Z27, Y24, 8) \
	AVX512_REDUCE(Z28, Z29, Z30, Z31, Y28, 12) \
	ADDQ  $16, R8 \
	LEAQ  (SI)(DX*4), SI \
	DECQ  R12 \
	JNZ   lgroup \
lend: \
	VZEROUPPER \
	RET

// One 256-code block of a group's four woven rows, planes extracted by ROW.
// The weight stream is prefetched twoBitPrefetch bytes ahead (R13 holds the
// group's start plus that): the group's four rows are one sequential
// stream consumed 256 bytes per block, and the hardware prefetcher alone
// does not run far enough ahead to hide DRAM latency. The distance is a
// variable so that BenchmarkTwoBitPrefetchSweep can compare distances in
// one process.
// PREFETCH256 prefetches the four lines at off bytes past the block of the
// rows' stream the loop is at (R13 + 4·AX: see ROWGROUPS512).
#define PREFETCH256(off) \
	PREFETCHT0 (off)(R13)(AX*4) \
	PREFETCHT0 (off+64)(R13)(AX*4) \
	PREFETCHT0 (off+128)(R13)(AX*4) \
	PREFETCHT0 (off+192)(R13)(AX*4)

#define TWOBIT_BLOCK(ROW) \
	PREFETCH256(0) \
	VMOVDQU64  (DI), Z0 \
	VMOVDQU64  64(DI), Z1 \
	VMOVDQU64  128(DI), Z2 \
	VMOVDQU64  192(DI), Z3 \
	ROW(0(SI)(AX*4), Z16, Z17, Z18, Z19) \
	ROW(64(SI)(AX*4), Z20, Z21, Z22, Z23) \
	ROW(128(SI)(AX*4), Z24, Z25, Z26, Z27) \
	ROW(192(SI)(AX*4), Z28, Z29, Z30, Z31) \
	ADDQ       $64, AX \
	ADDQ       $256, DI

#define SHIFT_BLOCK TWOBIT_BLOCK(AVX512_ROW)
#define GFNI_BLOCK TWOBIT_BLOCK(GFNI_ROW)

#define LOAD_PLANES \
	VPBROADCASTD bytes03<>(SB), Z15 \
	VPBROADCASTQ plane1<>(SB), Z12 \
	VPBROADCASTQ plane2<>(SB), Z13 \
	VPBROADCASTQ plane3<>(SB), Z14

// func dotRowsAVX512(w *byte, stride int, groups int, x *int8, blocks int, out *int32)
TEXT ·dotRowsAVX512(SB), NOSPLIT, $0-48
	LOAD_PLANES
	ROWGROUPS512(SHIFT_BLOCK, ·twoBitPrefetch(SB), rows512_group, rows512_block, rows512_reduce, rows512_end)

// func dotRowsGFNI(w *byte, stride int, groups int, x *int8, blocks int, out *int32)
TEXT ·dotRowsGFNI(SB), NOSPLIT, $0-48
	LOAD_PLANES
	ROWGROUPS512(GFNI_BLOCK, ·twoBitPrefetch(SB), rowsgfni_group, rowsgfni_block, rowsgfni_reduce, rowsgfni_end)

// ------------------------------------------------ AVX-512, four streams

// One core streams DRAM faster from several sequential streams than from
// one: the hardware prefetchers follow each stream with their own
// lookahead, and on the 2-core EPYC four streams read 10-15% faster than
// one (kernels/cpu BenchmarkReadStreams). The streams kernels split the
// call's row groups into four quarters and walk them side by side: 16 rows
// at a time, one accumulator each, sharing every activation load. They
// need no software prefetch; the 0-3 groups left over go to the
// one-stream kernel (see asmKernels).

// One row's block (the 64 bytes at mem) into accumulator a, planes
// extracted with a shift and a mask.
#define SHIFT_ROW1(mem, a) \
	VMOVDQU64 mem, Z4 \
	VPANDD    Z15, Z4, Z5 \
	VPDPBUSD  Z0, Z5, a \
	VPSRLW    $2, Z4, Z6 \
	VPANDD    Z15, Z6, Z6 \
	VPDPBUSD  Z1, Z6, a \
	VPSRLW    $4, Z4, Z7 \
	VPANDD    Z15, Z7, Z7 \
	VPDPBUSD  Z2, Z7, a \
	VPSRLW    $6, Z4, Z8 \
	VPANDD    Z15, Z8, Z8 \
	VPDPBUSD  Z3, Z8, a

// SHIFT_ROW1 with GFNI plane extraction.
#define GFNI_ROW1(mem, a) \
	VMOVDQU64      mem, Z4 \
	VPANDD         Z15, Z4, Z5 \
	VPDPBUSD       Z0, Z5, a \
	VGF2P8AFFINEQB $0, Z12, Z4, Z6 \
	VPDPBUSD       Z1, Z6, a \
	VGF2P8AFFINEQB $0, Z13, Z4, Z7 \
	VPDPBUSD       Z2, Z7, a \
	VGF2P8AFFINEQB $0, Z14, Z4, Z8 \
	VPDPBUSD       Z3, Z8, a

// One 256-code block of the four streams' current groups: stream s (SI,
// R9, R10, R11) row i accumulates into Z(16+4s+i).
#define STREAMS_BLOCK(ROW1) \
	VMOVDQU64 (DI), Z0 \
	VMOVDQU64 64(DI), Z1 \
	VMOVDQU64 128(DI), Z2 \
	VMOVDQU64 192(DI), Z3 \
	ROW1(0(SI)(AX*4), Z16) \
	ROW1(0(R9)(AX*4), Z20) \
	ROW1(0(R10)(AX*4), Z24) \
	ROW1(0(R11)(AX*4), Z28) \
	ROW1(64(SI)(AX*4), Z17) \
	ROW1(64(R9)(AX*4), Z21) \
	ROW1(64(R10)(AX*4), Z25) \
	ROW1(64(R11)(AX*4), Z29) \
	ROW1(128(SI)(AX*4), Z18) \
	ROW1(128(R9)(AX*4), Z22) \
	ROW1(128(R10)(AX*4), Z26) \
	ROW1(128(R11)(AX*4), Z30) \
	ROW1(192(SI)(AX*4), Z19) \
	ROW1(192(R9)(AX*4), Z23) \
	ROW1(192(R10)(AX*4), Z27) \
	ROW1(192(R11)(AX*4), Z31) \
	ADDQ $64, AX \
	ADDQ $256, DI

#define SHIFT_STREAMS_BLOCK STREAMS_BLOCK(SHIFT_ROW1)
#define GFNI_STREAMS_BLOCK STREAMS_BLOCK(GFNI_ROW1)


// STREAMS4 is the frame of the four-stream kernels, whose arguments are
// (w *byte, stride, groups int, x, blocks int, out *int32) like
// ROWGROUPS512's, with groups a multiple of 4 (the rest is ignored):
// quarter q = groups/4; stream s reads groups s·q to (s+1)·q-1 and writes
// their outputs at out + 16·s·q bytes. Per step it zeroes Z16-Z31, runs
// BLOCK blocks times, and stores the sixteen row totals.
#define STREAMS4(BLOCK, lgroup, lblock, lreduce, lend) \
	MOVQ  w+0(FP), SI \
	MOVQ  stride+8(FP), DX \
	MOVQ  groups+16(FP), R12 \
	MOVQ  out+40(FP), R8 \
	SHRQ  $2, R12 \
	TESTQ R12, R12 \
	JZ    lend \
	MOVQ  DX, R13 \
	IMULQ R12, R13 \
	SHLQ  $2, R13 \
	LEAQ  (SI)(R13*1), R9 \
	LEAQ  (R9)(R13*1), R10 \
	LEAQ  (R10)(R13*1), R11 \
	MOVQ  R12, BX \
	SHLQ  $4, BX \
	LEAQ  (BX)(BX*2), R13 \
lgroup: \
	GROUP_BLOCKS(BLOCK, lblock, lreduce) \
	REDUCE1(Z16, Y16, 0(R8)) \
	REDUCE1(Z17, Y17, 4(R8)) \
	REDUCE1(Z18, Y18, 8(R8)) \
	REDUCE1(Z19, Y19, 12(R8)) \
	REDUCE1(Z20, Y20, 0(R8)(BX*1)) \
	REDUCE1(Z21, Y21, 4(R8)(BX*1)) \
	REDUCE1(Z22, Y22, 8(R8)(BX*1)) \
	REDUCE1(Z23, Y23, 12(R8)(BX*1)) \
	REDUCE1(Z24, Y24, 0(R8)(BX*2)) \
	REDUCE1(Z25, Y25, 4(R8)(BX*2)) \
	REDUCE1(Z26, Y26, 8(R8)(BX*2)) \
	REDUCE1(Z27, Y27, 12(R8)(BX*2)) \
	REDUCE1(Z28, Y28, 0(R8)(R13*1)) \
	REDUCE1(Z29, Y29, 4(R8)(R13*1)) \
	REDUCE1(Z30, Y30, 8(R8)(R13*1)) \
	REDUCE1(Z31, Y31, 12(R8)(R13*1)) \
	ADDQ  $16, R8 \
	LEAQ  (SI)(DX*4), SI \
	LEAQ  (R9)(DX*4), R9 \
	LEAQ  (R10)(DX*4), R10 \
	LEAQ  (R11)(DX*4), R11 \
	DECQ  R12 \
	JNZ   lgroup \
lend: \
	VZEROUPPER \
	RET

// func dotStreamsAVX512(w *byte, stride int, groups int, x *int8, blocks int, out *int32)
TEXT ·dotStreamsAVX512(SB), NOSPLIT, $0-48
	LOAD_PLANES
	STREAMS4(SHIFT_STREAMS_BLOCK, streams512_group, streams512_block, streams512_reduce, streams512_end)

// func dotStreamsGFNI(w *byte, stride int, groups int, x *int8, blocks int, out *int32)
TEXT ·dotStreamsGFNI(SB), NOSPLIT, $0-48
	LOAD_PLANES
	STREAMS4(GFNI_STREAMS_BLOCK, streamsgfni_group, streamsgfni_block, streamsgfni_reduce, streamsgfni_end)

// func dot1AVX512(w *byte, x *int8, blocks int) int32
TEXT ·dot1AVX512(SB), NOSPLIT, $8-28
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ blocks+16(FP), CX
	VPBROADCASTD bytes03<>(SB), Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	XORQ AX, AX
	TESTQ CX, CX
	JZ   dot1_512_done

dot1_512_loop:
	VMOVDQU64 (DI), Z0
	VMOVDQU64 64(DI), Z1
	VMOVDQU64 128(DI), Z2
	VMOVDQU64 192(DI), Z3
	AVX512_ROW((SI)(AX*1), Z16, Z17, Z18, Z19)
	ADDQ $64, AX
	ADDQ $256, DI
	DECQ CX
	JNZ  dot1_512_loop

dot1_512_done:
	LEAQ ret+24(FP), R8
	AVX512_REDUCE(Z16, Z17, Z18, Z19, Y16, 0)
	VZEROUPPER
	RET

// func unpackAVX512(dst *int8, src *byte, blocks int)
TEXT ·unpackAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	VPBROADCASTD bytes03<>(SB), Z15
	VPBROADCASTD bytes01<>(SB), Z14
	TESTQ CX, CX
	JZ   unpack_512_done

unpack_512_loop:
	VMOVDQU64 (SI), Z0
	VPANDD    Z15, Z0, Z1
	VPSUBB    Z14, Z1, Z1
	VMOVDQU64 Z1, (DI)
	VPSRLW    $2, Z0, Z2
	VPANDD    Z15, Z2, Z2
	VPSUBB    Z14, Z2, Z2
	VMOVDQU64 Z2, 64(DI)
	VPSRLW    $4, Z0, Z3
	VPANDD    Z15, Z3, Z3
	VPSUBB    Z14, Z3, Z3
	VMOVDQU64 Z3, 128(DI)
	VPSRLW    $6, Z0, Z4
	VPANDD    Z15, Z4, Z4
	VPSUBB    Z14, Z4, Z4
	VMOVDQU64 Z4, 192(DI)
	ADDQ $64, SI
	ADDQ $256, DI
	DECQ CX
	JNZ  unpack_512_loop

unpack_512_done:
	VZEROUPPER
	RET

// ------------------------------------------------------------------ AVX2

// AVX2 has no byte dot product into int32: VPMADDUBSW multiplies u8×s8 into
// int16 pairs. With codes+1 ≤ 2 and |x| ≤ 128 a pair is at most 512 in
// magnitude, so the four planes are summed in int16 (≤ 2048) and widened
// once with VPMADDWD against ones. A block is done as two 32-byte halves.

// One row's half-block (32 bytes at off) into int32 accumulator acc.
#define AVX2_ROW(ptr, off, acc) \
	VMOVDQU    off(ptr)(AX*1), Y4 \
	VPAND      Y15, Y4, Y5 \
	VPMADDUBSW Y0, Y5, Y5 \
	VPSRLW     $2, Y4, Y6 \
	VPAND      Y15, Y6, Y6 \
	VPMADDUBSW Y1, Y6, Y6 \
	VPADDW     Y6, Y5, Y5 \
	VPSRLW     $4, Y4, Y6 \
	VPAND      Y15, Y6, Y6 \
	VPMADDUBSW Y2, Y6, Y6 \
	VPADDW     Y6, Y5, Y5 \
	VPSRLW     $6, Y4, Y6 \
	VPAND      Y15, Y6, Y6 \
	VPMADDUBSW Y3, Y6, Y6 \
	VPADDW     Y6, Y5, Y5 \
	VPMADDWD   Y14, Y5, Y5 \
	VPADDD     Y5, acc, acc

// Load the four activation planes of a half-block.
#define AVX2_X(off) \
	VMOVDQU off(DI), Y0 \
	VMOVDQU 64+off(DI), Y1 \
	VMOVDQU 128+off(DI), Y2 \
	VMOVDQU 192+off(DI), Y3


// func dotRowsAVX2(w *byte, stride int, groups int, x *int8, blocks int, out *int32)
TEXT ·dotRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), SI
	MOVQ stride+8(FP), DX
	MOVQ groups+16(FP), R12
	MOVQ out+40(FP), R8
	VPBROADCASTD bytes03<>(SB), Y15
	VPBROADCASTD words01<>(SB), Y14
	TESTQ R12, R12
	JZ   rows256_end

rows256_group:
	LEAQ (SI)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	LEAQ (R10)(DX*1), R11
	MOVQ x+24(FP), DI
	MOVQ blocks+32(FP), CX
	VPXOR Y8, Y8, Y8
	VPXOR Y11, Y11, Y11
	VPXOR Y12, Y12, Y12
	VPXOR Y13, Y13, Y13
	XORQ AX, AX
	TESTQ CX, CX
	JZ   rows256_reduce

rows256_block:
	// Prefetch the weight stream 8192 bytes ahead: a group's four rows are
	// one contiguous region consumed 256 bytes per block, and the hardware
	// prefetcher alone does not run far enough ahead to hide DRAM latency.
	PREFETCHT0 8192(SI)(AX*4)
	PREFETCHT0 8256(SI)(AX*4)
	PREFETCHT0 8320(SI)(AX*4)
	PREFETCHT0 8384(SI)(AX*4)
	AVX2_X(0)
	AVX2_ROW(SI, 0, Y8)
	AVX2_ROW(R9, 0, Y11)
	AVX2_ROW(R10, 0, Y12)
	AVX2_ROW(R11, 0, Y13)
	AVX2_X(32)
	AVX2_ROW(SI, 32, Y8)
	AVX2_ROW(R9, 32, Y11)
	AVX2_ROW(R10, 32, Y12)
	AVX2_ROW(R11, 32, Y13)
	ADDQ $64, AX
	ADDQ $256, DI
	DECQ CX
	JNZ  rows256_block

rows256_reduce:
	AVX2_REDUCE(Y8, X8, 0)
	AVX2_REDUCE(Y11, X11, 4)
	AVX2_REDUCE(Y12, X12, 8)
	AVX2_REDUCE(Y13, X13, 12)
	ADDQ $16, R8
	LEAQ (R11)(DX*1), SI
	DECQ R12
	JNZ  rows256_group

rows256_end:
	VZEROUPPER
	RET

// func dot1AVX2(w *byte, x *int8, blocks int) int32
TEXT ·dot1AVX2(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ blocks+16(FP), CX
	VPBROADCASTD bytes03<>(SB), Y15
	VPBROADCASTD words01<>(SB), Y14
	VPXOR Y8, Y8, Y8
	VPXOR Y11, Y11, Y11
	XORQ AX, AX
	TESTQ CX, CX
	JZ   dot1_256_done

dot1_256_loop:
	AVX2_X(0)
	AVX2_ROW(SI, 0, Y8)
	AVX2_X(32)
	AVX2_ROW(SI, 32, Y11)
	ADDQ $64, AX
	ADDQ $256, DI
	DECQ CX
	JNZ  dot1_256_loop

dot1_256_done:
	VPADDD Y11, Y8, Y8
	LEAQ ret+24(FP), R8
	AVX2_REDUCE(Y8, X8, 0)
	VZEROUPPER
	RET

// func unpackAVX2(dst *int8, src *byte, blocks int)
TEXT ·unpackAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	VPBROADCASTD bytes03<>(SB), Y15
	VPBROADCASTD bytes01<>(SB), Y14
	TESTQ CX, CX
	JZ   unpack_256_done

unpack_256_loop:
#define AVX2_UNPACK_HALF(off) \
	VMOVDQU off(SI), Y0 \
	VPAND   Y15, Y0, Y1 \
	VPSUBB  Y14, Y1, Y1 \
	VMOVDQU Y1, off(DI) \
	VPSRLW  $2, Y0, Y2 \
	VPAND   Y15, Y2, Y2 \
	VPSUBB  Y14, Y2, Y2 \
	VMOVDQU Y2, 64+off(DI) \
	VPSRLW  $4, Y0, Y3 \
	VPAND   Y15, Y3, Y3 \
	VPSUBB  Y14, Y3, Y3 \
	VMOVDQU Y3, 128+off(DI) \
	VPSRLW  $6, Y0, Y4 \
	VPAND   Y15, Y4, Y4 \
	VPSUBB  Y14, Y4, Y4 \
	VMOVDQU Y4, 192+off(DI)
	AVX2_UNPACK_HALF(0)
	AVX2_UNPACK_HALF(32)
	ADDQ $64, SI
	ADDQ $256, DI
	DECQ CX
	JNZ  unpack_256_loop

unpack_256_done:
	VZEROUPPER
	RET

// ---------------------------------------------------- int8 × int8 rows

// func dotRowsI8AVX512(w *byte, stride int, groups int, x *byte, blocks int, out *int32)
// out[4g+i] = Σ_k x[k]·w[row 4g+i, k] for groups of four int8 rows woven by
// pack.WeaveRows (64-byte block b of row i at 256·b + 64·i, groups
// 4·stride bytes apart); x holds the activations offset to unsigned
// (+128) and blocks counts 256-byte steps of it. One VPDPBUSD per 64
// weights and four rows × four steps in flight: the loop is bound by the
// weight stream, prefetched int8Prefetch bytes ahead (R13).
#define I8_BLOCK \
	PREFETCH256(0) \
	PREFETCH256(256) \
	PREFETCH256(512) \
	PREFETCH256(768) \
	VMOVDQU64  (DI), Z0 \
	VMOVDQU64  64(DI), Z1 \
	VMOVDQU64  128(DI), Z2 \
	VMOVDQU64  192(DI), Z3 \
	VPDPBUSD   0(SI)(AX*4), Z0, Z16 \
	VPDPBUSD   64(SI)(AX*4), Z0, Z20 \
	VPDPBUSD   128(SI)(AX*4), Z0, Z24 \
	VPDPBUSD   192(SI)(AX*4), Z0, Z28 \
	VPDPBUSD   256(SI)(AX*4), Z1, Z17 \
	VPDPBUSD   320(SI)(AX*4), Z1, Z21 \
	VPDPBUSD   384(SI)(AX*4), Z1, Z25 \
	VPDPBUSD   448(SI)(AX*4), Z1, Z29 \
	VPDPBUSD   512(SI)(AX*4), Z2, Z18 \
	VPDPBUSD   576(SI)(AX*4), Z2, Z22 \
	VPDPBUSD   640(SI)(AX*4), Z2, Z26 \
	VPDPBUSD   704(SI)(AX*4), Z2, Z30 \
	VPDPBUSD   768(SI)(AX*4), Z3, Z19 \
	VPDPBUSD   832(SI)(AX*4), Z3, Z23 \
	VPDPBUSD   896(SI)(AX*4), Z3, Z27 \
	VPDPBUSD   960(SI)(AX*4), Z3, Z31 \
	ADDQ       $256, AX \
	ADDQ       $256, DI

TEXT ·dotRowsI8AVX512(SB), NOSPLIT, $0-48
	ROWGROUPS512(I8_BLOCK, ·int8Prefetch(SB), rowsi8_group, rowsi8_block, rowsi8_reduce, rowsi8_end)

// Four streams of int8 rows (see STREAMS4): per step 256 activations (Z0-Z3)
// against 1024 bytes of each stream's group, row i of stream s into
// Z(16+4s+i). Unlike the 2-bit loop, this one does better with a software
// prefetch, one line per 256 bytes of each stream int8Prefetch bytes ahead
// (R14 = 4·AX + the distance): on the 2-core EPYC, 80-84% of the
// four-stream read rate without it, 97-99% with it at 4096 bytes (the
// 2-bit loop, with four times the instructions per byte, lost 15-20
// points to any prefetch).
#define I8_STREAM(p, a0, a1, a2, a3) \
	VPDPBUSD 0(p)(AX*4), Z0, a0 \
	VPDPBUSD 64(p)(AX*4), Z0, a1 \
	VPDPBUSD 128(p)(AX*4), Z0, a2 \
	VPDPBUSD 192(p)(AX*4), Z0, a3 \
	VPDPBUSD 256(p)(AX*4), Z1, a0 \
	VPDPBUSD 320(p)(AX*4), Z1, a1 \
	VPDPBUSD 384(p)(AX*4), Z1, a2 \
	VPDPBUSD 448(p)(AX*4), Z1, a3 \
	VPDPBUSD 512(p)(AX*4), Z2, a0 \
	VPDPBUSD 576(p)(AX*4), Z2, a1 \
	VPDPBUSD 640(p)(AX*4), Z2, a2 \
	VPDPBUSD 704(p)(AX*4), Z2, a3 \
	VPDPBUSD 768(p)(AX*4), Z3, a0 \
	VPDPBUSD 832(p)(AX*4), Z3, a1 \
	VPDPBUSD 896(p)(AX*4), Z3, a2 \
	VPDPBUSD 960(p)(AX*4), Z3, a3

#define PREFETCH_STREAMS(off) \
	PREFETCHT0 off(SI)(R14*1) \
	PREFETCHT0 off(R9)(R14*1) \
	PREFETCHT0 off(R10)(R14*1) \
	PREFETCHT0 off(R11)(R14*1)

#define I8_STREAMS_BLOCK \
	MOVQ AX, R14 \
	SHLQ $2, R14 \
	ADDQ ·int8Prefetch(SB), R14 \
	PREFETCH_STREAMS(0) \
	PREFETCH_STREAMS(256) \
	PREFETCH_STREAMS(512) \
	PREFETCH_STREAMS(768) \
	VMOVDQU64 (DI), Z0 \
	VMOVDQU64 64(DI), Z1 \
	VMOVDQU64 128(DI), Z2 \
	VMOVDQU64 192(DI), Z3 \
	I8_STREAM(SI, Z16, Z17, Z18, Z19) \
	I8_STREAM(R9, Z20, Z21, Z22, Z23) \
	I8_STREAM(R10, Z24, Z25, Z26, Z27) \
	I8_STREAM(R11, Z28, Z29, Z30, Z31) \
	ADDQ $256, AX \
	ADDQ $256, DI

// func dotStreamsI8AVX512(w *byte, stride int, groups int, x *byte, blocks int, out *int32)
TEXT ·dotStreamsI8AVX512(SB), NOSPLIT, $0-48
	STREAMS4(I8_STREAMS_BLOCK, streamsi8_group, streamsi8_block, streamsi8_reduce, streamsi8_end)
