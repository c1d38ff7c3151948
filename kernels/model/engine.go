package model

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

// Part is a stage of a layer (or of the model) that Engine times.
type Part int

// The parts of a decode step, in order.
const (
	PartEmbed       Part = iota // embedding row lookup and dequantization
	PartAttnNorm                // RMSNorm + int8 quantization before QKV
	PartQKV                     // fused Q, K, V BitLinear
	PartRoPEKV                  // rotary embedding, KV cache append
	PartAttention               // scores, softmax, weighted values (GQA)
	PartAttnSubNorm             // RMSNorm + quantization of the attention output
	PartO                       // O BitLinear + residual
	PartFFNNorm                 // RMSNorm + quantization before the FFN
	PartGateUp                  // fused gate and up BitLinear
	PartReLU2                   // relu(gate)²·up
	PartFFNSubNorm              // RMSNorm + quantization before down
	PartDown                    // down BitLinear + residual
	PartLMHead                  // final RMSNorm, quantization, int8 LM head GEMV
	NumParts
)

var partNames = [NumParts]string{"embed", "attn_norm", "qkv", "rope_kv", "attention", "attn_sub_norm",
	"o_proj", "ffn_norm", "gate_up", "relu2", "ffn_sub_norm", "down", "lm_head"}

func (p Part) String() string { return partNames[p] }

// Engine runs a model on a CPU backend: every projection is a BitLinear
// kernel of the backend, every quantization its QuantizeActivations kernel,
// the LM head its Int8GEMV, every RMSNorm and the FFN's ReLU² gate its
// loops, and attention its VecMat loops. A backend level
// that lacks one of them makes NewEngine fail; nothing is swapped in.
type Engine struct {
	w        *Weights
	c        Config
	capacity int
	loops
	lmHead   *cpu.Int8GEMV
	rope     *ropeTable
	kt       [][]float32 // per layer: KVHeads × HeadDim × capacity (keys transposed: Q·Kᵀ is a vector × matrix)
	v        [][]float32 // per layer: KVHeads × capacity × HeadDim
	closed   bool
	dec, pre *pass
	scores   []float32                      // capacity
	qScaled  []float32                      // 4·HeadDim: query heads times 1/√HeadDim
	probs4   []float32                      // 4·capacity: the scores, then probabilities, of four heads
	heads4   struct{ q, p, o [4][]float32 } // attend's views of four heads
	// Times accumulates the wall time of each part over every Step and
	// Prefill since the last ResetTimes.
	Times [NumParts]time.Duration
}

// pass is the buffers and kernels for a batch of m tokens.
type pass struct {
	m                      int
	x, h, att, act, logits []float32
	qkvOut, oOut           []float32
	guOut, downOut         []float32
	hidQ, attQ, ffnQ       quantizer
	layers                 []passLayer
}

type passLayer struct{ qkv, o, gateUp, down kernels.Kernel }

// quantizer is a QuantizeActivations kernel with its buffers.
type quantizer struct {
	x      []float32
	q      []int8
	scales []float32
	k      kernels.Kernel
}

