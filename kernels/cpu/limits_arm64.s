//go:build !purego

#include "textflag.h"

// Encodings as in bitlinear_arm64.s (the Go assembler has no mnemonics for
// these); arguments are register numbers.
#define SDOT(d, n, m) WORD $(0x4E809400 | ((m)<<16) | ((n)<<5) | (d))
#define SMLAL(d, n, m) WORD $(0x0E208000 | ((m)<<16) | ((n)<<5) | (d))
#define SMLAL2(d, n, m) WORD $(0x4E208000 | ((m)<<16) | ((n)<<5) | (d))
#define SADALP(d, n) WORD $(0x4E606800 | ((n)<<5) | (d))

// func readNEON(p *byte, n int) uint64
// Streams n bytes (whole 128-byte chunks; a multiple of 256 is read in full)
// with two 64-byte LD1s per iteration XORed into eight independent
// accumulators, so the loads, not the arithmetic, set the pace; the folded
// result is returned so the loads cannot be dropped.
TEXT ·readNEON(SB), NOSPLIT, $0-24
	MOVD p+0(FP), R0
	MOVD n+8(FP), R1
	LSR  $7, R1, R1
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	CBZ  R1, read_done

read_loop:
	VLD1.P 64(R0), [V16.B16, V17.B16, V18.B16, V19.B16]
	VLD1.P 64(R0), [V20.B16, V21.B16, V22.B16, V23.B16]
	VEOR   V16.B16, V0.B16, V0.B16
	VEOR   V17.B16, V1.B16, V1.B16
	VEOR   V18.B16, V2.B16, V2.B16
	VEOR   V19.B16, V3.B16, V3.B16
	VEOR   V20.B16, V4.B16, V4.B16
	VEOR   V21.B16, V5.B16, V5.B16
	VEOR   V22.B16, V6.B16, V6.B16
	VEOR   V23.B16, V7.B16, V7.B16
	SUBS   $1, R1, R1
	BNE    read_loop

read_done:
	VEOR V1.B16, V0.B16, V0.B16
	VEOR V3.B16, V2.B16, V2.B16
	VEOR V5.B16, V4.B16, V4.B16
	VEOR V7.B16, V6.B16, V6.B16
	VEOR V2.B16, V0.B16, V0.B16
	VEOR V6.B16, V4.B16, V4.B16
	VEOR V4.B16, V0.B16, V0.B16
	VMOV V0.D[0], R2
	VMOV V0.D[1], R3
	EOR  R3, R2, R2
	MOVD R2, ret+16(FP)
	RET

// func peakSDOT(iters int) uint64
// Each iteration issues 16 independent SDOTs (16 × 16 = 256 int8 MACs) on
// registers only: the int8 dot-product peak of one core.
TEXT ·peakSDOT(SB), NOSPLIT, $0-16
	MOVD  iters+0(FP), R0
	VMOVI $2, V0.B16
	VMOVI $0x81, V1.B16
	VEOR  V16.B16, V16.B16, V16.B16
	VEOR  V17.B16, V17.B16, V17.B16
	VEOR  V18.B16, V18.B16, V18.B16
	VEOR  V19.B16, V19.B16, V19.B16
	VEOR  V20.B16, V20.B16, V20.B16
	VEOR  V21.B16, V21.B16, V21.B16
	VEOR  V22.B16, V22.B16, V22.B16
	VEOR  V23.B16, V23.B16, V23.B16
	VEOR  V24.B16, V24.B16, V24.B16
	VEOR  V25.B16, V25.B16, V25.B16
	VEOR  V26.B16, V26.B16, V26.B16
	VEOR  V27.B16, V27.B16, V27.B16
	VEOR  V28.B16, V28.B16, V28.B16
	VEOR  V29.B16, V29.B16, V29.B16
	VEOR  V30.B16, V30.B16, V30.B16
	VEOR  V31.B16, V31.B16, V31.B16
	CBZ   R0, peaksdot_done

