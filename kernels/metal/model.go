package metal

import (
	"fmt"
	"math"
	"time"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// The model device: BitNet b1.58 on the Metal GPU with everything resident
// in shared buffers (weights, the int8 embedding and LM head, norms, the
// KV cache, activations). Projections are the backend's bitlinear_gemv
// and bitlinear_gemm kernels; the other parts are shaders/metal/model.metal
// over shaders/common/model_body.h. A pass is one command buffer of
// serial dispatches; a timed pass is one command buffer per part, timed by
// the GPU (GPUStartTime, GPUEndTime).
//
// Everything here but the gpu (model_darwin.go) builds and runs on every
// OS: the tests run it on the C harness, which executes the same
// dispatches with the same bodies (testdata/model_emu.h).

// Limits of model.metal's attention (ATT_MAX_POS, ATT_MAX_HD): scores and
// the head's vectors live in threadgroup memory.
const (
	attMaxPositions = 4096
	attMaxHeadDim   = 256
)

var _ model.Backend = Backend{}

// NewModelDevice uploads w's embedding (the LM head), the RoPE table and
// a KV cache of capacity positions to the default Metal device.
func (Backend) NewModelDevice(w *model.Weights, capacity int) (model.Device, error) {
	d, err := getDevice()
	if err != nil {
		return nil, err
	}
	g, err := d.newModelGPU()
	if err != nil {
		return nil, err
	}
	return newModelDevice(w, capacity, g)
}

// gpu is where the model device's buffers live and its dispatches run.
type gpu interface {
	// alloc returns a zeroed buffer of n bytes: its id and its memory as
	// the host sees it (shared memory on a Mac).
	alloc(n int) (buf int, mem []byte, err error)
	// limits are the SIMD width and the threadgroup size kernel runs with.
	limits(kernel string) (width, tg int, err error)
	// run runs ds in order and returns when they are done, with their GPU
	// time; with times, each dispatch's part gets its time added.
	run(ds []mdispatch, times *[model.NumParts]time.Duration) (time.Duration, error)
	close() error
}

// mdispatch is one kernel launch of the model: its buffers in kernelArgs
// order (the last, params, left out), its params, its grid.
type mdispatch struct {
	kernel          string
	args            []marg
	params          []uint32
	groups, threads [3]int
	part            model.Part
}

// marg is a buffer bound at a byte offset.
type marg struct{ buf, off int }

// mtensor is n values of 4 bytes at byte offset off of buffer buf.
type mtensor struct{ buf, off, n int }

func (t mtensor) Len() int { return t.n }

// mquant is m int8 rows of k features, kp bytes apart (zero padded to
// whole 2-bit blocks, as BitLinear reads them).
type mquant struct{ buf, m, k, kp int }

func (q mquant) Len() int { return q.m * q.kp }

type modelDevice struct {
	g        gpu
	c        model.Config
	w        *model.Weights
	capacity int
	mem      [][]byte // by buffer id
	emb      marg
	embRows  marg
	cos, sin marg
	kc, vc   []marg // per layer: KVHeads × capacity × HeadDim
	weights  map[*kernels.Weights][2]marg
}

func newModelDevice(w *model.Weights, capacity int, g gpu) (*modelDevice, error) {
	c := w.Config
	switch {
	case capacity <= 0 || capacity > attMaxPositions:
		return nil, fmt.Errorf("metal: model: a KV cache of %d positions: the attention kernel holds 1 to %d", capacity, attMaxPositions)
	case c.HeadDim > attMaxHeadDim:
		return nil, fmt.Errorf("metal: model: head dim %d: the attention kernel holds at most %d", c.HeadDim, attMaxHeadDim)
	case !fits32(c.Vocab*c.Hidden, c.KVHeads*capacity*c.HeadDim, capacity*c.Heads*c.HeadDim, capacity*c.FFN*2):
		return nil, fmt.Errorf("metal: model: %+v at %d positions: a buffer has more than 2^32 elements", c, capacity)
	}
	md := &modelDevice{g: g, c: c, w: w, capacity: capacity, weights: map[*kernels.Weights][2]marg{}}
	var err error
	if md.emb, err = md.upload(asBytes(w.Embed)); err != nil {
		return nil, md.fail(err)
	}
	if md.embRows, err = md.upload(asBytes(w.EmbedRows)); err != nil {
		return nil, md.fail(err)
	}
	cos, sin := model.RopeTable(c.HeadDim, capacity, c.RopeTheta)
	if md.cos, err = md.upload(asBytes(cos)); err != nil {
		return nil, md.fail(err)
	}
	if md.sin, err = md.upload(asBytes(sin)); err != nil {
		return nil, md.fail(err)
	}
	cache := 4 * c.KVHeads * capacity * c.HeadDim
	for range c.Layers {
		k, err := md.buffer(cache)
		if err != nil {
			return nil, md.fail(err)
		}
		v, err := md.buffer(cache)
		if err != nil {
			return nil, md.fail(err)
		}
		md.kc, md.vc = append(md.kc, k), append(md.vc, v)
	}
	return md, nil
}

func (md *modelDevice) fail(err error) error {
	md.Close()
	return err
}

func (md *modelDevice) buffer(n int) (marg, error) {
	id, mem, err := md.g.alloc(n)
	if err != nil {
		return marg{}, fmt.Errorf("metal: model: buffer of %d bytes: %w", n, err)
	}
	for len(md.mem) <= id {
		md.mem = append(md.mem, nil)
	}
	md.mem[id] = mem
	return marg{buf: id}, nil
}

func (md *modelDevice) upload(b []byte) (marg, error) {
	a, err := md.buffer(len(b))
	if err == nil {
		copy(md.mem[a.buf], b)
	}
	return a, err
}

func (md *modelDevice) F32(n int) (model.Tensor, error) {
	a, err := md.buffer(4 * n)
	return mtensor{a.buf, 0, n}, err
}

func (md *modelDevice) I32(n int) (model.Tensor, error) { return md.F32(n) }

func (md *modelDevice) Quantized(m, k int) (model.Tensor, model.Tensor, error) {
	kp := pack.Stride2Bit(k) / pack.BlockBytes * pack.BlockCodes
	q, err := md.buffer(m * kp)
	if err != nil {
		return nil, nil, err
	}
	s, err := md.F32(m)
	return mquant{q.buf, m, k, kp}, s, err
}

func (md *modelDevice) View(t model.Tensor, off, n int) model.Tensor {
	v := t.(mtensor)
	return mtensor{v.buf, v.off + 4*off, n}
}

func (md *modelDevice) bytes(t mtensor) []byte { return md.mem[t.buf][t.off : t.off+4*t.n] }

func (md *modelDevice) WriteI32(t model.Tensor, src []int32) error {
	copy(md.bytes(t.(mtensor)), asBytes(src))
	return nil
}

func (md *modelDevice) WriteF32(t model.Tensor, src []float32) error {
	copy(md.bytes(t.(mtensor)), asBytes(src))
	return nil
}

// ReadF32 copies from the shared buffer (the GPU is done: Run waited).
func (md *modelDevice) ReadF32(t model.Tensor, buf []float32) ([]float32, error) {
	v := t.(mtensor)
	buf = buf[:v.n]
	copy(asBytes(buf), md.bytes(v))
	return buf, nil
}

// arg is how tensor t (or nil) is bound.
func arg(t model.Tensor) marg {
	switch v := t.(type) {
	case mtensor:
		return marg{v.buf, v.off}
	case mquant:
		return marg{v.buf, 0}
	}
	panic(fmt.Sprintf("metal: model: %T is not a Metal tensor", t))
}

// mop is one part's dispatches; run alone, it is a command buffer.
type mop struct {
	md *modelDevice
	ds []mdispatch
}

func (o mop) Run() error {
	_, err := o.md.g.run(o.ds, nil)
	return err
}

// op makes the dispatch of kernel with its buffers in kernelArgs order and
// its params by name; grid sizes it from the pipeline's limits.
func (md *modelDevice) op(kernel string, args []marg, params map[string]uint32, grid func(width, tg int) (groups, threads [3]int)) (model.Op, error) {
	if want := len(kernelArgs[kernel]) - 1; len(args) != want {
		return nil, fmt.Errorf("metal: model: %s takes %d buffers, got %d", kernel, want, len(args))
	}
	ps, err := packParams(kernel, params)
	if err != nil {
		return nil, err
	}
	width, tg, err := md.g.limits(kernel)
	if err != nil {
		return nil, err
	}
	groups, threads := grid(width, tg)
	return mop{md, []mdispatch{{kernel: kernel, args: args, params: ps, groups: groups, threads: threads}}}, nil
}

// perToken is a threadgroup per token (or row) over grid.x, and y more.
func perToken(x, y int) func(width, tg int) (groups, threads [3]int) {
	return func(_, tg int) (groups, threads [3]int) { return [3]int{x, y, 1}, [3]int{tg, 1, 1} }
}

func (md *modelDevice) Embed(x, params model.Tensor, m int) (model.Op, error) {
	return md.op("model_embed", []marg{md.emb, md.embRows, arg(params), arg(x)},
		map[string]uint32{"hidden": uint32(md.c.Hidden)}, perToken(m, 1))
}

func (md *modelDevice) NormQuantize(x, residual, g, out, q, scales model.Tensor, m int) (model.Op, error) {
	qq := q.(mquant)
	w := g.Len()
	if qq.k != w || qq.m < m {
		return nil, fmt.Errorf("metal: model: norm of %d×%d into quantized %d×%d", m, w, qq.m, qq.k)
	}
	res, hasRes := arg(x), uint32(0) // a buffer must be bound; unread without a residual
	if residual != nil {
		res, hasRes = arg(residual), 1
	}
	return md.op("model_norm_quant", []marg{arg(x), res, arg(g), arg(out), arg(q), arg(scales)},
		map[string]uint32{"w": uint32(w), "qstride": uint32(qq.kp), "eps": math.Float32bits(md.c.NormEps), "has_res": hasRes},
		perToken(m, 1))
}

func (md *modelDevice) BitLinear(w *kernels.Weights, q, scales, y model.Tensor, m int) (model.Op, error) {
	qq := q.(mquant)
	p := w.Packed
	words := p.Stride / 4
	if kp := p.Stride / pack.BlockBytes * pack.BlockCodes; kp != qq.kp || qq.k != p.Cols {
		return nil, fmt.Errorf("metal: model: BitLinear %dx%d over activations of %d (%d padded)", p.Rows, p.Cols, qq.k, qq.kp)
	}
	if !fits32(p.Rows*words, m*qq.kp, m*p.Rows) {
		return nil, fmt.Errorf("metal: model: BitLinear %dx%dx%d: an operand has more than 2^32 elements", m, p.Rows, p.Cols)
	}
	dw, ok := md.weights[w]
	if !ok { // each matrix is uploaded once, shared by the passes
		var err error
		if dw[0], err = md.upload(p.Data[:p.Rows*p.Stride]); err != nil {
			return nil, err
		}
		rs := w.RowScales
		if rs == nil {
			rs = make([]float32, p.Rows)
			for i := range rs {
				rs[i] = w.Scale
			}
		}
		if dw[1], err = md.upload(asBytes(rs[:p.Rows])); err != nil {
			return nil, err
		}
		md.weights[w] = dw
	}
	kernel, tile := "bitlinear_gemv", 1
	if m > 1 {
		kernel, tile = "bitlinear_gemm", blTokens
	}
	return md.op(kernel, []marg{dw[0], arg(q), arg(scales), dw[1], arg(y)},
		map[string]uint32{"n": uint32(p.Rows), "m": uint32(m), "words": uint32(words), "kp": uint32(qq.kp), "row_scales": 1},
		rowsGrid(p.Rows, m, tile))
}

func (md *modelDevice) RoPEKV(qkv, params model.Tensor, l, m int) (model.Op, error) {
	c := md.c
	return md.op("model_rope_kv", []marg{arg(qkv), arg(params), md.cos, md.sin, md.kc[l], md.vc[l]},
		map[string]uint32{"heads": uint32(c.Heads), "kvheads": uint32(c.KVHeads), "hd": uint32(c.HeadDim), "capacity": uint32(md.capacity)},
		perToken(m, 1))
}

func (md *modelDevice) Attention(out, qkv, params model.Tensor, l, m int) (model.Op, error) {
	c := md.c
	scale := float32(1 / math.Sqrt(float64(c.HeadDim))) // as the CPU device's
	return md.op("model_attention", []marg{arg(qkv), arg(params), md.kc[l], md.vc[l], arg(out)},
		map[string]uint32{"heads": uint32(c.Heads), "kvheads": uint32(c.KVHeads), "hd": uint32(c.HeadDim),
			"capacity": uint32(md.capacity), "scale": math.Float32bits(scale)},
		perToken(c.Heads, m))
}

func (md *modelDevice) ReLU2Gate(act, gu model.Tensor, m int) (model.Op, error) {
	n := m * md.c.FFN
	return md.op("model_relu2", []marg{arg(gu), arg(act)}, map[string]uint32{"ffn": uint32(md.c.FFN), "n": uint32(n)},
		func(_, tg int) (groups, threads [3]int) { return [3]int{ceilDiv(n, tg), 1, 1}, [3]int{tg, 1, 1} })
}

func (md *modelDevice) LMHead(logits, q, scales model.Tensor) (model.Op, error) {
	c := md.c
	return md.op("model_lm_head", []marg{md.emb, md.embRows, arg(q), arg(scales), arg(logits)},
		map[string]uint32{"n": uint32(c.Vocab), "k": uint32(c.Hidden)}, rowsGrid(c.Vocab, 1, 1))
}

// mprog is a pass's dispatches, each marked with its part.
type mprog struct {
	md   *modelDevice
	ds   []mdispatch
	last time.Duration
}

func (md *modelDevice) Program(ops []model.PartOp) (model.Program, error) {
	p := &mprog{md: md}
	for _, o := range ops {
		mo, ok := o.Op.(mop)
		if !ok || mo.md != md {
			return nil, fmt.Errorf("metal: model: part %s is not this device's op", o.Part)
		}
		for _, d := range mo.ds {
			d.part = o.Part
			p.ds = append(p.ds, d)
		}
	}
	return p, nil
}

// Run runs the pass as one command buffer; timed, as one a part.
func (p *mprog) Run(times *[model.NumParts]time.Duration) error {
	t, err := p.md.g.run(p.ds, times)
	p.last = t
	return err
}

// DeviceTime is the GPU time of the last Run.
func (p *mprog) DeviceTime() time.Duration { return p.last }

// Close releases the buffers.
func (md *modelDevice) Close() error {
	md.mem, md.weights = nil, nil
	return md.g.close()
}
