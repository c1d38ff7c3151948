//go:build !purego

package cpu

// epilogueAVX512 does whole groups of 16 rows with 512-bit vectors: after a
// DRAM-bound GEMV of one token the epilogue runs with no stream to hide
// behind, and the scalar loop (a division per row, ~0.7 ns) cost about
// 0.6 ms of a 2B4T decode step's 26.
//
//go:noescape
func epilogueAVX512(y *float32, acc, bias *int32, rs *float32, n16 int, sub int32, ws, xs float32)

// epilogueFor returns the level's epilogue: AVX-512's loop, or the
// generic one.
func epilogueFor(l Level) rowEpilogue {
	if l == LevelAVX512 {
		return epilogueSIMD
	}
	return epilogueGeneric
}

func epilogueSIMD(y []float32, acc, bias []int32, rs []float32, sub int32, ws, xs float32) {
	n := len(acc)
	n16 := n &^ 15
	if n16 > 0 {
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
		epilogueAVX512(&y[0], &acc[0], pb, pr, n16, sub, ws, xs)
	}
	if n16 < n {
		var b []int32
		var r []float32
		if bias != nil {
			b = bias[n16:n]
		}
		if rs != nil {
			r = rs[n16:n]
		}
		epilogueGeneric(y[n16:n], acc[n16:], b, r, sub, ws, xs)
	}
}
