package model

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

// The CPU device: tensors are Go slices, every part runs the CPU backend's
// kernels (BitLinear, QuantizeActivations, the int8 LM head) and loops
// (RMSNorm, the ReLU² gate, VecMat and ExpShift for attention) where it is
// called.

type f32s []float32
type i8s []int8
type i32s []int32

func (t f32s) Len() int { return len(t) }
func (t i8s) Len() int  { return len(t) }
func (t i32s) Len() int { return len(t) }

type opFunc func() error

func (f opFunc) Run() error { return f() }

// cpuDevice runs the model on a CPU backend.
type cpuDevice struct {
	be *cpu.Backend
	w  *Weights
	attending
	rope    *ropeTable
	lmHead  *cpu.Int8GEMV
	kernels []kernels.Kernel // to Close
}

// attending is the KV cache and the loops and buffers attend needs.
type attending struct {
	c        Config
	capacity int
	loops
	kt      [][]float32                    // per layer: KVHeads × HeadDim × capacity (keys transposed: Q·Kᵀ is a vector × matrix)
	v       [][]float32                    // per layer: KVHeads × capacity × HeadDim
	scores  []float32                      // capacity
	qScaled []float32                      // 4·HeadDim: query heads times 1/√HeadDim
	probs4  []float32                      // 4·capacity: the scores, then probabilities, of four heads
	heads4  struct{ q, p, o [4][]float32 } // attend's views of four heads
}

func newCPUDevice(be *cpu.Backend, w *Weights, capacity int) (*cpuDevice, error) {
	c := w.Config
	lp, err := loopsOf(be)
	if err != nil {
		return nil, err
	}
	head, err := be.NewInt8GEMV(w.Embed, w.EmbedRows, c.Vocab, c.Hidden)
	if err != nil {
		return nil, fmt.Errorf("model: LM head: %w", err)
	}
	d := &cpuDevice{be: be, w: w, attending: newAttending(c, capacity, lp), lmHead: head,
		rope: newRopeTable(c.HeadDim, capacity, c.RopeTheta)}
	for range c.Layers {
		d.kt = append(d.kt, make([]float32, c.KVHeads*c.HeadDim*capacity))
		d.v = append(d.v, make([]float32, c.KVHeads*capacity*c.HeadDim))
	}
	return d, nil
}

func (d *cpuDevice) F32(n int) (Tensor, error) { return f32s(make([]float32, n)), nil }
func (d *cpuDevice) I32(n int) (Tensor, error) { return i32s(make([]int32, n)), nil }
func (d *cpuDevice) Quantized(m, k int) (Tensor, Tensor, error) {
	return i8s(make([]int8, m*k)), f32s(make([]float32, m)), nil
}
func (d *cpuDevice) View(t Tensor, off, n int) Tensor { return t.(f32s)[off : off+n] }

func (d *cpuDevice) WriteI32(t Tensor, src []int32) error   { copy(t.(i32s), src); return nil }
func (d *cpuDevice) WriteF32(t Tensor, src []float32) error { copy(t.(f32s), src); return nil }
func (d *cpuDevice) ReadF32(t Tensor, _ []float32) ([]float32, error) {
	return t.(f32s), nil
}

func (d *cpuDevice) Embed(x, params Tensor, m int) (Op, error) {
	xs, ps, h := x.(f32s), params.(i32s), d.c.Hidden
	return opFunc(func() error {
		for i := range m {
			tok := int(ps[1+i])
			s := d.w.EmbedRows[tok]
			dst := xs[i*h : (i+1)*h]
			for j, q := range d.w.Embed[tok*h : (tok+1)*h] {
				dst[j] = float32(q) * s
			}
		}
		return nil
	}), nil
}

func (d *cpuDevice) prepare(p *kernels.Problem) (kernels.Kernel, error) {
	k, err := d.be.ForOp(p.Op).Prepare(p)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	d.kernels = append(d.kernels, k)
	return k, nil
}

func (d *cpuDevice) NormQuantize(x, residual, g, out, q, scales Tensor, m int) (Op, error) {
	xs, gs, os := x.(f32s), g.(f32s), out.(f32s)
	w := len(gs)
	k, err := d.prepare(&kernels.Problem{Op: kernels.OpQuantizeActivations, M: m, K: w,
		X: os[:m*w], YQ: q.(i8s), YScales: scales.(f32s)})
	if err != nil {
		return nil, err
	}
	var res f32s
	if residual != nil {
		res = residual.(f32s)
	}
	eps := d.c.NormEps
	return opFunc(func() error {
		if res != nil {
			addInto(xs[:m*w], res)
		}
		for i := range m {
			d.rmsNorm(os[i*w:(i+1)*w], xs[i*w:(i+1)*w], gs, eps)
		}
		return k.Run()
	}), nil
}

