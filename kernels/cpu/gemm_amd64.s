//go:build !purego

#include "textflag.h"
#include "avx512_amd64.h"
#include "twobit_amd64.h"
#include "epilogue_amd64.h"

// The GEMM loops of the AVX-512 VNNI level (see gemm.go for the layouts).

// The tiles: func gemmTile<T>VNNI(w, x *int8, xstride, groups int, out *int32, add int).
// Token t's activations start at x + t·xstride. The sums start from out
// when add is not 0, else from zero.
// Per k-group the block's three 16-row weight vectors (Z0-Z2) are loaded
// once, and each token's four activation bytes broadcast once (Z3) for
// the three: 3·T VPDPBUSD into accumulators Z(8+3t+r), token t, panel r.
// VPDPBUSD multiplies unsigned (codes+1 ∈ {0,1,2}) by signed (x) bytes.

#define TOK(addr, a0, a1, a2) \
	VPBROADCASTD addr, Z3 \
	VPDPBUSD     Z3, Z0, a0 \
	VPDPBUSD     Z3, Z1, a1 \
	VPDPBUSD     Z3, Z2, a2

#define STORE3(off, a0, a1, a2) \
	VMOVDQU32 a0, off(R8) \
	VMOVDQU32 a1, off+64(R8) \
	VMOVDQU32 a2, off+128(R8)

#define BODY1(b) TOK(b(DI), Z8, Z9, Z10)
#define BODY2(b) BODY1(b) \
	TOK(b(DI)(R9*1), Z11, Z12, Z13)
#define BODY3(b) BODY2(b) \
	TOK(b(DI)(R9*2), Z14, Z15, Z16)
#define BODY4(b) BODY3(b) \
	TOK(b(DI)(R10*1), Z17, Z18, Z19)
#define BODY5(b) BODY4(b) \
	TOK(b(DI)(R9*4), Z20, Z21, Z22)
#define BODY6(b) BODY5(b) \
	TOK(b(DI)(R11*1), Z23, Z24, Z25)
#define BODY7(b) BODY6(b) \
	TOK(b(DI)(R10*2), Z26, Z27, Z28)
#define BODY8(b) BODY7(b) \
	TOK(b(DI)(R12*1), Z29, Z30, Z31)

#define STORES1 STORE3(0, Z8, Z9, Z10)
#define STORES2 STORES1 \
	STORE3(192, Z11, Z12, Z13)
#define STORES3 STORES2 \
	STORE3(384, Z14, Z15, Z16)
#define STORES4 STORES3 \
	STORE3(576, Z17, Z18, Z19)
#define STORES5 STORES4 \
	STORE3(768, Z20, Z21, Z22)
#define STORES6 STORES5 \
	STORE3(960, Z23, Z24, Z25)
#define STORES7 STORES6 \
	STORE3(1152, Z26, Z27, Z28)
#define STORES8 STORES7 \
	STORE3(1344, Z29, Z30, Z31)

#define LOAD3(off, a0, a1, a2) \
	VMOVDQU32 off(R8), a0 \
	VMOVDQU32 off+64(R8), a1 \
	VMOVDQU32 off+128(R8), a2

#define LOADS1 LOAD3(0, Z8, Z9, Z10)
#define LOADS2 LOADS1 \
	LOAD3(192, Z11, Z12, Z13)
#define LOADS3 LOADS2 \
	LOAD3(384, Z14, Z15, Z16)
#define LOADS4 LOADS3 \
	LOAD3(576, Z17, Z18, Z19)
#define LOADS5 LOADS4 \
	LOAD3(768, Z20, Z21, Z22)
#define LOADS6 LOADS5 \
	LOAD3(960, Z23, Z24, Z25)
#define LOADS7 LOADS6 \
	LOAD3(1152, Z26, Z27, Z28)
#define LOADS8 LOADS7 \
	LOAD3(1344, Z29, Z30, Z31)

#define ZERO24 \
	ZERO16 \
	VPXORD Z8, Z8, Z8 \
	VPXORD Z9, Z9, Z9 \
	VPXORD Z10, Z10, Z10 \
	VPXORD Z11, Z11, Z11 \
	VPXORD Z12, Z12, Z12 \
	VPXORD Z13, Z13, Z13 \
	VPXORD Z14, Z14, Z14 \
	VPXORD Z15, Z15, Z15

// STRIDES: token t of a tile is t·xstride bytes past token 0 (R9);
// R10, R11, R12 hold 3, 5 and 7 strides for the addressing modes.
#define STRIDES \
	LEAQ (R9)(R9*2), R10 \
	LEAQ (R9)(R9*4), R11 \
	LEAQ (R10)(R9*4), R12

