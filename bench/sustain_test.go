package bench

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
)

func sustainCase(k kernels.Kernel) *Case {
	return &Case{Name: "ReLU/8/b1/f32/test", Op: kernels.OpReLU, Shape: results.Shape{M: 1, K: 8}, Backend: fixedBackend{k: k}}
}

// TestSustain: the case runs in batches for the duration, through RunN
// where the kernel has it; the file names the workload and counts the runs.
func TestSustain(t *testing.T) {
	k := &batchKernel{perRun: time.Microsecond}
	r, err := Sustain(context.Background(), SustainConfig{Case: sustainCase(k), Duration: 30 * time.Millisecond,
		Interval: 10 * time.Millisecond, Kinds: []string{"energy"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Schema != results.EnergySchema || r.Workload != "ReLU/8/b1/f32/test" || r.Interrupted {
		t.Errorf("schema %q, workload %q, interrupted %v", r.Schema, r.Workload, r.Interrupted)
	}
	if r.Ops == 0 || r.Ops != int64(k.runs) || r.Ops%sustainBatch != 0 || k.submits != k.runs/sustainBatch {
		t.Errorf("%d ops, kernel ran %d times in %d submissions", r.Ops, k.runs, k.submits)
	}
	if r.Seconds < 0.03 || r.OpsPerSec <= 0 {
		t.Errorf("%.3fs, %.0f ops/s: want at least the duration", r.Seconds, r.OpsPerSec)
	}
	if len(r.Probes) == 0 {
		t.Error("no probe statuses")
	}
	for _, p := range r.Probes {
		if p.Kind != "energy" {
			t.Errorf("probe %s of kind %s was not asked for", p.Name, p.Kind)
		}
	}
}

// TestSustainInterrupted: a cancelled run returns its file, marked
// interrupted, with the context's error.
func TestSustainInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, err := Sustain(ctx, SustainConfig{Case: sustainCase(hostKernel(func() error { return nil })),
		Duration: time.Hour, Interval: 10 * time.Millisecond})
	if !errors.Is(err, context.Canceled) || r == nil || !r.Interrupted {
		t.Fatalf("%+v, %v: want the interrupted file and context.Canceled", r, err)
	}
}

// TestSustainFails: a kernel that fails ends the run with an error naming
// the case, and no file.
func TestSustainFails(t *testing.T) {
	r, err := Sustain(context.Background(), SustainConfig{Case: sustainCase(hostKernel(func() error { return errors.New("boom") })),
		Duration: time.Hour, Interval: 10 * time.Millisecond})
	if r != nil || err == nil || !strings.Contains(err.Error(), "ReLU/8/b1/f32/test: boom") {
		t.Fatalf("%v, %v: want no file and the case's error", r, err)
	}
}