func (d *cpuDevice) BitLinear(wt *kernels.Weights, q, scales, y Tensor, m int) (Op, error) {
	return d.prepare(&kernels.Problem{Op: kernels.OpBitLinear, M: m, N: wt.Packed.Rows, K: wt.Packed.Cols,
		Weights: wt, XQ: q.(i8s), XScales: scales.(f32s), Y: y.(f32s)})
}

func (d *cpuDevice) RoPEKV(qkv, params Tensor, l, m int) (Op, error) {
	c, out, ps := d.c, qkv.(f32s), params.(i32s)
	hd, qd, kvd, rows := c.HeadDim, c.qDim(), c.kvDim(), c.qkvRows()
	kt, vc := d.kt[l], d.v[l]
	return opFunc(func() error {
		pos0 := int(ps[0])
		for i := range m {
			pos := pos0 + i
			row := out[i*rows : (i+1)*rows]
			q, k, v := row[:qd], row[qd:qd+kvd], row[qd+kvd:]
			d.rope.rotate(q, pos)
			d.rope.rotate(k, pos)
			for g := range c.KVHeads {
				copy(vc[(g*d.capacity+pos)*hd:(g*d.capacity+pos+1)*hd], v[g*hd:(g+1)*hd])
			}
		}
		// The keys into the transposed cache a key row at a time, the m
		// positions contiguous: token by token, every key of a token
		// was a store to its own cache line (a prefill's 128 tokens
		// wrote 640 lines each, 26 ms of a 2B4T prefill on a Xeon).
		for r := range kvd {
			dst := kt[r*d.capacity+pos0 : r*d.capacity+pos0+m]
			for i := range dst {
				dst[i] = out[i*rows+qd+r]
			}
		}
		return nil
	}), nil
}

func (d *cpuDevice) Attention(out, qkv, params Tensor, l, m int) (Op, error) {
	c, o, in, ps := d.c, out.(f32s), qkv.(f32s), params.(i32s)
	qd, rows := c.qDim(), c.qkvRows()
	return opFunc(func() error {
		for i := range m {
			d.attend(o[i*qd:(i+1)*qd], in[i*rows:i*rows+qd], l, int(ps[0])+i)
		}
		return nil
	}), nil
}

func (d *cpuDevice) ReLU2Gate(act, gu Tensor, m int) (Op, error) {
	a, g, f := act.(f32s), gu.(f32s), d.c.FFN
	return opFunc(func() error {
		for i := range m {
			row := g[i*2*f : (i+1)*2*f]
			d.reluSquaredGate(a[i*f:(i+1)*f], row[:f], row[f:])
		}
		return nil
	}), nil
}

func (d *cpuDevice) LMHead(logits, q, scales Tensor) (Op, error) {
	y, xq, xs := logits.(f32s), q.(i8s), scales.(f32s)
	return opFunc(func() error { return d.lmHead.Run(y, xq, xs[0]) }), nil
}

// cpuProgram runs its ops in order; timed, it reads the clock where the
// part changes.
type cpuProgram []PartOp

func (d *cpuDevice) Program(ops []PartOp) (Program, error) { return cpuProgram(ops), nil }

func (p cpuProgram) Run(times *[NumParts]time.Duration) error {
	if times == nil {
		for _, o := range p {
			if err := o.Op.Run(); err != nil {
				return err
			}
		}
		return nil
	}
	t := time.Now()
	for i, o := range p {
		if err := o.Op.Run(); err != nil {
			return err
		}
		if i+1 == len(p) || p[i+1].Part != o.Part {
			now := time.Now()
			times[o.Part] += now.Sub(t)
			t = now
		}
	}
	return nil
}

func (d *cpuDevice) Close() error {
	errs := []error{d.lmHead.Close()}
	for _, k := range d.kernels {
		errs = append(errs, k.Close())
	}
	d.kernels = nil
	return errors.Join(errs...)
}

// newAttending returns the loops and buffers attend needs for capacity
// positions (no cache yet).
func newAttending(c Config, capacity int, lp loops) attending {
	return attending{c: c, capacity: capacity, loops: lp,
		scores:  make([]float32, capacity),
		qScaled: make([]float32, 4*c.HeadDim),
		probs4:  make([]float32, 4*capacity)}
}

// attend writes the attention output of one token at pos (all query heads)
// into out, from the query q and the cache of layer l up to pos. The query
// heads of a KV group go four at a time through VecMat4, so each cached key
// and value is loaded once for the four.
func (e *attending) attend(out, q []float32, l, pos int) {
	c := e.c
	hd, n, capacity := c.HeadDim, pos+1, e.capacity
	group := c.Heads / c.KVHeads
	inv := float32(1 / math.Sqrt(float64(hd)))
	for g := range c.KVHeads {
		kt := e.kt[l][g*hd*capacity : (g+1)*hd*capacity]
		v := e.v[l][g*capacity*hd : (g+1)*capacity*hd]
		h := g * group
		for ; h+4 <= (g+1)*group; h += 4 {
			// In the struct, not locals: VecMat4 is a function value,
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

func addInto(dst, src []float32) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] += src[i]
	}
}
