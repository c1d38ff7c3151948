//go:build !purego

#include "textflag.h"

// Kernels over the block-interleaved 2-bit layout (kernels/pack): a block is
// 64 bytes holding 256 codes; byte j holds codes j, j+64, j+128, j+192 in
// bits 0-1, 2-3, 4-5, 6-7, stored as code+1 ∈ {0,1,2}. Sixteen weight bytes
// (column q of a block, bytes 16q..16q+15) give four 16-code planes; plane p
// lines up with the 16 activations at x + 64p + 16q. The dot products
// return Σ (c+1)·x; the caller subtracts Σ x.
//
// Loop order: within a block the kernels go column by column (q = 0..3) and,
// inside a column, row by row, so only the four activation vectors of the
// current column are live. That leaves room for four rows' worth of
// accumulators, and each activation vector is loaded once for four rows.

// The Go assembler has no mnemonics for the integer dot product, widening
// multiplies, pairwise accumulate or the signed vector shift, so they are
// emitted from their A64 encodings. Arguments are register numbers (V<n>).
// Each encoding was checked against GNU as/objdump (binutils-aarch64) and
// the kernels are tested against the Go reference under qemu-aarch64.
//
// SDOT   Vd.4S, Vn.16B, Vm.16B  (FEAT_DotProd) Vd.S[i] += Σk Vn.B[4i+k]·Vm.B[4i+k], signed×signed
#define SDOT(d, n, m) WORD $(0x4E809400 | ((m)<<16) | ((n)<<5) | (d))
// SMULL  Vd.8H, Vn.8B, Vm.8B     Vd.H[i] = Vn.B[i]·Vm.B[i], low halves
#define SMULL(d, n, m) WORD $(0x0E20C000 | ((m)<<16) | ((n)<<5) | (d))
// SMULL2 Vd.8H, Vn.16B, Vm.16B   the same for the high halves
#define SMULL2(d, n, m) WORD $(0x4E20C000 | ((m)<<16) | ((n)<<5) | (d))
// SMLAL  Vd.8H, Vn.8B, Vm.8B     Vd.H[i] += Vn.B[i]·Vm.B[i], low halves
#define SMLAL(d, n, m) WORD $(0x0E208000 | ((m)<<16) | ((n)<<5) | (d))
// SMLAL2 Vd.8H, Vn.16B, Vm.16B   the same for the high halves
#define SMLAL2(d, n, m) WORD $(0x4E208000 | ((m)<<16) | ((n)<<5) | (d))
// SADALP Vd.4S, Vn.8H            Vd.S[i] += Vn.H[2i] + Vn.H[2i+1]
#define SADALP(d, n) WORD $(0x4E606800 | ((n)<<5) | (d))
// SSHR   Vd.4S, Vn.4S, #2        arithmetic shift right by 2
#define SSHR2(d, n) WORD $(0x4F3E0400 | ((n)<<5) | (d))

// Load the activations of column q of a block (x + 64p + 16q, p = 0..3)
// from the block at R10.
#define LOADX(off, x0, x1, x2, x3) \
	FMOVQ off(R10), x0 \
	FMOVQ 64+off(R10), x1 \
	FMOVQ 128+off(R10), x2 \
	FMOVQ 192+off(R10), x3

// ------------------------------------------------------------------ SDOT
//
// SDOT multiplies signed bytes; the fields c+1 ∈ {0,1,2} are valid signed
// bytes, so SDOT of a plane with the activations is Σ (c+1)·x, exact in
// int32 lanes. Plane extraction takes five operations per 16 bytes instead
// of six: plane 1 is taken in place, w AND 0x0C = 4·(c+1), and summed in its
// own accumulator that is shifted right by 2 at the end. That is exact while
// 4·Σ fits an int32 lane: a lane takes 16 products of at most 8·128 per
// block, so up to K < 2^25, past the contract's K < 2^24.
//
// Registers: V0 = 0x03 bytes, V1 = 0x0C bytes; V26-V29 planes; w in V30/V31.

