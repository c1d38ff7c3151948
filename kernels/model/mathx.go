package model

import "math"

// ropeTable holds cos and sin of pos·θ^(-2i/d) for every position below
// capacity, HeadDim/2 pairs per position (the rotate-half convention of
// Llama and BitNet: element i pairs with element i + d/2).
type ropeTable struct {
	half     int
	cos, sin []float32
}

func newRopeTable(headDim, capacity int, theta float64) *ropeTable {
	half := headDim / 2
	t := &ropeTable{half: half, cos: make([]float32, capacity*half), sin: make([]float32, capacity*half)}
	for p := range capacity {
		for i := range half {
			a := float64(p) * math.Pow(theta, -float64(2*i)/float64(headDim))
			t.cos[p*half+i] = float32(math.Cos(a))
			t.sin[p*half+i] = float32(math.Sin(a))
		}
	}
	return t
}

// RopeTable is the rotary embedding's cos and sin table for capacity
// positions, HeadDim/2 values a position, as the CPU path rounds it (a GPU
// device uploads it, so both rotate by the same float32 values).
func RopeTable(headDim, capacity int, theta float64) (cos, sin []float32) {
	t := newRopeTable(headDim, capacity, theta)
	return t.cos, t.sin
}

// rotate applies the rotation of position pos to every head in x.
func (t *ropeTable) rotate(x []float32, pos int) {
	c := t.cos[pos*t.half : (pos+1)*t.half]
	s := t.sin[pos*t.half : (pos+1)*t.half]
	for h := 0; h+2*t.half <= len(x); h += 2 * t.half {
		a := x[h : h+t.half]
		b := x[h+t.half : h+2*t.half]
		for i := range a {
			a[i], b[i] = a[i]*c[i]-b[i]*s[i], b[i]*c[i]+a[i]*s[i]
		}
	}
}

// softmax turns x into probabilities in place; expShift is the backend's
// e^(x−m) loop, which also returns the sum.
func softmax(x []float32, expShift func(dst, src []float32, m float32) float32) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	inv := 1 / expShift(x, x, m)
	for i := range x {
		x[i] *= inv
	}
}
