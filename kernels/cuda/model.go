package cuda

import (
	"errors"
	"fmt"
	"math"
	"os"
	"time"
	"unsafe"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
	"github.com/bitnet-go/bitnet-bench/memory"
)

// The model device: BitNet b1.58 on the GPU with everything resident
// (weights, the int8 embedding and LM head, norms, the KV cache,
// activations). Projections are the backend's BitLinear launches
// (bitLinearLaunch, so the kernel "auto" picks for a shape is the one the
// model runs); the other parts are shaders/cuda/model.cu. A pass's
// launches are captured once into a CUDA graph, and a step is one graph
// launch: the step's position and tokens are read by the kernels from a
// params buffer written before it.

func init() {
	kernelFiles["model.cu"] = []string{"model_embed", "model_norm_quant", "model_rope_kv", "model_attention",
		"model_attention_rope", "model_attention_decode", "model_attention_prefill", "model_relu2", "model_lm_head"}
	if !modelTrigger {
		kernelPrelude["model.cu"] = "#define MODEL_EARLY_TRIGGER 0\n"
	}
}

// modelTrigger: model.cu's kernels let the launch after them start at
// once (griddepcontrol.launch_dependents first), so the next BitLinear's
// weight loads overlap them. BITNET_CUDA_MODEL_TRIGGER=0 compiles them
// without it (they then release the next launch only when they end), for
// measuring the difference.
var modelTrigger = os.Getenv("BITNET_CUDA_MODEL_TRIGGER") != "0"

// Limits of model.cu's attention: positions in shared memory, head dim.
const (
	attMaxPositions = 4096
	attMaxHeadDim   = 256
	attThreads      = 512
	// attDecodeMaxHeadDim: model_attention_decode holds a key row as one
	// float4 a lane of a warp.
	attDecodeMaxHeadDim = 128
	// normMaxWidth is model_norm_quant's 1024 threads × NORM_PER_THREAD.
	normMaxWidth = 1024 * 8
)

var _ model.Backend = Backend{}

// NewModelDevice uploads w's embedding (the LM head) and makes a KV cache
// of capacity positions on device 0.
func (Backend) NewModelDevice(w *model.Weights, capacity int) (model.Device, error) {
	d, err := getDevice()
	if err != nil {
		return nil, err
	}
	c := w.Config
	switch {
	case capacity > attMaxPositions:
		return nil, fmt.Errorf("cuda: model: a KV cache of %d positions: the attention kernel holds at most %d", capacity, attMaxPositions)
	case c.HeadDim%4 != 0 || c.HeadDim > attMaxHeadDim:
		return nil, fmt.Errorf("cuda: model: head dim %d: the attention kernel needs a multiple of 4 up to %d", c.HeadDim, attMaxHeadDim)
	case c.Hidden%16 != 0:
		return nil, fmt.Errorf("cuda: model: hidden width %d: the LM head reads 16 bytes a lane, so it must be a multiple of 16", c.Hidden)
	}
	md := &modelDevice{d: d, c: c, w: w, capacity: capacity, weights: map[*kernels.Weights]devWeights{},
		gates: map[uint64]uint64{}, hostIn: map[uint64]unsafe.Pointer{}, hostOut: map[uint64]unsafe.Pointer{}}
	if err := md.open(); err != nil {
		md.Close()
		return nil, err
	}
	return md, nil
}

type modelDevice struct {
	d        *device
	c        model.Config
	w        *model.Weights
	capacity int
	bufs     []memory.Handle
	emb      uint64 // Vocab × Hidden int8
	embRows  uint64
	cos, sin uint64
	kc, vc   []uint64 // per layer: KVHeads × capacity × HeadDim
	weights  map[*kernels.Weights]devWeights
	gates    map[uint64]uint64      // act → gu: a ReLU² gate folded into act's norm
	paired   map[pairKey]devWeights // gate/up matrices in gatePairs order
	stream   uintptr
	programs []*program
	launches []*launch
	// Page-locked host copies of the params tensors (written by WriteI32,
	// copied up by the Embed op that starts every program) and of the
	// logits (copied down by the LM head op, read by ReadF32): a step's
	// only trip to the CUDA thread is then the graph launch.
	hostIn, hostOut map[uint64]unsafe.Pointer
	hosts           []unsafe.Pointer
}

