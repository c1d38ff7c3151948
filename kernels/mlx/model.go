package mlx

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
)

// The model device: BitNet b1.58 as MLX operations on MLX's device, with
// the weights (in the BitLinear kernel's form), the int8 embedding, the LM
// head, the RoPE table and the KV cache held by MLX. MLX arrays are values,
// not buffers, so a tensor here is the array that now holds its values: an
// op builds MLX operations on the arrays of its inputs and makes the
// results the arrays of its outputs (the KV cache by mlx_slice_update). A
// pass builds the whole step lazily and evaluates it once, as one MLX
// graph; a timed pass evaluates at the end of every part.
//
// Positions set the shapes of MLX's graph (the cache rows a token attends
// to), so the ops read the first position from the host copy of the params
// tensor when they build; the tokens are read by MLX from the params array.
//
// The projections are the backend's BitLinear graph (bitLinearWeights:
// exact integer sums, as the kernel). The other parts use MLX's own
// operations: mlx_fast_rms_norm, mlx_fast_scaled_dot_product_attention
// (grouped-query, causal within a prefill), the quantization graph of
// QuantizeActivations, and an LM head that sums the int8 products exactly
// in float32 slices of lmSlice columns.

var _ model.Backend = Backend{}

// lmSlice is the most LM head columns whose float32 sums of int8·int8
// products (|q·x| ≤ 2^14) are exact: 2^10·2^14 = 2^24.
const lmSlice = 1024

// NewModelDevice uploads w's embedding, the LM head, the RoPE table and a
// KV cache of capacity positions to MLX's device.
func (Backend) NewModelDevice(w *model.Weights, capacity int) (model.Device, error) {
	rt, err := getRuntime()
	if err != nil {
		return nil, err
	}
	c := w.Config
	if capacity <= 0 || capacity > math.MaxInt32/c.HeadDim {
		return nil, fmt.Errorf("mlx: model: a KV cache of %d positions", capacity)
	}
	d := &modelDevice{rt: rt, c: c, capacity: capacity, weights: map[*kernels.Weights]*bitLinearWeights{}}
	err = d.do(func(g *graph) {
		d.emb = upload(g, w.Embed, c.Vocab, c.Hidden)
		d.embRows = upload(g, w.EmbedRows, c.Vocab)
		// The LM head: the embedding as float32, lmSlice columns a slice,
		// each contiguous and transposed (a view) for matmul.
		emb := make([]float32, c.Vocab*lmSlice)
		for k0 := 0; k0 < c.Hidden; k0 += lmSlice {
			k1 := min(k0+lmSlice, c.Hidden)
			cols := k1 - k0
			for n := range c.Vocab {
				for i, q := range w.Embed[n*c.Hidden+k0 : n*c.Hidden+k1] {
					emb[n*cols+i] = float32(q)
				}
			}
			d.head = append(d.head, headSlice{k0, k1, g.transpose(upload(g, emb[:c.Vocab*cols], c.Vocab, cols))})
		}
		cos, sin := model.RopeTable(c.HeadDim, capacity, c.RopeTheta)
		d.cos = upload(g, cos, capacity, c.HeadDim/2)
		d.sin = upload(g, sin, capacity, c.HeadDim/2)
		d.qc = newQuantConsts(g)
		d.zero = g.scalar(0)
	})
	if err != nil {
		return nil, d.fail(err)
	}
	for range c.Layers {
		n := c.KVHeads * capacity * c.HeadDim
		k, err := d.F32(n)
		if err != nil {
			return nil, d.fail(err)
		}
		v, err := d.F32(n)
		if err != nil {
			return nil, d.fail(err)
		}
		d.kc, d.vc = append(d.kc, k.(*mtensor)), append(d.vc, v.(*mtensor))
	}
	return d, nil
}

type modelDevice struct {
	rt       *runtimeState
	c        model.Config
	capacity int
	emb      uintptr // Vocab × Hidden int8
	embRows  uintptr // Vocab float32: the rows' scales
	head     []headSlice
	cos, sin uintptr // capacity × HeadDim/2
	qc       quantConsts
	zero     uintptr
	kc, vc   []*mtensor // per layer: 1 × KVHeads × capacity × HeadDim
	weights  map[*kernels.Weights]*bitLinearWeights
	arrays   []uintptr  // what the device made and keeps: freed by Close
	tensors  []*mtensor // likewise
	closed   bool
}

// headSlice is columns k0..k1 of the LM head, (k1-k0) × Vocab float32.
type headSlice struct {
	k0, k1 int
	wt     uintptr
}

// mtensor is a tensor of n values: a, the MLX array holding them now
// (flat), and for the params tensor the host's copy.
type mtensor struct {
	n    int
	a    uintptr
	host []int32
}

