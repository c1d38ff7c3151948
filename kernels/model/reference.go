package model

import (
	"fmt"
	"math"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
)

// ReferenceLogits is the oracle: it runs tokens one at a time from
// position 0 with the kernel library's pure-Go reference (RefBitLinear,
// quant.QuantizeActivations), float64 norms, RoPE and softmax, and exact
// int64 LM head sums, written independently of Engine, and returns the
// logits after the last token.
func ReferenceLogits(w *Weights, tokens []int) ([]float32, error) {
	c := w.Config
	if len(tokens) == 0 {
		return nil, fmt.Errorf("model: reference: no tokens")
	}
	hd, qd, kvd := c.HeadDim, c.qDim(), c.kvDim()
	keys := make([][][]float64, c.Layers) // layer → position → kvd
	vals := make([][][]float64, c.Layers)
	x := make([]float32, c.Hidden)
	var logits []float32
	for pos, tok := range tokens {
		if tok < 0 || tok >= c.Vocab {
			return nil, fmt.Errorf("model: reference: token %d out of range", tok)
		}
		for i := range x {
			x[i] = float32(w.Embed[tok*c.Hidden+i]) * w.EmbedRows[tok]
		}
		for l, lw := range w.Layers {
			qkv := refBitLinear(lw.QKV, refNorm(x, lw.AttnNorm, c.NormEps))
			q, k, v := qkv[:qd], qkv[qd:qd+kvd], qkv[qd+kvd:]
			refRoPE(q, pos, hd, c.RopeTheta)
			refRoPE(k, pos, hd, c.RopeTheta)
			keys[l] = append(keys[l], widen(k))
			vals[l] = append(vals[l], widen(v))
			att := refAttend(q, keys[l], vals[l], c)
			o := refBitLinear(lw.O, refNorm(att, lw.AttnSubNorm, c.NormEps))
			for i := range x {
				x[i] += o[i]
			}
			gu := refBitLinear(lw.GateUp, refNorm(x, lw.FFNNorm, c.NormEps))
			act := RefReLU2(gu[:c.FFN], gu[c.FFN:])
			d := refBitLinear(lw.Down, refNorm(act, lw.FFNSubNorm, c.NormEps))
			for i := range x {
				x[i] += d[i]
			}
		}
		xq := make([]int8, c.Hidden)
		xs := quant.QuantizeActivationsRow(xq, refNorm(x, w.FinalNorm, c.NormEps))
		logits = RefLMHead(w.Embed, w.EmbedRows, xq, xs)
	}
	return logits, nil
}

// refAttend is the grouped-query attention of one token's query heads q
// over the cached keys and values (position → KVHeads·HeadDim), in float64.
func refAttend(q []float32, keys, vals [][]float64, c Config) []float32 {
	hd := c.HeadDim
	att := make([]float32, c.qDim())
	for h := range c.Heads {
		g := h / (c.Heads / c.KVHeads)
		scores := make([]float64, len(keys))
		m := math.Inf(-1)
		for j := range scores {
			var s float64
			for d := range hd {
				s += float64(q[h*hd+d]) * keys[j][g*hd+d]
			}
			scores[j] = s / math.Sqrt(float64(hd))
			m = max(m, scores[j])
		}
		var sum float64
		for j := range scores {
			scores[j] = math.Exp(scores[j] - m)
			sum += scores[j]
		}
		for d := range hd {
			var o float64
			for j := range scores {
				o += scores[j] / sum * vals[j][g*hd+d]
			}
			att[h*hd+d] = float32(o)
		}
	}
	return att
}

// LogitTolerance bounds |fast − reference| relative to the largest
// reference logit. The paths differ in float32 versus float64 norms,
// attention and exp, by ~1e-8 relative. But an activation that lands within
// that distance of an int8 rounding boundary quantizes one step apart, and
// that moves every later projection: seen as 1.7e-3 relative at position 8
// of the 8-head tiny model on the generic level (AVX-512 agrees to 2e-8
// there). A layout or indexing mistake moves logits by order 1, far above.
const LogitTolerance = 5e-3

// LogitError is the largest |got − want| and the largest |want|: got is
// within the bound when worst ≤ LogitTolerance·scale (and scale > 0).
func LogitError(got, want []float32) (worst, scale float64) {
	for i := range want {
		worst = max(worst, math.Abs(float64(got[i]-want[i])))
		scale = max(scale, math.Abs(float64(want[i])))
	}
	return worst, scale
}

// refBitLinear quantizes x per the activation contract and applies
// kernels.RefBitLinear.
func refBitLinear(wt *kernels.Weights, x []float32) []float32 {
	p := &kernels.Problem{Op: kernels.OpBitLinear, M: 1, N: wt.Packed.Rows, K: wt.Packed.Cols, Weights: wt,
		XQ: make([]int8, len(x)), XScales: make([]float32, 1), Y: make([]float32, wt.Packed.Rows)}
	p.XScales[0] = quant.QuantizeActivationsRow(p.XQ, x)
	kernels.RefBitLinear(p)
	return p.Y
}

func refNorm(x, g []float32, eps float32) []float32 {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	inv := 1 / math.Sqrt(ss/float64(len(x))+float64(eps))
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(float64(v) * inv * float64(g[i]))
	}
	return out
}

func refRoPE(x []float32, pos, hd int, theta float64) {
	half := hd / 2
	for h := 0; h < len(x); h += hd {
		for i := range half {
			a := float64(pos) * math.Pow(theta, -float64(2*i)/float64(hd))
			c, s := math.Cos(a), math.Sin(a)
			u, v := float64(x[h+i]), float64(x[h+i+half])
			x[h+i], x[h+i+half] = float32(u*c-v*s), float32(v*c+u*s)
		}
	}
}

func widen(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
