package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"time"

	"golang.org/x/perf/benchmath"

	"github.com/bitnet-go/bitnet-bench/bench/probe"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/internal/units"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
	"github.com/bitnet-go/bitnet-bench/memory"
)

// Runner measures catalogue cases: per case a warm-up, then Samples timed
// batches whose iteration count is set from the warm-up so a batch lasts
// about SampleTime.
type Runner struct {
	Config Config
	// Confidence of the median's interval; 0.95 when zero.
	Confidence float64
	// Progress, when set, gets one line per finished case.
	Progress io.Writer
	// OnCase, when set, is called before each case starts.
	OnCase func(done, total int, name string)
	// Sampler, when set, gives every case the energy, power, temperature
	// and clocks seen during its timed samples.
	Sampler *probe.Sampler
	// TrackMemory adds the Go runtime's and the process's memory figures.
	TrackMemory bool
	// Pool, when set, supplies every case's tensors, and its metrics (live,
	// peak, allocations, fragmentation) are reported per case.
	Pool *memory.Pool
	// Controls, when set, measures the control workloads (bench/controls)
	// before each case and records them with it: the machine's state,
	// interleaved with the cases, for regression-check to compare between
	// runs.
	Controls func() map[string]float64
}

// Run measures cases in order. When ctx is cancelled it stops between
// samples and returns the cases that finished with ctx's error, so the
// caller can still write them out.
func (r *Runner) Run(ctx context.Context, cases []Case) ([]results.Case, error) {
	out := make([]results.Case, 0, len(cases))
	for i := range cases {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if r.OnCase != nil {
			r.OnCase(i, len(cases), cases[i].Name)
		}
		var ctl map[string]float64
		if r.Controls != nil {
			ctl = r.Controls()
		}
		started := time.Now()
		rc, err := r.RunCase(ctx, &cases[i])
		if err != nil { // interrupted mid-case: the case is dropped, not half-kept
			return out, err
		}
		rc.ControlsNs = ctl
		out = append(out, rc)
		if r.Progress != nil {
			fmt.Fprintf(r.Progress, "[%d/%d] %-45s %s (%.1fs)\n", i+1, len(cases), rc.Name, describe(&rc), time.Since(started).Seconds())
		}
	}
	return out, nil
}

func describe(c *results.Case) string {
	if !c.OK() {
		return c.Status + ": " + c.Error
	}
	spread := 100 * max(c.MedianNs-c.CILowNs, c.CIHighNs-c.MedianNs) / c.MedianNs
	s := fmt.Sprintf("%s/op ±%.1f%%", FormatNs(c.MedianNs), spread)
	if c.TokensPerS > 0 {
		// A model workload reads like llama-bench: tokens per second first.
		s = fmt.Sprintf("%s tokens/s ±%.1f%%  %s/op", units.Count(c.TokensPerS), spread, FormatNs(c.MedianNs))
	}
	if c.GMACps > 0 {
		s += fmt.Sprintf("  %.2f GMAC/s", c.GMACps)
	}
	if c.GBps > 0 {
		s += fmt.Sprintf("  %.2f GB/s", c.GBps)
	}
	return s
}

// FormatNs writes a time in nanoseconds with 3 digits in ns, µs, ms or s.
func FormatNs(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.3gs", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.3gms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.3gµs", ns/1e3)
	}
	return fmt.Sprintf("%.3gns", ns)
}

