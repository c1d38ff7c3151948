//go:build !purego

#include "textflag.h"
#include "epilogue_amd64.h"

// EPILOGUE16(BIAS, SCALE, lloop): y = float32(acc − sub − bias) · SCALE / xs
// for 16 rows per step (AX indexes them; CX counts steps). BIAS is NO_BIAS
// or SUB_BIAS; SCALE is Z2 (ws, broadcast) or the rs row.
#define SUB_BIAS VPSUBD (R8)(AX*4), Z0, Z0

#define EPILOGUE16(BIAS, SCALE, lloop) \
lloop: \
	EPILOGUE_STEP(BIAS, SCALE) \
	ADDQ      $16, AX \
	DECQ      CX \
	JNZ       lloop \
	VZEROUPPER \
	RET

// func epilogueAVX512(y *float32, acc, bias *int32, rs *float32, n16 int, sub int32, ws, xs float32)
// n16 rows, a multiple of 16; bias and rs may be nil (see rowEpilogue).
TEXT ·epilogueAVX512(SB), NOSPLIT, $0-52
	MOVQ y+0(FP), DI
	MOVQ acc+8(FP), SI
	MOVQ bias+16(FP), R8
	MOVQ rs+24(FP), R9
	MOVQ n16+32(FP), CX
	SHRQ $4, CX
	MOVL  sub+40(FP), R10
	VPBROADCASTD R10, Z1
	MOVSS ws+44(FP), X2
	VBROADCASTSS X2, Z2
	MOVSS xs+48(FP), X3
	VBROADCASTSS X3, Z3
	XORQ AX, AX
	TESTQ CX, CX
	JZ    epi_none
	TESTQ R8, R8
	JNZ   epi_bias
	TESTQ R9, R9
	JNZ   epi_sub_rs
	EPILOGUE16(NO_BIAS, Z2, epi_sub_ws)

epi_sub_rs:
	EPILOGUE16(NO_BIAS, (R9)(AX*4), epi_sub_rs_loop)

epi_bias:
	TESTQ R9, R9
	JNZ   epi_bias_rs
	EPILOGUE16(SUB_BIAS, Z2, epi_bias_ws)

epi_bias_rs:
	EPILOGUE16(SUB_BIAS, (R9)(AX*4), epi_bias_rs_loop)

epi_none:
	VZEROUPPER
	RET

// The AVX2 epilogue (the avx2 and avxvnni levels): EPILOGUE16's steps on
// 8 rows in YMM registers, the same operations in the same order.
#define SUB_BIAS8 VPSUBD (R8)(AX*4), Y0, Y0

#define EPILOGUE8(BIAS, SCALE, lloop) \
lloop: \
	VMOVDQU   (SI)(AX*4), Y0 \
	VPSUBD    Y1, Y0, Y0 \
	BIAS \
	VCVTDQ2PS Y0, Y0 \
	VMULPS    SCALE, Y0, Y0 \
	VDIVPS    Y3, Y0, Y0 \
	VMOVUPS   Y0, (DI)(AX*4) \
	ADDQ      $8, AX \
	DECQ      CX \
	JNZ       lloop \
	VZEROUPPER \
	RET

// func epilogueAVX2(y *float32, acc, bias *int32, rs *float32, n8 int, sub int32, ws, xs float32)
// n8 rows, a multiple of 8; bias and rs may be nil (see rowEpilogue).
TEXT ·epilogueAVX2(SB), NOSPLIT, $0-52
	MOVQ y+0(FP), DI
	MOVQ acc+8(FP), SI
	MOVQ bias+16(FP), R8
	MOVQ rs+24(FP), R9
	MOVQ n8+32(FP), CX
	SHRQ $3, CX
	MOVL  sub+40(FP), R10
	VMOVD R10, X1
	VPBROADCASTD X1, Y1
	VMOVSS ws+44(FP), X2
	VBROADCASTSS X2, Y2
	VMOVSS xs+48(FP), X3
	VBROADCASTSS X3, Y3
	XORQ AX, AX
	TESTQ CX, CX
	JZ    epi8_none
	TESTQ R8, R8
	JNZ   epi8_bias
	TESTQ R9, R9
	JNZ   epi8_sub_rs
	EPILOGUE8(NO_BIAS, Y2, epi8_sub_ws)

epi8_sub_rs:
	EPILOGUE8(NO_BIAS, (R9)(AX*4), epi8_sub_rs_loop)

epi8_bias:
	TESTQ R9, R9
	JNZ   epi8_bias_rs
	EPILOGUE8(SUB_BIAS8, Y2, epi8_bias_ws)

epi8_bias_rs:
	EPILOGUE8(SUB_BIAS8, (R9)(AX*4), epi8_bias_rs_loop)

epi8_none:
	VZEROUPPER
	RET
