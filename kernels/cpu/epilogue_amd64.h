// NO_BIAS is EPILOGUE_STEP's BIAS when there is none.
#define NO_BIAS

// EPILOGUE_STEP(BIAS, SCALE): the epilogue of 16 rows at index AX,
// y = float32(acc − Z1 − BIAS) · SCALE / Z3, in the reference's order of
// operations: acc at SI, y at DI. BIAS is empty or a VPSUBD into Z0;
// SCALE a broadcast register or the row scales' memory operand.
#define EPILOGUE_STEP(BIAS, SCALE) \
	VMOVDQU32 (SI)(AX*4), Z0 \
	VPSUBD    Z1, Z0, Z0 \
	BIAS \
	VCVTDQ2PS Z0, Z0 \
	VMULPS    SCALE, Z0, Z0 \
	VDIVPS    Z3, Z0, Z0 \
	VMOVUPS   Z0, (DI)(AX*4)
