//go:build !purego

#include "textflag.h"

// Elementwise activations in float32: ReLU, GELU, SiLU, Sigmoid, Tanh.
// Accuracy, special values and the measured error bounds are documented in
// activation_amd64.go. The AVX-512 and AVX2 bodies perform the same float32
// operations in the same order (VSCALEFPS p, n on AVX-512 is p·2^n1·2^n2 on
// AVX2, exact but for the one final rounding), so both levels return the
// same bits.
//
// exp(z), z ≤ 0 clamped, by range reduction: n = round(z·log2 e) (the
// 1.5·2^23 trick), r = z − n·ln2 in two FMA steps (Cody-Waite, the first
// exact), e^r = 1 + r + r²·P(r) with P a degree-4 minimax polynomial
// (relative error 3e-9 on |r| ≤ ln2/2), then 2^n applied last so a result
// that underflows is rounded once (gradual underflow, like the reference).

// Every constant is 8 copies of a float32 (32 bytes): a memory operand for
// AVX2, a broadcast source for AVX-512.
#define CONST(name, bits) \
	DATA name<>+0(SB)/4, bits \
	DATA name<>+4(SB)/4, bits \
	DATA name<>+8(SB)/4, bits \
	DATA name<>+12(SB)/4, bits \
	DATA name<>+16(SB)/4, bits \
	DATA name<>+20(SB)/4, bits \
	DATA name<>+24(SB)/4, bits \
	DATA name<>+28(SB)/4, bits \
	GLOBL name<>(SB), RODATA|NOPTR, $32