type devWeights struct{ w, scales uint64 }

// tensor is device memory: n values of size bytes.
type tensor struct {
	p       uint64
	n, size int
}

func (t tensor) Len() int { return t.n }

// quantized is m int8 rows of k features, kp bytes apart (zero padded to
// whole 2-bit blocks, as BitLinear reads them).
type quantized struct {
	p        uint64
	m, k, kp int
}

func (q quantized) Len() int { return q.m * q.kp }

func (md *modelDevice) alloc(n int) (uint64, error) {
	pool, err := md.d.memPool()
	if err != nil {
		return 0, err
	}
	b, err := pool.AllocBlock(max(n, 1), cuAlign)
	if err != nil {
		return 0, fmt.Errorf("cuda: model: device buffer of %d bytes: %w", n, err)
	}
	md.bufs = append(md.bufs, b.Handle)
	p := uint64(b.Addr)
	err = md.d.th.Do(func() error { return md.d.drv.check("cuMemsetD8", md.d.drv.cuMemsetD8(p, 0, uint64(max(n, 1)))) })
	return p, err
}

func allocFrom[T any](md *modelDevice, s []T) (uint64, error) {
	var zero T
	p, err := md.alloc(len(s) * int(unsafe.Sizeof(zero)))
	if err != nil {
		return 0, err
	}
	return p, uploadSlice(md.d, p, s)
}

func (md *modelDevice) open() error {
	c, d := md.c, md.d
	var err error
	if md.emb, err = allocFrom(md, md.w.Embed); err != nil {
		return err
	}
	if md.embRows, err = allocFrom(md, md.w.EmbedRows); err != nil {
		return err
	}
	cos, sin := model.RopeTable(c.HeadDim, md.capacity, c.RopeTheta)
	if md.cos, err = allocFrom(md, cos); err != nil {
		return err
	}
	if md.sin, err = allocFrom(md, sin); err != nil {
		return err
	}
	cache := c.KVHeads * md.capacity * c.HeadDim * 4
	for range c.Layers {
		k, err := md.alloc(cache)
		if err != nil {
			return err
		}
		v, err := md.alloc(cache)
		if err != nil {
			return err
		}
		md.kc, md.vc = append(md.kc, k), append(md.vc, v)
	}
	// A blocking stream: the params written on the legacy stream before a
	// run are ordered before the graph launched on it.
	return d.th.Do(func() error { return d.drv.check("cuStreamCreate", d.drv.cuStreamCreate(&md.stream, 0)) })
}

func (md *modelDevice) F32(n int) (model.Tensor, error) {
	p, err := md.alloc(4 * n)
	return tensor{p, n, 4}, err
}

// I32 tensors (a pass's params) have a page-locked host copy that
// WriteI32 fills and the Embed op copies up.
func (md *modelDevice) I32(n int) (model.Tensor, error) {
	p, err := md.alloc(4 * n)
	if err != nil {
		return nil, err
	}
	h, err := md.allocHost(4 * n)
	if err != nil {
		return nil, err
	}
	md.hostIn[p] = h
	return tensor{p, n, 4}, nil
}

// allocHost allocates n zeroed bytes of page-locked host memory, freed by
// Close.
func (md *modelDevice) allocHost(n int) (unsafe.Pointer, error) {
	var h unsafe.Pointer
	drv := md.d.drv
	err := md.d.th.Do(func() error {
		return drv.check(fmt.Sprintf("cuMemAllocHost(%d bytes)", n), drv.cuMemAllocHost(&h, uint64(max(n, 1))))
	})
	if err != nil {
		return nil, err
	}
	md.hosts = append(md.hosts, h)
	clear(unsafe.Slice((*byte)(h), max(n, 1)))
	return h, nil
}