func (t *mtensor) Len() int { return t.n }

// mview is n values of t from off.
type mview struct {
	t      *mtensor
	off, n int
}

func (v mview) Len() int { return v.n }

// do runs f on the MLX thread with a graph whose arrays, evaluated, the
// device keeps.
func (d *modelDevice) do(f func(g *graph)) error {
	if d.closed {
		return errors.New("mlx: model: device used after Close")
	}
	return d.rt.th.Do(func() error {
		g := &graph{rt: d.rt}
		f(g)
		g.eval(g.own...)
		if g.err != nil {
			return g.release()
		}
		d.arrays = append(d.arrays, g.own...)
		g.own = nil
		return nil
	})
}

func (d *modelDevice) fail(err error) error {
	d.Close()
	return err
}

func (d *modelDevice) tensor(n int, dtype int32) (*mtensor, error) {
	t := &mtensor{n: n}
	err := d.do(func(g *graph) {
		t.a = g.zeros(dtype, n)
		g.eval(t.a)
		g.keep(t.a)
	})
	if err != nil {
		return nil, err
	}
	// t.a was left out of the device's arrays: tensors are freed apart.
	d.tensors = append(d.tensors, t)
	return t, nil
}

func (d *modelDevice) F32(n int) (model.Tensor, error) { return d.tensor(n, dtFloat32) }

func (d *modelDevice) I32(n int) (model.Tensor, error) {
	t, err := d.tensor(n, dtInt32)
	if err == nil {
		t.host = make([]int32, n)
	}
	return t, err
}

// Quantized is m rows of k int8 values (BitLinear slices and pads in its
// own graph) and m scales.
func (d *modelDevice) Quantized(m, k int) (model.Tensor, model.Tensor, error) {
	q, err := d.tensor(m*k, dtInt8)
	if err != nil {
		return nil, nil, err
	}
	s, err := d.tensor(m, dtFloat32)
	return q, s, err
}

func (d *modelDevice) View(t model.Tensor, off, n int) model.Tensor {
	return mview{t.(*mtensor), off, n}
}

func (d *modelDevice) WriteI32(t model.Tensor, src []int32) error {
	mt := t.(*mtensor)
	if mt.host != nil {
		copy(mt.host, src)
	}
	return d.write(t, func(g *graph) uintptr { return upload(g, src, len(src)) })
}

func (d *modelDevice) WriteF32(t model.Tensor, src []float32) error {
	return d.write(t, func(g *graph) uintptr { return upload(g, src, len(src)) })
}

// write makes the array f makes t's values.
func (d *modelDevice) write(t model.Tensor, f func(g *graph) uintptr) error {
	if t.Len() == 0 {
		return nil
	}
	return d.rt.th.Do(func() error {
		s := &step{graph: &graph{rt: d.rt}}
		s.write(t, f(s.graph))
		s.flush()
		return s.release()
	})
}

// ReadF32 copies t's evaluated values into buf.
func (d *modelDevice) ReadF32(t model.Tensor, buf []float32) ([]float32, error) {
	mt, ok := t.(*mtensor)
	if !ok {
		return nil, fmt.Errorf("mlx: model: ReadF32 of a view")
	}
	buf = buf[:mt.n]
	err := d.rt.th.Do(func() error { return readFloat32(d.rt.l, mt.a, buf) })
	return buf, err
}

// step is the graph of one run of ops: it writes tensors and evaluates
// those written when flushed.
type step struct {
	*graph
	dirty []*mtensor
}

// read is t's values as an array of the given shape.
func (s *step) read(t model.Tensor, shape ...int) uintptr {
	switch t := t.(type) {
	case *mtensor:
		return s.reshape(t.a, shape...)
	case mview:
		return s.reshape(s.slice(t.t.a, []int{t.off}, []int{t.off + t.n}), shape...)
	}
	s.fail(fmt.Errorf("mlx: model: tensor %T is not this device's", t))
	return 0
}

// write makes a (of t.Len() values, any shape) t's values.
func (s *step) write(t model.Tensor, a uintptr) {
	switch t := t.(type) {
	case *mtensor:
		s.set(t, a)
	case mview:
		s.set(t.t, s.sliceUpdate(t.t.a, s.reshape(a, t.n), []int{t.off}, []int{t.off + t.n}))
	default:
		s.fail(fmt.Errorf("mlx: model: tensor %T is not this device's", t))
	}
}

func (s *step) set(t *mtensor, a uintptr) {
	a = s.reshape(a, t.n)
	if s.err != nil {
		return
	}
	if err := check("mlx_array_set", s.rt.l.arraySet(&t.a, a)); err != nil {
		s.err = err
		return
	}
	s.dirty = append(s.dirty, t)
}