#define TILE(BODY, LOADS, STORES, lzero, lstart, lloop, ldone) \
	MOVQ  w+0(FP), SI \
	MOVQ  x+8(FP), DI \
	MOVQ  xstride+16(FP), R9 \
	MOVQ  groups+24(FP), CX \
	MOVQ  out+32(FP), R8 \
	MOVQ  add+40(FP), AX \
	STRIDES \
	TESTQ AX, AX \
	JZ    lzero \
	LOADS \
	JMP   lstart \
lzero: \
	ZERO24 \
lstart: \
	TESTQ CX, CX \
	JZ    ldone \
lloop: \
	VMOVDQU64 (SI), Z0 \
	VMOVDQU64 64(SI), Z1 \
	VMOVDQU64 128(SI), Z2 \
	BODY(0) \
	ADDQ  $192, SI \
	ADDQ  $4, DI \
	DECQ  CX \
	JNZ   lloop \
ldone: \
	STORES \
	VZEROUPPER \
	RET

// The fused tiles: func gemmFused<T>VNNI(w *byte, x *int8, xstride, chunks int, out *int32, add int)
// are the tiles over the woven weights themselves: per chunk the three
// panels are loaded (Z4-Z6) and each plane extracted (Z0-Z2) right before
// the tokens meet it, with no unpacked copy. For a few tokens that is
// cheaper than writing the copy out; for many, the copy is (extraction is
// then paid once per tile instead of once per block).
// PREFETCH: how far ahead of its chunk the fused loop asks for the woven
// codes (16 chunks), which the tile reads from memory.
#define PREFETCH 3072

#define FUSED(BODY, LOADS, STORES, lzero, lstart, lloop, ldone) \
	MOVQ  w+0(FP), SI \
	MOVQ  x+8(FP), DI \
	MOVQ  xstride+16(FP), R9 \
	MOVQ  chunks+24(FP), CX \
	MOVQ  out+32(FP), R8 \
	MOVQ  add+40(FP), AX \
	STRIDES \
	VPBROADCASTD bytes03<>(SB), Z7 \
	TESTQ AX, AX \
	JZ    lzero \
	LOADS \
	JMP   lstart \
lzero: \
	ZERO24 \
lstart: \
	TESTQ CX, CX \
	JZ    ldone \
lloop: \
	PREFETCHT0 PREFETCH(SI) \
	PREFETCHT0 PREFETCH+64(SI) \
	PREFETCHT0 PREFETCH+128(SI) \
	VMOVDQU64 (SI), Z4 \
	VMOVDQU64 64(SI), Z5 \
	VMOVDQU64 128(SI), Z6 \
	VPANDD    Z7, Z4, Z0 \
	VPANDD    Z7, Z5, Z1 \
	VPANDD    Z7, Z6, Z2 \
	BODY(0) \
	VGF2P8AFFINEQB.BCST $0, plane1<>(SB), Z4, Z0 \
	VGF2P8AFFINEQB.BCST $0, plane1<>(SB), Z5, Z1 \
	VGF2P8AFFINEQB.BCST $0, plane1<>(SB), Z6, Z2 \
	BODY(4) \
	VGF2P8AFFINEQB.BCST $0, plane2<>(SB), Z4, Z0 \
	VGF2P8AFFINEQB.BCST $0, plane2<>(SB), Z5, Z1 \
	VGF2P8AFFINEQB.BCST $0, plane2<>(SB), Z6, Z2 \
	BODY(8) \
	VGF2P8AFFINEQB.BCST $0, plane3<>(SB), Z4, Z0 \
	VGF2P8AFFINEQB.BCST $0, plane3<>(SB), Z5, Z1 \
	VGF2P8AFFINEQB.BCST $0, plane3<>(SB), Z6, Z2 \
	BODY(12) \
	ADDQ  $192, SI \
	ADDQ  $16, DI \
	DECQ  CX \
	JNZ   lloop \
ldone: \
	STORES \
	VZEROUPPER \
	RET

TEXT ·gemmTile1VNNI(SB), NOSPLIT, $0-48
	TILE(BODY1, LOADS1, STORES1, tile1_zero, tile1_start, tile1_loop, tile1_done)

TEXT ·gemmTile2VNNI(SB), NOSPLIT, $0-48
	TILE(BODY2, LOADS2, STORES2, tile2_zero, tile2_start, tile2_loop, tile2_done)

