//go:build !purego

package cpu

// epilogueAVX512 does whole groups of 16 rows with 512-bit vectors: after a
// DRAM-bound GEMV of one token the epilogue runs with no stream to hide
// behind, and the scalar loop (a division per row, ~0.7 ns) cost about
// 0.6 ms of a 2B4T decode step's 26.
//
//go:noescape
func epilogueAVX512(y *float32, acc, bias *int32, rs *float32, n16 int, sub int32, ws, xs float32)

// epilogueAVX2 is epilogueAVX512 for 8 rows a step in YMM registers: the
// avx2 and avxvnni levels' epilogue (0-5% faster BitLinear than the
// scalar loop at b1, b8 and b128 on the Zen 5 VM).
//
//go:noescape
func epilogueAVX2(y *float32, acc, bias *int32, rs *float32, n8 int, sub int32, ws, xs float32)

// epilogueFor returns the level's epilogue: a SIMD loop, or the generic
// one.
func epilogueFor(l Level) rowEpilogue {
	switch l {
	case LevelAVX512, LevelAMX:
		return epilogueSIMD
	case LevelAVX2, LevelAVXVNNI:
		return epilogueSIMD8
	}
	return epilogueGeneric
}

// epilogueSIMD and epilogueSIMD8 run the AVX-512 and AVX2 loops over whole
// groups of their lanes and the generic loop over the rest.
var (
	epilogueSIMD  = vecEpilogue(16, epilogueAVX512)
	epilogueSIMD8 = vecEpilogue(8, epilogueAVX2)
)

func vecEpilogue(lanes int, f func(y *float32, acc, bias *int32, rs *float32, n int, sub int32, ws, xs float32)) rowEpilogue {
	return func(y []float32, acc, bias []int32, rs []float32, sub int32, ws, xs float32) {
		n := len(acc)
		nv := n - n%lanes
		if nv > 0 {
			_ = y[n-1]
			var pb *int32
			var pr *float32
			if bias != nil {
				_ = bias[n-1]
				pb = &bias[0]
			}
			if rs != nil {
				_ = rs[n-1]
				pr = &rs[0]
			}
			f(&y[0], &acc[0], pb, pr, nv, sub, ws, xs)
		}
		if nv < n {
			var b []int32
			var r []float32
			if bias != nil {
				b = bias[nv:n]
			}
			if rs != nil {
				r = rs[nv:n]
			}
			epilogueGeneric(y[nv:n], acc[nv:], b, r, sub, ws, xs)
		}
	}
}