// One row's column: 16 weight bytes from rp (advanced by 16) against the
// activations x0-x3 (register numbers), into accumulators a0-a3 (plane p
// in a_p; a1 holds 4·Σ).
#define SDOT_ROW(rp, w, a0, a1, a2, a3, x0, x1, x2, x3) \
	VLD1.P 16(rp), [w.B16] \
	VAND   V0.B16, w.B16, V26.B16 \
	VAND   V1.B16, w.B16, V27.B16 \
	VUSHR  $4, w.B16, V28.B16 \
	VUSHR  $6, w.B16, V29.B16 \
	VAND   V0.B16, V28.B16, V28.B16 \
	SDOT(a0, 26, x0) \
	SDOT(a1, 27, x1) \
	SDOT(a2, 28, x2) \
	SDOT(a3, 29, x3)

// Fold a row's four plane accumulators into a0 (a1 shifted back from 4·Σ).
#define SDOT_FOLD(a0, a1, a2, a3, a1n) \
	SSHR2(a1n, a1n) \
	VADD a1.S4, a0.S4, a0.S4 \
	VADD a3.S4, a2.S4, a2.S4 \
	VADD a2.S4, a0.S4, a0.S4

// dotRows: groups of four rows, sixteen accumulators acc(r,p) = V(2+4r+p)
// so each SDOT chain has four independent neighbours per row.
//
// out[4g+i] = Σ (c+1)·x for row 4g+i, g < groups; rows are stride bytes apart.

// func dotRowsSDOT(w *byte, stride int, groups int, x *int8, blocks int, out *int32)
TEXT ·dotRowsSDOT(SB), NOSPLIT, $0-48
	MOVD  w+0(FP), R0
	MOVD  stride+8(FP), R1
	MOVD  groups+16(FP), R2
	MOVD  x+24(FP), R3
	MOVD  blocks+32(FP), R4
	MOVD  out+40(FP), R5
	VMOVI $0x03, V0.B16
	VMOVI $0x0c, V1.B16
	CBZ   R2, sdotrows_end

sdotrows_group:
	MOVD R0, R6
	ADD  R1, R6, R7
	ADD  R1, R7, R8
	ADD  R1, R8, R9
	MOVD R3, R10
	MOVD R4, R11
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	CBZ  R11, sdotrows_reduce

sdotrows_block:
	// Two activation sets (V18-V21, V22-V25) alternate between columns so
	// the next column's loads need not wait for this column's SDOTs.
	LOADX(0, F18, F19, F20, F21)
	SDOT_ROW(R6, V30, 2, 3, 4, 5, 18, 19, 20, 21)
	SDOT_ROW(R7, V31, 6, 7, 8, 9, 18, 19, 20, 21)
	SDOT_ROW(R8, V30, 10, 11, 12, 13, 18, 19, 20, 21)
	SDOT_ROW(R9, V31, 14, 15, 16, 17, 18, 19, 20, 21)
	LOADX(16, F22, F23, F24, F25)
	SDOT_ROW(R6, V30, 2, 3, 4, 5, 22, 23, 24, 25)
	SDOT_ROW(R7, V31, 6, 7, 8, 9, 22, 23, 24, 25)
	SDOT_ROW(R8, V30, 10, 11, 12, 13, 22, 23, 24, 25)
	SDOT_ROW(R9, V31, 14, 15, 16, 17, 22, 23, 24, 25)
	LOADX(32, F18, F19, F20, F21)
	SDOT_ROW(R6, V30, 2, 3, 4, 5, 18, 19, 20, 21)
	SDOT_ROW(R7, V31, 6, 7, 8, 9, 18, 19, 20, 21)
	SDOT_ROW(R8, V30, 10, 11, 12, 13, 18, 19, 20, 21)
	SDOT_ROW(R9, V31, 14, 15, 16, 17, 18, 19, 20, 21)
	LOADX(48, F22, F23, F24, F25)
	SDOT_ROW(R6, V30, 2, 3, 4, 5, 22, 23, 24, 25)
	SDOT_ROW(R7, V31, 6, 7, 8, 9, 22, 23, 24, 25)
	SDOT_ROW(R8, V30, 10, 11, 12, 13, 22, 23, 24, 25)
	SDOT_ROW(R9, V31, 14, 15, 16, 17, 22, 23, 24, 25)
	ADD  $256, R10
	SUBS $1, R11, R11
	BNE  sdotrows_block

