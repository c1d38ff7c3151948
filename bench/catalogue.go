// Package bench is the case catalogue and the runner. The catalogue is the
// one list of cases that both `go test -bench` (bench_test.go) and the
// runner iterate, so a case has one name everywhere: Go benchmark naming,
// Op/shape[/bM]/dtype/target, e.g. BitLinear/2560x6912/b1/i2/generic.
package bench

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
)

// Case is one entry of the catalogue: an op at a shape on a backend.
type Case struct {
	Name    string
	Op      kernels.Op
	Shape   results.Shape
	DType   string
	Backend kernels.Backend
	// Unavailable is why the backend cannot run here ("" when it can).
	Unavailable string
	// Workload is set for a whole-model case (Op is then its kind).
	Workload *Workload
}

// BackendName is the registry name of the case's backend.
func (c *Case) BackendName() string { return c.Backend.Name() }

// batched reports whether an op's cost depends on the token count M.
func batched(op kernels.Op) bool {
	switch op {
	case kernels.OpQuantizeWeights, kernels.OpPack2Bit, kernels.OpUnpack2Bit:
		return false
	}
	return true
}

func dtypeOf(op kernels.Op) string {
	switch op {
	case kernels.OpBitLinear, kernels.OpPack2Bit, kernels.OpUnpack2Bit:
		return "i2"
	case kernels.OpF32ToF16, kernels.OpF16ToF32:
		return "f16"
	case kernels.OpF32ToBF16, kernels.OpBF16ToF32:
		return "bf16"
	}
	return "f32"
}

// target ends a case name: the ISA level on the CPU, the backend name
// elsewhere (its architecture is in the results), then /tN when the backend
// splits work over N > 1 threads.
func target(b kernels.Backend) string {
	t := b.Name()
	if t == "cpu" {
		t = b.Level()
	}
	if n := threadsOf(b); n > 1 {
		t += fmt.Sprintf("/t%d", n)
	}
	return t
}

func threadsOf(b kernels.Backend) int {
	if tb, ok := b.(kernels.Tunable); ok {
		return tb.Threads()
	}
	return 1
}