// RunCase measures one case. Problems with the case itself (backend
// unavailable, op not implemented, kernel error) are recorded in the
// result's Status; only cancellation is returned as an error.
func (r *Runner) RunCase(ctx context.Context, c *Case) (results.Case, error) {
	w := WorkOf(c.Op, c.Shape)
	rc := results.Case{
		Name: c.Name, Op: string(c.Op), Family: c.Family(), Shape: c.Shape, DType: c.DType,
		Backend: c.Backend.Name(), Level: c.Backend.Level(), Threads: threadsOf(c.Backend),
		BytesPerOp: w.Bytes, MACsPerOp: w.MACs,
	}
	fail := func(status string, err error) (results.Case, error) {
		rc.Status, rc.Error = status, err.Error()
		return rc, nil
	}
	if c.Unavailable != "" {
		return fail(results.StatusUnavailable, errors.New(c.Unavailable))
	}
	recs := r.recorders()
	for _, rec := range recs {
		rec.begin()
	}
	var tensors Tensors = HeapTensors{}
	if r.Pool != nil {
		pt := NewPoolTensors(r.Pool)
		defer pt.Release()
		tensors = pt
	}
	k, err := r.prepare(c, tensors, &rc)
	if err != nil {
		switch {
		case kernels.IsNotImplemented(err):
			return fail(results.StatusNotImplemented, err)
		case kernels.IsWrongResult(err):
			return fail(results.StatusWrong, err)
		}
		return fail(results.StatusError, err)
	}
	defer k.Close()
	runtime.GC() // collect the set-up garbage before the clock starts

	// Warm-up: at least one run, WarmupIters runs and the warm-up time.
	start := time.Now()
	warm := 0
	for warm == 0 || warm < r.Config.WarmupIters || time.Since(start) < r.Config.Warmup {
		if err := k.Run(); err != nil {
			return fail(results.StatusError, err)
		}
		warm++
	}
	perOp := time.Since(start) / time.Duration(warm)
	// A kernel that runs n times as one submission (a GPU graph replay) is
	// timed that way: one host round trip a sample, not one a run. Its
	// warm-up rate is taken the same way, or batches would be sized by
	// the round trips.
	rep, repeats := k.(kernels.Repeater)
	if repeats {
		t0 := time.Now()
		if err := rep.RunN(max(warm, 64)); err != nil {
			return fail(results.StatusError, err)
		}
		perOp = time.Since(t0) / time.Duration(max(warm, 64))
	}
	iters := 1
	if perOp > 0 && r.Config.SampleTime > perOp {
		iters = int(r.Config.SampleTime / perOp)
	}
	samples := max(r.Config.Samples, 1)
	rc.Iterations = iters
	rc.SamplesNs = make([]float64, 0, samples)
	// The recorders' windows nest around the timed samples alone (see
	// recorders).
	for _, rec := range recs {
		rec.start()
	}
	// A kernel that times itself on the device also reports that time,
	// beside the wall time that every backend's samples share.
	dt, timed := k.(kernels.DeviceTimer)
	var deviceNs []float64
	for s := 0; s < samples; s++ {
		if err := ctx.Err(); err != nil {
			return rc, err
		}
		var device time.Duration
		t0 := time.Now()
		if repeats {
			if err := rep.RunN(iters); err != nil {
				rc.SamplesNs, rc.Iterations = nil, 0
				return fail(results.StatusError, err)
			}
			if timed {
				device = dt.DeviceTime() // of all iters runs
			}
		}
		for i := 0; i < iters && !repeats; i++ {
			if err := k.Run(); err != nil {
				rc.SamplesNs, rc.Iterations = nil, 0
				return fail(results.StatusError, err)
			}
			if timed {
				device += dt.DeviceTime()
			}
		}
		ns := float64(time.Since(t0).Nanoseconds()) / float64(iters)
		if timed {
			deviceNs = append(deviceNs, float64(device.Nanoseconds())/float64(iters))
		}
		rc.SamplesNs = append(rc.SamplesNs, max(ns, 1e-3)) // a zero reading would be below timer resolution
	}
	// Close the windows right after the timed samples, before any
	// bookkeeping (which allocates) can count as the kernel's.
	for i := len(recs) - 1; i >= 0; i-- {
		recs[i].stop()
	}
	rc.Status = results.StatusOK
	if v, ok := k.(kernels.Variant); ok {
		rc.Variant = v.Variant()
	}
	Summarize(&rc, r.confidence())
	if m, ok := k.(kernelMetrics); ok {
		rc.Extra = m.metrics(rc.MedianNs)
	}
	if len(deviceNs) > 0 {
		slices.Sort(deviceNs)
		med := deviceNs[len(deviceNs)/2]
		if len(deviceNs)%2 == 0 {
			med = (med + deviceNs[len(deviceNs)/2-1]) / 2
		}
		if rc.Extra == nil {
			rc.Extra = map[string]float64{}
		}
		rc.Extra["device-ns/op"] = med
		if med > 0 && rc.BytesPerOp > 0 {
			rc.Extra["device-GB/s"] = float64(rc.BytesPerOp) / med
		}
	}
	ops := float64(iters * samples)
	for _, rec := range recs {
		rec.record(&rc, ops)
	}
	return rc, nil
}

