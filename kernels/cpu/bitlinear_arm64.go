//go:build !purego

package cpu

// SDOT needs FEAT_DotProd; the caller (dispatch_arm64.go) offers the sdot
// level only where cpuid reports it, so these never raise an undefined
// instruction.

//go:noescape
func dotRowsSDOT(w *byte, stride int, groups int, x *int8, blocks int, out *int32)

//go:noescape
func dot1SDOT(w *byte, x *int8, blocks int) int32

//go:noescape
func dotRowsNEON(w *byte, stride int, groups int, x *int8, blocks int, out *int32)

//go:noescape
func dot1NEON(w *byte, x *int8, blocks int) int32

// unpackNEON serves both levels: decoding has no multiply to speed up.
//
//go:noescape
func unpackNEON(dst *int8, src *byte, blocks int)

var (
	sdotKernels = asmKernels(dotRowsSDOT, nil, dot1SDOT, unpackNEON, false)
	neonKernels = asmKernels(dotRowsNEON, nil, dot1NEON, unpackNEON, false)
)
