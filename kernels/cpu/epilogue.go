package cpu

// rowEpilogue turns int32 row sums into outputs:
//
//	y[i] = float32(acc[i] − sub − bias[i]) · scale(i) / xs
//
// with bias nil meaning zeros and scale(i) = rs[i], or ws when rs is nil:
// BitLinear's (Σ(c+1)·x − Σx)·wscale/xscale and the int8 LM head's
// (Σ xu·w − 128·Σw)·scale/xscale, in that order of operations, so every
// level's results are bit-identical to the reference's.
type rowEpilogue func(y []float32, acc, bias []int32, rs []float32, sub int32, ws, xs float32)

// epilogueGeneric is the portable loop, and the tail of the SIMD ones.
func epilogueGeneric(y []float32, acc, bias []int32, rs []float32, sub int32, ws, xs float32) {
	y = y[:len(acc)]
	for i, a := range acc {
		a -= sub
		if bias != nil {
			a -= bias[i]
		}
		s := ws
		if rs != nil {
			s = rs[i]
		}
		y[i] = float32(a) * s / xs
	}
}