func (r *Runner) confidence() float64 {
	if r.Confidence > 0 {
		return r.Confidence
	}
	return 0.95
}

// Summarize fills the median, its distribution-free confidence interval
// (benchmath's AssumeNothing) and the throughput at the median.
func Summarize(c *results.Case, confidence float64) {
	sample := benchmath.NewSample(slices.Clone(c.SamplesNs), &benchmath.DefaultThresholds) // NewSample sorts its input
	sum := benchmath.AssumeNothing.Summary(sample, confidence)
	c.MedianNs, c.CILowNs, c.CIHighNs, c.Confidence = sum.Center, sum.Lo, sum.Hi, sum.Confidence
	if math.IsInf(sum.Lo, 0) || math.IsInf(sum.Hi, 0) {
		// Too few samples for an interval at this confidence: record none
		// (JSON has no infinity) rather than a made-up one.
		c.CILowNs, c.CIHighNs, c.Confidence = 0, 0, 0
	}
	if c.BytesPerOp > 0 {
		c.GBps = float64(c.BytesPerOp) / c.MedianNs
	}
	if c.MACsPerOp > 0 {
		c.GMACps = float64(c.MACsPerOp) / c.MedianNs
	}
	if c.TokensPerOp > 0 {
		c.TokensPerS = float64(c.TokensPerOp) / c.MedianNs * 1e9
	}
}

// kernelMetrics is implemented by kernels that measure more than their
// time (a decode step: the time of each part); medianNs is the case's
// median time per run.
type kernelMetrics interface {
	metrics(medianNs float64) map[string]float64
}

// prepare binds a case to its kernel (PrepareCase) from tensors and the
// runner's pool, and puts its work per run into rc.
func (r *Runner) prepare(c *Case, tensors Tensors, rc *results.Case) (kernels.Kernel, error) {
	k, w, err := PrepareCase(c, tensors, r.Pool, r.Config.Seed)
	if c.Workload != nil || c.Packing != nil || c.Conversion != nil || c.Cleanup != "" { // their work is known once prepared
		rc.BytesPerOp, rc.MACsPerOp, rc.TokensPerOp = w.Bytes, w.MACs, w.Tokens
	}
	if c.Conversion != nil {
		rc.Threads = c.Conversion.threads()
	}
	return k, err
}

// PrepareCase binds any catalogue case to the kernel that runs it: an op's
// Problem from tensors (seeded data) on the case's backend, a workload's
// model, a packing, a conversion (over pool; the default pool when nil) or
// a cleanup cycle (on a pool of its own).
// It returns the work of one run. A backend without the case's kernel
// gives a *kernels.NotImplementedError; nothing runs in its place.
func PrepareCase(c *Case, tensors Tensors, pool *memory.Pool, seed uint64) (kernels.Kernel, Work, error) {
	switch {
	case c.Workload != nil:
		if err := model.SupportedOn(c.Backend); err != nil {
			return nil, Work{}, err
		}
		return prepareWorkload(c.Workload, c.Backend, seed)
	case c.Conversion != nil:
		return prepareConversion(c, pool, seed)
	case c.Packing != nil:
		return preparePacking(c, seed)
	case c.Cleanup != "":
		return prepareCleanup(c)
	}
	_, k, err := PrepareOp(c, tensors, seed)
	return k, WorkOf(c.Op, c.Shape), err
}

// PrepareOp binds an op's case (not a workload, packing, conversion or
// cleanup) to its backend's kernel, and returns the Problem too: its
// operands from tensors, seeded. The go test suites prepare their cases
// with it, as the runner does through PrepareCase.
func PrepareOp(c *Case, tensors Tensors, seed uint64) (*kernels.Problem, kernels.Kernel, error) {
	if !c.Backend.Implements(c.Op) {
		return nil, nil, &kernels.NotImplementedError{Op: c.Op, Backend: c.Backend.Name()}
	}
	p, err := NewProblemIn(tensors, c.Op, c.Shape, seed)
	if err != nil {
		return nil, nil, err
	}
	k, err := c.Backend.Prepare(p)
	if err != nil {
		return nil, nil, err
	}
	return p, k, nil
}
