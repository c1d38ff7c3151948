//go:build !purego

#include "textflag.h"

// Float format conversions, bit-identical to kernels/quant:
//   - f16: the F16C / AVX-512 instructions, rounding to nearest even (imm 0);
//     they keep subnormals and quiet NaNs exactly as quant does;
//   - bf16: integer round-to-nearest-even, because VCVTNEPS2BF16 flushes
//     subnormal inputs to zero and the contract keeps them.

DATA bf16round<>+0(SB)/4, $0x00007fff
GLOBL bf16round<>(SB), RODATA|NOPTR, $4
DATA bf16inf<>+0(SB)/4, $0x7f800000
GLOBL bf16inf<>(SB), RODATA|NOPTR, $4
DATA bf16quiet<>+0(SB)/4, $0x00000040
GLOBL bf16quiet<>(SB), RODATA|NOPTR, $4
DATA bf16one<>+0(SB)/4, $0x00000001
GLOBL bf16one<>(SB), RODATA|NOPTR, $4
DATA bf16abs<>+0(SB)/4, $0x7fffffff
GLOBL bf16abs<>(SB), RODATA|NOPTR, $4

// func f32ToF16AVX512(dst *uint16, src *float32, n16 int)
TEXT ·f32ToF16AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n16+16(FP), CX
	TESTQ CX, CX
	JZ   tof16_512_done

tof16_512_loop:
	VMOVUPS   (SI), Z0
	VCVTPS2PH $0, Z0, Y1
	VMOVDQU   Y1, (DI)
	ADDQ $64, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  tof16_512_loop

tof16_512_done:
	VZEROUPPER
	RET

// func f16ToF32AVX512(dst *float32, src *uint16, n16 int)
TEXT ·f16ToF32AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n16+16(FP), CX
	TESTQ CX, CX
	JZ   fromf16_512_done

fromf16_512_loop:
	VCVTPH2PS (SI), Z0
	VMOVUPS   Z0, (DI)
	ADDQ $32, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  fromf16_512_loop

fromf16_512_done:
	VZEROUPPER
	RET

// func f32ToF16AVX2(dst *uint16, src *float32, n8 int)
TEXT ·f32ToF16AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n8+16(FP), CX
	TESTQ CX, CX
	JZ   tof16_256_done

tof16_256_loop:
	VMOVUPS   (SI), Y0
	VCVTPS2PH $0, Y0, X1
	VMOVDQU   X1, (DI)
	ADDQ $32, SI
	ADDQ $16, DI
	DECQ CX
	JNZ  tof16_256_loop

tof16_256_done:
	VZEROUPPER
	RET

// func f16ToF32AVX2(dst *float32, src *uint16, n8 int)
TEXT ·f16ToF32AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n8+16(FP), CX
	TESTQ CX, CX
	JZ   fromf16_256_done

fromf16_256_loop:
	VCVTPH2PS (SI), Y0
	VMOVUPS   Y0, (DI)
	ADDQ $16, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  fromf16_256_loop

fromf16_256_done:
	VZEROUPPER
	RET

// func f32ToBF16AVX512(dst *uint16, src *float32, n16 int)
// r = (b + 0x7fff + ((b>>16)&1)) >> 16; NaN (|b| > 0x7f800000) gives
// (b>>16) | 0x40 instead, so a NaN stays a quiet NaN of the same sign.
TEXT ·f32ToBF16AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n16+16(FP), CX
	VPBROADCASTD bf16round<>(SB), Z10
	VPBROADCASTD bf16inf<>(SB), Z11
	VPBROADCASTD bf16quiet<>(SB), Z12
	VPBROADCASTD bf16one<>(SB), Z13
	VPBROADCASTD bf16abs<>(SB), Z14
	TESTQ CX, CX
	JZ   tobf16_512_done

tobf16_512_loop:
	VMOVDQU32 (SI), Z0
	VPSRLD    $16, Z0, Z1
	VPANDD    Z13, Z1, Z2
	VPADDD    Z2, Z0, Z2
	VPADDD    Z10, Z2, Z2
	VPSRLD    $16, Z2, Z2
	VPANDD    Z14, Z0, Z3
	VPCMPGTD  Z11, Z3, K1
	VPORD     Z12, Z1, Z1
	VMOVDQA32 Z1, K1, Z2
	VPMOVDW   Z2, (DI)
	ADDQ $64, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  tobf16_512_loop

tobf16_512_done:
	VZEROUPPER
	RET

// func bf16ToF32AVX512(dst *float32, src *uint16, n16 int)
TEXT ·bf16ToF32AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n16+16(FP), CX
	TESTQ CX, CX
	JZ   frombf16_512_done

frombf16_512_loop:
	VPMOVZXWD (SI), Z0
	VPSLLD    $16, Z0, Z0
	VMOVDQU32 Z0, (DI)
	ADDQ $32, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  frombf16_512_loop

frombf16_512_done:
	VZEROUPPER
	RET

// func f32ToBF16AVX2(dst *uint16, src *float32, n16 int)
// Sixteen values per iteration: two vectors rounded as above, packed to
// uint16 (VPACKUSDW; every value fits) and put back in order with VPERMQ.
TEXT ·f32ToBF16AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n16+16(FP), CX
	VPBROADCASTD bf16round<>(SB), Y10
	VPBROADCASTD bf16inf<>(SB), Y11
	VPBROADCASTD bf16quiet<>(SB), Y12
	VPBROADCASTD bf16one<>(SB), Y13
	VPBROADCASTD bf16abs<>(SB), Y14
	TESTQ CX, CX
	JZ   tobf16_256_done

#define BF16_8(off, out) \
	VMOVDQU   off(SI), Y0 \
	VPSRLD    $16, Y0, Y1 \
	VPAND     Y13, Y1, Y2 \
	VPADDD    Y2, Y0, Y2 \
	VPADDD    Y10, Y2, Y2 \
	VPSRLD    $16, Y2, Y2 \
	VPAND     Y14, Y0, Y3 \
	VPCMPGTD  Y11, Y3, Y3 \
	VPOR      Y12, Y1, Y1 \
	VPBLENDVB Y3, Y1, Y2, out

tobf16_256_loop:
	BF16_8(0, Y4)
	BF16_8(32, Y5)
	VPACKUSDW Y5, Y4, Y4
	VPERMQ    $0xd8, Y4, Y4
	VMOVDQU   Y4, (DI)
	ADDQ $64, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  tobf16_256_loop

tobf16_256_done:
	VZEROUPPER
	RET

// func bf16ToF32AVX2(dst *float32, src *uint16, n8 int)
TEXT ·bf16ToF32AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n8+16(FP), CX
	TESTQ CX, CX
	JZ   frombf16_256_done

frombf16_256_loop:
	VPMOVZXWD (SI), Y0
	VPSLLD    $16, Y0, Y0
	VMOVDQU   Y0, (DI)
	ADDQ $16, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  frombf16_256_loop

frombf16_256_done:
	VZEROUPPER
	RET
