package stats

import (
	"math/rand/v2"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
)

// compareSamples1 compares two sides of one case in sec/op.
func compareSamples1(a, b []float64, opt Options) (Row, error) {
	side := func(name string, xs []float64) *input.Input {
		in := input.New(name, input.KindBenchText)
		cd := &input.CaseData{Samples: map[string][]float64{}}
		for _, x := range xs {
			cd.Add(input.UnitSecPerOp, x)
		}
		in.Names = []string{"X"}
		in.Cases["X"] = cd
		in.Better[input.UnitSecPerOp] = -1
		return in
	}
	opt.WithinRunOnly = true // independent synthetic draws
	c, err := Compare(side("a", a), side("b", b), opt)
	if err != nil {
		return Row{}, err
	}
	return c.Rows[0], nil
}

func TestSamplesFor(t *testing.T) {
	tests := []struct {
		change, threshold, spread, power float64
		want                             int
	}{
		// n = 2·(π/2)·((1.96+1.645)·s / ln(1.10/1.05))² = (137.4·s)²
		{0.10, 0.05, 0.01, 0.95, 2},
		{0.10, 0.05, 0.02, 0.95, 8},
		{0.10, 0.05, 0.03, 0.95, 17},
		{0.10, 0.05, 0.05, 0.95, 48},
		{0.10, 0.05, 0.03, 0.80, 11},
		{0.05, 0.05, 0.01, 0.95, 0}, // never: the change is the threshold
		{0.03, 0.05, 0.01, 0.95, 0},
	}
	for _, tt := range tests {
		if got := SamplesFor(tt.change, tt.threshold, tt.spread, tt.power); got != tt.want {
			t.Errorf("SamplesFor(%v, %v, %v, %v) = %d, want %d", tt.change, tt.threshold, tt.spread, tt.power, got, tt.want)
		}
	}
}

// TestSamplesForSimulated checks the formula against the rule itself: with
// normal noise of the given spread, n = SamplesFor(...) samples detect a
// 10% change at a 5% threshold about 95% of the time.
func TestSamplesForSimulated(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, spread := range []float64{0.02, 0.04} {
		n := SamplesFor(0.10, 0.05, spread, 0.95)
		const sims = 300
		hits := 0
		for s := 0; s < sims; s++ {
			a, b := make([]float64, n), make([]float64, n)
			for i := range a {
				a[i] = 1 + spread*rng.NormFloat64()
				b[i] = 1.1 * (1 + spread*rng.NormFloat64())
			}
			r, err := compareSamples1(a, b, Options{Seed: uint64(s + 1)})
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict == Regression {
				hits++
			}
		}
		// The median's normal approximation is rough at small n; 85% is
		// far enough from the 50% a wrong formula gives.
		if p := float64(hits) / sims; p < 0.85 {
			t.Errorf("spread %v: n=%d detected %.1f%% of 10%% slowdowns, want about 95%%", spread, n, 100*p)
		} else {
			t.Logf("spread %v: n=%d detected %.1f%%", spread, n, 100*p)
		}
	}
}
