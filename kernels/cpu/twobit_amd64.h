// Constants of the 2-bit kernels (BitLinear's GEMV and GEMM files): the
// mask of a 2-bit field in every byte, and the GF(2) affine matrices that
// extract one (each including file gets its own file-local copy), and the
// 256-bit row loops' horizontal sum.

DATA bytes03<>+0(SB)/4, $0x03030303
GLOBL bytes03<>(SB), RODATA|NOPTR, $4

// GF(2) affine matrices that move bits 2p, 2p+1 of every byte to bits 0, 1
// (VGF2P8AFFINEQB: result bit i is the parity of matrix byte 7-i AND x).
DATA plane1<>+0(SB)/8, $0x0408000000000000
GLOBL plane1<>(SB), RODATA|NOPTR, $8
DATA plane2<>+0(SB)/8, $0x1020000000000000
GLOBL plane2<>(SB), RODATA|NOPTR, $8
DATA plane3<>+0(SB)/8, $0x4080000000000000
GLOBL plane3<>(SB), RODATA|NOPTR, $8

// AVX2_REDUCE: the eight int32 lanes of acc (xacc its low half) summed
// into the int32 at off(R8); Y9 and Y10 are scratch. The 256-bit row loops'
// last step (bitlinear_amd64.s, bitlinear_avxvnni_amd64.s).
#define AVX2_REDUCE(acc, xacc, off) \
	VEXTRACTI128 $1, acc, X9 \
	VPADDD       X9, xacc, X9 \
	VPSHUFD      $0x4e, X9, X10 \
	VPADDD       X10, X9, X9 \
	VPSHUFD      $0xb1, X9, X10 \
	VPADDD       X10, X9, X9 \
	MOVL         X9, off(R8)

// SUMQ_Y0_AX: the four quadwords of Y0 summed into AX (X1 scratch),
// upper halves cleared: the byte sums' last step (sumBytesAVX512,
// sumBytesAVX2).
#define SUMQ_Y0_AX \
	VEXTRACTI128 $1, Y0, X1 \
	VPADDQ       X1, X0, X0 \
	VPSHUFD      $0x4E, X0, X1 \
	VPADDQ       X1, X0, X0 \
	VMOVQ        X0, AX \
	VZEROUPPER
