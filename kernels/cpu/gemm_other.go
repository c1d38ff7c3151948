//go:build purego || !amd64

package cpu

// gemmFor: only amd64 (AVX2, AVX-VNNI and AVX-512) has GEMM loops so far; BitLinear of several
// tokens runs on the GEMV path elsewhere.
func gemmFor(Level) *gemmKernels { return nil }