TEXT ·gemmTile3VNNI(SB), NOSPLIT, $0-48
	TILE(BODY3, LOADS3, STORES3, tile3_zero, tile3_start, tile3_loop, tile3_done)

TEXT ·gemmTile4VNNI(SB), NOSPLIT, $0-48
	TILE(BODY4, LOADS4, STORES4, tile4_zero, tile4_start, tile4_loop, tile4_done)

TEXT ·gemmTile5VNNI(SB), NOSPLIT, $0-48
	TILE(BODY5, LOADS5, STORES5, tile5_zero, tile5_start, tile5_loop, tile5_done)

TEXT ·gemmTile6VNNI(SB), NOSPLIT, $0-48
	TILE(BODY6, LOADS6, STORES6, tile6_zero, tile6_start, tile6_loop, tile6_done)

TEXT ·gemmTile7VNNI(SB), NOSPLIT, $0-48
	TILE(BODY7, LOADS7, STORES7, tile7_zero, tile7_start, tile7_loop, tile7_done)

TEXT ·gemmTile8VNNI(SB), NOSPLIT, $0-48
	TILE(BODY8, LOADS8, STORES8, tile8_zero, tile8_start, tile8_loop, tile8_done)

TEXT ·gemmFused1VNNI(SB), NOSPLIT, $0-48
	FUSED(BODY1, LOADS1, STORES1, fused1_zero, fused1_start, fused1_loop, fused1_done)

TEXT ·gemmFused2VNNI(SB), NOSPLIT, $0-48
	FUSED(BODY2, LOADS2, STORES2, fused2_zero, fused2_start, fused2_loop, fused2_done)

TEXT ·gemmFused3VNNI(SB), NOSPLIT, $0-48
	FUSED(BODY3, LOADS3, STORES3, fused3_zero, fused3_start, fused3_loop, fused3_done)

TEXT ·gemmFused4VNNI(SB), NOSPLIT, $0-48
	FUSED(BODY4, LOADS4, STORES4, fused4_zero, fused4_start, fused4_loop, fused4_done)

TEXT ·gemmFused5VNNI(SB), NOSPLIT, $0-48
	FUSED(BODY5, LOADS5, STORES5, fused5_zero, fused5_start, fused5_loop, fused5_done)

TEXT ·gemmFused6VNNI(SB), NOSPLIT, $0-48
	FUSED(BODY6, LOADS6, STORES6, fused6_zero, fused6_start, fused6_loop, fused6_done)

TEXT ·gemmFused7VNNI(SB), NOSPLIT, $0-48
	FUSED(BODY7, LOADS7, STORES7, fused7_zero, fused7_start, fused7_loop, fused7_done)

TEXT ·gemmFused8VNNI(SB), NOSPLIT, $0-48
	FUSED(BODY8, LOADS8, STORES8, fused8_zero, fused8_start, fused8_loop, fused8_done)

