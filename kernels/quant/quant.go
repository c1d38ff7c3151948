// Package quant holds the quantizers of BitNet b1.58 and the float format
// conversions: absmean ternary weights, per-token absmax int8 activations,
// and float32 to and from float16 and bfloat16.
//
// These are the reference definitions. Rounding is round-half-to-even
// everywhere, the mode SIMD conversion instructions use by default, so a
// vector path can match the reference bit for bit.
package quant

import (
	"fmt"
	"math"
)

// ScaleFloor keeps scales finite for all-zero inputs.
const ScaleFloor = 1e-5

// Ternary is a weight matrix quantized to codes in {-1, 0, +1}, row-major
// Rows×Cols, with one float32 scale per tensor, or one per row when RowScales
// is set. The dequantized weight is Codes[i]·scale.
type Ternary struct {
	Rows, Cols int
	Codes      []int8
	Scale      float32   // per-tensor absmean
	RowScales  []float32 // optional per-row absmean, len Rows
}

// RowScale returns the scale that applies to row r.
func (t *Ternary) RowScale(r int) float32 {
	if t.RowScales != nil {
		return t.RowScales[r]
	}
	return t.Scale
}

// QuantizeTernary quantizes a row-major rows×cols matrix by absmean:
// s = mean(|W|) (floored at ScaleFloor), q = clamp(round(W/s), -1, 1).
// perRow selects one scale per output row instead of one per tensor.
func QuantizeTernary(w []float32, rows, cols int, perRow bool) (*Ternary, error) {
	if rows <= 0 || cols <= 0 {
		return nil, fmt.Errorf("quant: ternary shape %dx%d: want positive dimensions", rows, cols)
	}
	if len(w) != rows*cols {
		return nil, fmt.Errorf("quant: ternary input has %d values, want %d×%d = %d", len(w), rows, cols, rows*cols)
	}
	t := &Ternary{Rows: rows, Cols: cols, Codes: make([]int8, rows*cols)}
	if perRow {
		t.RowScales = make([]float32, rows)
		for r := 0; r < rows; r++ {
			row := w[r*cols : (r+1)*cols]
			s := absMean(row)
			t.RowScales[r] = s
			quantizeTernaryRow(t.Codes[r*cols:(r+1)*cols], row, s)
		}
		return t, nil
	}
	t.Scale = absMean(w)
	quantizeTernaryRow(t.Codes, w, t.Scale)
	return t, nil
}

func absMean(x []float32) float32 {
	var sum float64 // float64 so the mean of millions of weights does not drift
	for _, v := range x {
		sum += math.Abs(float64(v))
	}
	s := float32(sum / float64(len(x)))
	if !(s >= ScaleFloor) { // also catches NaN
		s = ScaleFloor
	}
	return s
}

func quantizeTernaryRow(dst []int8, w []float32, s float32) {
	for i, v := range w {
		q := math.RoundToEven(float64(v / s)) // divide, as the contract says: v·(1/s) can round across a tie
		switch {
		case q > 1:
			q = 1
		case q < -1:
			q = -1
		case q != q: // NaN weights quantize to 0
			q = 0
		}
		dst[i] = int8(q)
	}
}

// Dequantize returns the float32 matrix the codes stand for.
func (t *Ternary) Dequantize() []float32 {
	out := make([]float32, len(t.Codes))
	for r := 0; r < t.Rows; r++ {
		s := t.RowScale(r)
		for c := 0; c < t.Cols; c++ {
			out[r*t.Cols+c] = float32(t.Codes[r*t.Cols+c]) * s
		}
	}
	return out
}

// ActivationScale returns the per-token absmax scale 127/max(|x|), with the
// maximum floored at ScaleFloor. A NaN in x is ignored by the maximum.
func ActivationScale(x []float32) float32 {
	var m float32
	for _, v := range x {
		if v < 0 {
			v = -v
		}
		if v > m {
			m = v
		}
	}
	if m < ScaleFloor {
		m = ScaleFloor
	}
	return 127 / m
}

// QuantizeActivationsRow quantizes one token: dst[i] = clamp(round(x[i]·s),
// -128, 127) with s = ActivationScale(x). It returns s; the real value is
// dst[i]/s.
func QuantizeActivationsRow(dst []int8, x []float32) float32 {
	s := ActivationScale(x)
	QuantizeWithScale(dst, x, s)
	return s
}

// QuantizeWithScale quantizes x with a given scale: clamp(round(x·s), -128, 127).
func QuantizeWithScale(dst []int8, x []float32, s float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = clampInt8(math.RoundToEven(float64(v * s)))
	}
}

func clampInt8(q float64) int8 {
	switch {
	case q > 127:
		return 127
	case q < -128:
		return -128
	case q != q:
		return 0
	}
	return int8(q)
}

// QuantizeActivations quantizes m tokens of k features each (row-major),
// one scale per token. dst must hold m·k values and scales m.
func QuantizeActivations(dst []int8, scales []float32, x []float32, m, k int) error {
	if m <= 0 || k <= 0 {
		return fmt.Errorf("quant: activation shape %dx%d: want positive dimensions", m, k)
	}
	if len(x) < m*k || len(dst) < m*k || len(scales) < m {
		return fmt.Errorf("quant: activations %dx%d need %d inputs, %d outputs and %d scales; got %d, %d and %d",
			m, k, m*k, m*k, m, len(x), len(dst), len(scales))
	}
	for t := 0; t < m; t++ {
		scales[t] = QuantizeActivationsRow(dst[t*k:(t+1)*k], x[t*k:(t+1)*k])
	}
	return nil
}

// AbsMean returns the absmean scale of x: mean(|x|) floored at ScaleFloor,
// as QuantizeTernary computes it.
func AbsMean(x []float32) float32 {
	if len(x) == 0 {
		return ScaleFloor
	}
	return absMean(x)
}

// QuantizeTernaryWithScale writes clamp(round(w/s), -1, 1) into dst
// (len(dst) ≥ len(w)) without allocating.
func QuantizeTernaryWithScale(dst []int8, w []float32, s float32) {
	quantizeTernaryRow(dst[:len(w)], w, s)
}

// DequantizeTernary writes q·s into dst (len(dst) ≥ len(q)).
func DequantizeTernary(dst []float32, q []int8, s float32) {
	dst = dst[:len(q)]
	for i, v := range q {
		dst[i] = float32(v) * s
	}
}

// DequantizeActivations writes q/s into dst (len(dst) ≥ len(q)): the real
// values that per-token absmax codes with scale s stand for.
func DequantizeActivations(dst []float32, q []int8, s float32) {
	dst = dst[:len(q)]
	for i, v := range q {
		dst[i] = float32(v) / s
	}
}
