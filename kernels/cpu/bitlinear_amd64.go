//go:build !purego

package cpu

import (
	"github.com/klauspost/cpuid/v2"
)

//go:noescape
func dotRowsAVX512(w *byte, stride int, groups int, x *int8, blocks int, out *int32)

//go:noescape
func dotRowsGFNI(w *byte, stride int, groups int, x *int8, blocks int, out *int32)

//go:noescape
func dot1AVX512(w *byte, x *int8, blocks int) int32

//go:noescape
func unpackAVX512(dst *int8, src *byte, blocks int)

//go:noescape
func dotRowsAVX2(w *byte, stride int, groups int, x *int8, blocks int, out *int32)

//go:noescape
func dot1AVX2(w *byte, x *int8, blocks int) int32

//go:noescape
func unpackAVX2(dst *int8, src *byte, blocks int)

var (
	// avx512Kernels extracts bit planes with GFNI where the CPU has it
	// (one VGF2P8AFFINEQB instead of a shift and a mask: ~14% faster on
	// cache-resident GEMV), else with shifts.
	avx512Kernels = func() blockKernels {
		if cpuid.CPU.Supports(cpuid.GFNI) {
			return asmKernels(dotRowsGFNI, dot1AVX512, unpackAVX512, true)
		}
		return asmKernels(dotRowsAVX512, dot1AVX512, unpackAVX512, true)
	}()
	avx512ShiftKernels = asmKernels(dotRowsAVX512, dot1AVX512, unpackAVX512, true)
	avx2Kernels        = asmKernels(dotRowsAVX2, dot1AVX2, unpackAVX2, false)
)