CONST(absmask, $0x7fffffff)
CONST(signmask, $0x80000000)
CONST(neginf, $0xff800000)
CONST(bias, $0x0000007f)     // int32 127, the float32 exponent bias
CONST(half, $0x3f000000)     // 0.5
CONST(one, $0x3f800000)      // 1
CONST(log2e, $0x3fb8aa3b)    // 1.44269502
CONST(magic, $0x4b400000)    // 1.5·2^23: x+magic rounds x to an integer held in the low bits
CONST(ln2hi, $0x3f317218)    // 0.693147182 = float32(ln 2)
CONST(ln2lo, $0xb102e308)    // -1.90465421e-09 = ln 2 − ln2hi
CONST(ec2, $0x3efffffe)      // e^r = 1 + r + r²(ec2 + ec3 r + ec4 r² + ec5 r³ + ec6 r⁴)
CONST(ec3, $0x3e2aaa49)
CONST(ec4, $0x3d2aac79)
CONST(ec5, $0x3c091cfb)
CONST(ec6, $0x3ab51225)
CONST(tc0, $0xbeaaaa99)      // tanh(a) = a + a³(tc0 + tc1 s + tc2 s² + tc3 s³ + tc4 s⁴), s = a², a < 0.625
CONST(tc1, $0x3e088393)
CONST(tc2, $0xbd5c1e1e)
CONST(tc3, $0x3ca912ed)
CONST(tc4, $0xbbbaef29)
// GELU: Φ(−a)·e^(a²/2), a = |x| ∈ [0, 14.5], as 16 degree-6 polynomials in
// d = a − center, on the intervals of a+1 split by exponent and two
// mantissa bits ([0,.25), [.25,.5), …, [1,1.5), …, [7,9), …, [13,15)); the
// index is bits(a+1)>>21, whose low 4 bits (all VPERMPS reads) put interval
// k in slot (k+12)%16. Fit relative error ≤ 4.9e-8 with the float32
// coefficients below (c0 dominates, so Horner adds little).
DATA gcen<>+0(SB)/4, $0x3fa00000 // 1.25
DATA gcen<>+4(SB)/4, $0x3fe00000 // 1.75
DATA gcen<>+8(SB)/4, $0x40100000 // 2.25
DATA gcen<>+12(SB)/4, $0x40300000 // 2.75
DATA gcen<>+16(SB)/4, $0x40600000 // 3.5
DATA gcen<>+20(SB)/4, $0x40900000 // 4.5
DATA gcen<>+24(SB)/4, $0x40b00000 // 5.5
DATA gcen<>+28(SB)/4, $0x40d00000 // 6.5
DATA gcen<>+32(SB)/4, $0x41000000 // 8
DATA gcen<>+36(SB)/4, $0x41200000 // 10
DATA gcen<>+40(SB)/4, $0x41400000 // 12
DATA gcen<>+44(SB)/4, $0x41600000 // 14
DATA gcen<>+48(SB)/4, $0x3e000000 // 0.125
DATA gcen<>+52(SB)/4, $0x3ec00000 // 0.375
DATA gcen<>+56(SB)/4, $0x3f200000 // 0.625
DATA gcen<>+60(SB)/4, $0x3f600000 // 0.875
GLOBL gcen<>(SB), RODATA|NOPTR, $64
DATA gc0<>+0(SB)/4, $0x3e6c4c6f // 0.230760321
DATA gc0<>+4(SB)/4, $0x3e3dad5f // 0.185231671
DATA gc0<>+8(SB)/4, $0x3e1d56ef // 0.153651938
DATA gc0<>+12(SB)/4, $0x3e05dcb4 // 0.130724728
DATA gc0<>+16(SB)/4, $0x3dd9cb7d // 0.106345154
DATA gc0<>+20(SB)/4, $0x3dadad67 // 0.084803395
DATA gc0<>+24(SB)/4, $0x3d900fd5 // 0.0703426972
DATA gc0<>+28(SB)/4, $0x3d75d2ff // 0.0600156747
DATA gc0<>+32(SB)/4, $0x3d4934b9 // 0.0491225459
DATA gc0<>+36(SB)/4, $0x3d21d1c5 // 0.0395066924
DATA gc0<>+40(SB)/4, $0x3d073ee7 // 0.0330189727
DATA gc0<>+44(SB)/4, $0x3ce843d7 // 0.0283526611
DATA gc0<>+48(SB)/4, $0x3ee85796 // 0.453793228
DATA gc0<>+52(SB)/4, $0x3ec25b83 // 0.379604429
DATA gc0<>+56(SB)/4, $0x3ea58ef1 // 0.323356181
DATA gc0<>+60(SB)/4, $0x3e8f3e17 // 0.279770583
GLOBL gc0<>(SB), RODATA|NOPTR, $64
DATA gc1<>+0(SB)/4, $0xbde24991 // -0.110491879
DATA gc1<>+4(SB)/4, $0xbd9929dc // -0.0747868717
DATA gc1<>+8(SB)/4, $0xbd5a02e6 // -0.0532254204
DATA gc1<>+12(SB)/4, $0xbd21958c // -0.0394492596
DATA gc1<>+16(SB)/4, $0xbcdb01c5 // -0.0267342422
DATA gc1<>+20(SB)/4, $0xbc8df163 // -0.0173270162
DATA gc1<>+24(SB)/4, $0xbc458cab // -0.0120574636
DATA gc1<>+28(SB)/4, $0xbc10d749 // -0.00884039048
DATA gc1<>+32(SB)/4, $0xbbc35c22 // -0.00596191082
DATA gc1<>+36(SB)/4, $0xbb7df967 // -0.00387533917
DATA gc1<>+40(SB)/4, $0xbb31e7e5 // -0.00271462766
DATA gc1<>+44(SB)/4, $0xbb0366df // -0.00200503296
DATA gc1<>+48(SB)/4, $0xbeaf3737 // -0.342218131
DATA gc1<>+52(SB)/4, $0xbe835fd9 // -0.256590635
DATA gc1<>+56(SB)/4, $0xbe4991a7 // -0.196844682
DATA gc1<>+60(SB)/4, $0xbe1dd7ac // -0.154143035
GLOBL gc1<>(SB), RODATA|NOPTR, $64
DATA gc2<>+0(SB)/4, $0x3d3dbcf0 // 0.046322763
DATA gc2<>+4(SB)/4, $0x3cde9f8d // 0.0271756891
DATA gc2<>+8(SB)/4, $0x3c8ad4fa // 0.0169472583
DATA gc2<>+12(SB)/4, $0x3c3635ee // 0.0111212563
DATA gc2<>+16(SB)/4, $0x3bd14f55 // 0.00638763094
DATA gc2<>+20(SB)/4, $0x3b5fda22 // 0.00341571169
DATA gc2<>+24(SB)/4, $0x3b03ee53 // 0.0020131066
DATA gc2<>+28(SB)/4, $0x3aa75401 // 0.0012766124
DATA gc2<>+32(SB)/4, $0x3a3b130d // 0.000713632267
DATA gc2<>+36(SB)/4, $0x39c57ccc // 0.00037667749
DATA gc2<>+40(SB)/4, $0x3968762f // 0.00022169271
DATA gc2<>+44(SB)/4, $0x3913f189 // 0.000141089913
DATA gc2<>+48(SB)/4, $0x3e526f16 // 0.205501884
DATA gc2<>+52(SB)/4, $0x3e111745 // 0.141690329
DATA gc2<>+56(SB)/4, $0x3dcd1ba3 // 0.100150369
DATA gc2<>+60(SB)/4, $0x3d94583d // 0.0724339262
GLOBL gc2<>(SB), RODATA|NOPTR, $64
DATA gc3<>+0(SB)/4, $0xbc8f9932 // -0.0175291039
DATA gc3<>+4(SB)/4, $0xbc14aec0 // -0.00907486677
DATA gc3<>+8(SB)/4, $0xbba4ddb1 // -0.00503131049
DATA gc3<>+12(SB)/4, $0xbb41cbb5 // -0.00295708817
DATA gc3<>+16(SB)/4, $0xbabf3e6d // -0.00145907479
DATA gc3<>+20(SB)/4, $0xba2adc70 // -0.00065178331
DATA gc3<>+24(SB)/4, $0xb9abfe38 // -0.000328050693
DATA gc3<>+28(SB)/4, $0xb93db150 // -0.000180904986
DATA gc3<>+32(SB)/4, $0xb8b0c046 // -8.4281477e-05
DATA gc3<>+36(SB)/4, $0xb8182c45 // -3.62808532e-05
DATA gc3<>+40(SB)/4, $0xb796ebc4 // -1.79911804e-05
DATA gc3<>+44(SB)/4, $0xb725ca28 // -9.88183456e-06
DATA gc3<>+48(SB)/4, $0xbdd814f3 // -0.105508707
DATA gc3<>+52(SB)/4, $0xbd8ae241 // -0.0678143576
DATA gc3<>+56(SB)/4, $0xbd3746f1 // -0.0447453894
DATA gc3<>+60(SB)/4, $0xbcf7cd68 // -0.0302493125
GLOBL gc3<>(SB), RODATA|NOPTR, $64
DATA gc4<>+0(SB)/4, $0x3bc7f2e8 // 0.00610195473
DATA gc4<>+4(SB)/4, $0x3b3d6ebf // 0.00289051211
DATA gc4<>+8(SB)/4, $0x3ab8f997 // 0.00141124695
DATA gc4<>+12(SB)/4, $0x3a326381 // 0.000680498837
DATA gc4<>+16(SB)/4, $0x39a7ecaf // 0.000320290652
DATA gc4<>+20(SB)/4, $0x3900bbd5 // 0.000122770041
DATA gc4<>+24(SB)/4, $0x38649520 // 5.44983195e-05
DATA gc4<>+28(SB)/4, $0x37cf7931 // 2.47327571e-05
DATA gc4<>+32(SB)/4, $0x3724d4f5 // 9.82474467e-06
DATA gc4<>+36(SB)/4, $0x3663e6cc // 3.39599774e-06
DATA gc4<>+40(SB)/4, $0x35cc652f // 1.52286327e-06
DATA gc4<>+44(SB)/4, $0x353f5ec3 // 7.12909412e-07
DATA gc4<>+48(SB)/4, $0x3d4914e2 // 0.049092181
DATA gc4<>+52(SB)/4, $0x3cef8d7b // 0.0292422678
DATA gc4<>+56(SB)/4, $0x3ca69b1a // 0.0203376301
DATA gc4<>+60(SB)/4, $0x3c61f5b5 // 0.0137914913
GLOBL gc4<>(SB), RODATA|NOPTR, $64
DATA gc5<>+0(SB)/4, $0xbb02dee0 // -0.00199692696
DATA gc5<>+4(SB)/4, $0xba5c5009 // -0.000840426015
DATA gc5<>+8(SB)/4, $0xb9c435b2 // -0.000374240393
DATA gc5<>+12(SB)/4, $0xb9383d6c // -0.000175704889
DATA gc5<>+16(SB)/4, $0xb8901dbe // -6.87199499e-05
DATA gc5<>+20(SB)/4, $0xb7b86a03 // -2.19838748e-05
DATA gc5<>+24(SB)/4, $0xb70a1e42 // -8.23248592e-06
DATA gc5<>+28(SB)/4, $0xb666c6c6 // -3.43883721e-06
DATA gc5<>+32(SB)/4, $0xb59ae6d9 // -1.15410796e-06
DATA gc5<>+36(SB)/4, $0xb4b0cb38 // -3.29304157e-07
DATA gc5<>+40(SB)/4, $0xb3ff311e // -1.18832972e-07
DATA gc5<>+44(SB)/4, $0xb34ddf5c // -4.79334261e-08
DATA gc5<>+48(SB)/4, $0xbca40227 // -0.0200205576
DATA gc5<>+52(SB)/4, $0xbc3ed301 // -0.0116469869
DATA gc5<>+56(SB)/4, $0xbbdfd080 // -0.00683027506
DATA gc5<>+60(SB)/4, $0xbb86d5e2 // -0.00411485229
GLOBL gc5<>(SB), RODATA|NOPTR, $64
DATA gc6<>+0(SB)/4, $0x3a20fd22 // 0.000614123535
DATA gc6<>+4(SB)/4, $0xb9f2393a // -0.00046200474
DATA gc6<>+8(SB)/4, $0x384b64ba // 4.84927805e-05
DATA gc6<>+12(SB)/4, $0x3a40e9bc // 0.000735904789
DATA gc6<>+16(SB)/4, $0x37665211 // 1.37281759e-05
DATA gc6<>+20(SB)/4, $0xb5d939f9 // -1.61846322e-06
DATA gc6<>+24(SB)/4, $0xb69c8ce0 // -4.6655623e-06
DATA gc6<>+28(SB)/4, $0x35d8b8d0 // 1.61470416e-06
DATA gc6<>+32(SB)/4, $0x340e8467 // 1.32729483e-07
DATA gc6<>+36(SB)/4, $0x339f3de4 // 7.41527231e-08
DATA gc6<>+40(SB)/4, $0xb3213017 // -3.75294711e-08
DATA gc6<>+44(SB)/4, $0xb2587af0 // -1.26008075e-08
DATA gc6<>+48(SB)/4, $0xbd0e765f // -0.0347808562
DATA gc6<>+52(SB)/4, $0xbb410a5a // -0.00294556329
DATA gc6<>+56(SB)/4, $0xbdbfdf17 // -0.0936872289
DATA gc6<>+60(SB)/4, $0xbdc2fec7 // -0.0952125117
GLOBL gc6<>(SB), RODATA|NOPTR, $64