func (s *step) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// flush evaluates the tensors written since the last flush.
func (s *step) flush() {
	arrs := make([]uintptr, 0, len(s.dirty))
	seen := map[*mtensor]bool{}
	for _, t := range s.dirty {
		if !seen[t] {
			seen[t] = true
			arrs = append(arrs, t.a)
		}
	}
	s.dirty = s.dirty[:0]
	s.evalAll(arrs)
}

// mop is a part of the step: it builds its MLX operations on a step.
type mop struct {
	d     *modelDevice
	build func(s *step)
}

// Run runs the op alone, evaluated.
func (o *mop) Run() error {
	return o.d.rt.th.Do(func() error { return o.d.run([]model.PartOp{{Op: o}}, nil) })
}

func (d *modelDevice) op(build func(s *step)) (model.Op, error) {
	if d.closed {
		return nil, errors.New("mlx: model: device used after Close")
	}
	return &mop{d, build}, nil
}

// pos0 is the first position of the pass, from the params' host copy.
func (s *step) pos0(params model.Tensor) int { return int(params.(*mtensor).host[0]) }

func (d *modelDevice) Embed(x, params model.Tensor, m int) (model.Op, error) {
	return d.op(func(s *step) {
		idx := s.slice(params.(*mtensor).a, []int{1}, []int{1 + m})
		rows := s.astype(s.take(d.emb, idx, 0), dtFloat32) // m × Hidden
		scale := s.reshape(s.take(d.embRows, idx, 0), m, 1)
		s.write(x, s.multiply(rows, scale))
	})
}

func (d *modelDevice) NormQuantize(x, residual, g, out, q, scales model.Tensor, m int) (model.Op, error) {
	w, eps := g.Len(), d.c.NormEps
	return d.op(func(s *step) {
		xv := s.read(x, m, w)
		if residual != nil {
			xv = s.add(xv, s.read(residual, m, w))
			s.write(x, xv)
		}
		o := s.rmsNorm(xv, s.read(g, w), eps)
		s.write(out, o)
		q8, sc := quantizeRows(s.graph, o, d.qc)
		s.write(q, q8)
		s.write(scales, sc)
	})
}

func (d *modelDevice) BitLinear(wt *kernels.Weights, q, scales, y model.Tensor, m int) (model.Op, error) {
	bw, ok := d.weights[wt]
	if !ok {
		if err := d.do(func(g *graph) { bw = newBitLinearWeights(g, d.rt, wt) }); err != nil {
			return nil, fmt.Errorf("mlx: model: %w", err)
		}
		d.weights[wt] = bw
	}
	return d.op(func(s *step) {
		s.write(y, bw.apply(s.graph, s.read(q, m, bw.k), s.read(scales, m, 1), m))
	})
}

// checkPositions fails a pass whose positions run past the cache.
func (d *modelDevice) checkPositions(s *step, pos0, m int) bool {
	if pos0 < 0 || pos0+m > d.capacity {
		s.fail(fmt.Errorf("mlx: model: positions %d..%d: the KV cache holds %d", pos0, pos0+m-1, d.capacity))
		return false
	}
	return true
}

func (d *modelDevice) RoPEKV(qkv, params model.Tensor, l, m int) (model.Op, error) {
	c := d.c
	hd, half, qd, kvd := c.HeadDim, c.HeadDim/2, c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	rows := qd + 2*kvd
	return d.op(func(s *step) {
		pos0 := s.pos0(params)
		if !d.checkPositions(s, pos0, m) {
			return
		}
		in := s.read(qkv, m, rows)
		cos := s.reshape(s.slice(d.cos, []int{pos0, 0}, []int{pos0 + m, half}), m, 1, half)
		sin := s.reshape(s.slice(d.sin, []int{pos0, 0}, []int{pos0 + m, half}), m, 1, half)
		// rotate pairs element i with element i+half of every head, as
		// the CPU path: a·cos − b·sin, b·cos + a·sin.
		rotate := func(x uintptr, heads int) uintptr {
			a := s.slice(x, []int{0, 0, 0}, []int{m, heads, half})
			b := s.slice(x, []int{0, 0, half}, []int{m, heads, hd})
			return s.concat(2, s.subtract(s.multiply(a, cos), s.multiply(b, sin)),
				s.add(s.multiply(b, cos), s.multiply(a, sin)))
		}
		q := rotate(s.reshape(s.slice(in, []int{0, 0}, []int{m, qd}), m, c.Heads, hd), c.Heads)
		k := rotate(s.reshape(s.slice(in, []int{0, qd}, []int{m, qd + kvd}), m, c.KVHeads, hd), c.KVHeads)
		v := s.slice(in, []int{0, qd + kvd}, []int{m, rows})
		s.write(qkv, s.concat(1, s.reshape(q, m, qd), s.reshape(k, m, kvd), v))
		// The cache: KVHeads × capacity × HeadDim, rows pos0.. replaced.
		appendRows := func(cache *mtensor, x uintptr) {
			x = s.transposeAxes(s.reshape(x, m, c.KVHeads, hd), 1, 0, 2)
			all := s.reshape(cache.a, c.KVHeads, d.capacity, hd)
			s.set(cache, s.sliceUpdate(all, x, []int{0, pos0, 0}, []int{c.KVHeads, pos0 + m, hd}))
		}
		appendRows(d.kc[l], k)
		appendRows(d.vc[l], v)
	})
}