sdotrows_reduce:
	SDOT_FOLD(V2, V3, V4, V5, 3)
	SDOT_FOLD(V6, V7, V8, V9, 7)
	SDOT_FOLD(V10, V11, V12, V13, 11)
	SDOT_FOLD(V14, V15, V16, V17, 15)
	// Pairwise adds turn the four rows' lanes into [row0, row1, row2, row3].
	VADDP V6.S4, V2.S4, V26.S4
	VADDP V14.S4, V10.S4, V27.S4
	VADDP V27.S4, V26.S4, V26.S4
	VST1.P [V26.S4], 16(R5)
	ADD   R1<<2, R0, R0
	SUBS  $1, R2, R2
	BNE   sdotrows_group

sdotrows_end:
	RET

// dot1 is the dotRows loop for one row (the 1-3 rows a group leaves).

// func dot1SDOT(w *byte, x *int8, blocks int) int32
TEXT ·dot1SDOT(SB), NOSPLIT, $0-28
	MOVD  w+0(FP), R6
	MOVD  x+8(FP), R10
	MOVD  blocks+16(FP), R11
	VMOVI $0x03, V0.B16
	VMOVI $0x0c, V1.B16
	VEOR  V2.B16, V2.B16, V2.B16
	VEOR  V3.B16, V3.B16, V3.B16
	VEOR  V4.B16, V4.B16, V4.B16
	VEOR  V5.B16, V5.B16, V5.B16
	CBZ   R11, sdot1_done

sdot1_block:
	LOADX(0, F18, F19, F20, F21)
	SDOT_ROW(R6, V30, 2, 3, 4, 5, 18, 19, 20, 21)
	LOADX(16, F22, F23, F24, F25)
	SDOT_ROW(R6, V31, 2, 3, 4, 5, 22, 23, 24, 25)
	LOADX(32, F18, F19, F20, F21)
	SDOT_ROW(R6, V30, 2, 3, 4, 5, 18, 19, 20, 21)
	LOADX(48, F22, F23, F24, F25)
	SDOT_ROW(R6, V31, 2, 3, 4, 5, 22, 23, 24, 25)
	ADD  $256, R10
	SUBS $1, R11, R11
	BNE  sdot1_block

sdot1_done:
	SDOT_FOLD(V2, V3, V4, V5, 3)
	VADDV V2.S4, V2
	VMOV  V2.S[0], R0
	MOVW  R0, ret+24(FP)
	RET

// ------------------------------------------------------------------ NEON
//
// Without a dot product, SMULL/SMLAL (and their high-half forms) multiply
// the planes' bytes with the activations into int16 lanes. Each row keeps
// four int16 sums (even/odd planes × low/high half), so the multiply-
// accumulate chains are eight deep per block and four rows' chains
// interleave. A sum takes 8 products of at most 2·128 per lane per block
// (3·128 for the 0b11 field valid data never holds): ≤ 2048 (3072), and the
// four added together ≤ 8192 (12288), so a block is summed exactly in int16
// and widened into the row's int32 accumulator once, with one SADALP.
//
// Registers: V0 = 0x03 bytes; V1-V4 int32 accumulators of rows 0-3;
// V5-V20 int16 sums, row r in V(5+4r)..V(8+4r); V21-V24 activations of the
// current column; V25-V28 planes; w in V29/V30.

// Extract the four planes of 16 weight bytes from rp (advanced by 16).
#define NEON_PLANES(rp, w) \
	VLD1.P 16(rp), [w.B16] \
	VAND   V0.B16, w.B16, V25.B16 \
	VUSHR  $2, w.B16, V26.B16 \
	VUSHR  $4, w.B16, V27.B16 \
	VUSHR  $6, w.B16, V28.B16 \
	VAND   V0.B16, V26.B16, V26.B16 \
	VAND   V0.B16, V27.B16, V27.B16

// Column 0 of a block: the products start the row's int16 sums s0-s3.
#define NEON_ROW_FIRST(rp, w, s0, s1, s2, s3) \
	NEON_PLANES(rp, w) \
	SMULL(s0, 25, 21) \
	SMULL2(s1, 25, 21) \
	SMULL(s2, 26, 22) \
	SMULL2(s3, 26, 22) \
	SMLAL(s0, 27, 23) \
	SMLAL2(s1, 27, 23) \
	SMLAL(s2, 28, 24) \
	SMLAL2(s3, 28, 24)