CONST(samax, $0xc2dd0000)    // -110.5: SiLU and Sigmoid clamp −|x| here (|x|·e^−|x| < 2^-150 beyond 108.7);
                             // e^−110.5 = p·2^−159 with p = 0.75 < 1, so x·p cannot overflow
CONST(gamax, $0x41680000)    // 14.5: GELU clamps |x| here (|x|·Φ(−|x|) < 2^-150 beyond 14.31)
CONST(tamax, $0x41180000)    // 9.5: tanh clamps |x| here (tanh rounds to 1 beyond 9.01)
CONST(tsmall, $0x3f200000)   // 0.625: tanh uses its odd polynomial below

// ---------------------------------------------------------------- AVX-512
//
// Registers preloaded by LOAD512: Z16 absmask, Z18 log2e, Z19 magic,
// Z20 ln2hi, Z21 ln2lo, Z22 0.5, Z23 1, Z24-Z28 ec2-ec6, Z29 -Inf,
// Z30 signmask; Z17 and Z31 are per function. Bodies take x in Z0 and
// leave f(x) in Z0, using Z1-Z11, K1, K2 (K7 is the tail mask).

#define LOAD512 \
	VPBROADCASTD absmask<>(SB), Z16 \
	VBROADCASTSS log2e<>(SB), Z18 \
	VBROADCASTSS magic<>(SB), Z19 \
	VBROADCASTSS ln2hi<>(SB), Z20 \
	VBROADCASTSS ln2lo<>(SB), Z21 \
	VBROADCASTSS half<>(SB), Z22 \
	VBROADCASTSS one<>(SB), Z23 \
	VBROADCASTSS ec2<>(SB), Z24 \
	VBROADCASTSS ec3<>(SB), Z25 \
	VBROADCASTSS ec4<>(SB), Z26 \
	VBROADCASTSS ec5<>(SB), Z27 \
	VBROADCASTSS ec6<>(SB), Z28 \
	VBROADCASTSS neginf<>(SB), Z29 \
	VPBROADCASTD signmask<>(SB), Z30

