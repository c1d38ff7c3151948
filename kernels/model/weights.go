package model

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
)

// Layer holds one transformer block. Projections that read the same input
// are fused (Q, K and V; gate and up), each part keeping its own absmean
// scale as row scales, which is exactly the separate projections.
type Layer struct {
	AttnNorm    []float32 // RMSNorm before attention (Hidden)
	AttnSubNorm []float32 // RMSNorm of the attention output, before O (Heads·HeadDim)
	FFNNorm     []float32 // RMSNorm before the FFN (Hidden)
	FFNSubNorm  []float32 // RMSNorm of relu(gate)²·up, before down (FFN)
	QKV         *kernels.Weights
	O           *kernels.Weights
	GateUp      *kernels.Weights
	Down        *kernels.Weights
}

// Weights is a whole model.
type Weights struct {
	Config
	Layers    []Layer
	Embed     []int8    // Vocab×Hidden, tied with the LM head
	EmbedRows []float32 // per-row dequantization factor: e ≈ q·EmbedRows[n]
	FinalNorm []float32
}

// NewRandom builds a model with seeded random weights through the kernel
// library: float weights quantized by absmean (kernels/quant) and packed
// 2-bit (kernels/pack); the embedding quantized per row by absmax. The same
// seed gives the same model on every machine. Layers are built in
// parallel, each from its own seed, so the result does not depend on the
// scheduling.
func NewRandom(c Config, seed uint64) (*Weights, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	w := &Weights{Config: c, Layers: make([]Layer, c.Layers)}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan int)
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range next {
				layer, err := newLayer(c, seed, l)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				w.Layers[l] = layer
				mu.Unlock()
			}
		}()
	}
	for l := range c.Layers {
		next <- l
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	rng := rand.New(rand.NewPCG(seed, uint64(c.Layers)+1))
	w.FinalNorm = normWeights(rng, c.Hidden)
	w.Embed = make([]int8, c.Vocab*c.Hidden)
	w.EmbedRows = make([]float32, c.Vocab)
	row := make([]float32, c.Hidden)
	for n := range c.Vocab {
		for i := range row {
			row[i] = float32(rng.NormFloat64())
		}
		w.EmbedRows[n] = 1 / quant.QuantizeActivationsRow(w.Embed[n*c.Hidden:(n+1)*c.Hidden], row)
	}
	return w, nil
}

func newLayer(c Config, seed uint64, l int) (Layer, error) {
	rng := rand.New(rand.NewPCG(seed, uint64(l)))
	var err error
	layer := Layer{
		AttnNorm:    normWeights(rng, c.Hidden),
		AttnSubNorm: normWeights(rng, c.qDim()),
		FFNNorm:     normWeights(rng, c.Hidden),
		FFNSubNorm:  normWeights(rng, c.FFN),
	}
	if layer.QKV, err = ternary(rng, c.Hidden, c.qDim(), c.kvDim(), c.kvDim()); err != nil {
		return layer, err
	}
	if layer.O, err = ternary(rng, c.qDim(), c.Hidden); err != nil {
		return layer, err
	}
	if layer.GateUp, err = ternary(rng, c.Hidden, c.FFN, c.FFN); err != nil {
		return layer, err
	}
	if layer.Down, err = ternary(rng, c.FFN, c.Hidden); err != nil {
		return layer, err
	}
	return layer, nil
}

// normWeights are RMSNorm gains near 1.
func normWeights(rng *rand.Rand, n int) []float32 {
	g := make([]float32, n)
	for i := range g {
		g[i] = 0.75 + 0.5*rng.Float32()
	}
	return g
}

// ternary quantizes one random float matrix per part (parts[i] rows each,
// cols columns) by absmean and packs them one under the other, with each
// part's scale as the row scale of its rows.
func ternary(rng *rand.Rand, cols int, parts ...int) (*kernels.Weights, error) {
	rows := 0
	for _, r := range parts {
		rows += r
	}
	codes := make([]int8, 0, rows*cols)
	scales := make([]float32, 0, rows)
	for _, r := range parts {
		f := make([]float32, r*cols)
		for i := range f {
			f[i] = 0.04 * (rng.Float32() - 0.5) // uniform: cheap, and absmean does not care
		}
		t, err := quant.QuantizeTernary(f, r, cols, false)
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		codes = append(codes, t.Codes...)
		for range r {
			scales = append(scales, t.Scale)
		}
	}
	p, err := pack.Pack2Bit(codes, rows, cols)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return &kernels.Weights{Packed: p, RowScales: scales}, nil
}

// WeightBytes is what one decode step reads of the weights: every packed
// projection with its row scales, and the whole int8 LM head with its row
// scales (the embedding lookup reads one of those rows again).
func (w *Weights) WeightBytes() int64 {
	var n int64
	for _, l := range w.Layers {
		for _, p := range []*kernels.Weights{l.QKV, l.O, l.GateUp, l.Down} {
			n += int64(len(p.Packed.Data)) + 4*int64(len(p.RowScales))
		}
	}
	return n + int64(len(w.Embed)) + 4*int64(len(w.EmbedRows))
}
