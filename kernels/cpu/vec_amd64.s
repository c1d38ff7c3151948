//go:build !purego

#include "textflag.h"
#include "avx512_amd64.h"

DATA absmask<>+0(SB)/4, $0x7fffffff
GLOBL absmask<>(SB), RODATA|NOPTR, $4
DATA packperm<>+0(SB)/4, $0
DATA packperm<>+4(SB)/4, $4
DATA packperm<>+8(SB)/4, $1
DATA packperm<>+12(SB)/4, $5
DATA packperm<>+16(SB)/4, $2
DATA packperm<>+20(SB)/4, $6
DATA packperm<>+24(SB)/4, $3
DATA packperm<>+28(SB)/4, $7
GLOBL packperm<>(SB), RODATA|NOPTR, $32

// ------------------------------------------------ absmax (per-token scale)

// func absmaxAVX512(x *float32, n16 int) float32
// max |x| over n16·16 values. VMAXPS returns its second source when either
// is NaN, so with |x| first and the running max second a NaN is skipped,
// as the reference's `v > m` test skips it.
TEXT ·absmaxAVX512(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n16+8(FP), CX
	VPBROADCASTD absmask<>(SB), Z15
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	TESTQ CX, CX
	JZ   absmax512_done
	TESTQ $1, CX
	JZ   absmax512_pairs
	VPANDD (SI), Z15, Z2
	VMAXPS Z0, Z2, Z0
	ADDQ $64, SI
	DECQ CX
	JZ   absmax512_done

absmax512_pairs:
	VPANDD (SI), Z15, Z2
	VMAXPS Z0, Z2, Z0
	VPANDD 64(SI), Z15, Z3
	VMAXPS Z1, Z3, Z1
	ADDQ $128, SI
	SUBQ $2, CX
	JNZ  absmax512_pairs

absmax512_done:
	VMAXPS Z1, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VMAXPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPSHUFD $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPSHUFD $0xb1, X0, X1
	VMAXPS X1, X0, X0
	MOVSS X0, ret+16(FP)
	VZEROUPPER
	RET

// func absmaxAVX2(x *float32, n8 int) float32
TEXT ·absmaxAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n8+8(FP), CX
	VPBROADCASTD absmask<>(SB), Y15
	VXORPS Y0, Y0, Y0
	TESTQ CX, CX
	JZ   absmax256_done

absmax256_loop:
	VANDPS (SI), Y15, Y2
	VMAXPS Y0, Y2, Y0
	ADDQ $32, SI
	DECQ CX
	JNZ  absmax256_loop

absmax256_done:
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPSHUFD $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPSHUFD $0xb1, X0, X1
	VMAXPS X1, X0, X0
	MOVSS X0, ret+16(FP)
	VZEROUPPER
	RET

// ------------------------------------------------ quantize with a scale

// func quantAVX512(dst *int8, x *float32, n16 int, scale float32)
// dst = clamp(roundHalfEven(x·scale), -128, 127): VCVTPS2DQ rounds to
// nearest even (the Go runtime keeps MXCSR at its default) and VPMOVSDB
// saturates. NaN lanes are zeroed, as in the reference.
TEXT ·quantAVX512(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n16+16(FP), CX
	VBROADCASTSS scale+24(FP), Z15
	TESTQ CX, CX
	JZ   quant512_done

quant512_loop:
	VMULPS   (SI), Z15, Z0
	VCMPPS   $7, Z0, Z0, K1        // ordered: not NaN
	VCVTPS2DQ.Z Z0, K1, Z1
	VPMOVSDB Z1, (DI)
	ADDQ $64, SI
	ADDQ $16, DI
	DECQ CX
	JNZ  quant512_loop

quant512_done:
	VZEROUPPER
	RET

// func quantAVX2(dst *int8, x *float32, n32 int, scale float32)
// 32 values per iteration: four VCVTPS2DQ, then saturating packs to int16
// and int8, whose 128-bit-lane interleave VPERMD undoes.
TEXT ·quantAVX2(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n32+16(FP), CX
	VBROADCASTSS scale+24(FP), Y15
	VMOVDQU packperm<>(SB), Y14
	TESTQ CX, CX
	JZ   quant256_done

#define QUANT8(off, reg) \
	VMULPS    off(SI), Y15, reg \
	VCMPPS    $7, reg, reg, Y8 \
	VCVTPS2DQ reg, reg \
	VPAND     Y8, reg, reg

quant256_loop:
	QUANT8(0, Y0)
	QUANT8(32, Y1)
	QUANT8(64, Y2)
	QUANT8(96, Y3)
	VPACKSSDW Y1, Y0, Y0
	VPACKSSDW Y3, Y2, Y2
	VPACKSSWB Y2, Y0, Y0
	VPERMD    Y0, Y14, Y0
	VMOVDQU   Y0, (DI)
	ADDQ $128, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  quant256_loop

quant256_done:
	VZEROUPPER
	RET

// ------------------------------------------------ f32 GEMV rows (FMA)

// func dot4F32AVX512(x *float32, w *float32, stride int, n16 int, out *[4]float32)
// Four rows (stride floats apart) dotted with x over n16·16 values, two
// accumulators per row so the FMA latency is covered.
TEXT ·dot4F32AVX512(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ stride+16(FP), DX
	SHLQ $2, DX
	MOVQ n16+24(FP), CX
	MOVQ out+32(FP), R8
	LEAQ (SI)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	LEAQ (R10)(DX*1), R11
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	XORQ AX, AX
	TESTQ CX, CX
	JZ   f32x4_512_reduce
	TESTQ $1, CX
	JZ   f32x4_512_pairs
	VMOVUPS (DI), Z0
	VFMADD231PS (SI), Z0, Z16
	VFMADD231PS (R9), Z0, Z18
	VFMADD231PS (R10), Z0, Z20
	VFMADD231PS (R11), Z0, Z22
	MOVQ $64, AX
	DECQ CX
	JZ   f32x4_512_reduce

f32x4_512_pairs:
	VMOVUPS (DI)(AX*1), Z0
	VMOVUPS 64(DI)(AX*1), Z1
	VFMADD231PS (SI)(AX*1), Z0, Z16
	VFMADD231PS 64(SI)(AX*1), Z1, Z17
	VFMADD231PS (R9)(AX*1), Z0, Z18
	VFMADD231PS 64(R9)(AX*1), Z1, Z19
	VFMADD231PS (R10)(AX*1), Z0, Z20
	VFMADD231PS 64(R10)(AX*1), Z1, Z21
	VFMADD231PS (R11)(AX*1), Z0, Z22
	VFMADD231PS 64(R11)(AX*1), Z1, Z23
	ADDQ $128, AX
	SUBQ $2, CX
	JNZ  f32x4_512_pairs

f32x4_512_reduce:
#define F32_REDUCE512(a, b, yb, off) \
	VADDPS        b, a, a \
	VEXTRACTF64X4 $1, a, Y9 \
	VADDPS        Y9, yb, Y9 \
	VEXTRACTF128  $1, Y9, X10 \
	VADDPS        X10, X9, X9 \
	VPERMILPS     $0x4e, X9, X10 \
	VADDPS        X10, X9, X9 \
	VPERMILPS     $0xb1, X9, X10 \
	VADDSS        X10, X9, X9 \
	MOVSS         X9, off(R8)
	F32_REDUCE512(Z16, Z17, Y16, 0)
	F32_REDUCE512(Z18, Z19, Y18, 4)
	F32_REDUCE512(Z20, Z21, Y20, 8)
	F32_REDUCE512(Z22, Z23, Y22, 12)
	VZEROUPPER
	RET

// func dot4F32AVX2(x *float32, w *float32, stride int, n8 int, out *[4]float32)
TEXT ·dot4F32AVX2(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ stride+16(FP), DX
	SHLQ $2, DX
	MOVQ n8+24(FP), CX
	MOVQ out+32(FP), R8
	LEAQ (SI)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	LEAQ (R10)(DX*1), R11
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	XORQ AX, AX
	TESTQ CX, CX
	JZ   f32x4_256_reduce
	TESTQ $1, CX
	JZ   f32x4_256_pairs
	VMOVUPS (DI), Y0
	VFMADD231PS (SI), Y0, Y4
	VFMADD231PS (R9), Y0, Y6
	VFMADD231PS (R10), Y0, Y8
	VFMADD231PS (R11), Y0, Y10
	MOVQ $32, AX
	DECQ CX
	JZ   f32x4_256_reduce

f32x4_256_pairs:
	VMOVUPS (DI)(AX*1), Y0
	VMOVUPS 32(DI)(AX*1), Y1
	VFMADD231PS (SI)(AX*1), Y0, Y4
	VFMADD231PS 32(SI)(AX*1), Y1, Y5
	VFMADD231PS (R9)(AX*1), Y0, Y6
	VFMADD231PS 32(R9)(AX*1), Y1, Y7
	VFMADD231PS (R10)(AX*1), Y0, Y8
	VFMADD231PS 32(R10)(AX*1), Y1, Y9
	VFMADD231PS (R11)(AX*1), Y0, Y10
	VFMADD231PS 32(R11)(AX*1), Y1, Y11
	ADDQ $64, AX
	SUBQ $2, CX
	JNZ  f32x4_256_pairs

f32x4_256_reduce:
#define F32_REDUCE256(a, b, xa, off) \
	VADDPS       b, a, a \
	VEXTRACTF128 $1, a, X12 \
	VADDPS       X12, xa, X12 \
	VPERMILPS    $0x4e, X12, X13 \
	VADDPS       X13, X12, X12 \
	VPERMILPS    $0xb1, X12, X13 \
	VADDSS       X13, X12, X12 \
	MOVSS        X12, off(R8)
	F32_REDUCE256(Y4, Y5, X4, 0)
	F32_REDUCE256(Y6, Y7, X6, 4)
	F32_REDUCE256(Y8, Y9, X8, 8)
	F32_REDUCE256(Y10, Y11, X10, 12)
	VZEROUPPER
	RET

// ------------------------------------------------ f32 vector × matrix (FMA)

// func vecMatAVX512(y *float32, a *float32, m *float32, rows int, stride int, n16 int)
// y[j] = Σ_i a[i]·m[i·stride+j] for j < 16·n16: a broadcast row weight
// times row i, accumulated in registers across the rows. Eight vectors
// (128 columns) at a time: eight independent FMA chains cover the FMA
// latency and there is no horizontal reduction at all, which is what
// makes this form beat row dot products for attention's short rows.
TEXT ·vecMatAVX512(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ a+8(FP), R8
	MOVQ m+16(FP), SI
	MOVQ rows+24(FP), R9
	MOVQ stride+32(FP), DX
	SHLQ $2, DX
	MOVQ n16+40(FP), CX

vecmat_wide:
	CMPQ CX, $8
	JLT  vecmat_narrow
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	MOVQ SI, R10
	XORQ R11, R11
	TESTQ R9, R9
	JZ   vecmat_wide_store

vecmat_wide_row:
	VBROADCASTSS (R8)(R11*4), Z0
	VFMADD231PS  0(R10), Z0, Z16
	VFMADD231PS  64(R10), Z0, Z17
	VFMADD231PS  128(R10), Z0, Z18
	VFMADD231PS  192(R10), Z0, Z19
	VFMADD231PS  256(R10), Z0, Z20
	VFMADD231PS  320(R10), Z0, Z21
	VFMADD231PS  384(R10), Z0, Z22
	VFMADD231PS  448(R10), Z0, Z23
	ADDQ DX, R10
	INCQ R11
	CMPQ R11, R9
	JLT  vecmat_wide_row

vecmat_wide_store:
	VMOVUPS Z16, 0(DI)
	VMOVUPS Z17, 64(DI)
	VMOVUPS Z18, 128(DI)
	VMOVUPS Z19, 192(DI)
	VMOVUPS Z20, 256(DI)
	VMOVUPS Z21, 320(DI)
	VMOVUPS Z22, 384(DI)
	VMOVUPS Z23, 448(DI)
	ADDQ $512, DI
	ADDQ $512, SI
	SUBQ $8, CX
	JMP  vecmat_wide

vecmat_narrow:
	TESTQ CX, CX
	JZ   vecmat_done
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	MOVQ SI, R10
	XORQ R11, R11
	TESTQ R9, R9
	JZ   vecmat_narrow_store

vecmat_narrow_row:
	// Two chains (even and odd rows) for a single vector of columns.
	VBROADCASTSS (R8)(R11*4), Z0
	VFMADD231PS  (R10), Z0, Z16
	ADDQ DX, R10
	INCQ R11
	CMPQ R11, R9
	JGE  vecmat_narrow_store
	VBROADCASTSS (R8)(R11*4), Z1
	VFMADD231PS  (R10), Z1, Z17
	ADDQ DX, R10
	INCQ R11
	CMPQ R11, R9
	JLT  vecmat_narrow_row

vecmat_narrow_store:
	VADDPS  Z17, Z16, Z16
	VMOVUPS Z16, (DI)
	ADDQ $64, DI
	ADDQ $64, SI
	DECQ CX
	JMP  vecmat_narrow

vecmat_done:
	VZEROUPPER
	RET

// STORE4X16 stores four vectors, 64 floats, at column BX·4 bytes of the
// output whose pointer is the argument y.
#define STORE4X16(y, a, b, c, d) \
	MOVQ    y, R9 \
	VMOVUPS a, 0(R9)(BX*1) \
	VMOVUPS b, 64(R9)(BX*1) \
	VMOVUPS c, 128(R9)(BX*1) \
	VMOVUPS d, 192(R9)(BX*1)

// func vecMat4AVX512(y0, y1, y2, y3, a0, a1, a2, a3, m *float32, rows int, stride int, n16 int)
// y_h[j] = Σ_i a_h[i]·m[i·stride+j] for four vectors a_h at once, j <
// 16·n16: each row of m is loaded once for the four (the query heads that
// share a KV head), so the loop does four FMAs per load instead of one.
// Sixteen accumulators: four heads × four vectors (64 columns) per pass.
TEXT ·vecMat4AVX512(SB), NOSPLIT, $0-96
	MOVQ a0+32(FP), R8
	MOVQ a1+40(FP), R12
	MOVQ a2+48(FP), R13
	MOVQ a3+56(FP), R14
	MOVQ m+64(FP), SI
	MOVQ rows+72(FP), DI
	MOVQ stride+80(FP), DX
	SHLQ $2, DX
	MOVQ n16+88(FP), CX
	XORQ BX, BX

vecmat4_wide:
	CMPQ CX, $4
	JLT  vecmat4_narrow
	ZERO16
	LEAQ (SI)(BX*1), R10
	XORQ R11, R11
	TESTQ DI, DI
	JZ   vecmat4_wide_store

vecmat4_wide_row:
	// The rows eight ahead: in a decode step the KV cache comes from DRAM
	// (the weights streamed since evicted it), rows are strided, and this
	// took attention from 1.17-1.22 to 0.96-1.03 ms a token (2B4T, ctx 128).
	PREFETCHT0   0(R10)(DX*8)
	PREFETCHT0   64(R10)(DX*8)
	PREFETCHT0   128(R10)(DX*8)
	PREFETCHT0   192(R10)(DX*8)
	VBROADCASTSS (R8)(R11*4), Z0
	VBROADCASTSS (R12)(R11*4), Z1
	VBROADCASTSS (R13)(R11*4), Z2
	VBROADCASTSS (R14)(R11*4), Z3
	VMOVUPS      0(R10), Z4
	VMOVUPS      64(R10), Z5
	VMOVUPS      128(R10), Z6
	VMOVUPS      192(R10), Z7
	VFMADD231PS  Z4, Z0, Z16
	VFMADD231PS  Z4, Z1, Z20
	VFMADD231PS  Z4, Z2, Z24
	VFMADD231PS  Z4, Z3, Z28
	VFMADD231PS  Z5, Z0, Z17
	VFMADD231PS  Z5, Z1, Z21
	VFMADD231PS  Z5, Z2, Z25
	VFMADD231PS  Z5, Z3, Z29
	VFMADD231PS  Z6, Z0, Z18
	VFMADD231PS  Z6, Z1, Z22
	VFMADD231PS  Z6, Z2, Z26
	VFMADD231PS  Z6, Z3, Z30
	VFMADD231PS  Z7, Z0, Z19
	VFMADD231PS  Z7, Z1, Z23
	VFMADD231PS  Z7, Z2, Z27
	VFMADD231PS  Z7, Z3, Z31
	ADDQ DX, R10
	INCQ R11
	CMPQ R11, DI
	JLT  vecmat4_wide_row

vecmat4_wide_store:
	STORE4X16(y0+0(FP), Z16, Z17, Z18, Z19)
	STORE4X16(y1+8(FP), Z20, Z21, Z22, Z23)
	STORE4X16(y2+16(FP), Z24, Z25, Z26, Z27)
	STORE4X16(y3+24(FP), Z28, Z29, Z30, Z31)
	ADDQ $256, BX
	SUBQ $4, CX
	JMP  vecmat4_wide

vecmat4_narrow:
	TESTQ CX, CX
	JZ   vecmat4_done
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	LEAQ (SI)(BX*1), R10
	XORQ R11, R11
	TESTQ DI, DI
	JZ   vecmat4_narrow_store

vecmat4_narrow_row:
	VMOVUPS      (R10), Z4
	VBROADCASTSS (R8)(R11*4), Z0
	VBROADCASTSS (R12)(R11*4), Z1
	VBROADCASTSS (R13)(R11*4), Z2
	VBROADCASTSS (R14)(R11*4), Z3
	VFMADD231PS  Z4, Z0, Z16
	VFMADD231PS  Z4, Z1, Z17
	VFMADD231PS  Z4, Z2, Z18
	VFMADD231PS  Z4, Z3, Z19
	ADDQ DX, R10
	INCQ R11
	CMPQ R11, DI
	JLT  vecmat4_narrow_row

vecmat4_narrow_store:
	MOVQ    y0+0(FP), R9
	VMOVUPS Z16, (R9)(BX*1)
	MOVQ    y1+8(FP), R9
	VMOVUPS Z17, (R9)(BX*1)
	MOVQ    y2+16(FP), R9
	VMOVUPS Z18, (R9)(BX*1)
	MOVQ    y3+24(FP), R9
	VMOVUPS Z19, (R9)(BX*1)
	ADDQ $64, BX
	DECQ CX
	JMP  vecmat4_narrow

vecmat4_done:
	VZEROUPPER
	RET

// func sumSquaresAVX512(x *float32, n64 int) float32
// Σ x² over n64 values (a multiple of 64), in four 16-lane FMA chains.
TEXT ·sumSquaresAVX512(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n64+8(FP), CX
	SHRQ $6, CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	TESTQ CX, CX
	JZ   sumsq512_done

sumsq512_loop:
	VMOVUPS     (SI), Z4
	VFMADD231PS Z4, Z4, Z0
	VMOVUPS     64(SI), Z5
	VFMADD231PS Z5, Z5, Z1
	VMOVUPS     128(SI), Z6
	VFMADD231PS Z6, Z6, Z2
	VMOVUPS     192(SI), Z7
	VFMADD231PS Z7, Z7, Z3
	ADDQ $256, SI
	DECQ CX
	JNZ  sumsq512_loop

sumsq512_done:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VPERMILPS $0x4e, X0, X1
	VADDPS X1, X0, X0
	VPERMILPS $0xb1, X0, X1
	VADDPS X1, X0, X0
	MOVSS X0, ret+16(FP)
	VZEROUPPER
	RET

// func scaleMulAVX512(dst, x, gain *float32, n16 int, s float32)
// dst[i] = x[i]·s·gain[i] for n16 values (a multiple of 16), multiplied in
// that order, as the scalar loop does.
TEXT ·scaleMulAVX512(SB), NOSPLIT, $0-36
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ gain+16(FP), DX
	MOVQ n16+24(FP), CX
	SHRQ $4, CX
	MOVSS s+32(FP), X1
	VBROADCASTSS X1, Z1
	XORQ AX, AX
	TESTQ CX, CX
	JZ   scalemul512_done

scalemul512_loop:
	VMULPS (SI)(AX*4), Z1, Z0
	VMULPS (DX)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ $16, AX
	DECQ CX
	JNZ  scalemul512_loop

scalemul512_done:
	VZEROUPPER
	RET

// func reluSqGateAVX512(dst, gate, up *float32, n16 int)
// dst = relu(gate)²·up for n16 values (a multiple of 16). The ReLU clears
// every value whose sign bit is set (the sign, shifted into a mask), as
// the generic loop does, so results are bit-identical to it.
TEXT ·reluSqGateAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ gate+8(FP), SI
	MOVQ up+16(FP), DX
	MOVQ n16+24(FP), CX
	SHRQ $4, CX
	XORQ AX, AX
	TESTQ CX, CX
	JZ   relusq512_done

relusq512_loop:
	VMOVUPS (SI)(AX*4), Z0
	VPSRAD  $31, Z0, Z1
	VPANDND Z0, Z1, Z0
	VMULPS  Z0, Z0, Z0
	VMULPS  (DX)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ $16, AX
	DECQ CX
	JNZ  relusq512_loop

relusq512_done:
	VZEROUPPER
	RET
