package bench

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
)

// Workloads are catalogue cases that are a whole model step rather than
// one op: a BitNet b1.58 decode step at a context length, a batched
// prefill, and one layer's decode attention over a sequence. They run on
// the CPU backend, at levels that have their own code for every part
// (model.Supported).
const (
	WorkloadDecode    = "Decode"
	WorkloadPrefill   = "Prefill"
	WorkloadAttention = "Attention"
)

// WorkloadNames are the names --workloads accepts.
var WorkloadNames = []string{"decode", "prefill", "attention"}

// Workload is one workload case's recipe.
type Workload struct {
	Kind  string // WorkloadDecode, ...
	Model string // "2B4T" or "tiny"
	Arg   int    // context (decode), batch (prefill), sequence (attention)
}

func (w Workload) name(be kernels.Backend) string {
	c, _ := modelNamed(w.Model)
	arg := map[string]string{WorkloadDecode: "ctx%d", WorkloadPrefill: "b%d", WorkloadAttention: "seq%d"}[w.Kind]
	parts := []string{w.Kind, w.Model}
	if w.Kind == WorkloadAttention {
		parts = append(parts, fmt.Sprintf("gqa%dx%d", c.Heads, c.KVHeads))
	}
	return strings.Join(append(parts, fmt.Sprintf(arg, w.Arg), target(be)), "/")
}

func modelNamed(name string) (model.Config, error) {
	switch strings.ToLower(name) {
	case "2b4t":
		return model.BitNet2B4T(), nil
	case "tiny":
		return model.Tiny(), nil
	}
	return model.Config{}, fmt.Errorf("unknown model %q (2B4T, tiny)", name)
}

// ParseWorkloads reads a --workloads list.
func ParseWorkloads(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if f == "all" {
			return append([]string(nil), WorkloadNames...), nil
		}
		if !slices.Contains(WorkloadNames, f) {
			return nil, fmt.Errorf("unknown workload %q (want %s or all)", f, strings.Join(WorkloadNames, ", "))
		}
		out = append(out, f)
	}
	return out, nil
}

// workloadCases expands cfg.Workloads over the devices and, on the CPU,
// over the levels and threads. A workload case is named after, and runs
// on, the backend of its device alone: a backend that cannot run the model
// is recorded as not implemented (or unavailable), never replaced by
// another. The results' shape records M = the context, batch or sequence,
// N = the model width and K = the FFN width.
func workloadCases(cfg Config) ([]Case, error) {
	if len(cfg.Workloads) == 0 {
		return nil, nil
	}
	c, err := modelNamed(cfg.Model)
	if err != nil {
		return nil, err
	}
	devices := cfg.Devices
	if len(devices) == 0 {
		devices = []string{"cpu"}
	}
	var backends []kernels.Backend
	for _, d := range devices {
		if d != "cpu" {
			bs, err := kernels.LookupAll(d)
			if err != nil {
				return nil, err
			}
			backends = append(backends, bs...)
			continue
		}
		for _, be := range cpuModelBackends(cfg) {
			backends = append(backends, be)
		}
	}
	var cases []Case
	for _, kind := range cfg.Workloads {
		var w []Workload
		switch kind {
		case "decode":
			w = []Workload{{WorkloadDecode, cfg.Model, 128}}
		case "prefill":
			w = []Workload{{WorkloadPrefill, cfg.Model, 128}, {WorkloadPrefill, cfg.Model, 512}}
		case "attention":
			for _, s := range []int{128, 512, 1024, 4096} {
				w = append(w, Workload{WorkloadAttention, cfg.Model, s})
			}
		}
		for _, wl := range w {
			for _, be := range backends {
				if wl.Kind == WorkloadAttention && threadsOf(be) > 1 {
					continue // one layer's attention runs on one thread
				}
				wl := wl
				cs := Case{Name: wl.name(be), Op: kernels.Op(wl.Kind), DType: "i2", Backend: be, Workload: &wl,
					Shape: results.Shape{M: wl.Arg, N: c.Hidden, K: c.FFN}}
				if err := be.Available(); err != nil {
					cs.Unavailable = err.Error()
				}
				cases = append(cases, cs)
			}
		}
	}
	return cases, nil
}

// cpuModelBackends are the CPU levels (cfg.Levels, else the fastest level
// that runs every part of the model) times cfg.Threads.
func cpuModelBackends(cfg Config) []*cpu.Backend {
	var levels []cpu.Level
	switch {
	case len(cfg.Levels) == 1 && cfg.Levels[0] == "all":
		levels = cpu.Levels()
	case len(cfg.Levels) > 0:
		for _, name := range cfg.Levels {
			l, err := cpu.ParseLevel(name) // "avx512" is avx512vnni, as for the kernel cases
			if err != nil {
				l = cpu.Level(name) // its backend reports the level unavailable
			}
			levels = append(levels, l)
		}
	default: // the fastest level that runs every part
		all := cpu.Levels()
		for i := len(all) - 1; i >= 0; i-- {
			if model.Supported(cpu.New(all[i])) == nil {
				levels = []cpu.Level{all[i]}
				break
			}
		}
	}
	threads := cfg.Threads
	if len(threads) == 0 {
		threads = []int{1}
	}
	var bes []*cpu.Backend
	for _, l := range levels {
		for _, t := range threads {
			bes = append(bes, cpu.NewWithOptions(cpu.Options{Level: l, Threads: t}))
		}
	}
	return bes
}

// models caches built weights: a 2B4T model takes seconds to build and
// 850 MB to hold, and every case of a run shares it.
var models sync.Map // name → func() (*model.Weights, error)

