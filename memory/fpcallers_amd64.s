//go:build amd64 && !purego

#include "textflag.h"

// func fpCallers(pcs []uintptr) int
//
// Walks the frame-pointer chain of the calling goroutine: with no frame of
// its own, BP is the caller's frame pointer, 0(BP) the caller's caller's
// frame pointer and 8(BP) the return address into the caller's caller. The
// Go toolchain keeps frame pointers on amd64 (the runtime's tracer and
// profilers unwind the same way). The walk stops at a nil frame pointer.
TEXT ·fpCallers(SB), NOSPLIT|NOFRAME, $0-32
	MOVQ pcs_base+0(FP), DI
	MOVQ pcs_len+8(FP), CX
	MOVQ BP, SI
	XORQ AX, AX
loop:
	CMPQ AX, CX
	JGE  done
	TESTQ SI, SI
	JEQ  done
	MOVQ 8(SI), DX
	TESTQ DX, DX
	JEQ  done
	MOVQ DX, (DI)(AX*8)
	MOVQ 0(SI), SI
	INCQ AX
	JMP  loop
done:
	MOVQ AX, ret+24(FP)
	RET