// Columns 1-3: the products add to the row's int16 sums.
#define NEON_ROW(rp, w, s0, s1, s2, s3) \
	NEON_PLANES(rp, w) \
	SMLAL(s0, 25, 21) \
	SMLAL2(s1, 25, 21) \
	SMLAL(s2, 26, 22) \
	SMLAL2(s3, 26, 22) \
	SMLAL(s0, 27, 23) \
	SMLAL2(s1, 27, 23) \
	SMLAL(s2, 28, 24) \
	SMLAL2(s3, 28, 24)

// Add a row's four int16 sums and widen them into its int32 accumulator.
#define NEON_FOLD(acc, s0, s1, s2, s3, s0n) \
	VADD s2.H8, s0.H8, s0.H8 \
	VADD s3.H8, s1.H8, s1.H8 \
	VADD s1.H8, s0.H8, s0.H8 \
	SADALP(acc, s0n)

// func dotRowsNEON(w *byte, stride int, groups int, x *int8, blocks int, out *int32)
TEXT ·dotRowsNEON(SB), NOSPLIT, $0-48
	MOVD  w+0(FP), R0
	MOVD  stride+8(FP), R1
	MOVD  groups+16(FP), R2
	MOVD  x+24(FP), R3
	MOVD  blocks+32(FP), R4
	MOVD  out+40(FP), R5
	VMOVI $0x03, V0.B16
	CBZ   R2, neonrows_end

neonrows_group:
	MOVD R0, R6
	ADD  R1, R6, R7
	ADD  R1, R7, R8
	ADD  R1, R8, R9
	MOVD R3, R10
	MOVD R4, R11
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	CBZ  R11, neonrows_reduce

neonrows_block:
	LOADX(0, F21, F22, F23, F24)
	NEON_ROW_FIRST(R6, V29, 5, 6, 7, 8)
	NEON_ROW_FIRST(R7, V30, 9, 10, 11, 12)
	NEON_ROW_FIRST(R8, V29, 13, 14, 15, 16)
	NEON_ROW_FIRST(R9, V30, 17, 18, 19, 20)
	LOADX(16, F21, F22, F23, F24)
	NEON_ROW(R6, V29, 5, 6, 7, 8)
	NEON_ROW(R7, V30, 9, 10, 11, 12)
	NEON_ROW(R8, V29, 13, 14, 15, 16)
	NEON_ROW(R9, V30, 17, 18, 19, 20)
	LOADX(32, F21, F22, F23, F24)
	NEON_ROW(R6, V29, 5, 6, 7, 8)
	NEON_ROW(R7, V30, 9, 10, 11, 12)
	NEON_ROW(R8, V29, 13, 14, 15, 16)
	NEON_ROW(R9, V30, 17, 18, 19, 20)
	LOADX(48, F21, F22, F23, F24)
	NEON_ROW(R6, V29, 5, 6, 7, 8)
	NEON_ROW(R7, V30, 9, 10, 11, 12)
	NEON_ROW(R8, V29, 13, 14, 15, 16)
	NEON_ROW(R9, V30, 17, 18, 19, 20)
	NEON_FOLD(1, V5, V6, V7, V8, 5)
	NEON_FOLD(2, V9, V10, V11, V12, 9)
	NEON_FOLD(3, V13, V14, V15, V16, 13)
	NEON_FOLD(4, V17, V18, V19, V20, 17)
	ADD  $256, R10
	SUBS $1, R11, R11
	BNE  neonrows_block

neonrows_reduce:
	VADDP V2.S4, V1.S4, V25.S4
	VADDP V4.S4, V3.S4, V26.S4
	VADDP V26.S4, V25.S4, V25.S4
	VST1.P [V25.S4], 16(R5)
	ADD   R1<<2, R0, R0
	SUBS  $1, R2, R2
	BNE   neonrows_group

neonrows_end:
	RET

// func dot1NEON(w *byte, x *int8, blocks int) int32
TEXT ·dot1NEON(SB), NOSPLIT, $0-28
	MOVD  w+0(FP), R6
	MOVD  x+8(FP), R10
	MOVD  blocks+16(FP), R11
	VMOVI $0x03, V0.B16
	VEOR  V1.B16, V1.B16, V1.B16
	CBZ   R11, neon1_done

