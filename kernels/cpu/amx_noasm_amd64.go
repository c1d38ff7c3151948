//go:build !purego

package cpu

// This build has no AMX assembly: it lands only once tested on a CPU with
// AMX, so the amx level is never supported here.

// amxLoops is the AMX level's GEMM: none.
func amxLoops() *gemmKernels { return nil }

// amxPeak is the AMX level's int8 peak loop: none.
func amxPeak() (func(int) uint64, int) { return nil, 0 }