// func gemmUnpackVNNI(dst *int8, src *byte, chunks int)
// Per woven chunk (three 64-byte panels): plane p of each panel, a shift
// and a mask, is k-group p of the chunk: 192 bytes at 192·p.
TEXT ·gemmUnpackVNNI(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ chunks+16(FP), CX
	VPBROADCASTD bytes03<>(SB), Z15
	TESTQ CX, CX
	JZ    unpack_done

unpack_loop:
	PREFETCHT0 PREFETCH(SI)
	PREFETCHT0 PREFETCH+64(SI)
	PREFETCHT0 PREFETCH+128(SI)
	VMOVDQU64 (SI), Z0
	VMOVDQU64 64(SI), Z1
	VMOVDQU64 128(SI), Z2
	VPANDD    Z15, Z0, Z4
	VPANDD    Z15, Z1, Z5
	VPANDD    Z15, Z2, Z6
	VMOVDQU64 Z4, (DI)
	VMOVDQU64 Z5, 64(DI)
	VMOVDQU64 Z6, 128(DI)
	VPSRLW    $2, Z0, Z4
	VPSRLW    $2, Z1, Z5
	VPSRLW    $2, Z2, Z6
	VPANDD    Z15, Z4, Z4
	VPANDD    Z15, Z5, Z5
	VPANDD    Z15, Z6, Z6
	VMOVDQU64 Z4, 192(DI)
	VMOVDQU64 Z5, 256(DI)
	VMOVDQU64 Z6, 320(DI)
	VPSRLW    $4, Z0, Z4
	VPSRLW    $4, Z1, Z5
	VPSRLW    $4, Z2, Z6
	VPANDD    Z15, Z4, Z4
	VPANDD    Z15, Z5, Z5
	VPANDD    Z15, Z6, Z6
	VMOVDQU64 Z4, 384(DI)
	VMOVDQU64 Z5, 448(DI)
	VMOVDQU64 Z6, 512(DI)
	VPSRLW    $6, Z0, Z4
	VPSRLW    $6, Z1, Z5
	VPSRLW    $6, Z2, Z6
	VPANDD    Z15, Z4, Z4
	VPANDD    Z15, Z5, Z5
	VPANDD    Z15, Z6, Z6
	VMOVDQU64 Z4, 576(DI)
	VMOVDQU64 Z5, 640(DI)
	VMOVDQU64 Z6, 704(DI)
	ADDQ $192, SI
	ADDQ $768, DI
	DECQ CX
	JNZ  unpack_loop

unpack_done:
	VZEROUPPER
	RET

// func gemmPrefetch(p *byte, n int)
// One PREFETCHT0 per 64-byte line of [p, p+n).
TEXT ·gemmPrefetch(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	ADDQ SI, CX

prefetch_loop:
	CMPQ SI, CX
	JAE  prefetch_done
	PREFETCHT0 (SI)
	ADDQ $64, SI
	JMP  prefetch_loop

prefetch_done:
	RET

// GEMM_EPILOGUE16(SCALE, ltok, lrow): every token of the block, n16/16
// steps of 16 rows each: y = float32(acc − xsum[t]) · SCALE / xs[t], the
// operations of epilogueAVX512 in its order. SCALE is Z2 (ws, broadcast)
// or the rs row.
#define GEMM_EPILOGUE16(SCALE, ltok, lrow) \
ltok: \
	VPBROADCASTD (R12), Z1 \
	VBROADCASTSS (R13), Z3 \
	XORQ AX, AX \
	MOVQ DX, CX \
lrow: \
	EPILOGUE_STEP(NO_BIAS, SCALE) \
	ADDQ      $16, AX \
	DECQ      CX \
	JNZ       lrow \
	ADDQ      $192, SI \
	ADDQ      R11, DI \
	ADDQ      $4, R12 \
	ADDQ      $4, R13 \
	DECQ      BX \
	JNZ       ltok \
	VZEROUPPER \
	RET

// func gemmEpilogueAVX512(y *float32, ystride int, acc *int32, rs *float32, xsum *int32, xs *float32, tokens, n16 int, ws float32)
// Token t's sums are 48 int32 apart (a tile's layout), its outputs
// ystride floats apart; rs may be nil (then ws).
TEXT ·gemmEpilogueAVX512(SB), NOSPLIT, $0-68
	MOVQ y+0(FP), DI
	MOVQ ystride+8(FP), R11
	SHLQ $2, R11
	MOVQ acc+16(FP), SI
	MOVQ rs+24(FP), R9
	MOVQ xsum+32(FP), R12
	MOVQ xs+40(FP), R13
	MOVQ tokens+48(FP), BX
	MOVQ n16+56(FP), DX
	SHRQ $4, DX
	MOVSS ws+64(FP), X2
	VBROADCASTSS X2, Z2
	TESTQ BX, BX
	JZ    gepi_none
	TESTQ DX, DX
	JZ    gepi_none
	TESTQ R9, R9
	JNZ   gepi_rs
	GEMM_EPILOGUE16(Z2, gepi_ws_tok, gepi_ws_row)

gepi_rs:
	GEMM_EPILOGUE16((R9)(AX*4), gepi_rs_tok, gepi_rs_row)

gepi_none:
	VZEROUPPER
	RET

// func sumBytesAVX512(x *int8, n int) uint64
// Σ (x + 128) over n bytes (a multiple of 64), each byte as unsigned:
// VPSADBW of x XOR 0x80 against zero sums eight bytes into a quadword.
// The caller subtracts 128·n (the GEMM's Σx per token, once a call).
TEXT ·sumBytesAVX512(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $6, CX
	MOVL $0x80808080, AX
	VPBROADCASTD AX, Z4
	VPXORQ Z0, Z0, Z0
	VPXORQ Z5, Z5, Z5
	TESTQ CX, CX
	JZ    sum512_done

sum512_loop:
	VPXORQ  (SI), Z4, Z2
	VPSADBW Z5, Z2, Z2
	VPADDQ  Z2, Z0, Z0
	ADDQ    $64, SI
	DECQ    CX
	JNZ     sum512_loop

sum512_done:
	VEXTRACTI64X4 $1, Z0, Y1
	VPADDQ        Y1, Y0, Y0
	SUMQ_Y0_AX
	MOVQ AX, ret+16(FP)
	RET