func (d *modelDevice) Attention(out, qkv, params model.Tensor, l, m int) (model.Op, error) {
	c := d.c
	hd, qd, rows := c.HeadDim, c.Heads*c.HeadDim, (c.Heads+2*c.KVHeads)*c.HeadDim
	scale := float32(1 / math.Sqrt(float64(hd)))
	return d.op(func(s *step) {
		pos0 := s.pos0(params)
		if !d.checkPositions(s, pos0, m) {
			return
		}
		n := pos0 + m
		q := s.slice(s.read(qkv, m, rows), []int{0, 0}, []int{m, qd})
		q = s.reshape(s.transposeAxes(s.reshape(q, m, c.Heads, hd), 1, 0, 2), 1, c.Heads, m, hd)
		cached := func(cache *mtensor) uintptr {
			all := s.reshape(cache.a, 1, c.KVHeads, d.capacity, hd)
			return s.slice(all, []int{0, 0, 0, 0}, []int{1, c.KVHeads, n, hd})
		}
		o := s.attention(q, cached(d.kc[l]), cached(d.vc[l]), scale, m > 1)
		s.write(out, s.transposeAxes(s.reshape(o, c.Heads, m, hd), 1, 0, 2))
	})
}

func (d *modelDevice) ReLU2Gate(act, gu model.Tensor, m int) (model.Op, error) {
	f := d.c.FFN
	return d.op(func(s *step) {
		in := s.read(gu, m, 2*f)
		r := s.maximum(s.slice(in, []int{0, 0}, []int{m, f}), d.zero)
		s.write(act, s.multiply(s.multiply(r, r), s.slice(in, []int{0, f}, []int{m, 2 * f})))
	})
}

func (d *modelDevice) LMHead(logits, q, scales model.Tensor) (model.Op, error) {
	h := d.c.Hidden
	return d.op(func(s *step) {
		x := s.astype(s.read(q, 1, h), dtFloat32)
		acc := exactSum(s.graph, len(d.head), func(i int) uintptr {
			hs, xs := d.head[i], x
			if len(d.head) > 1 {
				xs = s.slice(x, []int{0, hs.k0}, []int{1, hs.k1})
			}
			return s.matmul(xs, hs.wt)
		})
		s.write(logits, s.divide(s.multiply(acc, d.embRows), s.read(scales, 1, 1)))
	})
}

// mprogram runs its ops as one MLX graph; timed, one graph a part.
type mprogram struct {
	d   *modelDevice
	ops []model.PartOp
}

func (d *modelDevice) Program(ops []model.PartOp) (model.Program, error) {
	for _, o := range ops {
		if op, ok := o.Op.(*mop); !ok || op.d != d {
			return nil, fmt.Errorf("mlx: model: op %T of another device", o.Op)
		}
	}
	return &mprogram{d, ops}, nil
}

func (p *mprogram) Run(times *[model.NumParts]time.Duration) error {
	if p.d.closed {
		return errors.New("mlx: model: device used after Close")
	}
	return p.d.rt.th.Do(func() error { return p.d.run(p.ops, times) })
}

// run builds ops on one step and evaluates what they wrote, at the end or,
// timed, at the end of every part (wall time: building and evaluating).
// It runs on the MLX thread.
func (d *modelDevice) run(ops []model.PartOp, times *[model.NumParts]time.Duration) error {
	s := &step{graph: &graph{rt: d.rt}}
	t := time.Now()
	for i, o := range ops {
		o.Op.(*mop).build(s)
		if times != nil && (i+1 == len(ops) || ops[i+1].Part != o.Part) {
			s.flush()
			now := time.Now()
			times[o.Part] += now.Sub(t)
			t = now
		}
	}
	s.flush()
	return s.release()
}

// Close frees every array the device holds.
func (d *modelDevice) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	arrs := d.arrays
	for _, t := range d.tensors {
		arrs = append(arrs, t.a)
	}
	d.arrays, d.tensors, d.kc, d.vc, d.weights = nil, nil, nil, nil, nil
	return d.rt.th.Do(func() error { return freeArrays(d.rt.l, arrs) })
}
