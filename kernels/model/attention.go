package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

// Attention is the decode-time attention of one layer on its own: one new
// token's query heads against a KV cache of seq positions (grouped-query:
// Heads/KVHeads query heads share a KV head), the part of a decode step
// that grows with the context. It runs the CPU backend's loops.
type Attention struct {
	a   attending
	q   []float32
	out []float32
}

// NewAttention fills a one-layer cache of seq positions with seeded
// random keys and values.
func NewAttention(c Config, be *cpu.Backend, seq int, seed uint64) (*Attention, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if seq <= 0 {
		return nil, fmt.Errorf("model: attention over %d positions", seq)
	}
	c.Layers = 1
	lp, err := loopsOf(be)
	if err != nil {
		return nil, err
	}
	a := newAttending(c, seq, lp)
	rng := rand.New(rand.NewPCG(seed, 7))
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	a.kt = [][]float32{fill(c.KVHeads * c.HeadDim * seq)}
	a.v = [][]float32{fill(c.KVHeads * seq * c.HeadDim)}
	return &Attention{a: a, q: fill(c.qDim()), out: make([]float32, c.qDim())}, nil
}

// Run attends the query to every cached position.
func (a *Attention) Run() { a.a.attend(a.out, a.q, 0, a.a.capacity-1) }

// Bytes is the KV cache one Run reads.
func (a *Attention) Bytes() int64 { return int64(len(a.a.kt[0])+len(a.a.v[0])) * 4 }

// FLOPs counts the multiply-adds of Q·Kᵀ and P·V as two operations each.
func (a *Attention) FLOPs() int64 {
	c := a.a.c
	return 2 * 2 * int64(c.Heads) * int64(c.HeadDim) * int64(a.a.capacity)
}
