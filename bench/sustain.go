package bench

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench/probe"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
)

// SustainConfig is one case run continuously for a duration while the
// probes sample: the energy-analysis command's run.
type SustainConfig struct {
	Case     *Case
	Seed     uint64
	Duration time.Duration
	// Interval is the probes' sampling interval; Kinds the probe kinds
	// opened ("energy", "temperature").
	Interval time.Duration
	Kinds    []string

	// Tool and Command go into the file as they are.
	Tool    results.Tool
	Command []string

	// OnMissing, when set, gets each probe that was asked for and is
	// unavailable ("name (kind): reason") once the probes are open.
	OnMissing func(msg string)
}

// sustainBatch is the number of runs between looks at the clock.
const sustainBatch = 16

// Sustain prepares the case (its operands from Go's heap), runs it for
// the duration and returns the timelines and the energy per run. When ctx
// is cancelled it stops after the current batch and returns the file,
// marked interrupted, with ctx's error; a caller can still write it. Any
// other error returns no file.
func Sustain(ctx context.Context, sc SustainConfig) (*results.Energy, error) {
	c := sc.Case
	k, _, err := PrepareCase(c, HeapTensors{}, nil, sc.Seed)
	if err != nil {
		return nil, err
	}
	defer k.Close()

	srcs, st := probe.Open(sc.Kinds...)
	r := &results.Energy{Schema: results.EnergySchema, Tool: sc.Tool, Created: time.Now().UTC(), Command: sc.Command,
		Machine: probe.Machine(), Workload: c.Name, Probes: probe.StatusesForResults(st)}
	for _, s := range st {
		if !s.Available {
			msg := fmt.Sprintf("%s (%s): %s", s.Name, s.Kind, s.Reason)
			r.Missing = append(r.Missing, msg)
			if sc.OnMissing != nil {
				sc.OnMissing(msg)
			}
		}
	}
	sampler := probe.StartSampler(srcs, sc.Interval)
	a := sampler.Mark()
	start := time.Now()
	// A kernel that runs n times as one submission (a GPU graph replay)
	// runs that way, so the device works rather than waits on the host.
	rep, repeats := k.(kernels.Repeater)
	for time.Since(start) < sc.Duration {
		if ctx.Err() != nil {
			r.Interrupted = true
			break
		}
		var err error
		if repeats {
			err = rep.RunN(sustainBatch)
		}
		for i := 0; i < sustainBatch && !repeats && err == nil; i++ {
			err = k.Run()
		}
		if err != nil {
			sampler.Stop()
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		r.Ops += sustainBatch
	}
	b := sampler.Mark()
	r.Seconds = time.Since(start).Seconds()
	sampler.Stop()
	r.OpsPerSec = float64(r.Ops) / r.Seconds
	if w, err := sampler.Summarize(a, b); err == nil {
		r.EnergyJ, r.MeanPowerW, r.MaxTempC, r.Throttled = w.EnergyJ, w.MeanW, w.MaxTempC, w.Throttled
		for _, ch := range slices.Sorted(maps.Keys(w.EnergyJ)) {
			j := w.EnergyJ[ch]
			if r.JPerOp == nil {
				r.JPerOp, r.OpsPerJoule = map[string]float64{}, map[string]float64{}
			}
			r.JPerOp[ch] = j / float64(r.Ops)
			if j > 0 {
				r.OpsPerJoule[ch] = float64(r.Ops) / j
			}
		}
	}
	r.Timelines = probe.Timelines(sampler.Points())
	if r.Interrupted {
		return r, ctx.Err()
	}
	return r, nil
}
