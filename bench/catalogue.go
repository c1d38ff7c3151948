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
	// Packing is set for a packing case (Op is then Unpack<Strategy>).
	Packing *Packing
	// Conversion is set for a conversion case (Op is then Convert<Format>).
	Conversion *Conversion
	// Cleanup is the strategy of a cleanup case (Op is then Cleanup<Strategy>).
	Cleanup string
}

// Family is the results family of the case: the op table's, or that of a
// workload, packing, conversion or cleanup (results.Family*).
func (c *Case) Family() string {
	switch {
	case c.Workload != nil:
		return results.FamilyWorkload
	case c.Packing != nil:
		return results.FamilyPacking
	case c.Conversion != nil:
		return results.FamilyConversion
	case c.Cleanup != "":
		return results.FamilyCleanup
	}
	return FamilyOf(c.Op)
}

// BackendName is the registry name of the case's backend.
func (c *Case) BackendName() string { return c.Backend.Name() }

// spec is op's entry of the op table; the catalogue only builds cases of
// known ops (ParseOps and Catalogue check).
func spec(op kernels.Op) *kernels.Spec {
	s, ok := kernels.SpecOf(op)
	if !ok {
		panic("bench: op not in the op table: " + string(op))
	}
	return s
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
	sp := spec(op)
	if sp.PerToken { // sized by the feature width alone
		parts = append(parts, fmt.Sprint(s.K))
	} else {
		parts = append(parts, fmt.Sprintf("%dx%d", s.N, s.K))
	}
	if sp.Batched {
		parts = append(parts, fmt.Sprintf("b%d", s.M))
	}
	parts = append(parts, sp.DType, target(b))
	return strings.Join(parts, "/")
}

// Catalogue expands a config into cases, in run order: by op, then size,
// then batch, then backend. Per-token ops take their widths from the sizes'
// K (the input of a projection) and N (its output), without repeats.
func Catalogue(cfg Config) ([]Case, error) {
	if len(cfg.Ops) == 0 && (len(cfg.Workloads) > 0 || len(cfg.Packings) > 0 || len(cfg.Conversions) > 0 || len(cfg.Cleanup) > 0) {
		return extraCases(cfg, nil)
	}
	if len(cfg.Ops) == 0 || len(cfg.Sizes) == 0 || len(cfg.Batches) == 0 || len(cfg.Devices) == 0 {
		return nil, fmt.Errorf("catalogue: empty selection (ops %d, sizes %d, batches %d, devices %d)",
			len(cfg.Ops), len(cfg.Sizes), len(cfg.Batches), len(cfg.Devices))
	}
	for _, op := range cfg.Ops {
		if !op.Known() {
			return nil, fmt.Errorf("catalogue: unknown op %q (known: %s)", op, joinOps(kernels.Ops))
		}
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
			c := Case{Op: op, Shape: s, DType: spec(op).DType, Backend: b}
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
		switch sp := spec(op); {
		case !sp.Batched:
			for _, s := range cfg.Sizes {
				add(op, results.Shape{N: s.N, K: s.K})
			}
		case !sp.PerToken:
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
	return extraCases(cfg, cases)
}

// extraCases appends the whole-model workloads, the packings, the
// conversions and the cleanup cases to cases.
func extraCases(cfg Config, cases []Case) ([]Case, error) {
	for _, expand := range []func(Config) ([]Case, error){workloadCases, packingCases, conversionCases, cleanupCases} {
		more, err := expand(cfg)
		if err != nil {
			return nil, err
		}
		cases = append(cases, more...)
	}
	return cases, nil
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

// WorkOf returns the work per operation of a case (the op table's Work);
// none for a whole-model workload, whose work its preparation measures.
func WorkOf(op kernels.Op, s results.Shape) Work {
	sp, ok := kernels.SpecOf(op)
	if !ok {
		return Work{}
	}
	bytes, macs := sp.Work(int64(s.M), int64(s.N), int64(s.K))
	return Work{Bytes: bytes, MACs: macs}
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
// seeded random data (the op table's Alloc). BitLinear weights go through
// the kernel library: f32 normal weights, absmean quantization, 2-bit
// packing (into t's memory).
func NewProblemIn(t Tensors, op kernels.Op, s results.Shape, seed uint64) (*kernels.Problem, error) {
	sp, ok := kernels.SpecOf(op)
	if !ok {
		return nil, fmt.Errorf("unknown op %q", op)
	}
	rng := rand.New(rand.NewPCG(seedFor(seed, op, s), 0x62697463))
	p := &kernels.Problem{Op: op, M: s.M, N: s.N, K: s.K}
	if err := sp.Alloc(p, t, rng); err != nil {
		return nil, err
	}
	if err := t.Err(); err != nil {
		return nil, err
	}
	return p, p.Check()
}
