package bench

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench/probe"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	"github.com/bitnet-go/bitnet-bench/memory"
)

func tinyRun() RunConfig {
	cfg := QuickConfig()
	cfg.Ops, cfg.Sizes, cfg.Batches = []kernels.Op{kernels.OpReLU, kernels.OpPack2Bit}, []Size{{16, 64}}, []int{1}
	cfg.Levels = []string{string(cpu.LevelGeneric)}
	cfg.Warmup, cfg.SampleTime = time.Millisecond, 100*time.Microsecond
	return RunConfig{Config: cfg, Energy: true, ProbeInterval: 10 * time.Millisecond, Memory: true,
		Pool: memory.Default(), Controls: true, Tool: results.Tool{Name: "test"}, RunID: "r1", Command: []string{"x"}}
}

// TestRun: the file of a run has its cases (from the catalogue), the
// config, the probes' statuses and the telemetry and controls per case.
func TestRun(t *testing.T) {
	rc := tinyRun()
	var seen []string
	rc.OnCase = func(done, total int, name string) { seen = append(seen, name) }
	probed := false
	rc.OnProbes = func([]probe.Status) { probed = true }
	f, err := Run(t.Context(), rc)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	// ReLU at widths 64 and 16, Pack2Bit at 16x64.
	if len(f.Cases) != 3 || len(seen) != 3 || !f.Complete || f.RunID != "r1" || f.Tool.Name != "test" {
		t.Fatalf("cases %d, seen %v, complete %v, run %q, tool %+v", len(f.Cases), seen, f.Complete, f.RunID, f.Tool)
	}
	if !probed || len(f.Probes) == 0 {
		t.Errorf("energy on but no probes: %v", f.Probes)
	}
	if got := f.Config.Operations; len(got) != 2 || got[0] != "ReLU" {
		t.Errorf("config operations %v", got)
	}
	for _, c := range f.Cases {
		if !c.OK() || c.Telemetry == nil || c.Telemetry.Pool == nil || len(c.ControlsNs) == 0 {
			t.Errorf("%s: %s %s, telemetry %+v, controls %v", c.Name, c.Status, c.Error, c.Telemetry, c.ControlsNs)
		}
	}
	if f.Roofline != nil {
		t.Error("a roofline that was not asked for")
	}
}

// TestRunCancelled: a cancelled run still returns its file, incomplete,
// with the context's error.
func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	rc := tinyRun()
	rc.Roofline = true // not measured for an incomplete run
	f, err := Run(ctx, rc)
	if !errors.Is(err, context.Canceled) || f == nil || f.Complete || len(f.Cases) != 0 || f.Roofline != nil {
		t.Fatalf("err %v, file %+v", err, f)
	}
	rc.Cases, rc.Config.Ops, rc.Config.Sizes = nil, nil, nil
	if _, err := Run(t.Context(), rc); err == nil {
		t.Error("an empty selection ran")
	}
}

// TestRecordersNest: the sampler's mark, which allocates, opens before the
// allocation counters and closes after them, so the kernel is not charged
// with it.
func TestRecordersNest(t *testing.T) {
	s := probe.StartSampler(nil, 10*time.Millisecond)
	defer s.Stop()
	r := Runner{Pool: memory.Default(), Sampler: s, TrackMemory: true}
	recs := r.recorders()
	if len(recs) != 3 {
		t.Fatalf("%d recorders, want pool, sampler, memory", len(recs))
	}
	_, pool := recs[0].(*poolRecorder)
	_, samp := recs[1].(*samplerRecorder)
	_, mem := recs[2].(*memRecorder)
	if !pool || !samp || !mem {
		t.Errorf("recorders %T %T %T: want pool, sampler, memory in that order", recs[0], recs[1], recs[2])
	}
	if got := (&Runner{}).recorders(); len(got) != 0 {
		t.Errorf("a runner without pool, sampler or memory tracking has recorders %v", got)
	}
}

// TestEnergyChargedToOwnDevice: a model case's J/token counts only the
// energy channels of the device it ran on.
func TestEnergyChargedToOwnDevice(t *testing.T) {
	for _, c := range []struct {
		channel, backend string
		want             bool
	}{
		{"gpu0", "cuda", true},
		{"gpu0", "cpu", false},
		{"package-0", "cpu", true},
		{"package-0/core", "cuda", false},
		{"GPU Energy", "metal", true},
		{"CPU Energy", "mlx", false},
		{"package-0", "ext-mylib", false},
	} {
		if got := chargedTo(c.channel, c.backend); got != c.want {
			t.Errorf("chargedTo(%q, %q) = %v, want %v", c.channel, c.backend, got, c.want)
		}
	}
}