// p = e^r for a reduced r; t is scratch.
#define EXPPOLY512(r, p, t) \
	VMOVAPS     Z28, p \
	VFMADD213PS Z27, r, p \
	VFMADD213PS Z26, r, p \
	VFMADD213PS Z25, r, p \
	VFMADD213PS Z24, r, p \
	VMULPS      r, r, t \
	VFMADD213PS r, t, p \
	VADDPS      Z23, p, p

// u = e^r − 1 (without the final +1, for callers that fold it into an FMA).
#define EXPM1POLY512(r, u, t) \
	VMOVAPS     Z28, u \
	VFMADD213PS Z27, r, u \
	VFMADD213PS Z26, r, u \
	VFMADD213PS Z25, r, u \
	VFMADD213PS Z24, r, u \
	VMULPS      r, r, t \
	VFMADD213PS r, t, u

// nf = round(z·log2 e), r = z − nf·ln2, for z ≤ 0 in a register.
#define REDUCE512(z, nf, r) \
	VMOVAPS      z, nf \
	VFMADD213PS  Z19, Z18, nf \
	VSUBPS       Z19, nf, nf \
	VMOVAPS      z, r \
	VFNMADD231PS Z20, nf, r \
	VFNMADD231PS Z21, nf, r

// nf = round(−w·log2 e), r = −w − nf·ln2, for w ≥ 0 (no negation needed).
#define REDUCENEG512(w, nf, r) \
	VMOVAPS      w, nf \
	VFNMADD213PS Z19, Z18, nf \
	VSUBPS       Z19, nf, nf \
	VMOVAPS      w, r \
	VFNMSUB231PS Z20, nf, r \
	VFNMADD231PS Z21, nf, r

// Sigmoid: E = e^−|x|, d = 1+E; σ(x) = 1/d for x ≥ 0, E/d for x < 0: one
// division, no cancellation. Z17 = −110.5.
#define SIGMOID512 \
	VPORD     Z30, Z0, Z1 \
	VMAXPS    Z1, Z17, Z1 \
	REDUCE512(Z1, Z2, Z3) \
	EXPPOLY512(Z3, Z4, Z5) \
	VSCALEFPS Z2, Z4, Z4 \
	VADDPS    Z23, Z4, Z5 \
	VPTESTMD  Z30, Z0, K1 \
	VBLENDMPS Z4, Z23, K1, Z6 \
	VDIVPS    Z5, Z6, Z0

// SiLU: d = 1+E as for Sigmoid; x/d for x ≥ 0; for x < 0, (x·p/d)·2^n with
// E = p·2^n, so a result in the subnormal range is rounded once. Beyond
// |x| > 110.5 the scale is 2^−∞: x < −110.5 gives −0 (−Inf gives NaN, as
// the reference's −Inf/Inf does), x > 110.5 gives x/1. Z17 = −110.5.
#define SILU512 \
	VPORD     Z30, Z0, Z1 \
	VCMPPS    $0x11, Z17, Z1, K2 \
	VMAXPS    Z1, Z17, Z1 \
	REDUCE512(Z1, Z2, Z3) \
	EXPPOLY512(Z3, Z4, Z5) \
	VMOVAPS   Z29, K2, Z2 \
	VSCALEFPS Z2, Z4, Z5 \
	VADDPS    Z23, Z5, Z5 \
	VPTESTMD  Z30, Z0, K1 \
	VMULPS    Z4, Z0, K1, Z0 \
	VDIVPS    Z5, Z0, Z0 \
	VSCALEFPS Z2, Z0, K1, Z0

