package model

import "math"

// The reference's parts on their own, for a backend's tests of its parts
// (a GPU's kernels, before a whole step): the same code ReferenceLogits
// runs, in float64 with one rounding to float32 at the end.

// RefRMSNorm is x·g/√(mean(x²)+eps).
func RefRMSNorm(x, g []float32, eps float32) []float32 { return refNorm(x, g, eps) }

// RefRoPE rotates every head of x (head dim hd) to position pos in place,
// with cos and sin computed in float64.
func RefRoPE(x []float32, pos, hd int, theta float64) { refRoPE(x, pos, hd, theta) }

// RefAttention is the attention of one token's query heads q (c.Heads ×
// c.HeadDim) over keys and vals, one slice of c.KVHeads × c.HeadDim a
// position for positions 0..len(keys)-1.
func RefAttention(q []float32, keys, vals [][]float32, c Config) []float32 {
	k, v := make([][]float64, len(keys)), make([][]float64, len(vals))
	for j := range keys {
		k[j], v[j] = widen(keys[j]), widen(vals[j])
	}
	return refAttend(q, k, v, c)
}

// RefReLU2 is relu(g)²·u, rounded once.
func RefReLU2(g, u []float32) []float32 {
	act := make([]float32, len(g))
	for i := range act {
		r := math.Max(float64(g[i]), 0)
		act[i] = float32(r * r * float64(u[i]))
	}
	return act
}

// RefLMHead is the logits of int8 activations xq with scale xs against the
// int8 embedding (len(rows) rows of len(xq)): exact integer sums, then
// sum·rows[n]/xs rounded once.
func RefLMHead(emb []int8, rows []float32, xq []int8, xs float32) []float32 {
	k := len(xq)
	logits := make([]float32, len(rows))
	for n := range logits {
		var s int64
		for i, q := range emb[n*k : (n+1)*k] {
			s += int64(q) * int64(xq[i])
		}
		logits[n] = float32(float64(s) * float64(rows[n]) / float64(xs))
	}
	return logits
}