func (md *modelDevice) Quantized(m, k int) (model.Tensor, model.Tensor, error) {
	kp := pack.Stride2Bit(k) / pack.BlockBytes * pack.BlockCodes
	q, err := md.alloc(m * kp)
	if err != nil {
		return nil, nil, err
	}
	s, err := md.F32(m)
	return quantized{q, m, k, kp}, s, err
}

func (md *modelDevice) View(t model.Tensor, off, n int) model.Tensor {
	v := t.(tensor)
	return tensor{v.p + uint64(off*v.size), n, v.size}
}

func (md *modelDevice) WriteI32(t model.Tensor, src []int32) error {
	v := t.(tensor)
	if h, ok := md.hostIn[v.p]; ok && len(src) <= v.n {
		copy(unsafe.Slice((*int32)(h), v.n), src)
		return nil
	}
	return uploadSlice(md.d, v.p, src)
}

func (md *modelDevice) WriteF32(t model.Tensor, src []float32) error {
	return uploadSlice(md.d, t.(tensor).p, src)
}

func (md *modelDevice) ReadF32(t model.Tensor, buf []float32) ([]float32, error) {
	v := t.(tensor)
	buf = buf[:v.n]
	if h, ok := md.hostOut[v.p]; ok { // the LM head op copied it down
		copy(buf, unsafe.Slice((*float32)(h), v.n))
		return buf, nil
	}
	return buf, downloadSlice(md.d, buf, v.p)
}

// launchOp is the launches of one part; info, when not nil, describes a
// one-token op so that Program may fuse it with its neighbours
// (modelfuse.go).
type launchOp struct {
	md   *modelDevice
	ls   []*launch
	info *opInfo
}

// Run launches and waits: an op on its own (Engine runs programs).
func (o launchOp) Run() error {
	d := o.md.d
	return d.th.Do(func() error {
		for _, l := range o.ls {
			if err := d.enqueueOn(l, o.md.stream); err != nil {
				return err
			}
		}
		return d.drv.check("cuStreamSynchronize", d.drv.cuStreamSynchronize(o.md.stream))
	})
}

func (md *modelDevice) op(name string, grid, block [3]uint32, args ...any) (model.Op, error) {
	l, err := md.d.newLaunch(name, grid, block, args...)
	if err != nil {
		return nil, err
	}
	l.overlapOK = md.d.major >= 9 // model.cu's kernels wait for the grid before them first
	return md.add(l), nil
}

// modelOverlap launches the model's kernels with programmatic stream
// serialisation where they allow it (sm_90 and cuLaunchKernelEx): each may
// start during the previous one's tail, hiding launch latency between the
// ~330 kernels of a step. BITNET_CUDA_MODEL_PDL=0 turns it off.
var modelOverlap = os.Getenv("BITNET_CUDA_MODEL_PDL") != "0"

// modelFuse folds parts into the launch after them, to save launches (a
// step's small kernels cost more in launch latency than in work): a
// token's RoPE and cache append into its attention (decode), and the
// FFN's ReLU² gate into the norm after it. The folded parts then have no
// launches of their own, and their time counts in attention and
// ffn_sub_norm. BITNET_CUDA_MODEL_FUSE=0 turns it off.
var modelFuse = os.Getenv("BITNET_CUDA_MODEL_FUSE") != "0"

// attDecode: a fused decode step's attention is model_attention_decode
// (the earlier positions' cache rows loaded before the kernel waits for
// the QKV projection) where the head dim allows, else
// model_attention_rope. BITNET_CUDA_MODEL_ATT=rope picks the latter
// always (tests run both).
var attDecode = os.Getenv("BITNET_CUDA_MODEL_ATT") != "rope"