// GELU: a = |x| clamped to 14.5; e^(−a²/2) with a² = h + l exactly (FMA),
// so the exponent carries no rounding error; Φ(−a) = e^(−a²/2)·g(a) with
// g from the table. v = g·(1 + (e^r − 1)) = Φ(−a)/2^n in one FMA. x < 0:
// (x·v)·2^n; x ≥ 0: x − a·(v·2^n). Beyond |x| > 14.5 the scale is 2^−∞:
// −0 for finite x < 0, NaN for −Inf (as the reference's −Inf·0), x for
// x > 0. Z17 = 14.5.
#define GSTEP512(c) \
	VPERMPS     c<>(SB), Z8, Z11 \
	VFMADD213PS Z11, Z9, Z10

#define GELU512 \
	VPANDD       Z16, Z0, Z1 \
	VCMPPS       $0x1e, Z17, Z1, K2 \
	VMINPS       Z1, Z17, Z1 \
	VMULPS       Z1, Z1, Z2 \
	VMOVAPS      Z2, Z3 \
	VFMSUB231PS  Z1, Z1, Z3 \
	VMULPS       Z22, Z2, Z2 \
	VMULPS       Z22, Z3, Z3 \
	REDUCENEG512(Z2, Z4, Z5) \
	VSUBPS       Z3, Z5, Z5 \
	EXPM1POLY512(Z5, Z6, Z7) \
	VADDPS       Z23, Z1, Z8 \
	VPSRLD       $21, Z8, Z8 \
	VPERMPS      gcen<>(SB), Z8, Z9 \
	VSUBPS       Z9, Z1, Z9 \
	VPERMPS      gc6<>(SB), Z8, Z10 \
	GSTEP512(gc5) \
	GSTEP512(gc4) \
	GSTEP512(gc3) \
	GSTEP512(gc2) \
	GSTEP512(gc1) \
	GSTEP512(gc0) \
	VFMADD213PS  Z10, Z6, Z10 \
	VPTESTMD     Z30, Z0, K1 \
	VMULPS       Z0, Z10, K1, Z10 \
	VMOVAPS      Z29, K2, Z4 \
	VSCALEFPS    Z4, Z10, Z10 \
	VFNMADD231PS Z10, Z1, Z0 \
	VMOVAPS      Z10, K1, Z0

// Tanh: a = |x|; a < 0.625: a + a³·P(a²); else, with t = e^(−2a) (a
// clamped to 9.5), (1−t)/(1+t); the sign of x is put back last, so
// tanh(−0) = −0 and NaN stays NaN. Z17 = 9.5, Z31 = 0.625.
#define TANH512 \
	VPANDD           Z16, Z0, Z1 \
	VMINPS           Z1, Z17, Z2 \
	VADDPS           Z2, Z2, Z2 \
	REDUCENEG512(Z2, Z3, Z4) \
	EXPPOLY512(Z4, Z5, Z6) \
	VSCALEFPS        Z3, Z5, Z5 \
	VSUBPS           Z5, Z23, Z6 \
	VADDPS           Z23, Z5, Z5 \
	VDIVPS           Z5, Z6, Z6 \
	VMULPS           Z1, Z1, Z7 \
	VBROADCASTSS     tc4<>(SB), Z8 \
	VFMADD213PS.BCST tc3<>(SB), Z7, Z8 \
	VFMADD213PS.BCST tc2<>(SB), Z7, Z8 \
	VFMADD213PS.BCST tc1<>(SB), Z7, Z8 \
	VFMADD213PS.BCST tc0<>(SB), Z7, Z8 \
	VMULPS           Z1, Z7, Z7 \
	VFMADD213PS      Z1, Z7, Z8 \
	VCMPPS           $0x11, Z31, Z1, K1 \
	VMOVAPS          Z8, K1, Z6 \
	VPANDD           Z30, Z0, Z0 \
	VPORD            Z6, Z0, Z0

// The loop around a body: 16 floats a step, then one masked step for the
// n%16 left (masked-off lanes are read as 0 and not written).
#define LOOP512(BODY, lloop, ltail, ldone) \
	MOVQ    dst+0(FP), DI \
	MOVQ    src+8(FP), SI \
	MOVQ    n+16(FP), CX \
	MOVQ    CX, BX \
	SHRQ    $4, BX \
	JZ      ltail \
lloop: \
	VMOVUPS (SI), Z0 \
	BODY \
	VMOVUPS Z0, (DI) \
	ADDQ    $64, SI \
	ADDQ    $64, DI \
	DECQ    BX \
	JNZ     lloop \
ltail: \
	ANDQ    $15, CX \
	JZ      ldone \
	MOVL    $1, AX \
	SHLL    CX, AX \
	DECL    AX \
	KMOVW   AX, K7 \
	VMOVUPS.Z (SI), K7, Z0 \
	BODY \
	VMOVUPS Z0, K7, (DI) \
ldone: \
	VZEROUPPER \
	RET

// func actReLUAVX512(dst, src *float32, n int)
// VMAXPS returns its second source (here +0) when x is NaN or ±0.
TEXT ·actReLUAVX512(SB), NOSPLIT, $0-24
	MOVQ   dst+0(FP), DI
	MOVQ   src+8(FP), SI
	MOVQ   n+16(FP), CX
	VPXORD Z1, Z1, Z1
	MOVQ   CX, BX
	SHRQ   $6, BX
	JZ     relu512_16

