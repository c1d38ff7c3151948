package model

import "math"

// rmsNorm writes x / sqrt(mean(x²) + eps) · g into dst.
func rmsNorm(dst, x, g []float32, eps float32) {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * x[i]
		s1 += x[i+1] * x[i+1]
		s2 += x[i+2] * x[i+2]
		s3 += x[i+3] * x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * x[i]
	}
	inv := float32(1 / math.Sqrt(float64((s0+s1+s2+s3)/float32(len(x))+eps)))
	g = g[:len(x)]
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = v * inv * g[i]
	}
}

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

// softmax turns x into probabilities in place, with expf.
func softmax(x []float32) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var sum float32
	for i, v := range x {
		e := expf(v - m)
		x[i] = e
		sum += e
	}
	inv := 1 / sum
	for i := range x {
		x[i] *= inv
	}
}

// expf is e^x in float32 for the softmax, about 4× faster than math.Exp:
// x = n·ln2 + f with |f| ≤ ln2/2, e^f by its degree-7 Taylor polynomial
// (remainder below 5e-9 relative), scaled by 2^n through the exponent
// bits. Relative error ≤ 1e-6 (tested against math.Exp); below -87 it
// returns 0, where e^x is under float32's normal range anyway.
func expf(x float32) float32 {
	if x < -87 {
		return 0
	}
	if x > 88 {
		return float32(math.Inf(1))
	}
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693145751953125
		ln2lo = 1.428606765330187045e-06
	)
	n := float32(math.Floor(float64(x*log2e + 0.5)))
	f := x - n*ln2hi - n*ln2lo
	p := float32(1.0 / 5040)
	p = p*f + 1.0/720
	p = p*f + 1.0/120
	p = p*f + 1.0/24
	p = p*f + 1.0/6
	p = p*f + 0.5
	p = p*f + 1
	p = p*f + 1
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}
