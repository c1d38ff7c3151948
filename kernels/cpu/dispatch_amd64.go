//go:build !purego

package cpu

import "github.com/klauspost/cpuid/v2"

// supported is decided once, at init, from cpuid (which also checks that
// the OS saves the vector registers).
var supported = func() []Level {
	l := []Level{LevelGeneric}
	if cpuid.CPU.Supports(cpuid.AVX2) {
		l = append(l, LevelAVX2)
	}
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.AVXVNNI) {
		l = append(l, LevelAVXVNNI)
	}
	if cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VNNI) {
		l = append(l, LevelAVX512)
		if amxLoops() != nil && amxUnavailable() == "" {
			l = append(l, LevelAMX)
		}
	}
	return l
}()

func blockKernelsFor(l Level) *blockKernels {
	switch l {
	case LevelAVX2:
		return &avx2Kernels
	case LevelAVXVNNI:
		return &avxvnniKernels
	case LevelAVX512, LevelAMX:
		return &avx512Kernels
	}
	return &genericKernels
}
