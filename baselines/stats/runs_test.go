package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestStudentTQuantile(t *testing.T) {
	for _, c := range []struct{ p, df, want float64 }{
		{0.975, 1, 12.706205},
		{0.975, 4, 2.776445},
		{0.975, 10, 2.228139},
		{0.995, 4, 4.604095},
		{0.975, 1000, 1.962339},
		{0.025, 4, -2.776445},
		{0.5, 7, 0},
	} {
		if got := StudentTQuantile(c.p, c.df); math.Abs(got-c.want) > 1e-5*math.Max(1, math.Abs(c.want)) {
			t.Errorf("StudentTQuantile(%v, %v) = %.6f, want %.6f", c.p, c.df, got, c.want)
		}
	}
}

// simRuns draws k runs of n samples: each run's log level is shift plus a
// run effect of sd between, each sample that plus noise of sd within.
func simRuns(rng *rand.Rand, k, n int, shift, between, within float64) [][]float64 {
	runs := make([][]float64, k)
	for i := range runs {
		level := shift + between*rng.NormFloat64()
		for range n {
			runs[i] = append(runs[i], 1e3*math.Exp(level+within*rng.NormFloat64()))
		}
	}
	return runs
}

// TestRunsIntervalCoverage checks the interval of one current run against
// a history of five on data whose runs differ far more than their samples
// (15% between runs, 2% within), as on a shared CI runner: unchanged code
// must land inside the 95% interval about 95% of the time, not the two
// thirds a bootstrap of five run effects gives.
func TestRunsIntervalCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const trials = 4000
	for _, shape := range []struct{ k, m int }{{5, 1}, {3, 3}, {2, 1}} {
		miss, aboveThreshold := 0, 0
		for range trials {
			base := simRuns(rng, shape.k, 10, 0, 0.15, 0.02)
			cur := simRuns(rng, shape.m, 10, 0, 0.15, 0.02)
			e, ok := RunsInterval{Confidence: 0.95}.Estimate(base, cur)
			lo, hi := e.Lo, e.Hi
			if !ok {
				t.Fatalf("%d vs %d runs: not bounded", shape.k, shape.m)
			}
			if lo > 1 || hi < 1 {
				miss++
			}
			if lo > 1.05 {
				aboveThreshold++
			}
		}
		rate := float64(miss) / trials
		t.Logf("%d vs %d runs: missed %.2f%%, above +5%% %.2f%%", shape.k, shape.m, 100*rate, 100*float64(aboveThreshold)/trials)
		if rate < 0.03 || rate > 0.07 {
			t.Errorf("%d vs %d runs: the 95%% interval missed the true ratio in %.1f%% of A/A trials, want about 5%%", shape.k, shape.m, 100*rate)
		}
		if r := float64(aboveThreshold) / trials; r > 0.025 {
			t.Errorf("%d vs %d runs: %.1f%% of A/A intervals lay above +5%%", shape.k, shape.m, 100*r)
		}
	}
}

// TestRunsIntervalDetects checks that quiet runs bound a 10% slowdown
// above a 5% threshold, and that one noisy current run does not.
func TestRunsIntervalDetects(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	base := simRuns(rng, 5, 10, 0, 0.01, 0.01)
	cur := simRuns(rng, 1, 10, math.Log(1.10), 0.01, 0.01)
	e, ok := RunsInterval{Confidence: 0.95}.Estimate(base, cur)
	r, lo := e.Ratio, e.Lo
	if !ok || lo <= 1.05 || math.Abs(r-1.10) > 0.03 {
		t.Errorf("quiet history, 10%% slower: ratio %.3f, lower bound %.3f (ok %v), want about 1.10 and above 1.05", r, lo, ok)
	}
	noisy := simRuns(rng, 5, 10, 0, 0.2, 0.01)
	e, _ = RunsInterval{Confidence: 0.95}.Estimate(noisy, cur)
	lo, hi := e.Lo, e.Hi
	if lo > 1.05 || hi < 1.3 {
		t.Errorf("history with runs 20%% apart: interval [%.3f, %.3f] should be wide enough to be inconclusive", lo, hi)
	}
}

func TestRunsIntervalNeedsTwoRuns(t *testing.T) {
	one := [][]float64{{1, 2, 3}}
	if _, ok := (RunsInterval{Confidence: 0.95}).Estimate(one, one); ok {
		t.Error("one run a side: want not ok (no between-run variance)")
	}
	if _, ok := (RunsInterval{Confidence: 0.95}).Estimate([][]float64{{1, 2}, {0, 1}}, one); ok {
		t.Error("a zero value: want not ok")
	}
}

// TestRunsIntervalFloor checks that runs that agree by chance do not give
// an interval narrower than one run's own noise.
func TestRunsIntervalFloor(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	mk := func() []float64 {
		var r []float64
		for range 10 {
			r = append(r, 1e3*math.Exp(0.1*rng.NormFloat64()))
		}
		return r
	}
	a := mk()
	base := [][]float64{a, a, a} // identical run medians: s² = 0
	e, ok := RunsInterval{Confidence: 0.95}.Estimate(base, [][]float64{mk()})
	lo, hi := e.Lo, e.Hi
	if !ok || hi/lo < 1.05 {
		t.Errorf("interval [%.3f, %.3f]: want at least the within-run noise's width", lo, hi)
	}
}
