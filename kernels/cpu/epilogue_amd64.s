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