// backendsFor returns the backend variants that measure op on one device.
// A backend without levels or threads runs as it is. For one with them:
//   - no Levels in the config: the fastest level, from the backend's own
//     (BITNET_ISA or best) downwards, that has its own kernel for op;
//   - Levels "all": every level that has its own kernel for op;
//   - named levels: each of them, so a level without the op shows up as
//     "not implemented" rather than disappearing.
//
// Thread counts above one apply only to ops that split their work.
func backendsFor(op kernels.Op, b kernels.Backend, cfg Config) ([]kernels.Backend, error) {
	tb, ok := b.(kernels.Tunable)
	if !ok || b.Available() != nil {
		return []kernels.Backend{b}, nil
	}
	all := tb.Levels()
	var levels []string
	switch {
	case len(cfg.Levels) == 0:
		for i := slices.Index(all, b.Level()); i >= 0; i-- {
			if v, err := tb.With(all[i], 1); err == nil && v.Implements(op) {
				levels = []string{all[i]}
				break
			}
		}
		if levels == nil {
			levels = []string{b.Level()} // recorded as not implemented
		}
	case len(cfg.Levels) == 1 && cfg.Levels[0] == "all":
		for _, l := range all {
			if v, err := tb.With(l, 1); err == nil && v.Implements(op) {
				levels = append(levels, l)
			}
		}
	default:
		levels = cfg.Levels
	}
	threads := cfg.Threads
	if len(threads) == 0 {
		threads = []int{1}
	}
	var out []kernels.Backend
	for _, l := range levels {
		for _, t := range threads {
			if t > 1 && !tb.Parallel(op) {
				continue
			}
			v, err := tb.With(l, t)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name(), err)
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// CaseName builds the name of op at shape on backend b.
func CaseName(op kernels.Op, s results.Shape, b kernels.Backend) string {
	var parts []string
	parts = append(parts, string(op))
	switch op {
	case kernels.OpBitLinear, kernels.OpMatMul, kernels.OpQuantizeWeights, kernels.OpPack2Bit, kernels.OpUnpack2Bit:
		parts = append(parts, fmt.Sprintf("%dx%d", s.N, s.K))
	default: // per-token ops are sized by the feature width alone
		parts = append(parts, fmt.Sprint(s.K))
	}
	if batched(op) {
		parts = append(parts, fmt.Sprintf("b%d", s.M))
	}
	parts = append(parts, dtypeOf(op), target(b))
	return strings.Join(parts, "/")
}

// Catalogue expands a config into cases, in run order: by op, then size,
// then batch, then backend. Per-token ops take their widths from the sizes'
// K (the input of a projection) and N (its output), without repeats.
func Catalogue(cfg Config) ([]Case, error) {
	if len(cfg.Ops) == 0 && len(cfg.Workloads) > 0 {
		return workloadCases(cfg)
	}
	if len(cfg.Ops) == 0 || len(cfg.Sizes) == 0 || len(cfg.Batches) == 0 || len(cfg.Devices) == 0 {
		return nil, fmt.Errorf("catalogue: empty selection (ops %d, sizes %d, batches %d, devices %d)",
			len(cfg.Ops), len(cfg.Sizes), len(cfg.Batches), len(cfg.Devices))
	}
	for _, s := range cfg.Sizes {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("catalogue: size %s: %v", s, err)
		}
	}
	for _, b := range cfg.Batches {
		if err := ValidateBatch(b); err != nil {
			return nil, fmt.Errorf("catalogue: batch %d: %v", b, err)
		}
	}
	var backends []kernels.Backend
	for _, d := range cfg.Devices {
		bs, err := kernels.LookupAll(d)
		if err != nil {
			return nil, err
		}
		backends = append(backends, bs...)
	}
	var widths []int
	for _, s := range cfg.Sizes {
		for _, w := range []int{s.K, s.N} {
			if !slices.Contains(widths, w) {
				widths = append(widths, w)
			}
		}
	}
	var cases []Case
	seen := map[string]bool{}
	perOp := map[kernels.Op][]kernels.Backend{}
	for _, op := range cfg.Ops {
		for _, b := range backends {
			vs, err := backendsFor(op, b, cfg)
			if err != nil {
				return nil, err
			}
			perOp[op] = append(perOp[op], vs...)
		}
	}
	add := func(op kernels.Op, s results.Shape) {
		for _, b := range perOp[op] {
			c := Case{Op: op, Shape: s, DType: dtypeOf(op), Backend: b}
			c.Name = CaseName(op, s, b)
			if seen[c.Name] {
				continue
			}
			seen[c.Name] = true
			if err := b.Available(); err != nil {
				c.Unavailable = err.Error()
			}
			cases = append(cases, c)
		}
	}
	for _, op := range cfg.Ops {
		switch {
		case !batched(op):
			for _, s := range cfg.Sizes {
				add(op, results.Shape{N: s.N, K: s.K})
			}
		case op == kernels.OpBitLinear || op == kernels.OpMatMul:
			for _, s := range cfg.Sizes {
				for _, m := range cfg.Batches {
					add(op, results.Shape{M: m, N: s.N, K: s.K})
				}
			}
		default:
			for _, w := range widths {
				for _, m := range cfg.Batches {
					add(op, results.Shape{M: m, K: w})
				}
			}
		}
	}
	wc, err := workloadCases(cfg)
	if err != nil {
		return nil, err
	}
	return append(cases, wc...), nil
}

// Work is what one operation of a case moves and computes.
type Work struct {
	// Bytes counts operands read and results written, weights first; for
	// the weight-bound GEMV it is essentially the weights streamed.
	Bytes int64
	MACs  int64
	// Tokens is what one run of a whole-model workload handles (1 per
	// decode step, the prompt for a prefill); 0 for ops.
	Tokens int64
}

// WorkOf returns the work per operation of a case.
func WorkOf(op kernels.Op, s results.Shape) Work {
	m, n, k := int64(s.M), int64(s.N), int64(s.K)
	packed := n * int64(pack.Stride2Bit(s.K))
	switch op {
	case kernels.OpBitLinear:
		return Work{Bytes: packed + m*k + 4*m + 4*m*n, MACs: m * n * k}
	case kernels.OpMatMul:
		return Work{Bytes: 4*n*k + 4*m*k + 4*m*n, MACs: m * n * k}
	case kernels.OpQuantizeWeights:
		return Work{Bytes: 4*n*k + n*k}
	case kernels.OpQuantizeActivations:
		return Work{Bytes: 4*m*k + m*k + 4*m}
	case kernels.OpPack2Bit:
		return Work{Bytes: n*k + packed}
	case kernels.OpUnpack2Bit:
		return Work{Bytes: packed + n*k}
	case kernels.OpF32ToF16, kernels.OpF16ToF32, kernels.OpF32ToBF16, kernels.OpBF16ToF32:
		return Work{Bytes: 6 * m * k} // 4 bytes in or out, 2 out or in
	}
	return Work{Bytes: 8 * m * k} // activations: read and write f32
}

// seedFor derives a per-case seed so every case's data is reproducible on
// its own, whatever else the run selects.
func seedFor(seed uint64, op kernels.Op, s results.Shape) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d/%d/%d", op, s.M, s.N, s.K)
	return seed ^ h.Sum64()
}