relu512_64:
	VMOVUPS (SI), Z2
	VMOVUPS 64(SI), Z3
	VMOVUPS 128(SI), Z4
	VMOVUPS 192(SI), Z5
	VMAXPS  Z1, Z2, Z2
	VMAXPS  Z1, Z3, Z3
	VMAXPS  Z1, Z4, Z4
	VMAXPS  Z1, Z5, Z5
	VMOVUPS Z2, (DI)
	VMOVUPS Z3, 64(DI)
	VMOVUPS Z4, 128(DI)
	VMOVUPS Z5, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DI
	DECQ    BX
	JNZ     relu512_64

relu512_16:
	MOVQ CX, BX
	ANDQ $63, BX
	SHRQ $4, BX
	JZ   relu512_tail

relu512_16loop:
	VMOVUPS (SI), Z2
	VMAXPS  Z1, Z2, Z2
	VMOVUPS Z2, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    BX
	JNZ     relu512_16loop

relu512_tail:
	ANDQ $15, CX
	JZ   relu512_done
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K7
	VMOVUPS.Z (SI), K7, Z2
	VMAXPS  Z1, Z2, Z2
	VMOVUPS Z2, K7, (DI)

relu512_done:
	VZEROUPPER
	RET

// func actSigmoidAVX512(dst, src *float32, n int)
TEXT ·actSigmoidAVX512(SB), NOSPLIT, $0-24
	LOAD512
	VBROADCASTSS samax<>(SB), Z17
	LOOP512(SIGMOID512, sigmoid512_loop, sigmoid512_tail, sigmoid512_done)

// func actSiLUAVX512(dst, src *float32, n int)
TEXT ·actSiLUAVX512(SB), NOSPLIT, $0-24
	LOAD512
	VBROADCASTSS samax<>(SB), Z17
	LOOP512(SILU512, silu512_loop, silu512_tail, silu512_done)

// func actGELUAVX512(dst, src *float32, n int)
TEXT ·actGELUAVX512(SB), NOSPLIT, $0-24
	LOAD512
	VBROADCASTSS gamax<>(SB), Z17
	LOOP512(GELU512, gelu512_loop, gelu512_tail, gelu512_done)

// func actTanhAVX512(dst, src *float32, n int)
TEXT ·actTanhAVX512(SB), NOSPLIT, $0-24
	LOAD512
	VBROADCASTSS tamax<>(SB), Z17
	VBROADCASTSS tsmall<>(SB), Z31
	LOOP512(TANH512, tanh512_loop, tanh512_tail, tanh512_done)

// ---------------------------------------------------------------- AVX2
//
// 16 registers: constants are 32-byte memory operands. Bodies take x in
// Y0 and leave f(x) in Y0, using Y1-Y11 and Y15. VBLENDVPS m, a, b, d sets
// d = a where the sign bit of m is set, else b.

// p = e^r; t is scratch.
#define EXPPOLY2(r, p, t) \
	VMOVUPS     ec6<>(SB), p \
	VFMADD213PS ec5<>(SB), r, p \
	VFMADD213PS ec4<>(SB), r, p \
	VFMADD213PS ec3<>(SB), r, p \
	VFMADD213PS ec2<>(SB), r, p \
	VMULPS      r, r, t \
	VFMADD213PS r, t, p \
	VADDPS      one<>(SB), p, p

// u = e^r − 1.
#define EXPM1POLY2(r, u, t) \
	VMOVUPS     ec6<>(SB), u \
	VFMADD213PS ec5<>(SB), r, u \
	VFMADD213PS ec4<>(SB), r, u \
	VFMADD213PS ec3<>(SB), r, u \
	VFMADD213PS ec2<>(SB), r, u \
	VMULPS      r, r, t \
	VFMADD213PS r, t, u

// From kf = round(z·log2 e) + magic (as bits, kf − magic = n ∈ [−159, 0]):
// f1 = 2^(n>>1), f2 = 2^(n − n>>1), both normal, so s·f1 is exact and
// s·f1·f2 rounds once, like VSCALEFPS s, n. Clobbers kf.
#define SCALES2(kf, f1, f2) \
	VPSUBD magic<>(SB), kf, f2 \
	VPSRAD $1, f2, f1 \
	VPSUBD f1, f2, f2 \
	VPADDD bias<>(SB), f1, f1 \
	VPSLLD $23, f1, f1 \
	VPADDD bias<>(SB), f2, f2 \
	VPSLLD $23, f2, f2

#define SIGMOID2 \
	VORPS        signmask<>(SB), Y0, Y1 \
	VMOVUPS      samax<>(SB), Y2 \
	VMAXPS       Y1, Y2, Y1 \
	VMOVUPS      magic<>(SB), Y2 \
	VFMADD231PS  log2e<>(SB), Y1, Y2 \
	VSUBPS       magic<>(SB), Y2, Y3 \
	VFNMADD231PS ln2hi<>(SB), Y3, Y1 \
	VFNMADD231PS ln2lo<>(SB), Y3, Y1 \
	EXPPOLY2(Y1, Y4, Y5) \
	SCALES2(Y2, Y3, Y6) \
	VMULPS       Y3, Y4, Y4 \
	VMULPS       Y6, Y4, Y4 \
	VADDPS       one<>(SB), Y4, Y5 \
	VMOVUPS      one<>(SB), Y6 \
	VBLENDVPS    Y0, Y4, Y6, Y6 \
	VDIVPS       Y5, Y6, Y0

