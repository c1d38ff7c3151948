package stats

import (
	"math"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
)

// ControlShift is how a control workload (bench/controls) moved between the
// two runs: the ratio of its medians, current over baseline, with a
// bootstrap interval. A control runs the same code in both runs, so its
// shift is the machine's.
type ControlShift struct {
	Name     string  `json:"name"`
	Baseline Summary `json:"baseline"` // seconds per op
	Current  Summary `json:"current"`
	Ratio    float64 `json:"ratio"`
	RatioLo  float64 `json:"ratio_lo"`
	RatioHi  float64 `json:"ratio_hi"`
}

// halfWidth is half the width of the log interval: the control's own noise.
func (s ControlShift) halfWidth() float64 {
	return (math.Log(s.RatioHi) - math.Log(s.RatioLo)) / 2
}

// shown is the log shift the control shows beyond its own noise: 0 when
// its interval holds 1.
func (s ControlShift) shown() float64 {
	return max(0, math.Log(s.RatioLo), -math.Log(s.RatioHi))
}

// controlMargin is how far (in log ratio) the machine may have moved
// between the runs, by the controls: the largest shift some control shows
// beyond its own noise, plus the noise of the most precise control (how
// well the machine's state is known at best). A noisy control whose
// interval holds 1 adds nothing; one that moved adds its move.
func controlMargin(shifts []ControlShift) float64 {
	if len(shifts) == 0 {
		return 0
	}
	shown, best := 0.0, math.Inf(1)
	for _, s := range shifts {
		shown = max(shown, s.shown())
		best = min(best, s.halfWidth())
	}
	return shown + best
}

// minControlSamples is the fewest measurements of a control per side that
// bound its median at 95% (as for any sample).
const minControlSamples = 6

// controlShifts compares the controls both sides recorded, each with at
// least minControlSamples measurements.
func controlShifts(base, cur *input.Input, opt Options) []ControlShift {
	var out []ControlShift
	for _, name := range base.ControlNames {
		b, k := base.Controls[name], cur.Controls[name]
		if len(b) < minControlSamples || len(k) < minControlSamples {
			continue
		}
		bs, _ := summarize(b, opt)
		ks, _ := summarize(k, opt)
		s := ControlShift{Name: name, Baseline: *bs, Current: *ks, Ratio: centerRatio(bs.Center, ks.Center)}
		s.RatioLo, s.RatioHi = Bootstrap{Confidence: opt.Confidence, Resamples: opt.Resamples, Seed: opt.Seed, Key: "control\x00" + name}.Ratio(b, k)
		out = append(out, s)
	}
	return out
}