// NewProblem allocates a case's operands on Go's heap and fills them with
// seeded random data; see NewProblemIn.
func NewProblem(op kernels.Op, s results.Shape, seed uint64) (*kernels.Problem, error) {
	return NewProblemIn(HeapTensors{}, op, s, seed)
}

// NewProblemIn allocates a case's operands from t and fills them with
// seeded random data. BitLinear weights go through the kernel library: f32
// normal weights, absmean quantization, 2-bit packing (into t's memory).
func NewProblemIn(t Tensors, op kernels.Op, s results.Shape, seed uint64) (*kernels.Problem, error) {
	rng := rand.New(rand.NewPCG(seedFor(seed, op, s), 0x62697463))
	p := &kernels.Problem{Op: op, M: s.M, N: s.N, K: s.K}
	// normals fills a tensor from t; scratch ones (inputs that only feed a
	// quantizer) stay on the heap.
	fill := func(v []float32, scale float64) []float32 {
		for i := range v {
			v[i] = float32(rng.NormFloat64() * scale)
		}
		return v
	}
	normals := func(n int, scale float64) []float32 { return fill(t.Float32(n), scale) }
	scratch := func(n int, scale float64) []float32 { return fill(make([]float32, n), scale) }
	m, n, k := s.M, s.N, s.K
	switch op {
	case kernels.OpBitLinear, kernels.OpUnpack2Bit:
		w, err := ternaryWeights(t, scratch(n*k, 0.02), n, k)
		if err != nil {
			return nil, err
		}
		p.Weights = w
		if op == kernels.OpUnpack2Bit {
			p.YQ = t.Int8(n * k)
			break
		}
		p.XQ, p.XScales, p.Y = t.Int8(m*k), t.Float32(m), t.Float32(m*n)
		if err := t.Err(); err != nil {
			return nil, err
		}
		if err := quant.QuantizeActivations(p.XQ, p.XScales, scratch(m*k, 1), m, k); err != nil {
			return nil, err
		}
	case kernels.OpMatMul:
		p.X, p.W, p.Y = normals(m*k, 1), normals(n*k, 0.02), t.Float32(m*n)
	case kernels.OpQuantizeWeights:
		p.W, p.YQ, p.YScales = normals(n*k, 0.02), t.Int8(n*k), t.Float32(1)
	case kernels.OpQuantizeActivations:
		p.X, p.YQ, p.YScales = normals(m*k, 1), t.Int8(m*k), t.Float32(m)
	case kernels.OpPack2Bit:
		q, err := quant.QuantizeTernary(scratch(n*k, 0.02), n, k, false)
		if err != nil {
			return nil, err
		}
		p.Codes, p.YPacked = t.Int8(n*k), t.Bytes(n*pack.Stride2Bit(k))
		copy(p.Codes, q.Codes)
	case kernels.OpF32ToF16, kernels.OpF32ToBF16:
		p.X, p.YH = normals(m*k, 3), t.Uint16(m*k)
	case kernels.OpF16ToF32:
		p.XH, p.Y = t.Uint16(m*k), t.Float32(m*k)
		if p.XH != nil {
			quant.F32ToF16Slice(p.XH, scratch(m*k, 3))
		}
	case kernels.OpBF16ToF32:
		p.XH, p.Y = t.Uint16(m*k), t.Float32(m*k)
		if p.XH != nil {
			quant.F32ToBF16Slice(p.XH, scratch(m*k, 3))
		}
	default: // activations, over a range that exercises both tails
		p.X, p.Y = normals(m*k, 3), t.Float32(m*k)
	}
	if err := t.Err(); err != nil {
		return nil, err
	}
	return p, p.Check()
}

// ternaryWeights quantizes w by absmean and packs it into t's memory.
func ternaryWeights(t Tensors, w []float32, n, k int) (*kernels.Weights, error) {
	q, err := quant.QuantizeTernary(w, n, k, false)
	if err != nil {
		return nil, err
	}
	stride := pack.Stride2Bit(k)
	data := t.Bytes(n * stride)
	if err := t.Err(); err != nil {
		return nil, err
	}
	if err := pack.Pack2BitInto(data, q.Codes, n, k); err != nil {
		return nil, err
	}
	return &kernels.Weights{Packed: &pack.Packed2Bit{Rows: n, Cols: k, Stride: stride, Data: data}, Scale: q.Scale}, nil
}
