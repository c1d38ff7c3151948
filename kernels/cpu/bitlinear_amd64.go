//go:build !purego

package cpu

import (
	"github.com/klauspost/cpuid/v2"
)

// twoBitPrefetch is how far ahead of the block it reads, in bytes of the
// woven stream, the one-stream AVX-512 2-bit loop prefetches (see
// TWOBIT_BLOCK; the four-stream loops do not prefetch).
// BenchmarkTwoBitPrefetchSweep, weights in huge pages, 2-core EPYC VM,
// four runs: 4608 gave 74.9-76.2% of the read bandwidth, 4096 70.6-76.6%,
// 6144 (the choice with 4 KiB pages) 69.0-74.4%, 2048 and 16384 about 69%.
var twoBitPrefetch = 4608

// int8Prefetch is the same for the int8 loops of Int8GEMV (the LM head),
// four streams and one. BenchmarkInt8PrefetchSweep, four streams, weights
// in huge pages: see I8_STREAMS_BLOCK.
var int8Prefetch = 4096

//go:noescape
func dotRowsAVX512(w *byte, stride int, groups int, x *int8, blocks int, out *int32)

//go:noescape
func dotRowsGFNI(w *byte, stride int, groups int, x *int8, blocks int, out *int32)

//go:noescape
func dotStreamsAVX512(w *byte, stride int, groups int, x *int8, blocks int, out *int32)

//go:noescape
func dotStreamsGFNI(w *byte, stride int, groups int, x *int8, blocks int, out *int32)

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

// The avxvnni rows (bitlinear_avxvnni_amd64.s): dotRowsAVX2 and dot1AVX2
// with VEX VPDPBUSD.

//go:noescape
func dotRowsAVXVNNI(w *byte, stride int, groups int, x *int8, blocks int, out *int32)

//go:noescape
func dot1AVXVNNI(w *byte, x *int8, blocks int) int32

var (
	// avx512Kernels extracts bit planes with GFNI where the CPU has it
	// (one VGF2P8AFFINEQB instead of a shift and a mask: ~14% faster on
	// cache-resident GEMV), else with shifts.
	avx512Kernels = func() blockKernels {
		if cpuid.CPU.Supports(cpuid.GFNI) {
			return asmKernels(dotRowsGFNI, dotStreamsGFNI, dot1AVX512, unpackAVX512, true)
		}
		return asmKernels(dotRowsAVX512, dotStreamsAVX512, dot1AVX512, unpackAVX512, true)
	}()
	avx512ShiftKernels = asmKernels(dotRowsAVX512, dotStreamsAVX512, dot1AVX512, unpackAVX512, true)
	// The AVX2 kernel reads four plain rows, stride bytes apart: four
	// streams already.
	avx2Kernels = asmKernels(dotRowsAVX2, nil, dot1AVX2, unpackAVX2, false)
	// avxvnniKernels has no unpack of its own (it would be AVX2's), so
	// Unpack2Bit is not an op of that level.
	avxvnniKernels = withoutUnpack(asmKernels(dotRowsAVXVNNI, nil, dot1AVXVNNI, unpackAVX2, false))
)

//go:noescape
func dotRowsI8AVX512(w *byte, stride int, groups int, x *byte, blocks int, out *int32)

//go:noescape
func dotStreamsI8AVX512(w *byte, stride int, groups int, x *byte, blocks int, out *int32)

// int8RowsFor returns the level's int8 × int8 row loop, or nil.
func int8RowsFor(l Level) func(w []byte, stride int, xu []byte, out []int32) {
	if l != LevelAVX512 && l != LevelAMX {
		return nil
	}
	return func(w []byte, stride int, xu []byte, out []int32) {
		groups := len(out) / 4
		blocks := stride / int8Block
		if groups == 0 || blocks == 0 {
			return
		}
		_ = w[4*groups*stride-1]
		_ = xu[blocks*int8Block-1]
		_ = out[4*groups-1]
		done := streamedGroups(groups)
		if done > 0 {
			dotStreamsI8AVX512(&w[0], stride, done, &xu[0], blocks, &out[0])
		}
		if done < groups {
			dotRowsI8AVX512(&w[4*done*stride], stride, groups-done, &xu[0], blocks, &out[4*done])
		}
	}
}

func withoutUnpack(k blockKernels) blockKernels {
	k.unpack = nil
	return k
}
