//go:build amd64 && !purego

package cpu

// UseAVX512ShiftKernels swaps the AVX-512 level to its shift-and-mask
// kernels (the path for CPUs without GFNI) until the returned func is
// called, so both are tested on a machine that has GFNI.
func UseAVX512ShiftKernels() (restore func()) {
	saved := avx512Kernels
	avx512Kernels = avx512ShiftKernels
	return func() { avx512Kernels = saved }
}

// SetTwoBitPrefetch sets the AVX-512 2-bit loop's prefetch distance and
// returns the old one (benchmarks sweep it).
func SetTwoBitPrefetch(n int) int {
	old := twoBitPrefetch
	twoBitPrefetch = n
	return old
}

// SetInt8Prefetch is SetTwoBitPrefetch for the int8 loop.
func SetInt8Prefetch(n int) int {
	old := int8Prefetch
	int8Prefetch = n
	return old
}

// SetFourStreams turns the four-stream AVX-512 kernels on or off and
// returns the old setting; off, the one-stream kernels take every group.
func SetFourStreams(on bool) bool {
	old := fourStreams
	fourStreams = on
	return old
}