func weightsOf(name string, seed uint64) (*model.Weights, error) {
	key := fmt.Sprintf("%s/%d", strings.ToLower(name), seed)
	f, _ := models.LoadOrStore(key, sync.OnceValues(func() (*model.Weights, error) {
		c, err := modelNamed(name)
		if err != nil {
			return nil, err
		}
		return model.NewRandom(c, seed)
	}))
	return f.(func() (*model.Weights, error))()
}

// prepareWorkload builds the kernel a workload case times and its work
// per run (bytes read, multiply-adds).
func prepareWorkload(w *Workload, be kernels.Backend, seed uint64) (kernels.Kernel, Work, error) {
	if w.Kind == WorkloadAttention {
		be, ok := be.(*cpu.Backend)
		if !ok { // one layer's attention alone is a CPU workload
			return nil, Work{}, &kernels.NotImplementedError{Op: kernels.Op(w.Kind), Backend: be.Name()}
		}
		c, err := modelNamed(w.Model)
		if err != nil {
			return nil, Work{}, err
		}
		a, err := model.NewAttention(c, be, w.Arg, seed)
		if err != nil {
			return nil, Work{}, err
		}
		return runFunc(func() error { a.Run(); return nil }), Work{Bytes: a.Bytes(), MACs: a.FLOPs() / 2}, nil
	}
	mw, err := weightsOf(w.Model, seed)
	if err != nil {
		return nil, Work{}, err
	}
	switch w.Kind {
	case WorkloadDecode:
		e, err := model.NewEngine(mw, be, w.Arg, 1)
		if err != nil {
			return nil, Work{}, err
		}
		pos := w.Arg - 1
		for p := range pos { // the prompt fills the cache; the last position is timed
			if _, err := e.Step(p%mw.Vocab, p); err != nil {
				return nil, Work{}, err
			}
		}
		// Timed steps run whole (one graph on a GPU); metrics times the
		// parts in steps of its own.
		e.TimeParts = false
		dk := &decodeKernel{e: e, pos: pos, be: be}
		work := Work{Bytes: e.StepBytes(pos), MACs: mw.Params(), Tokens: 1}
		if e.DeviceTimed() {
			return deviceTimedDecode{dk}, work, nil
		}
		return dk, work, nil
	case WorkloadPrefill:
		e, err := model.NewEngine(mw, be, w.Arg, w.Arg)
		if err != nil {
			return nil, Work{}, err
		}
		tokens := make([]int, w.Arg)
		for i := range tokens {
			tokens[i] = (7 * i) % mw.Vocab
		}
		e.TimeParts = false
		pk := &prefillKernel{e: e, tokens: tokens}
		work := Work{Bytes: mw.WeightBytes(), MACs: mw.Params() * int64(w.Arg), Tokens: int64(w.Arg)}
		if e.DeviceTimed() {
			return deviceTimedPrefill{pk}, work, nil
		}
		return pk, work, nil
	}
	return nil, Work{}, fmt.Errorf("unknown workload %q", w.Kind)
}

type runFunc func() error

func (f runFunc) Run() error   { return f() }
func (f runFunc) Fetch() error { return nil }
func (f runFunc) Close() error { return nil }

// decodeKernel times one decode step.
type decodeKernel struct {
	e   *model.Engine
	pos int
	be  kernels.Backend
}

// deviceTimedDecode and deviceTimedPrefill are the workloads of a backend
// with device timers (CUDA events around the step's graph, Metal's command
// buffer times); MLX's and the CPU's have wall time only.
type deviceTimedDecode struct{ *decodeKernel }
type deviceTimedPrefill struct{ *prefillKernel }

func (d deviceTimedDecode) DeviceTime() time.Duration  { t, _ := d.e.DeviceTime(); return t }
func (p deviceTimedPrefill) DeviceTime() time.Duration { t, _ := p.e.DeviceTime(); return t }

// readBandwidth is implemented by GPU backends that measure their memory's
// read rate (bytes/s), the bound a decode step is held against.
type readBandwidth interface{ ReadBandwidth() (float64, error) }

func (d *decodeKernel) Run() error {
	_, err := d.e.Step(1, d.pos)
	return err
}
func (d *decodeKernel) Fetch() error { return nil }
func (d *decodeKernel) Close() error { return d.e.Close() }

// prefillKernel times one prefill of a batch of tokens.
type prefillKernel struct {
	e      *model.Engine
	tokens []int
}

func (p *prefillKernel) Run() error   { _, err := p.e.Prefill(p.tokens); return err }
func (p *prefillKernel) Fetch() error { return nil }
func (p *prefillKernel) Close() error { return p.e.Close() }

// profiledSteps is how many steps metrics times part by part.
const profiledSteps = 5

// metrics are the mean time of each part of a step over profiledSteps
// steps timed part by part (wall time on the CPU, device timers on a GPU)
// after the timed samples, and on a GPU the share of the HBM bound
// (tokens per second is the case's TokensPerS).
func (d *decodeKernel) metrics(medianNs float64) map[string]float64 {
	out := map[string]float64{}
	d.e.ResetTimes()
	d.e.TimeParts = true
	defer func() { d.e.TimeParts = false }()
	for range profiledSteps {
		if _, err := d.e.Step(1, d.pos); err != nil {
			return out // the timed samples stand; the parts are left out
		}
	}
	for p := range model.NumParts {
		out["ns/token-"+p.String()] = float64(d.e.Times[p].Nanoseconds()) / profiledSteps
	}
	if rb, ok := d.be.(readBandwidth); ok {
		if bw, err := rb.ReadBandwidth(); err == nil && bw > 0 {
			// The bytes a token reads at the measured read rate, over the step.
			out["read-GB/s"] = bw / 1e9
			out["pct-of-hbm-bound"] = 100 * float64(d.e.StepBytes(d.pos)) / bw / (medianNs * 1e-9)
		}
	}
	return out
}