// attPrefillMin: a pass of at least this many tokens attends with
// model_attention_prefill (a block of 8 queries of a head sharing the key
// and value rows it stages in shared memory, online softmax) where the
// head dim allows (a multiple of 32 up to attPrefillMaxHeadDim), else
// with model_attention (a block a query and head). On an H100 80GB HBM3
// it halved a 512-token 2B4T prefill's attention (15.7 to 7.9 ms; 21,000
// to 28,400 device tokens/s), but the 128-token prefill's graph was
// slower with it (24,400 against 27,500 device tokens/s, attention 1.2
// against 1.6 ms timed op by op), so by default it takes passes of more
// than 128 tokens. BITNET_CUDA_MODEL_ATT_PREFILL=1 uses it for every pass
// of several tokens, =0 never (tests run both).
var attPrefillMin = func() int {
	switch os.Getenv("BITNET_CUDA_MODEL_ATT_PREFILL") {
	case "1":
		return 2
	case "0":
		return math.MaxInt
	}
	return 129
}()

// attPrefillMaxHeadDim and attPrefillQueries are model.cu's ATT_PF_HD and
// ATT_PF_Q.
const (
	attPrefillMaxHeadDim = 128
	attPrefillQueries    = 8
)

func (md *modelDevice) add(l *launch) model.Op {
	l.overlap = modelOverlap && l.overlapOK && md.d.drv.cuLaunchKernelEx != nil
	md.launches = append(md.launches, l)
	return launchOp{md: md, ls: []*launch{l}}
}

func ptr(t model.Tensor) uint64 {
	switch v := t.(type) {
	case tensor:
		return v.p
	case quantized:
		return v.p
	}
	return 0 // nil: no tensor
}

// Embed first copies the params' host copy up (the step's tokens and
// position, written by WriteI32), then looks the tokens up.
func (md *modelDevice) Embed(x, params model.Tensor, m int) (model.Op, error) {
	pv := params.(tensor)
	h, ok := md.hostIn[pv.p]
	if !ok || pv.n < 1+m {
		return nil, fmt.Errorf("cuda: model: embed of %d tokens: params is not an I32 tensor of %d values", m, 1+m)
	}
	up := &launch{name: "params upload", copy: &hostCopy{toDevice: true, host: h, dev: pv.p, n: uint64(4 * (1 + m))}}
	embed := func(stats uint64, n int) (*launch, error) {
		o, err := md.op("model_embed", [3]uint32{uint32(m), 1, 1}, [3]uint32{256, 1, 1},
			md.emb, md.embRows, ptr(params), ptr(x), int32(md.c.Hidden), stats, int32(n))
		if err != nil {
			return nil, err
		}
		return o.(launchOp).ls[0], nil
	}
	l, err := embed(0, 0)
	if err != nil {
		return nil, err
	}
	md.launches = append(md.launches, up)
	return launchOp{md, []*launch{up, l}, &opInfo{embed: embed}}, nil
}

func (md *modelDevice) NormQuantize(x, residual, g, out, q, scales model.Tensor, m int) (model.Op, error) {
	qq := q.(quantized)
	w := g.Len()
	if qq.k != w || qq.m < m {
		return nil, fmt.Errorf("cuda: model: norm of %d×%d into quantized %d×%d", m, w, qq.m, qq.k)
	}
	if w > normMaxWidth {
		return nil, fmt.Errorf("cuda: model: a norm over %d features: model_norm_quant holds at most %d in registers", w, normMaxWidth)
	}
	gu, gated := md.gates[ptr(x)]
	if gated {
		if residual != nil || ptr(out) != ptr(x) {
			return nil, fmt.Errorf("cuda: model: a folded ReLU² gate's norm must work in place without a residual")
		}
		delete(md.gates, ptr(x))
	}
	o, err := md.op("model_norm_quant", [3]uint32{uint32(m), 1, 1}, [3]uint32{1024, 1, 1},
		ptr(x), ptr(residual), ptr(g), ptr(out), qq.p, ptr(scales), int32(w), int32(qq.kp), md.c.NormEps, gu)
	if err != nil || m != 1 {
		return o, err
	}
	lo := o.(launchOp)
	lo.info = &opInfo{norm: &normInfo{x: ptr(x), res: ptr(residual), g: ptr(g), q: qq, gu: gu}}
	return lo, nil
}

