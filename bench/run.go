package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench/controls"
	"github.com/bitnet-go/bitnet-bench/bench/probe"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	"github.com/bitnet-go/bitnet-bench/memory"
)

// RunConfig is a whole measured run: the cases, what is measured beside
// them, and what the results file says of where it came from.
type RunConfig struct {
	Config
	// Cases to run; the catalogue of Config when nil.
	Cases []Case
	// Energy samples energy, power, temperature and clocks beside every
	// case, every ProbeInterval (100ms when zero).
	Energy        bool
	ProbeInterval time.Duration
	// Memory records the Go heap, allocations, GC and process RSS per case.
	Memory bool
	// Pool supplies every case's tensors and reports its metrics per case;
	// Go's heap when nil.
	Pool *memory.Pool
	// Controls measures the control workloads (bench/controls) before each
	// case, for regression-check to tell the machine's drift from the code's.
	Controls bool
	// Roofline measures this machine's read bandwidth and int8 peak for
	// the CPU levels that ran, after the cases, and gives every CPU case
	// its share of them.
	Roofline bool

	// Tool, Command and RunID go into the file as they are.
	Tool    results.Tool
	Command []string
	RunID   string

	// Progress, OnCase: as the Runner's. OnProbes, when set, gets the
	// probes' statuses once they are open; OnRoofline the levels before
	// the roofline is measured.
	Progress   io.Writer
	OnCase     func(done, total int, name string)
	OnProbes   func([]probe.Status)
	OnRoofline func([]cpu.Level)
}

// Run measures a run and assembles its results file: machine, config,
// probes and their timelines, the cases, the roofline. When ctx is
// cancelled it stops between samples and returns the file of the cases
// that finished, marked incomplete, with ctx's error; a caller can still
// write it. Any other error returns no file.
func Run(ctx context.Context, rc RunConfig) (*results.File, error) {
	cases := rc.Cases
	if cases == nil {
		var err error
		if cases, err = Catalogue(rc.Config); err != nil {
			return nil, err
		}
	}
	f := &results.File{
		Schema:  results.Schema,
		Tool:    rc.Tool,
		Created: time.Now().UTC(),
		RunID:   rc.RunID,
		Command: rc.Command,
		Machine: probe.Machine(),
		Config:  ResultsConfig(rc.Config),
	}
	runner := Runner{Config: rc.Config, TrackMemory: rc.Memory, Pool: rc.Pool, OnCase: rc.OnCase}
	if rc.Progress != nil {
		runner.Progress = rc.Progress
	}
	if rc.Controls {
		runner.Controls = controls.Measure
	}
	var sampler *probe.Sampler
	if rc.Energy {
		interval := rc.ProbeInterval
		if interval <= 0 {
			interval = 100 * time.Millisecond
		}
		srcs, st := probe.Open("energy", "temperature")
		f.Probes = probe.StatusesForResults(st)
		if rc.OnProbes != nil {
			rc.OnProbes(st)
		}
		sampler = probe.StartSampler(srcs, interval)
		runner.Sampler = sampler
	}
	var err error
	f.Cases, err = runner.Run(ctx, cases)
	if sampler != nil {
		sampler.Stop()
		f.Timelines = probe.Timelines(sampler.Points())
		for name, msg := range sampler.ReadErrors() {
			for i := range f.Probes {
				if f.Probes[i].Name == name {
					f.Probes[i].Reason = "read failed during the run: " + msg
				}
			}
		}
	}
	interrupted := errors.Is(err, context.Canceled)
	if err != nil && !interrupted {
		return nil, err
	}
	f.Complete = !interrupted
	if rc.Roofline && !interrupted {
		if levels := probe.RooflineLevels(f.Cases); len(levels) > 0 {
			if rc.OnRoofline != nil {
				rc.OnRoofline(levels)
			}
			if f.Roofline, err = probe.Roofline(levels, probe.RooflineBufferBytes()); err != nil {
				return nil, fmt.Errorf("roofline: %w", err)
			}
			probe.ApplyRoofline(f)
		}
	}
	if interrupted {
		return f, err
	}
	return f, nil
}

// ResultsConfig is the results file's record of a run's configuration.
func ResultsConfig(c Config) results.Config {
	rc := results.Config{
		Batches: c.Batches, Devices: c.Devices, Samples: c.Samples,
		Warmup: c.Warmup.String(), SampleTime: c.SampleTime.String(),
		Levels: c.Levels, Threads: c.Threads, Seed: int64(c.Seed), Quick: c.Quick, Confidence: 0.95,
		Packings: c.Packings,
	}
	if len(rc.Threads) == 0 {
		rc.Threads = []int{1}
	}
	if len(c.Packings) > 0 {
		rc.Sparsities = c.Sparsities
		if len(rc.Sparsities) == 0 {
			rc.Sparsities = DefaultSparsities
		}
	}
	for _, op := range c.Ops {
		rc.Operations = append(rc.Operations, string(op))
	}
	for _, d := range c.Conversions {
		rc.Conversions = append(rc.Conversions, d.String())
	}
	rc.Cleanup = c.Cleanup
	for _, s := range c.Sizes {
		rc.Sizes = append(rc.Sizes, s.String())
	}
	return rc
}