peaksdot_loop:
	SDOT(16, 0, 1)
	SDOT(17, 0, 1)
	SDOT(18, 0, 1)
	SDOT(19, 0, 1)
	SDOT(20, 0, 1)
	SDOT(21, 0, 1)
	SDOT(22, 0, 1)
	SDOT(23, 0, 1)
	SDOT(24, 0, 1)
	SDOT(25, 0, 1)
	SDOT(26, 0, 1)
	SDOT(27, 0, 1)
	SDOT(28, 0, 1)
	SDOT(29, 0, 1)
	SDOT(30, 0, 1)
	SDOT(31, 0, 1)
	SUBS $1, R0, R0
	BNE  peaksdot_loop

peaksdot_done:
	VADD V17.S4, V16.S4, V16.S4
	VADD V31.S4, V16.S4, V16.S4
	VMOV V16.S[0], R1
	MOVD R1, ret+8(FP)
	RET

// func peakNEON(iters int) uint64
// The neon kernels' multiply-accumulate mix: for every 32 SMLAL/SMLAL2 into
// int16 sums (8 MACs each) a row's block does three int16 adds and one
// SADALP widening into int32. Each iteration issues exactly that, with the
// multiplies spread over 16 independent int16 accumulators: 32 × 8 = 256
// int8 MACs per iteration. (The int16 sums wrap here; only time matters.)
TEXT ·peakNEON(SB), NOSPLIT, $0-16
	MOVD  iters+0(FP), R0
	VMOVI $2, V0.B16
	VMOVI $0x81, V1.B16
	VEOR  V4.B16, V4.B16, V4.B16
	VEOR  V16.B16, V16.B16, V16.B16
	VEOR  V17.B16, V17.B16, V17.B16
	VEOR  V18.B16, V18.B16, V18.B16
	VEOR  V19.B16, V19.B16, V19.B16
	VEOR  V20.B16, V20.B16, V20.B16
	VEOR  V21.B16, V21.B16, V21.B16
	VEOR  V22.B16, V22.B16, V22.B16
	VEOR  V23.B16, V23.B16, V23.B16
	VEOR  V24.B16, V24.B16, V24.B16
	VEOR  V25.B16, V25.B16, V25.B16
	VEOR  V26.B16, V26.B16, V26.B16
	VEOR  V27.B16, V27.B16, V27.B16
	VEOR  V28.B16, V28.B16, V28.B16
	VEOR  V29.B16, V29.B16, V29.B16
	VEOR  V30.B16, V30.B16, V30.B16
	VEOR  V31.B16, V31.B16, V31.B16
	CBZ   R0, peakneon_done

#define NEON_MAC16 \
	SMLAL(16, 0, 1) \
	SMLAL2(17, 0, 1) \
	SMLAL(18, 0, 1) \
	SMLAL2(19, 0, 1) \
	SMLAL(20, 0, 1) \
	SMLAL2(21, 0, 1) \
	SMLAL(22, 0, 1) \
	SMLAL2(23, 0, 1) \
	SMLAL(24, 0, 1) \
	SMLAL2(25, 0, 1) \
	SMLAL(26, 0, 1) \
	SMLAL2(27, 0, 1) \
	SMLAL(28, 0, 1) \
	SMLAL2(29, 0, 1) \
	SMLAL(30, 0, 1) \
	SMLAL2(31, 0, 1)

peakneon_loop:
	NEON_MAC16
	NEON_MAC16
	VADD V17.H8, V16.H8, V2.H8
	VADD V19.H8, V18.H8, V3.H8
	VADD V3.H8, V2.H8, V2.H8
	SADALP(4, 2)
	SUBS $1, R0, R0
	BNE  peakneon_loop

peakneon_done:
	VADD V17.H8, V16.H8, V16.H8
	VADD V4.S4, V16.S4, V16.S4
	VMOV V16.S[0], R1
	MOVD R1, ret+8(FP)
	RET