neon1_block:
	LOADX(0, F21, F22, F23, F24)
	NEON_ROW_FIRST(R6, V29, 5, 6, 7, 8)
	LOADX(16, F21, F22, F23, F24)
	NEON_ROW(R6, V30, 5, 6, 7, 8)
	LOADX(32, F21, F22, F23, F24)
	NEON_ROW(R6, V29, 5, 6, 7, 8)
	LOADX(48, F21, F22, F23, F24)
	NEON_ROW(R6, V30, 5, 6, 7, 8)
	NEON_FOLD(1, V5, V6, V7, V8, 5)
	ADD  $256, R10
	SUBS $1, R11, R11
	BNE  neon1_block

neon1_done:
	VADDV V1.S4, V1
	VMOV  V1.S[0], R0
	MOVW  R0, ret+24(FP)
	RET

// ---------------------------------------------------------------- unpack
//
// Both levels share it. A table lookup turns a nibble straight into a code:
// the low nibble of a byte holds planes 0 and 1, the high nibble planes 2
// and 3, and TBL with T0[n] = (n&3)-1 or T1[n] = (n>>2)-1 yields the code of
// the nibble's low or high field: one AND, one shift and four TBLs per 16
// bytes instead of a shift, mask and subtract per plane. (The 0b11 field
// valid data never holds decodes to 2, as in the Go code.)

DATA unpackTables<>+0(SB)/8, $0x020100ff020100ff
DATA unpackTables<>+8(SB)/8, $0x020100ff020100ff
DATA unpackTables<>+16(SB)/8, $0x00000000ffffffff
DATA unpackTables<>+24(SB)/8, $0x0202020201010101
GLOBL unpackTables<>(SB), RODATA|NOPTR, $32

// func unpackNEON(dst *int8, src *byte, blocks int)
TEXT ·unpackNEON(SB), NOSPLIT, $0-24
	MOVD  dst+0(FP), R0
	MOVD  src+8(FP), R1
	MOVD  blocks+16(FP), R2
	MOVD  $unpackTables<>(SB), R3
	VLD1  (R3), [V0.B16, V1.B16]
	VMOVI $0x0f, V2.B16
	CBZ   R2, unpack_done

unpack_loop:
	VLD1.P 64(R1), [V4.B16, V5.B16, V6.B16, V7.B16]
	VAND   V2.B16, V4.B16, V8.B16
	VAND   V2.B16, V5.B16, V9.B16
	VAND   V2.B16, V6.B16, V10.B16
	VAND   V2.B16, V7.B16, V11.B16
	VUSHR  $4, V4.B16, V12.B16
	VUSHR  $4, V5.B16, V13.B16
	VUSHR  $4, V6.B16, V14.B16
	VUSHR  $4, V7.B16, V15.B16
	VTBL   V8.B16, [V0.B16], V16.B16
	VTBL   V9.B16, [V0.B16], V17.B16
	VTBL   V10.B16, [V0.B16], V18.B16
	VTBL   V11.B16, [V0.B16], V19.B16
	VST1.P [V16.B16, V17.B16, V18.B16, V19.B16], 64(R0)
	VTBL   V8.B16, [V1.B16], V20.B16
	VTBL   V9.B16, [V1.B16], V21.B16
	VTBL   V10.B16, [V1.B16], V22.B16
	VTBL   V11.B16, [V1.B16], V23.B16
	VST1.P [V20.B16, V21.B16, V22.B16, V23.B16], 64(R0)
	VTBL   V12.B16, [V0.B16], V24.B16
	VTBL   V13.B16, [V0.B16], V25.B16
	VTBL   V14.B16, [V0.B16], V26.B16
	VTBL   V15.B16, [V0.B16], V27.B16
	VST1.P [V24.B16, V25.B16, V26.B16, V27.B16], 64(R0)
	VTBL   V12.B16, [V1.B16], V28.B16
	VTBL   V13.B16, [V1.B16], V29.B16
	VTBL   V14.B16, [V1.B16], V30.B16
	VTBL   V15.B16, [V1.B16], V31.B16
	VST1.P [V28.B16, V29.B16, V30.B16, V31.B16], 64(R0)
	SUBS   $1, R2, R2
	BNE    unpack_loop

unpack_done:
	RET
