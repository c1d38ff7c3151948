package bench

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench/probe"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
)

// spinKernel is a workload of known cost: a dependent chain of n
// multiply-adds that the compiler cannot shorten.
type spinKernel struct{ n, sink int }

func (k *spinKernel) Run() error {
	x := k.sink | 1
	for i := 0; i < k.n; i++ {
		x = x*1103515245 + 12345
	}
	k.sink = x
	return nil
}
func (k *spinKernel) Fetch() error { return nil }
func (k *spinKernel) Close() error { return nil }

// fixedBackend hands out a given kernel for any problem.
type fixedBackend struct {
	kernels.Backend
	k kernels.Kernel
}

func (b fixedBackend) Name() string                                     { return "test" }
func (b fixedBackend) Level() string                                    { return "test" }
func (b fixedBackend) Available() error                                 { return nil }
func (b fixedBackend) Implements(kernels.Op) bool                       { return true }
func (b fixedBackend) Prepare(*kernels.Problem) (kernels.Kernel, error) { return b.k, nil }

func measure(t *testing.T, k kernels.Kernel) float64 {
	t.Helper()
	cfg := QuickConfig()
	cfg.Warmup, cfg.SampleTime, cfg.Samples = 2*time.Millisecond, 2*time.Millisecond, 10
	r := Runner{Config: cfg}
	c := Case{Name: "ReLU/8/b1/f32/test", Op: kernels.OpReLU, Shape: results.Shape{M: 1, K: 8}, Backend: fixedBackend{k: k}}
	rc, err := r.RunCase(context.Background(), &c)
	if err != nil || !rc.OK() {
		t.Fatalf("%+v, %v", rc, err)
	}
	return rc.MedianNs
}

// TestRunnerOverhead: what the runner adds to each timed iteration (its
// loop, the call through the Kernel interface, the error check), measured
// with a kernel that does nothing, is under 1% of a 1 µs workload measured
// in the same run. Both are medians of interleaved repeats, so machine
// noise moves both alike.
func TestRunnerOverhead(t *testing.T) {
	if testing.Short() {
		t.Skip("measures timings; skipped with -short")
	}
	work := &spinKernel{n: 1}
	// Calibrate the workload to about 1 µs per Run.
	for measure(t, work) < 1000 {
		work.n *= 2
	}
	var ratios []float64
	for i := 0; i < 5; i++ {
		empty := measure(t, &spinKernel{n: 0})
		ratios = append(ratios, empty/measure(t, work))
	}
	slices.Sort(ratios)
	if r := ratios[2]; r > 0.01 {
		t.Errorf("runner overhead per iteration is %.2f%% of a 1 µs workload, want ≤ 1%% (ratios %v)", 100*r, ratios)
	} else {
		t.Logf("runner overhead per iteration: %.3f%% of a 1 µs workload", 100*r)
	}
}

// TestProbeCost: one sampling pass over every telemetry source this
// machine has costs under 0.5% of the default 100 ms interval.
func TestProbeCost(t *testing.T) {
	srcs, st := probe.Open()
	s := probe.StartSampler(srcs, time.Hour)
	defer s.Stop()
	const n = 50
	t0 := time.Now()
	for i := 0; i < n; i++ {
		s.Mark()
	}
	per := time.Since(t0) / n
	if frac := float64(per) / float64(100*time.Millisecond); frac > 0.005 {
		t.Errorf("a sampling pass takes %v, %.2f%% of the 100 ms interval; want ≤ 0.5%%", per, 100*frac)
	}
	avail := 0
	for _, x := range st {
		if x.Available {
			avail++
		}
	}
	t.Logf("a sampling pass over %d available sources takes %v", avail, per)
}

// deviceKernel reports a fixed device time per Run, like a CUDA kernel
// timed with events.
type deviceKernel struct{ spinKernel }

func (k *deviceKernel) DeviceTime() time.Duration { return 1500 * time.Nanosecond }

// TestRunnerRecordsDeviceTime: a kernel that times itself on the device
// gets its device time and bandwidth in Extra, beside the wall-clock
// samples; a kernel that does not gets neither.
func TestRunnerRecordsDeviceTime(t *testing.T) {
	cfg := QuickConfig()
	cfg.Warmup, cfg.SampleTime, cfg.Samples = time.Millisecond, time.Millisecond, 10
	r := Runner{Config: cfg}
	for _, k := range []kernels.Kernel{&deviceKernel{spinKernel{n: 100}}, &spinKernel{n: 100}} {
		c := Case{Name: "ReLU/1000/b1/f32/test", Op: kernels.OpReLU, Shape: results.Shape{M: 1, K: 1000}, Backend: fixedBackend{k: k}}
		rc, err := r.RunCase(context.Background(), &c)
		if err != nil || !rc.OK() {
			t.Fatalf("%+v, %v", rc, err)
		}
		_, timed := k.(kernels.DeviceTimer)
		got, ok := rc.Extra["device-ns/op"]
		switch {
		case timed && (!ok || got != 1500 || rc.Extra["device-GB/s"] != float64(rc.BytesPerOp)/1500):
			t.Errorf("device-timed kernel: extra %v", rc.Extra)
		case !timed && ok:
			t.Errorf("wall-clock kernel reports a device time: %v", rc.Extra)
		}
	}
}