// NewEngine prepares w on be for decoding up to capacity positions and,
// when batch > 1, for prefilling batch tokens at once.
func NewEngine(w *Weights, be *cpu.Backend, capacity, batch int) (*Engine, error) {
	c := w.Config
	if capacity <= 0 || batch <= 0 || batch > capacity {
		return nil, fmt.Errorf("model: capacity %d and batch %d: want 0 < batch ≤ capacity", capacity, batch)
	}
	lp, err := loopsOf(be)
	if err != nil {
		return nil, err
	}
	head, err := be.NewInt8GEMV(w.Embed, w.EmbedRows, c.Vocab, c.Hidden)
	if err != nil {
		return nil, fmt.Errorf("model: LM head: %w", err)
	}
	e := newAttending(c, capacity, lp)
	e.w, e.lmHead, e.rope = w, head, newRopeTable(c.HeadDim, capacity, c.RopeTheta)
	for range c.Layers {
		e.kt = append(e.kt, make([]float32, c.KVHeads*c.HeadDim*capacity))
		e.v = append(e.v, make([]float32, c.KVHeads*capacity*c.HeadDim))
	}
	if e.dec, err = newPass(be, w, 1); err != nil {
		return nil, err
	}
	if batch > 1 {
		if e.pre, err = newPass(be, w, batch); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func newPass(be *cpu.Backend, w *Weights, m int) (*pass, error) {
	c := w.Config
	p := &pass{m: m,
		x: make([]float32, m*c.Hidden), h: make([]float32, m*c.Hidden), att: make([]float32, m*c.qDim()),
		act: make([]float32, m*c.FFN), logits: make([]float32, c.Vocab),
		qkvOut: make([]float32, m*c.qkvRows()), oOut: make([]float32, m*c.Hidden),
		guOut: make([]float32, m*2*c.FFN), downOut: make([]float32, m*c.Hidden)}
	var err error
	if p.hidQ, err = newQuantizer(be, p.h, m, c.Hidden); err != nil {
		return nil, err
	}
	if p.attQ, err = newQuantizer(be, p.att, m, c.qDim()); err != nil {
		return nil, err
	}
	if p.ffnQ, err = newQuantizer(be, p.act, m, c.FFN); err != nil {
		return nil, err
	}
	bitLinear := func(wt *kernels.Weights, in quantizer, y []float32) (kernels.Kernel, error) {
		k, err := be.Prepare(&kernels.Problem{Op: kernels.OpBitLinear, M: m, N: wt.Packed.Rows, K: wt.Packed.Cols,
			Weights: wt, XQ: in.q, XScales: in.scales, Y: y})
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		return k, nil
	}
	for _, l := range w.Layers {
		var pl passLayer
		if pl.qkv, err = bitLinear(l.QKV, p.hidQ, p.qkvOut); err != nil {
			return nil, err
		}
		if pl.o, err = bitLinear(l.O, p.attQ, p.oOut); err != nil {
			return nil, err
		}
		if pl.gateUp, err = bitLinear(l.GateUp, p.hidQ, p.guOut); err != nil {
			return nil, err
		}
		if pl.down, err = bitLinear(l.Down, p.ffnQ, p.downOut); err != nil {
			return nil, err
		}
		p.layers = append(p.layers, pl)
	}
	return p, nil
}

func newQuantizer(be *cpu.Backend, x []float32, m, k int) (quantizer, error) {
	q := quantizer{x: x, q: make([]int8, m*k), scales: make([]float32, m)}
	var err error
	q.k, err = be.Prepare(&kernels.Problem{Op: kernels.OpQuantizeActivations, M: m, K: k, X: x, YQ: q.q, YScales: q.scales})
	if err != nil {
		return q, fmt.Errorf("model: %w", err)
	}
	return q, nil
}

// Close gives back the memory the engine's kernels hold (their copies of
// the weights); the engine must not be used afterwards. An engine dropped
// without Close gives it back when the collector finds it unreachable.
func (e *Engine) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	errs := []error{e.lmHead.Close()}
	for _, p := range []*pass{e.dec, e.pre} {
		if p == nil {
			continue
		}
		for _, q := range []quantizer{p.hidQ, p.attQ, p.ffnQ} {
			errs = append(errs, q.k.Close())
		}
		for _, l := range p.layers {
			for _, k := range []kernels.Kernel{l.qkv, l.o, l.gateUp, l.down} {
				errs = append(errs, k.Close())
			}
		}
	}
	return errors.Join(errs...)
}

var errClosed = errors.New("model: engine used after Close")

// ResetTimes zeroes Times.
func (e *Engine) ResetTimes() { e.Times = [NumParts]time.Duration{} }

// Capacity is the number of positions the KV cache holds.
func (e *Engine) Capacity() int { return e.capacity }

// Step decodes token at position pos (the cache must hold positions
// 0..pos-1 from earlier steps) and returns the logits, a slice the next
// call overwrites.
func (e *Engine) Step(token, pos int) ([]float32, error) {
	if e.closed {
		return nil, errClosed
	}
	if pos < 0 || pos >= e.capacity || token < 0 || token >= e.c.Vocab {
		return nil, fmt.Errorf("model: token %d at position %d: want token < %d, position < %d", token, pos, e.c.Vocab, e.capacity)
	}
	p := e.dec
	t := time.Now()
	e.embed(p.x, token)
	t = e.tick(PartEmbed, t)
	for l := range e.c.Layers {
		var err error
		if t, err = e.layer(p, l, pos, t); err != nil {
			return nil, err
		}
	}
	return e.logits(p, 0, t)
}

// Prefill runs len(tokens) = batch tokens at positions 0.. in one pass (one
// GEMM per projection) and returns the logits of the last one.
func (e *Engine) Prefill(tokens []int) ([]float32, error) {
	if e.closed {
		return nil, errClosed
	}
	p := e.pre
	if p == nil || len(tokens) != p.m {
		return nil, fmt.Errorf("model: prefill of %d tokens: the engine was prepared for batches of %d", len(tokens), e.batch())
	}
	t := time.Now()
	for i, tok := range tokens {
		if tok < 0 || tok >= e.c.Vocab {
			return nil, fmt.Errorf("model: token %d at position %d: vocabulary has %d", tok, i, e.c.Vocab)
		}
		e.embed(p.x[i*e.c.Hidden:(i+1)*e.c.Hidden], tok)
	}
	t = e.tick(PartEmbed, t)
	for l := range e.c.Layers {
		var err error
		if t, err = e.layer(p, l, 0, t); err != nil {
			return nil, err
		}
	}
	return e.logits(p, p.m-1, t)
}

func (e *Engine) batch() int {
	if e.pre == nil {
		return 1
	}
	return e.pre.m
}

func (e *Engine) tick(part Part, since time.Time) time.Time {
	now := time.Now()
	e.Times[part] += now.Sub(since)
	return now
}

func (e *Engine) embed(dst []float32, token int) {
	h := e.c.Hidden
	s := e.w.EmbedRows[token]
	for i, q := range e.w.Embed[token*h : (token+1)*h] {
		dst[i] = float32(q) * s
	}
}

// layer runs block l for the pass's tokens, the first at position pos0.
func (e *Engine) layer(p *pass, l int, pos0 int, t time.Time) (time.Time, error) {
	c, lw, pl := e.c, &e.w.Layers[l], &p.layers[l]
	hd, qd, kvd := c.HeadDim, c.qDim(), c.kvDim()
	if err := e.normQuantize(p.hidQ, p.x, lw.AttnNorm); err != nil {
		return t, err
	}
	t = e.tick(PartAttnNorm, t)
	if err := pl.qkv.Run(); err != nil {
		return t, err
	}
	t = e.tick(PartQKV, t)
	kt, vc := e.kt[l], e.v[l]
	for i := range p.m {
		pos := pos0 + i
		row := p.qkvOut[i*c.qkvRows() : (i+1)*c.qkvRows()]
		q, k, v := row[:qd], row[qd:qd+kvd], row[qd+kvd:]
		e.rope.rotate(q, pos)
		e.rope.rotate(k, pos)
		for g := range c.KVHeads {
			for d, key := range k[g*hd : (g+1)*hd] {
				kt[(g*hd+d)*e.capacity+pos] = key
			}
			copy(vc[(g*e.capacity+pos)*hd:(g*e.capacity+pos+1)*hd], v[g*hd:(g+1)*hd])
		}
	}
	t = e.tick(PartRoPEKV, t)
	for i := range p.m {
		e.attend(p.att[i*qd:(i+1)*qd], p.qkvOut[i*c.qkvRows():i*c.qkvRows()+qd], l, pos0+i)
	}
	t = e.tick(PartAttention, t)
	if err := e.normQuantize(p.attQ, p.att, lw.AttnSubNorm); err != nil {
		return t, err
	}
	t = e.tick(PartAttnSubNorm, t)
	if err := pl.o.Run(); err != nil {
		return t, err
	}
	addInto(p.x, p.oOut)
	t = e.tick(PartO, t)
	if err := e.normQuantize(p.hidQ, p.x, lw.FFNNorm); err != nil {
		return t, err
	}
	t = e.tick(PartFFNNorm, t)
	if err := pl.gateUp.Run(); err != nil {
		return t, err
	}
	t = e.tick(PartGateUp, t)
	for i := range p.m {
		gu := p.guOut[i*2*c.FFN : (i+1)*2*c.FFN]
		e.reluSquaredGate(p.act[i*c.FFN:(i+1)*c.FFN], gu[:c.FFN], gu[c.FFN:])
	}
	t = e.tick(PartReLU2, t)
	if err := e.normQuantize(p.ffnQ, p.act, lw.FFNSubNorm); err != nil {
		return t, err
	}
	t = e.tick(PartFFNSubNorm, t)
	if err := pl.down.Run(); err != nil {
		return t, err
	}
	addInto(p.x, p.downOut)
	return e.tick(PartDown, t), nil
}

// normQuantize writes RMSNorm(row)·g of every row of src into q's input
// (src may be that input: the sub-norms work in place) and quantizes it.
func (e *Engine) normQuantize(q quantizer, src, g []float32) error {
	w := len(g)
	for i := range len(src) / w {
		e.rmsNorm(q.x[i*w:(i+1)*w], src[i*w:(i+1)*w], g, e.c.NormEps)
	}
	return q.k.Run()
}

// newAttending returns an Engine with the loops and buffers attend needs
// for capacity positions (no weights or cache yet).
func newAttending(c Config, capacity int, lp loops) *Engine {
	return &Engine{c: c, capacity: capacity, loops: lp,
		scores:  make([]float32, capacity),
		qScaled: make([]float32, 4*c.HeadDim),
		probs4:  make([]float32, 4*capacity)}
}

// attend writes the attention output of one token at pos (all query heads)
// into out, from the query q and the cache of layer l up to pos. The query
// heads of a KV group go four at a time through VecMat4, so each cached key
// and value is loaded once for the four.
func (e *Engine) attend(out, q []float32, l, pos int) {
	c := e.c
	hd, n, capacity := c.HeadDim, pos+1, e.capacity
	group := c.Heads / c.KVHeads
	inv := float32(1 / math.Sqrt(float64(hd)))
	for g := range c.KVHeads {
		kt := e.kt[l][g*hd*capacity : (g+1)*hd*capacity]
		v := e.v[l][g*capacity*hd : (g+1)*capacity*hd]
		h := g * group
		for ; h+4 <= (g+1)*group; h += 4 {
			// In the engine, not locals: VecMat4 is a function value,
			// so arrays passed to it by pointer would be allocated on
			// the heap on every call (450 allocations a 2B4T token).
			qs, ps, os := &e.heads4.q, &e.heads4.p, &e.heads4.o
			for i := range 4 {
				qs[i] = e.qScaled[i*hd : (i+1)*hd]
				for d, x := range q[(h+i)*hd : (h+i+1)*hd] {
					qs[i][d] = x * inv
				}
				ps[i] = e.probs4[i*capacity : i*capacity+n]
				os[i] = out[(h+i)*hd : (h+i+1)*hd]
			}
			// scores[j] = Σ_d q[d]·kᵀ[d][j], then out = Σ_j p[j]·v[j].
			e.vecMat4(ps, qs, kt, capacity)
			for i := range 4 {
				softmax(ps[i], e.expShift)
			}
			e.vecMat4(os, ps, v, hd)
		}
		for ; h < (g+1)*group; h++ {
			qs, probs := e.qScaled[:hd], e.scores[:n]
			for d, x := range q[h*hd : (h+1)*hd] {
				qs[d] = x * inv
			}
			e.vecMat(probs, qs, kt, capacity)
			softmax(probs, e.expShift)
			e.vecMat(out[h*hd:(h+1)*hd], probs, v, hd)
		}
	}
}

// logits runs the final norm and the LM head on token i of the pass.
func (e *Engine) logits(p *pass, i int, t time.Time) ([]float32, error) {
	c := e.c
	d := e.dec
	if err := e.normQuantize(d.hidQ, p.x[i*c.Hidden:(i+1)*c.Hidden], e.w.FinalNorm); err != nil {
		return nil, err
	}
	if err := e.lmHead.Run(d.logits, d.hidQ.q, d.hidQ.scales[0]); err != nil {
		return nil, err
	}
	e.tick(PartLMHead, t)
	return d.logits, nil
}

// StepBytes is what one decode step at position pos reads from memory: the
// weights (WeightBytes) and each KV head's keys and values for positions
// 0..pos once (the query heads of a group re-read them from cache).
func (e *Engine) StepBytes(pos int) int64 {
	c := e.c
	kv := int64(c.Layers) * int64(c.KVHeads) * int64(c.HeadDim) * 4 * 2 * int64(pos+1)
	return e.w.WeightBytes() + kv
}

func addInto(dst, src []float32) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] += src[i]
	}
}