#define SILU2 \
	VORPS        signmask<>(SB), Y0, Y1 \
	VMOVUPS      samax<>(SB), Y2 \
	VCMPPS       $0x11, Y2, Y1, Y15 \
	VMAXPS       Y1, Y2, Y1 \
	VMOVUPS      magic<>(SB), Y2 \
	VFMADD231PS  log2e<>(SB), Y1, Y2 \
	VSUBPS       magic<>(SB), Y2, Y3 \
	VFNMADD231PS ln2hi<>(SB), Y3, Y1 \
	VFNMADD231PS ln2lo<>(SB), Y3, Y1 \
	EXPPOLY2(Y1, Y4, Y5) \
	SCALES2(Y2, Y3, Y6) \
	VANDNPS      Y6, Y15, Y6 \
	VMULPS       Y3, Y4, Y5 \
	VMULPS       Y6, Y5, Y5 \
	VADDPS       one<>(SB), Y5, Y5 \
	VMULPS       Y4, Y0, Y7 \
	VBLENDVPS    Y0, Y7, Y0, Y7 \
	VDIVPS       Y5, Y7, Y7 \
	VMULPS       Y3, Y7, Y8 \
	VMULPS       Y6, Y8, Y8 \
	VBLENDVPS    Y0, Y8, Y7, Y0

// Table lookup of 16 entries with two 8-entry VPERMPS: sel holds bit 3 of
// the index in its sign bit.
#define GPERM2(c, idx, sel, dst, t) \
	VPERMPS   c<>(SB), idx, dst \
	VPERMPS   c<>+32(SB), idx, t \
	VBLENDVPS sel, t, dst, dst

#define GSTEP2(c) \
	GPERM2(c, Y6, Y7, Y10, Y11) \
	VFMADD213PS Y10, Y8, Y9

#define GELU2 \
	VANDPS       absmask<>(SB), Y0, Y1 \
	VMOVUPS      gamax<>(SB), Y2 \
	VCMPPS       $0x1e, Y2, Y1, Y15 \
	VMINPS       Y1, Y2, Y1 \
	VMULPS       Y1, Y1, Y2 \
	VMOVAPS      Y2, Y3 \
	VFMSUB231PS  Y1, Y1, Y3 \
	VMULPS       half<>(SB), Y2, Y2 \
	VMULPS       half<>(SB), Y3, Y3 \
	VMOVUPS      magic<>(SB), Y4 \
	VFNMADD231PS log2e<>(SB), Y2, Y4 \
	VSUBPS       magic<>(SB), Y4, Y5 \
	VFNMSUB231PS ln2hi<>(SB), Y5, Y2 \
	VFNMADD231PS ln2lo<>(SB), Y5, Y2 \
	VSUBPS       Y3, Y2, Y2 \
	EXPM1POLY2(Y2, Y3, Y5) \
	VADDPS       one<>(SB), Y1, Y6 \
	VPSRLD       $21, Y6, Y6 \
	VPSLLD       $28, Y6, Y7 \
	GPERM2(gcen, Y6, Y7, Y8, Y9) \
	VSUBPS       Y8, Y1, Y8 \
	GPERM2(gc6, Y6, Y7, Y9, Y10) \
	GSTEP2(gc5) \
	GSTEP2(gc4) \
	GSTEP2(gc3) \
	GSTEP2(gc2) \
	GSTEP2(gc1) \
	GSTEP2(gc0) \
	VFMADD213PS  Y9, Y3, Y9 \
	VMULPS       Y0, Y9, Y5 \
	VBLENDVPS    Y0, Y5, Y9, Y9 \
	SCALES2(Y4, Y5, Y6) \
	VANDNPS      Y6, Y15, Y6 \
	VMULPS       Y5, Y9, Y9 \
	VMULPS       Y6, Y9, Y9 \
	VMOVAPS      Y0, Y7 \
	VFNMADD231PS Y9, Y1, Y0 \
	VBLENDVPS    Y7, Y9, Y0, Y0

#define TANH2 \
	VANDPS       absmask<>(SB), Y0, Y1 \
	VMOVUPS      tamax<>(SB), Y2 \
	VMINPS       Y1, Y2, Y2 \
	VADDPS       Y2, Y2, Y2 \
	VMOVUPS      magic<>(SB), Y3 \
	VFNMADD231PS log2e<>(SB), Y2, Y3 \
	VSUBPS       magic<>(SB), Y3, Y4 \
	VFNMSUB231PS ln2hi<>(SB), Y4, Y2 \
	VFNMADD231PS ln2lo<>(SB), Y4, Y2 \
	EXPPOLY2(Y2, Y5, Y6) \
	VPADDD       bias<>(SB), Y3, Y3 \
	VPSLLD       $23, Y3, Y3 \
	VMULPS       Y3, Y5, Y5 \
	VMOVUPS      one<>(SB), Y6 \
	VSUBPS       Y5, Y6, Y6 \
	VADDPS       one<>(SB), Y5, Y5 \
	VDIVPS       Y5, Y6, Y6 \
	VMULPS       Y1, Y1, Y7 \
	VMOVUPS      tc4<>(SB), Y8 \
	VFMADD213PS  tc3<>(SB), Y7, Y8 \
	VFMADD213PS  tc2<>(SB), Y7, Y8 \
	VFMADD213PS  tc1<>(SB), Y7, Y8 \
	VFMADD213PS  tc0<>(SB), Y7, Y8 \
	VMULPS       Y1, Y7, Y7 \
	VFMADD213PS  Y1, Y7, Y8 \
	VMOVUPS      tsmall<>(SB), Y9 \
	VCMPPS       $0x11, Y9, Y1, Y9 \
	VBLENDVPS    Y9, Y8, Y6, Y6 \
	VANDPS       signmask<>(SB), Y0, Y0 \
	VORPS        Y6, Y0, Y0

