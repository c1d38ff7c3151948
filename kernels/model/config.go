// Package model is a BitNet b1.58 transformer built from the kernel
// library: seeded random ternary weights, a decode step and a batched
// prefill on a CPU backend (the fast path), and an independent pure-Go
// reference forward pass (the oracle the fast path's logits are tested
// against). It is the workload behind the Decode, Prefill and Attention
// benchmarks: what a token costs end to end, not one kernel alone.
package model

import "fmt"

// Config is the shape of a BitNet b1.58 model.
type Config struct {
	Layers  int
	Hidden  int // model width
	FFN     int // feed-forward width (ReLU² gated)
	Heads   int // query heads
	KVHeads int // key/value heads (grouped-query attention)
	HeadDim int
	Vocab   int // tied embedding / LM head rows, int8 with a scale per row
	// RopeTheta is the rotary embedding base; NormEps the RMSNorm epsilon.
	RopeTheta float64
	NormEps   float32
}

// BitNet2B4T is the shape of microsoft/bitnet-b1.58-2B-4T.
func BitNet2B4T() Config {
	return Config{Layers: 30, Hidden: 2560, FFN: 6912, Heads: 20, KVHeads: 5, HeadDim: 128,
		Vocab: 128256, RopeTheta: 500000, NormEps: 1e-5}
}

// Tiny is a small model of the same structure, for tests.
func Tiny() Config {
	return Config{Layers: 2, Hidden: 256, FFN: 640, Heads: 8, KVHeads: 2, HeadDim: 32,
		Vocab: 1000, RopeTheta: 10000, NormEps: 1e-5}
}

// Validate reports a shape the model cannot have.
func (c Config) Validate() error {
	switch {
	case c.Layers <= 0 || c.Hidden <= 0 || c.FFN <= 0 || c.Heads <= 0 || c.KVHeads <= 0 || c.HeadDim <= 0 || c.Vocab <= 0:
		return fmt.Errorf("model: every dimension must be positive: %+v", c)
	case c.Heads%c.KVHeads != 0:
		return fmt.Errorf("model: %d query heads do not split into %d KV heads", c.Heads, c.KVHeads)
	case c.HeadDim%2 != 0:
		return fmt.Errorf("model: head dim %d is odd; RoPE rotates pairs", c.HeadDim)
	case c.RopeTheta <= 1 || !(c.NormEps > 0):
		return fmt.Errorf("model: RoPE theta %g and norm epsilon %g must be > 1 and > 0", c.RopeTheta, c.NormEps)
	}
	return nil
}

func (c Config) qDim() int    { return c.Heads * c.HeadDim }
func (c Config) kvDim() int   { return c.KVHeads * c.HeadDim }
func (c Config) qkvRows() int { return c.qDim() + 2*c.kvDim() }

// Params is the number of weights: the ternary projections and the
// embedding (norm weights are negligible and not counted).
func (c Config) Params() int64 {
	perLayer := int64(c.qkvRows())*int64(c.Hidden) + int64(c.Hidden)*int64(c.qDim()) +
		2*int64(c.FFN)*int64(c.Hidden) + int64(c.Hidden)*int64(c.FFN)
	return int64(c.Layers)*perLayer + int64(c.Vocab)*int64(c.Hidden)
}
