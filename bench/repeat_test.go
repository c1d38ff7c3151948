package bench

import (
	"context"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
)

// batchKernel costs a fixed round trip per submission and little per run,
// as a GPU kernel does: Run is one submission of one run, RunN one of n.
type batchKernel struct {
	roundTrip, perRun time.Duration
	runs, submits     int
	batches           []int // n of every submission, in order
	last              time.Duration
}

func (k *batchKernel) spin(d time.Duration) {
	for t := time.Now(); time.Since(t) < d; {
	}
}
func (k *batchKernel) Run() error { return k.RunN(1) }
func (k *batchKernel) RunN(n int) error {
	k.spin(k.roundTrip + time.Duration(n)*k.perRun)
	k.runs += n
	k.submits++
	k.batches = append(k.batches, n)
	k.last = time.Duration(n) * k.perRun
	return nil
}
func (k *batchKernel) DeviceTime() time.Duration { return k.last }
func (k *batchKernel) Variant() string           { return "batch-test-kernel" }
func (k *batchKernel) Fetch() error              { return nil }
func (k *batchKernel) Close() error              { return nil }

var (
	_ kernels.Repeater = (*batchKernel)(nil)
	_ kernels.Variant  = (*batchKernel)(nil)
)

// TestRunnerRepeats: a kernel that runs n times per submission is timed
// with one submission a sample, so the reported time per op approaches
// the per-run cost rather than the round trip; the device time is per op,
// and the kernel's variant is recorded.
func TestRunnerRepeats(t *testing.T) {
	k := &batchKernel{roundTrip: 200 * time.Microsecond, perRun: 2 * time.Microsecond}
	cfg := QuickConfig()
	cfg.Warmup, cfg.SampleTime, cfg.Samples = 2*time.Millisecond, 20*time.Millisecond, 5
	r := Runner{Config: cfg}
	c := Case{Name: "ReLU/8/b1/f32/test", Op: kernels.OpReLU, Shape: results.Shape{M: 1, K: 8}, Backend: fixedBackend{k: k}}
	rc, err := r.RunCase(context.Background(), &c)
	if err != nil || !rc.OK() {
		t.Fatalf("%+v, %v", rc, err)
	}
	if rc.Variant != "batch-test-kernel" {
		t.Errorf("variant %q, want the kernel's", rc.Variant)
	}
	// Each sample is one submission of Iterations runs (plus the warm-up's).
	if rc.Iterations < 10 {
		t.Fatalf("%d runs a sample: the batch was sized by the round trip", rc.Iterations)
	}
	// One submission a sample, of Iterations runs: so a sample pays the
	// round trip once, not once a run. (Checked by count, not by the clock:
	// a timed assertion fails on a busy machine.)
	if len(k.batches) < cfg.Samples {
		t.Fatalf("%d submissions, want at least the %d samples", len(k.batches), cfg.Samples)
	}
	for i, n := range k.batches[len(k.batches)-cfg.Samples:] {
		if n != rc.Iterations {
			t.Errorf("sample %d was a submission of %d runs, want one of %d", i, n, rc.Iterations)
		}
	}
	if len(rc.SamplesNs) != cfg.Samples {
		t.Errorf("%d samples, want %d", len(rc.SamplesNs), cfg.Samples)
	}
	if dev := rc.Extra["device-ns/op"]; dev != float64(k.perRun.Nanoseconds()) {
		t.Errorf("device time %v ns/op, want %d", dev, k.perRun.Nanoseconds())
	}
}
