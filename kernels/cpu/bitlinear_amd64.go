//go:build !purego

package cpu

import (
	"github.com/klauspost/cpuid/v2"

	"github.com/bitnet-go/bitnet-bench/kernels/pack"
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

// The wrappers check the slice bounds the assembly relies on, so a bad call
// panics in Go instead of reading past the end of a buffer.

type asmDotRows func(w *byte, stride int, groups int, x *int8, blocks int, out *int32)
type asmDot1 func(w *byte, x *int8, blocks int) int32
type asmUnpack func(dst *int8, src *byte, blocks int)

func asmKernels(dotRows asmDotRows, dot1 asmDot1, unpack asmUnpack) blockKernels {
	return blockKernels{
		dotRows: func(w []byte, stride int, x []int8, out []int32) {
			blocks := len(x) / pack.BlockCodes
			groups := len(out) / 4
			if groups == 0 {
				return
			}
			if blocks == 0 {
				clear(out)
				return
			}
			_ = w[(len(out)-1)*stride+blocks*pack.BlockBytes-1]
			_ = out[4*groups-1]
			dotRows(&w[0], stride, groups, &x[0], blocks, &out[0])
		},
		dot1: func(row []byte, x []int8) int32 {
			blocks := len(x) / pack.BlockCodes
			if blocks == 0 {
				return 0
			}
			_ = row[blocks*pack.BlockBytes-1]
			return dot1(&row[0], &x[0], blocks)
		},
		unpack: func(dst []int8, src []byte) {
			blocks := len(dst) / pack.BlockCodes
			if blocks == 0 {
				return
			}
			_ = src[blocks*pack.BlockBytes-1]
			unpack(&dst[0], &src[0], blocks)
		},
	}
}

var (
	// avx512Kernels extracts bit planes with GFNI where the CPU has it
	// (one VGF2P8AFFINEQB instead of a shift and a mask: ~14% faster on
	// cache-resident GEMV), else with shifts.
	avx512Kernels = func() blockKernels {
		if cpuid.CPU.Supports(cpuid.GFNI) {
			return asmKernels(dotRowsGFNI, dot1AVX512, unpackAVX512)
		}
		return asmKernels(dotRowsAVX512, dot1AVX512, unpackAVX512)
	}()
	avx512ShiftKernels = asmKernels(dotRowsAVX512, dot1AVX512, unpackAVX512)
	avx2Kernels        = asmKernels(dotRowsAVX2, dot1AVX2, unpackAVX2)
)