func (md *modelDevice) BitLinear(w *kernels.Weights, q, scales, y model.Tensor, m int) (model.Op, error) {
	qq := q.(quantized)
	p := w.Packed
	if kp := p.Stride / pack.BlockBytes * pack.BlockCodes; kp != qq.kp || qq.k != p.Cols {
		return nil, fmt.Errorf("cuda: model: BitLinear %dx%d over activations of %d (%d padded)", p.Rows, p.Cols, qq.k, qq.kp)
	}
	dw, ok := md.weights[w]
	if !ok { // each matrix is uploaded once, shared by the passes
		var err error
		if dw.w, err = allocFrom(md, p.Data[:p.Rows*p.Stride]); err != nil {
			return nil, err
		}
		scales := w.RowScales
		if scales == nil {
			scales = make([]float32, p.Rows)
			for i := range scales {
				scales[i] = w.Scale
			}
		}
		if dw.scales, err = allocFrom(md, scales[:p.Rows]); err != nil {
			return nil, err
		}
		md.weights[w] = dw
	}
	l, err := md.d.bitLinearLaunch(dw.w, p.Stride, p.Rows, qq.p, qq.kp, m, ptr(scales), dw.scales, true, ptr(y))
	if err != nil {
		return nil, err
	}
	lo := md.add(l).(launchOp)
	if m == 1 {
		lo.info = &opInfo{bl: &blInfo{w: w, dw: dw, q: qq, scales: ptr(scales), y: ptr(y)}}
	}
	return lo, nil
}

func (md *modelDevice) RoPEKV(qkv, params model.Tensor, l, m int) (model.Op, error) {
	c := md.c
	if modelFuse && m == 1 {
		return launchOp{md: md}, nil // Attention does it
	}
	return md.op("model_rope_kv", [3]uint32{uint32(m), 1, 1}, [3]uint32{256, 1, 1},
		ptr(qkv), ptr(params), md.cos, md.sin, md.kc[l], md.vc[l],
		int32(c.Heads), int32(c.KVHeads), int32(c.HeadDim), int32(md.capacity))
}

func (md *modelDevice) Attention(out, qkv, params model.Tensor, l, m int) (model.Op, error) {
	c := md.c
	inv := float32(1 / math.Sqrt(float64(c.HeadDim)))
	if modelFuse && m == 1 && c.HeadDim <= attDecodeMaxHeadDim && attDecode {
		att := func(gn, nstats uint64) (*launch, error) {
			o, err := md.op("model_attention_decode", [3]uint32{uint32(c.Heads), 1, 1}, [3]uint32{attThreads, 1, 1},
				ptr(qkv), ptr(params), md.kc[l], md.vc[l], ptr(out),
				int32(c.Heads), int32(c.KVHeads), int32(c.HeadDim), int32(md.capacity), inv, md.cos, md.sin, gn, nstats)
			if err != nil {
				return nil, err
			}
			return o.(launchOp).ls[0], nil
		}
		a, err := att(0, 0)
		if err != nil {
			return nil, err
		}
		return launchOp{md, []*launch{a}, &opInfo{att: &attInfo{out: ptr(out), withStats: att}}}, nil
	}
	if modelFuse && m == 1 {
		return md.op("model_attention_rope", [3]uint32{uint32(c.Heads), 1, 1}, [3]uint32{attThreads, 1, 1},
			ptr(qkv), ptr(params), md.kc[l], md.vc[l], ptr(out),
			int32(c.Heads), int32(c.KVHeads), int32(c.HeadDim), int32(md.capacity), inv, md.cos, md.sin)
	}
	if m >= attPrefillMin && c.HeadDim%32 == 0 && c.HeadDim <= attPrefillMaxHeadDim {
		return md.op("model_attention_prefill", [3]uint32{uint32(c.Heads), uint32(ceilDiv(m, attPrefillQueries)), 1},
			[3]uint32{32 * attPrefillQueries, 1, 1},
			ptr(qkv), ptr(params), md.kc[l], md.vc[l], ptr(out),
			int32(c.Heads), int32(c.KVHeads), int32(c.HeadDim), int32(md.capacity), inv, int32(m))
	}
	return md.op("model_attention", [3]uint32{uint32(c.Heads), uint32(m), 1}, [3]uint32{attThreads, 1, 1},
		ptr(qkv), ptr(params), md.kc[l], md.vc[l], ptr(out),
		int32(c.Heads), int32(c.KVHeads), int32(c.HeadDim), int32(md.capacity), inv)
}

