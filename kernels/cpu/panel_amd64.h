// The 256-bit GEMM panels' shared steps (gemm_avx2_amd64.s and
// gemm_avxvnni_amd64.s): a panel is 16 rows of a woven chunk, two YMM
// halves.

// EXTRACT: plane p of the panel's two woven halves (Y4, Y5; Y6 the 2-bit
// mask) into Y0, Y1.
#define EXTRACT0 \
	VPAND Y6, Y4, Y0 \
	VPAND Y6, Y5, Y1
#define EXTRACT(s) \
	VPSRLW $s, Y4, Y0 \
	VPSRLW $s, Y5, Y1 \
	VPAND  Y6, Y0, Y0 \
	VPAND  Y6, Y1, Y1

// PANEL_PREFETCH: how far ahead of its chunk the fused loop asks for the
// woven codes (16 chunks): the first panel call of a span is the one that
// reads them from memory, the other five find them in L1.
#define PANEL_PREFETCH 3072

// FUSED_CHUNK: one woven chunk of the fused loop (the panel's 64 bytes
// at SI, its tokens' 16 codes at DI): the four planes extracted in turn,
// BODY(4p) meeting plane p, then both pointers advanced.
#define FUSED_CHUNK(BODY) \
	PREFETCHT0 PANEL_PREFETCH(SI) \
	PREFETCHT0 PANEL_PREFETCH+64(SI) \
	PREFETCHT0 PANEL_PREFETCH+128(SI) \
	VMOVDQU (SI), Y4 \
	VMOVDQU 32(SI), Y5 \
	EXTRACT0 \
	BODY(0) \
	EXTRACT(2) \
	BODY(4) \
	EXTRACT(4) \
	BODY(8) \
	EXTRACT(6) \
	BODY(12) \
	ADDQ $192, SI \
	ADDQ $16, DI

// ZACC<T>: the sums of T tokens (Y8+2t, Y9+2t) cleared.
#define ZACC1 \
	VPXOR Y8, Y8, Y8 \
	VPXOR Y9, Y9, Y9
#define ZACC2 ZACC1 \
	VPXOR Y10, Y10, Y10 \
	VPXOR Y11, Y11, Y11
#define ZACC3 ZACC2 \
	VPXOR Y12, Y12, Y12 \
	VPXOR Y13, Y13, Y13
#define ZACC4 ZACC3 \
	VPXOR Y14, Y14, Y14 \
	VPXOR Y15, Y15, Y15