// n must be a multiple of 8: the Go wrapper runs the tail through a
// buffer of 8.
#define LOOP2(BODY, lloop, ldone) \
	MOVQ    dst+0(FP), DI \
	MOVQ    src+8(FP), SI \
	MOVQ    n+16(FP), CX \
	SHRQ    $3, CX \
	JZ      ldone \
lloop: \
	VMOVUPS (SI), Y0 \
	BODY \
	VMOVUPS Y0, (DI) \
	ADDQ    $32, SI \
	ADDQ    $32, DI \
	DECQ    CX \
	JNZ     lloop \
ldone: \
	VZEROUPPER \
	RET

// func actReLUAVX2(dst, src *float32, n int)
TEXT ·actReLUAVX2(SB), NOSPLIT, $0-24
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  n+16(FP), CX
	VXORPS Y1, Y1, Y1
	MOVQ  CX, BX
	SHRQ  $5, BX
	JZ    relu2_8

relu2_32:
	VMOVUPS (SI), Y2
	VMOVUPS 32(SI), Y3
	VMOVUPS 64(SI), Y4
	VMOVUPS 96(SI), Y5
	VMAXPS  Y1, Y2, Y2
	VMAXPS  Y1, Y3, Y3
	VMAXPS  Y1, Y4, Y4
	VMAXPS  Y1, Y5, Y5
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, 32(DI)
	VMOVUPS Y4, 64(DI)
	VMOVUPS Y5, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	DECQ    BX
	JNZ     relu2_32

relu2_8:
	ANDQ $31, CX
	SHRQ $3, CX
	JZ   relu2_done

relu2_8loop:
	VMOVUPS (SI), Y2
	VMAXPS  Y1, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     relu2_8loop

relu2_done:
	VZEROUPPER
	RET

// func actSigmoidAVX2(dst, src *float32, n int)
TEXT ·actSigmoidAVX2(SB), NOSPLIT, $0-24
	LOOP2(SIGMOID2, sigmoid2_loop, sigmoid2_done)

// func actSiLUAVX2(dst, src *float32, n int)
TEXT ·actSiLUAVX2(SB), NOSPLIT, $0-24
	LOOP2(SILU2, silu2_loop, silu2_done)

// func actGELUAVX2(dst, src *float32, n int)
TEXT ·actGELUAVX2(SB), NOSPLIT, $0-24
	LOOP2(GELU2, gelu2_loop, gelu2_done)

// func actTanhAVX2(dst, src *float32, n int)
TEXT ·actTanhAVX2(SB), NOSPLIT, $0-24
	LOOP2(TANH2, tanh2_loop, tanh2_done)

// ------------------------------------------------ softmax numerator

// e^(x−m), with x − m clamped at −110.5 like Sigmoid's argument (e^−110.5
// is already 0 in float32 after the final scaling). Z17 = m, Z12 = −110.5.
#define EXPSHIFT512 \
	VSUBPS    Z17, Z0, Z0 \
	VMAXPS    Z12, Z0, Z0 \
	REDUCE512(Z0, Z1, Z2) \
	EXPPOLY512(Z2, Z3, Z4) \
	VSCALEFPS Z1, Z3, Z0

// func expShiftAVX512(dst, src *float32, n int, m float32) float32
// dst[i] = e^(src[i]−m); returns Σ dst[i] (the softmax denominator), the
// masked-off tail lanes left out of the sum.
TEXT ·expShiftAVX512(SB), NOSPLIT, $0-36
	LOAD512
	VBROADCASTSS m+24(FP), Z17
	VBROADCASTSS samax<>(SB), Z12
	VPXORD       Z31, Z31, Z31
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	MOVQ         CX, BX
	SHRQ         $4, BX
	JZ           expsh512_tail

expsh512_loop:
	VMOVUPS (SI), Z0
	EXPSHIFT512
	VADDPS  Z0, Z31, Z31
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    BX
	JNZ     expsh512_loop

expsh512_tail:
	ANDQ      $15, CX
	JZ        expsh512_sum
	MOVL      $1, AX
	SHLL      CX, AX
	DECL      AX
	KMOVW     AX, K7
	VMOVUPS.Z (SI), K7, Z0
	EXPSHIFT512
	VADDPS    Z0, Z31, K7, Z31
	VMOVUPS   Z0, K7, (DI)

expsh512_sum:
	VEXTRACTF64X4 $1, Z31, Y1
	VADDPS        Y1, Y31, Y1
	VEXTRACTF128  $1, Y1, X2
	VADDPS        X2, X1, X1
	VPERMILPS     $0x4e, X1, X2
	VADDPS        X2, X1, X1
	VPERMILPS     $0xb1, X1, X2
	VADDSS        X2, X1, X1
	MOVSS         X1, ret+32(FP)
	VZEROUPPER
	RET