func (md *modelDevice) ReLU2Gate(act, gu model.Tensor, m int) (model.Op, error) {
	f := md.c.FFN
	if modelFuse {
		md.gates[ptr(act)] = ptr(gu) // the norm after it computes the gate
		return launchOp{md: md}, nil
	}
	return md.op("model_relu2", [3]uint32{uint32(ceilDiv(f, 256)), uint32(m), 1}, [3]uint32{256, 1, 1},
		ptr(gu), ptr(act), int32(f))
}

// LMHead also copies the logits down into a page-locked host copy, which
// ReadF32 returns.
func (md *modelDevice) LMHead(logits, q, scales model.Tensor) (model.Op, error) {
	c := md.c
	lv := logits.(tensor)
	h, err := md.allocHost(4 * lv.n)
	if err != nil {
		return nil, err
	}
	o, err := md.op("model_lm_head", [3]uint32{uint32(ceilDiv(c.Vocab, 8)), 1, 1}, [3]uint32{256, 1, 1},
		md.emb, md.embRows, ptr(q), ptr(scales), ptr(logits), int32(c.Vocab), int32(c.Hidden))
	if err != nil {
		return nil, err
	}
	md.hostOut[lv.p] = h
	down := &launch{name: "logits download", copy: &hostCopy{host: h, dev: lv.p, n: uint64(4 * lv.n)}}
	md.launches = append(md.launches, down)
	return launchOp{md: md, ls: append(o.(launchOp).ls, down)}, nil
}

// program is a pass's launches, captured into one graph; a timed run
// launches them one by one with an event after each.
type program struct {
	md          *modelDevice
	ls          []*launch
	parts       []model.Part
	graph, exec uintptr
	events      []uintptr // len(ls)+1, made on the first timed run
	start, stop uintptr
	last        time.Duration
}

func (md *modelDevice) Program(ops []model.PartOp) (model.Program, error) {
	p := &program{md: md}
	for _, o := range ops {
		lo, ok := o.Op.(launchOp)
		if !ok || lo.md != md {
			return nil, fmt.Errorf("cuda: model: part %s is not this device's op", o.Part)
		}
	}
	if modelGEMVFuse {
		var err error
		if ops, err = md.fuse(ops); err != nil {
			return nil, err
		}
	}
	for _, o := range ops {
		lo := o.Op.(launchOp)
		for _, l := range lo.ls {
			if n := len(p.ls); n > 0 && p.ls[n-1].copy != nil {
				l.overlap = false // programmatic serialisation follows kernels only
			}
			p.ls = append(p.ls, l)
			p.parts = append(p.parts, o.Part)
		}
	}
	md.programs = append(md.programs, p)
	d := md.d
	drv := d.drv
	err := d.th.Do(func() error {
		for _, ev := range []*uintptr{&p.start, &p.stop} {
			if err := drv.check("cuEventCreate", drv.cuEventCreate(ev, eventDefault)); err != nil {
				return err
			}
		}
		if err := drv.check("cuStreamBeginCapture", drv.cuStreamBeginCapture(md.stream, 1)); err != nil { // thread-local mode
			return err
		}
		for _, l := range p.ls {
			if err := d.enqueueOn(l, md.stream); err != nil {
				var g uintptr
				drv.cuStreamEndCapture(md.stream, &g)
				if g != 0 {
					drv.cuGraphDestroy(g)
				}
				return err
			}
		}
		if err := drv.check("cuStreamEndCapture", drv.cuStreamEndCapture(md.stream, &p.graph)); err != nil {
			return err
		}
		return drv.check("cuGraphInstantiate", drv.cuGraphInstantiateWithFlags(&p.exec, p.graph, 0))
	})
	return p, err
}

