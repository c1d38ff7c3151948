//go:build (amd64 || arm64) && !purego

package cpu

import "github.com/bitnet-go/bitnet-bench/kernels/pack"

// The wrappers check the slice bounds the assembly relies on, so a bad call
// panics in Go instead of reading past the end of a buffer. One copy serves
// every architecture with block-kernel assembly.

// fourStreams lets the four-stream kernels run; tests and benchmarks turn
// it off to check and time the one-stream kernels alone.
var fourStreams = true

// streamedGroups is how many of a call's row groups go to a four-stream
// kernel: the whole fours, while fourStreams is on; a one-stream kernel
// takes the rest.
func streamedGroups(groups int) int {
	if !fourStreams {
		return 0
	}
	return groups &^ 3
}

type asmDotRows func(w *byte, stride int, groups int, x *int8, blocks int, out *int32)
type asmDot1 func(w *byte, x *int8, blocks int) int32
type asmUnpack func(dst *int8, src *byte, blocks int)

// woven says dotRows reads row groups woven by pack.InterleaveRowGroups.
// streams, where not nil, is a kernel with dotRows's arguments that walks
// four quarters of the groups side by side (see STREAMS4 in
// bitlinear_amd64.s); it takes every whole four groups of a call, and
// dotRows the 0-3 left.
func asmKernels(dotRows, streams asmDotRows, dot1 asmDot1, unpack asmUnpack, woven bool) blockKernels {
	return blockKernels{
		wovenRows: woven,
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
			if woven {
				_ = w[4*groups*stride-1]
				_ = w[4*(groups-1)*stride+4*blocks*pack.BlockBytes-1]
			} else {
				_ = w[(len(out)-1)*stride+blocks*pack.BlockBytes-1]
			}
			_ = out[4*groups-1]
			done := 0
			if streams != nil {
				done = streamedGroups(groups)
			}
			if done > 0 {
				streams(&w[0], stride, done, &x[0], blocks, &out[0])
			}
			if done < groups {
				dotRows(&w[4*done*stride], stride, groups-done, &x[0], blocks, &out[4*done])
			}
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
