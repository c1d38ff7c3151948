package model

import (
	"errors"
	"fmt"
	"time"

	"github.com/bitnet-go/bitnet-bench/kernels"
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

// Engine runs a model on a backend's Device: every projection is the
// backend's BitLinear, every quantization its activation quantization, the
// LM head its int8 GEMV, and RMSNorm, RoPE, attention and the FFN's ReLU²
// gate its own code for them. A backend that lacks one of them makes
// NewEngine fail; nothing is swapped in.
type Engine struct {
	w        *Weights
	c        Config
	capacity int
	dev      Device
	closed   bool
	dec, pre *pass
	params   []int32 // pos0, tokens: written to the pass's params tensor before a run
	last     *pass
	// Times accumulates the time of each part over every Step and Prefill
	// since the last ResetTimes while TimeParts is set (the default): wall
	// time on the CPU, device timers on a GPU, where a timed step runs op
	// by op instead of as one graph.
	Times     [NumParts]time.Duration
	TimeParts bool
}

// pass is the tensors and program for a batch of m tokens. The residual
// of each projection is added by the norm after it, so the add is timed
// as part of that norm (the last one as part of the LM head).
type pass struct {
	m                                  int
	params                             Tensor
	x, h, att, act, logits             Tensor
	qkvOut, oOut, guOut, downOut       Tensor
	hidQ, hidS, attQ, attS, ffnQ, ffnS Tensor
	finQ, finS                         Tensor
	prog                               Program
	logitsBuf                          []float32
}

// NewEngine prepares w on be for decoding up to capacity positions and,
// when batch > 1, for prefilling batch tokens at once.
func NewEngine(w *Weights, be kernels.Backend, capacity, batch int) (*Engine, error) {
	c := w.Config
	if capacity <= 0 || batch <= 0 || batch > capacity {
		return nil, fmt.Errorf("model: capacity %d and batch %d: want 0 < batch ≤ capacity", capacity, batch)
	}
	dev, err := NewDevice(be, w, capacity)
	if err != nil {
		return nil, err
	}
	e := &Engine{w: w, c: c, capacity: capacity, dev: dev, TimeParts: true, params: make([]int32, 1+batch)}
	if e.dec, err = e.newPass(1); err != nil {
		dev.Close()
		return nil, err
	}
	if batch > 1 {
		if e.pre, err = e.newPass(batch); err != nil {
			dev.Close()
			return nil, err
		}
	}
	return e, nil
}

func (e *Engine) newPass(m int) (*pass, error) {
	c, d := e.c, e.dev
	p := &pass{m: m, logitsBuf: make([]float32, c.Vocab)}
	var err error
	f32 := func(t *Tensor, n int) {
		if err == nil {
			*t, err = d.F32(n)
		}
	}
	f32(&p.x, m*c.Hidden)
	f32(&p.h, m*c.Hidden)
	f32(&p.att, m*c.qDim())
	f32(&p.act, m*c.FFN)
	f32(&p.logits, c.Vocab)
	f32(&p.qkvOut, m*c.qkvRows())
	f32(&p.oOut, m*c.Hidden)
	f32(&p.guOut, m*2*c.FFN)
	f32(&p.downOut, m*c.Hidden)
	quantized := func(q, s *Tensor, rows, k int) {
		if err == nil {
			*q, *s, err = d.Quantized(rows, k)
		}
	}
	quantized(&p.hidQ, &p.hidS, m, c.Hidden)
	quantized(&p.attQ, &p.attS, m, c.qDim())
	quantized(&p.ffnQ, &p.ffnS, m, c.FFN)
	quantized(&p.finQ, &p.finS, 1, c.Hidden)
	if err == nil {
		p.params, err = d.I32(1 + m)
	}
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	// Each part is made only while nothing has failed: a device that
	// cannot make one (a kernel that does not build) stops the pass there.
	var ops []PartOp
	add := func(part Part, mk func() (Op, error)) {
		if err != nil {
			return
		}
		var op Op
		if op, err = mk(); err == nil {
			ops = append(ops, PartOp{part, op})
		}
	}
	gains := func(g []float32) Tensor { // a norm's gains, resident on the device
		var u Tensor
		if err == nil {
			u, err = d.F32(len(g))
		}
		if err == nil {
			err = d.WriteF32(u, g)
		}
		return u
	}
	add(PartEmbed, func() (Op, error) { return d.Embed(p.x, p.params, m) })
	var residual Tensor // the last projection's output, added by the next norm
	for l := range e.w.Layers {
		lw := &e.w.Layers[l]
		attnNorm, attnSubNorm, ffnNorm, ffnSubNorm := gains(lw.AttnNorm), gains(lw.AttnSubNorm), gains(lw.FFNNorm), gains(lw.FFNSubNorm)
		res := residual
		add(PartAttnNorm, func() (Op, error) { return d.NormQuantize(p.x, res, attnNorm, p.h, p.hidQ, p.hidS, m) })
		add(PartQKV, func() (Op, error) { return d.BitLinear(lw.QKV, p.hidQ, p.hidS, p.qkvOut, m) })
		add(PartRoPEKV, func() (Op, error) { return d.RoPEKV(p.qkvOut, p.params, l, m) })
		add(PartAttention, func() (Op, error) { return d.Attention(p.att, p.qkvOut, p.params, l, m) })
		add(PartAttnSubNorm, func() (Op, error) { return d.NormQuantize(p.att, nil, attnSubNorm, p.att, p.attQ, p.attS, m) })
		add(PartO, func() (Op, error) { return d.BitLinear(lw.O, p.attQ, p.attS, p.oOut, m) })
		add(PartFFNNorm, func() (Op, error) { return d.NormQuantize(p.x, p.oOut, ffnNorm, p.h, p.hidQ, p.hidS, m) })
		add(PartGateUp, func() (Op, error) { return d.BitLinear(lw.GateUp, p.hidQ, p.hidS, p.guOut, m) })
		add(PartReLU2, func() (Op, error) { return d.ReLU2Gate(p.act, p.guOut, m) })
		add(PartFFNSubNorm, func() (Op, error) { return d.NormQuantize(p.act, nil, ffnSubNorm, p.act, p.ffnQ, p.ffnS, m) })
		add(PartDown, func() (Op, error) { return d.BitLinear(lw.Down, p.ffnQ, p.ffnS, p.downOut, m) })
		residual = p.downOut
	}
	// The last token: final norm (with the last residual) and LM head.
	last := (m - 1) * c.Hidden
	final := gains(e.w.FinalNorm)
	add(PartLMHead, func() (Op, error) {
		return d.NormQuantize(d.View(p.x, last, c.Hidden), d.View(residual, last, c.Hidden),
			final, d.View(p.h, last, c.Hidden), p.finQ, p.finS, 1)
	})
	add(PartLMHead, func() (Op, error) { return d.LMHead(p.logits, p.finQ, p.finS) })
	if err == nil {
		p.prog, err = d.Program(ops)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Close gives back the memory the engine's device holds (its copies of
// the weights, its cache); the engine must not be used afterwards.
func (e *Engine) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	return e.dev.Close()
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
	e.params[0], e.params[1] = int32(pos), int32(token)
	return e.run(e.dec)
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
	e.params[0] = 0
	for i, tok := range tokens {
		if tok < 0 || tok >= e.c.Vocab {
			return nil, fmt.Errorf("model: token %d at position %d: vocabulary has %d", tok, i, e.c.Vocab)
		}
		e.params[1+i] = int32(tok)
	}
	return e.run(p)
}

func (e *Engine) run(p *pass) ([]float32, error) {
	if err := e.dev.WriteI32(p.params, e.params[:1+p.m]); err != nil {
		return nil, err
	}
	var times *[NumParts]time.Duration
	if e.TimeParts {
		times = &e.Times
	}
	e.last = p
	if err := p.prog.Run(times); err != nil {
		return nil, err
	}
	return e.dev.ReadF32(p.logits, p.logitsBuf)
}

// DeviceTime is the length of the last Step or Prefill on the device's
// own timers (CUDA events), and false where the backend has none (the
// CPU).
func (e *Engine) DeviceTime() (time.Duration, bool) {
	if e.last == nil {
		return 0, false
	}
	dt, ok := e.last.prog.(interface{ DeviceTime() time.Duration })
	if !ok {
		return 0, false
	}
	return dt.DeviceTime(), true
}

// DeviceTimed says whether the backend times a pass on the device's own
// timers (DeviceTime reports them); MLX and the CPU have none.
func (e *Engine) DeviceTimed() bool {
	_, ok := e.dec.prog.(interface{ DeviceTime() time.Duration })
	return ok
}

func (e *Engine) batch() int {
	if e.pre == nil {
		return 1
	}
	return e.pre.m
}

// StepBytes is what one decode step at position pos reads from memory: the
// weights (WeightBytes) and each KV head's keys and values for positions
// 0..pos once (the query heads of a group re-read them from cache).
func (e *Engine) StepBytes(pos int) int64 {
	c := e.c
	kv := int64(c.Layers) * int64(c.KVHeads) * int64(c.HeadDim) * 4 * 2 * int64(pos+1)
	return e.w.WeightBytes() + kv
}
