//go:build !purego

package cpu

import "github.com/bitnet-go/bitnet-bench/kernels/pack"

//go:noescape
func dot4AVX512(w *byte, stride int, x *int8, blocks int, out *[4]int32)

//go:noescape
func dot1AVX512(w *byte, x *int8, blocks int) int32

//go:noescape
func unpackAVX512(dst *int8, src *byte, blocks int)

//go:noescape
func dot4AVX2(w *byte, stride int, x *int8, blocks int, out *[4]int32)

//go:noescape
func dot1AVX2(w *byte, x *int8, blocks int) int32

//go:noescape
func unpackAVX2(dst *int8, src *byte, blocks int)

// The wrappers check the slice bounds the assembly relies on, so a bad call
// panics in Go instead of reading past the end of a buffer.

type asmDot4 func(w *byte, stride int, x *int8, blocks int, out *[4]int32)
type asmDot1 func(w *byte, x *int8, blocks int) int32
type asmUnpack func(dst *int8, src *byte, blocks int)

func asmKernels(dot4 asmDot4, dot1 asmDot1, unpack asmUnpack) blockKernels {
	return blockKernels{
		dot4: func(w []byte, stride int, x []int8, out *[4]int32) {
			blocks := len(x) / pack.BlockCodes
			if blocks == 0 {
				*out = [4]int32{}
				return
			}
			_ = w[3*stride+blocks*pack.BlockBytes-1]
			dot4(&w[0], stride, &x[0], blocks, out)
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
	avx512Kernels = asmKernels(dot4AVX512, dot1AVX512, unpackAVX512)
	avx2Kernels   = asmKernels(dot4AVX2, dot1AVX2, unpackAVX2)
)
