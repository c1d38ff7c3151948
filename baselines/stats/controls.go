package stats

import (
	"fmt"
	"math"
	"slices"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/internal/textfmt"
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

// controlShown is how far (in log ratio) the controls show the machine
// moved, beside other evidence (the cases' spread): the largest shift some
// control shows beyond its own noise, plus the noise of the most precise
// control. A noisy control whose interval holds 1 adds nothing there.
func controlShown(shifts []ControlShift) float64 {
	shown, best := 0.0, math.Inf(1)
	for _, s := range shifts {
		shown = max(shown, s.shown())
		best = min(best, s.halfWidth())
	}
	return shown + best
}

// reach is how far from 1, in log ratio, the control's interval reaches:
// as far as this control can tell, the machine may have moved that much.
func (s ControlShift) reach() float64 {
	return max(math.Abs(math.Log(s.RatioLo)), math.Abs(math.Log(s.RatioHi)))
}

// controlReach is how far (in log ratio) the machine may have moved between
// the runs by the controls alone: the farthest any control's interval
// reaches, and that control's name. A control that moved reaches as far as its
// move; one too noisy to tell reaches as far as its noise (a wide interval
// around no change says as little as a shift).
func controlReach(shifts []ControlShift) (reach float64, name string) {
	for _, s := range shifts {
		if r := s.reach(); r > reach || name == "" {
			reach, name = r, s.Name
		}
	}
	return reach, name
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

// runControls are the medians of each control in each run of the two
// sides, by run id: the machine's state in each run, as the controls saw
// it.
type runControls struct {
	names     []string
	base, cur map[int][]float64 // run id -> one median per name
}

// minControlReliability is how much of a control's run-to-run variance
// must be the machine's, not its own measurement noise, for it to check
// the machine's state: a control that did not move beyond its noise would only
// widen the check of the machine's state.
const minControlReliability = 0.75

// runControlsOf collects, for every control both sides recorded, its median
// in each run, and keeps the controls whose run medians moved: the
// variance of their log run medians (over both sides: a control's code
// does not change) is at least 3 times (reliability 0.75) their mean
// within-run variance of the median. It looks at the controls only, never
// at the cases, so choosing them does not bias the cases' intervals. A
// control with fewer than minControlSamples measurements in some run is
// left out. nil when no control qualifies.
func runControlsOf(base, cur *input.ControlSet) *runControls {
	rc := &runControls{base: map[int][]float64{}, cur: map[int][]float64{}}
	for _, name := range base.ControlNames {
		if _, ok := cur.Controls[name]; !ok {
			continue
		}
		var logs, within []float64
		meds := [2]map[int]float64{{}, {}}
		short := false
		for s, set := range []*input.ControlSet{base, cur} {
			runs, ids := set.ControlRunsOf(name)
			for i, r := range runs {
				if len(r) < minControlSamples || !allPositive(r) {
					short = true
					break
				}
				lr := make([]float64, len(r))
				for j, v := range r {
					lr[j] = math.Log(v)
				}
				m := Median(slices.Clone(lr))
				logs = append(logs, m)
				within = append(within, medianVariance(lr, m))
				meds[s][ids[i]] = Median(slices.Clone(r))
			}
		}
		if short || len(logs) < 3 {
			continue
		}
		if _, between := meanVariance(logs); between*(1-minControlReliability) < mean(within)*minControlReliability {
			continue
		}
		rc.names = append(rc.names, name)
		for s, side := range []map[int][]float64{rc.base, rc.cur} {
			for id, v := range meds[s] {
				side[id] = append(side[id], v)
			}
		}
	}
	if len(rc.names) == 0 {
		return nil
	}
	return rc
}

// runCovariates are the chosen controls of each run of one case, parallel
// to its runs.
type runCovariates struct {
	names     []string
	base, cur [][]float64
}

// covariates returns the controls of the runs with the given ids, or nil
// when some run lacks them (the case is then compared unadjusted).
func (rc *runControls) covariates(baseIDs, curIDs []int) *runCovariates {
	if rc == nil {
		return nil
	}
	out := &runCovariates{names: rc.names}
	for s, ids := range [][]int{baseIDs, curIDs} {
		side := []map[int][]float64{rc.base, rc.cur}[s]
		for _, id := range ids {
			v, ok := side[id]
			if !ok {
				return nil
			}
			if s == 0 {
				out.base = append(out.base, v)
			} else {
				out.cur = append(out.cur, v)
			}
		}
	}
	return out
}

// stateLevel is the prediction level of the machine-state check: a current
// run's control outside the 99% prediction interval of the baseline runs'
// is outside what they saw.
const stateLevel = 0.99

// outsideHistory says why the current runs' machine state lay outside what
// the baseline runs saw, or "" when it did not (or cannot be told: fewer
// than 3 baseline runs). For each control, the baseline runs' log medians
// give a prediction interval for one more run, mean ± t(k-1)·s·√(1+1/k) at
// 99%; a current run beyond it was measured in a state the baseline has no
// runs of, where the runs' interval, built from the baseline's spread, does
// not hold. (Adjusting the runs by the controls instead, by least squares,
// was tried on a validation pool: the controls explained little of the
// cases' run-to-run spread there, and an extrapolated fit called an A/A
// pair a regression.)
func (rc *runCovariates) outsideHistory() string {
	if rc == nil || len(rc.base) < 3 {
		return ""
	}
	k := float64(len(rc.base))
	for j, name := range rc.names {
		logs := make([]float64, len(rc.base))
		for i, run := range rc.base {
			logs[i] = math.Log(run[j])
		}
		mu, v := meanVariance(logs)
		half := StudentTQuantile(1-(1-stateLevel)/2, k-1) * math.Sqrt(v) * math.Sqrt(1+1/k)
		for _, run := range rc.cur {
			if d := math.Log(run[j]) - mu; math.Abs(d) > half {
				return fmt.Sprintf("the current run's machine state lay outside what the baseline's %d runs saw: control %s at %s of their mean, beyond their 99%% range (±%s)",
					len(rc.base), name, textfmt.Delta(math.Exp(d)), textfmt.Pct(math.Exp(half)-1))
			}
		}
	}
	return ""
}

// beyondHistory says why a change called in the direction slower (true:
// the current run is slower; false: faster) may be the machine's, or ""
// when it cannot be: some control of a current run was slower (faster)
// than in every baseline run. The runs' interval extrapolates from the
// states the baseline saw, and a case need not follow a control in
// proportion: on a validation pool, a case that barely moved across its
// history's states doubled in a slower one, while the control stayed within
// the 99% range of outsideHistory. A run of an unchanged state is the
// slowest of k+1 with chance 1/(k+1) per control, so this costs about that
// share of the changes a history calls, and only where the controls track
// the machine (runControlsOf keeps those whose run-to-run spread is mostly
// the machine's, so on a quiet runner there are none).
func (rc *runCovariates) beyondHistory(slower bool) string {
	if rc == nil || len(rc.base) < 3 {
		return ""
	}
	word, edgeWord := "slower", "slowest"
	if !slower {
		word, edgeWord = "faster", "fastest"
	}
	for j, name := range rc.names {
		edge := rc.base[0][j]
		for _, run := range rc.base[1:] {
			if slower {
				edge = max(edge, run[j])
			} else {
				edge = min(edge, run[j])
			}
		}
		for _, run := range rc.cur {
			if slower && run[j] > edge || !slower && run[j] < edge {
				return fmt.Sprintf("the current run's machine was %s than in any of the baseline's %d runs: control %s at %s of their %s",
					word, len(rc.base), name, textfmt.Delta(run[j]/edge), edgeWord)
			}
		}
	}
	return ""
}

// meanVariance returns the mean of xs and their sample variance (n-1).
func meanVariance(xs []float64) (mu, v float64) {
	mu = mean(xs)
	for _, x := range xs {
		v += (x - mu) * (x - mu)
	}
	return mu, v / float64(len(xs)-1)
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
