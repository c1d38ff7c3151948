package bench

import (
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/codec"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	"github.com/bitnet-go/bitnet-bench/memory"
)

// The conversion family measures the memory pool's conversion engine
// (memory.Engine with the kernel library's codecs, kernels/codec): an N×K
// f32 tensor converted to f16, bf16, int8 or ternary the three ways the
// engine offers. "direct" converts into a new pool tensor (freed after
// each run), "stream" converts chunk by chunk through a bounded scratch
// buffer to a writer, "batch" converts row blocks as a batch on up to
// GOMAXPROCS goroutines (named /tN after them). Each case records the
// engine's compression ratio. The codecs are portable Go, so the cases
// run on the CPU's generic level.

// Conversion is one conversion case's recipe.
type Conversion struct {
	To   memory.DType
	Mode string // ConversionModes
}

// ConversionModes are the engine's ways to convert a tensor.
var ConversionModes = []string{"direct", "stream", "batch"}

// conversionFormats are the formats --conversions accepts, by name.
var conversionFormats = []memory.DType{memory.F16, memory.BF16, memory.I8, memory.Ternary}

// batchJobs is how many row blocks a batch case converts.
const batchJobs = 8

func (c Conversion) op() kernels.Op {
	name := map[memory.DType]string{memory.F16: "F16", memory.BF16: "BF16", memory.I8: "I8", memory.Ternary: "Ternary"}[c.To]
	return kernels.Op("Convert" + name)
}

// threads is how many goroutines the case converts on: a batch's, up to
// GOMAXPROCS; one otherwise.
func (c Conversion) threads() int {
	if c.Mode == "batch" {
		return min(runtime.GOMAXPROCS(0), batchJobs)
	}
	return 1
}

// ParseConversions reads a --conversions list: formats (f16, bf16, i8,
// ternary) or all.
func ParseConversions(list string) ([]memory.DType, error) {
	var out []memory.DType
	for _, item := range splitList(strings.ToLower(list)) {
		if item == "all" {
			return slices.Clone(conversionFormats), nil
		}
		i := slices.IndexFunc(conversionFormats, func(d memory.DType) bool { return d.String() == item })
		if i < 0 {
			return nil, fmt.Errorf("%q: want all or formats (f16, bf16, i8, ternary)", item)
		}
		if !slices.Contains(out, conversionFormats[i]) {
			out = append(out, conversionFormats[i])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no conversions given")
	}
	return out, nil
}

// conversionCases expands cfg.Conversions over the sizes and the modes, on
// the generic CPU level; any other backend is recorded as not implemented.
func conversionCases(cfg Config) ([]Case, error) {
	if len(cfg.Conversions) == 0 {
		return nil, nil
	}
	if len(cfg.Sizes) == 0 {
		return nil, fmt.Errorf("catalogue: conversions need at least one size")
	}
	backends, err := portableBackends(cfg.Devices)
	if err != nil {
		return nil, err
	}
	var cases []Case
	for _, to := range cfg.Conversions {
		for _, sz := range cfg.Sizes {
			for _, mode := range ConversionModes {
				cv := Conversion{To: to, Mode: mode}
				for _, be := range backends {
					c := Case{Op: cv.op(), Shape: results.Shape{N: sz.N, K: sz.K}, DType: "f32", Backend: be, Conversion: &cv}
					t := target(be)
					if n := cv.threads(); n > 1 && be.Name() == "cpu" {
						t += fmt.Sprintf("/t%d", n)
					}
					c.Name = strings.Join([]string{string(c.Op), sz.String(), mode, "f32", t}, "/")
					if err := be.Available(); err != nil {
						c.Unavailable = err.Error()
					}
					cases = append(cases, c)
				}
			}
		}
	}
	return cases, nil
}

// conversionKernel runs one conversion of src per Run.
type conversionKernel struct {
	run   func() (memory.ConversionStats, error)
	stats memory.ConversionStats // of the last run
}

func (k *conversionKernel) Run() error {
	st, err := k.run()
	k.stats = st
	return err
}

func (k *conversionKernel) Fetch() error { return nil }
func (k *conversionKernel) Close() error { return nil }

// metrics adds the engine's compression ratio and its chunks.
func (k *conversionKernel) metrics(float64) map[string]float64 {
	return map[string]float64{"compression-x": k.stats.Ratio, "chunks": float64(k.stats.Chunks)}
}

// prepareConversion binds a conversion case to the engine over pool (the
// default pool when nil). Its work per run is the f32 read and the
// converted bytes written.
func prepareConversion(c *Case, pool *memory.Pool, seed uint64) (kernels.Kernel, Work, error) {
	if be, ok := c.Backend.(*cpu.Backend); !ok || be.Level() != string(cpu.LevelGeneric) {
		return nil, Work{}, &kernels.NotImplementedError{Op: c.Op, Backend: c.Backend.Name(),
			Why: "the conversion engine's codecs are portable Go, measured on the CPU's generic level"}
	}
	n, k := c.Shape.N, c.Shape.K
	r := rand.New(rand.NewPCG(seedFor(seed, c.Op, c.Shape), 0x636f6e76))
	src := make([]float32, n*k)
	for i := range src {
		src[i] = float32(r.NormFloat64())
	}
	e := codec.NewEngine(pool)
	to := c.Conversion.To
	kern := &conversionKernel{}
	switch c.Conversion.Mode {
	case "direct":
		kern.run = func() (memory.ConversionStats, error) {
			t, st, err := e.FromFloat32(src, n, k, to, memory.ConvertOptions{})
			if err == nil {
				err = t.Free()
			}
			return st, err
		}
	case "stream":
		kern.run = func() (memory.ConversionStats, error) {
			_, st, err := e.Stream(io.Discard, src, n, k, to, memory.ConvertOptions{})
			return st, err
		}
	case "batch":
		var jobs []memory.BatchJob
		step := (n + batchJobs - 1) / batchJobs
		for r0 := 0; r0 < n; r0 += step {
			rows := min(step, n-r0)
			jobs = append(jobs, memory.BatchJob{Src: src[r0*k : (r0+rows)*k], Rows: rows, Cols: k, To: to})
		}
		kern.run = func() (memory.ConversionStats, error) {
			res, bst := e.Batch(jobs)
			var errs error
			for _, r := range res {
				if r.Err != nil && errs == nil {
					errs = r.Err
				}
				if r.Tensor != nil {
					if err := r.Tensor.Free(); err != nil && errs == nil {
						errs = err
					}
				}
			}
			return memory.ConversionStats{From: memory.F32, To: to, SrcBytes: bst.SrcBytes, DstBytes: bst.DstBytes,
				Ratio: bst.Ratio, Chunks: bst.Jobs, Duration: bst.Duration, Strategy: "batch"}, errs
		}
	default:
		return nil, Work{}, fmt.Errorf("unknown conversion mode %q (%s)", c.Conversion.Mode, strings.Join(ConversionModes, ", "))
	}
	if err := kern.Run(); err != nil { // once, so the work is known
		return nil, Work{}, err
	}
	return kern, Work{Bytes: int64(kern.stats.SrcBytes + kern.stats.DstBytes)}, nil
}