// Run launches the graph and waits for it; timed, it launches op by op
// with events between them and adds each launch's device time to its part.
func (p *program) Run(times *[model.NumParts]time.Duration) error {
	md, d := p.md, p.md.d
	drv := d.drv
	return d.th.Do(func() error {
		if times == nil {
			if err := drv.check("cuEventRecord", drv.cuEventRecord(p.start, md.stream)); err != nil {
				return err
			}
			if err := drv.check("cuGraphLaunch", drv.cuGraphLaunch(p.exec, md.stream)); err != nil {
				return err
			}
			if err := drv.check("cuEventRecord", drv.cuEventRecord(p.stop, md.stream)); err != nil {
				return err
			}
			if err := drv.check("cuEventSynchronize", drv.cuEventSynchronize(p.stop)); err != nil {
				return err
			}
			var ms float32
			if err := drv.check("cuEventElapsedTime", drv.cuEventElapsedTime(&ms, p.start, p.stop)); err != nil {
				return err
			}
			p.last = time.Duration(float64(ms) * 1e6)
			return nil
		}
		for len(p.events) < len(p.ls)+1 {
			var ev uintptr
			if err := drv.check("cuEventCreate", drv.cuEventCreate(&ev, eventDefault)); err != nil {
				return err
			}
			p.events = append(p.events, ev)
		}
		if err := drv.check("cuEventRecord", drv.cuEventRecord(p.events[0], md.stream)); err != nil {
			return err
		}
		for i, l := range p.ls {
			if err := d.enqueueOn(l, md.stream); err != nil {
				return err
			}
			if err := drv.check("cuEventRecord", drv.cuEventRecord(p.events[i+1], md.stream)); err != nil {
				return err
			}
		}
		if err := drv.check("cuEventSynchronize", drv.cuEventSynchronize(p.events[len(p.ls)])); err != nil {
			return err
		}
		var total float32
		for i := range p.ls {
			var ms float32
			if err := drv.check("cuEventElapsedTime", drv.cuEventElapsedTime(&ms, p.events[i], p.events[i+1])); err != nil {
				return err
			}
			times[p.parts[i]] += time.Duration(float64(ms) * 1e6)
			total += ms
		}
		p.last = time.Duration(float64(total) * 1e6)
		return nil
	})
}

// DeviceTime is the event-timed GPU time of the last Run.
func (p *program) DeviceTime() time.Duration { return p.last }

// Close frees the graphs, events, stream and device memory.
func (md *modelDevice) Close() error {
	d := md.d
	drv := d.drv
	var errs []error
	errs = append(errs, d.th.Do(func() error {
		for _, p := range md.programs {
			if p.exec != 0 {
				drv.cuGraphExecDestroy(p.exec)
			}
			if p.graph != 0 {
				drv.cuGraphDestroy(p.graph)
			}
			for _, ev := range append([]uintptr{p.start, p.stop}, p.events...) {
				if ev != 0 {
					drv.cuEventDestroy(ev)
				}
			}
		}
		var err error
		if md.stream != 0 {
			err = drv.check("cuStreamDestroy", drv.cuStreamDestroy(md.stream))
		}
		for _, h := range md.hosts {
			err = errors.Join(err, drv.check("cuMemFreeHost", drv.cuMemFreeHost(h)))
		}
		return err
	}))
	md.hosts, md.hostIn, md.hostOut = nil, nil, nil
	md.programs, md.stream = nil, 0
	for _, l := range md.launches {
		l.release()
	}
	md.launches = nil
	if pool, err := d.memPool(); err == nil {
		for _, h := range md.bufs {
			errs = append(errs, pool.Free(h))
		}
	}
	md.bufs = nil
	return errors.Join(errs...)
}
