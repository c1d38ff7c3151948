package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestRatioIntervalUnbounded(t *testing.T) {
	inf := math.Inf(1)
	bounded := &Summary{Center: 10, Lo: 9, Hi: 11}
	unbounded := &Summary{Center: 10, Lo: -inf, Hi: inf}
	xs := noisy(10, 10, 0)
	opt, _ := Options{}.WithDefaults()
	for _, tt := range []struct {
		name      string
		base, cur *Summary
	}{
		{"unbounded baseline", unbounded, bounded},
		{"unbounded current", bounded, unbounded},
	} {
		if lo, hi := ratioInterval(tt.base, tt.cur, xs, xs, opt, "k"); lo != 0 || hi != inf {
			t.Errorf("%s: [%v, %v], want [0, +Inf)", tt.name, lo, hi)
		}
	}
}

func TestBootstrapRatio(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name           string
		base, cur      []float64
		wantLo, wantHi float64 // the interval must lie inside [wantLo, wantHi]
		contains       float64 // and contain this ratio
	}{
		{"30% slower", noisy(1000, 10, 0), noisy(1300, 10, 4), 1.25, 1.36, 1.3},
		{"unchanged", noisy(1000, 20, 0), noisy(1000, 20, 5), 0.97, 1.03, 1},
		{"faster", noisy(1000, 12, 0), noisy(800, 12, 3), 0.77, 0.83, 0.8},
		{"unequal sizes", noisy(1000, 6, 0), noisy(1100, 30, 2), 1.05, 1.15, 1.1},
		{"constant", []float64{5, 5, 5, 5, 5, 5}, []float64{5, 5, 5, 5, 5, 5}, 1, 1, 1},
		{"zero stays zero", make([]float64, 8), make([]float64, 8), 1, 1, 1},
		{"zero to one", make([]float64, 8), []float64{1, 1, 1, 1, 1, 1, 1, 1}, inf, inf, inf},
	}
	for _, tt := range tests {
		lo, hi := bootstrapRatio(tt.base, tt.cur, 0.95, 2000, DefaultSeed, tt.name)
		if !(lo >= tt.wantLo && hi <= tt.wantHi && lo <= tt.contains && tt.contains <= hi) {
			t.Errorf("%s: [%v, %v], want inside [%v, %v] and containing %v", tt.name, lo, hi, tt.wantLo, tt.wantHi, tt.contains)
		}
		// Reproducible: the same call gives the same interval.
		if lo2, hi2 := bootstrapRatio(tt.base, tt.cur, 0.95, 2000, DefaultSeed, tt.name); lo2 != lo || hi2 != hi {
			t.Errorf("%s: second call gave [%v, %v], first [%v, %v]", tt.name, lo2, hi2, lo, hi)
		}
	}
	// A wider confidence gives a wider interval.
	b, c := noisy(1000, 10, 0), noisy(1100, 10, 3)
	lo95, hi95 := bootstrapRatio(b, c, 0.95, 2000, 1, "k")
	lo50, hi50 := bootstrapRatio(b, c, 0.50, 2000, 1, "k")
	if !(lo95 <= lo50 && hi50 <= hi95 && lo50 < hi50) {
		t.Errorf("50%% [%v, %v] not inside 95%% [%v, %v]", lo50, hi50, lo95, hi95)
	}
}

// TestBootstrapCoverage checks that the percentile interval of the ratio of
// medians covers the true ratio about as often as it claims, for a normal
// and a skewed, outlier-prone noise model, at the sample sizes the A/B runs
// use. The generator is seeded, so the counts are fixed.
func TestBootstrapCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	models := map[string]func() float64{
		"normal 3%": func() float64 { return 1 + 0.03*rng.NormFloat64() },
		// Mostly tight, one sample in eight hit by a 10-60% preemption.
		"tight with outliers": func() float64 {
			v := 1 + 0.005*rng.NormFloat64()
			if rng.IntN(8) == 0 {
				v *= 1.1 + 0.5*rng.Float64()
			}
			return v
		},
	}
	for name, draw := range models {
		for _, n := range []int{10, 20} {
			const sims = 300
			const ratio = 1.1
			// cur is base's distribution scaled by ratio, so its median is
			// ratio times base's.
			covered := 0
			for s := 0; s < sims; s++ {
				base, cur := make([]float64, n), make([]float64, n)
				for i := range base {
					base[i] = draw()
					cur[i] = ratio * draw()
				}
				lo, hi := bootstrapRatio(base, cur, 0.95, 1000, uint64(s+1), "k")
				if lo <= ratio && ratio <= hi {
					covered++
				}
			}
			cov := float64(covered) / sims
			// Percentile intervals of medians can run a little narrow at small
			// n (and wide with outliers, which is safe); far below 90% would
			// let noise clear the threshold.
			if cov < 0.88 {
				t.Errorf("%s n=%d: coverage %.3f, want about 0.95", name, n, cov)
			} else {
				t.Logf("%s n=%d: coverage %.3f", name, n, cov)
			}
		}
	}
}

func TestMedian(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 1; n < 60; n++ {
		for trial := 0; trial < 20; trial++ {
			xs := make([]float64, n)
			for i := range xs {
				// Few distinct values, to exercise ties.
				xs[i] = float64(rng.IntN(1 + n/(trial%3+1)))
			}
			sorted := slices.Clone(xs)
			slices.Sort(sorted)
			want := sorted[n/2]
			if n%2 == 0 {
				want = (sorted[n/2-1] + sorted[n/2]) / 2
			}
			if got := Median(slices.Clone(xs)); got != want {
				t.Fatalf("Median(%v) = %v, want %v", xs, got, want)
			}
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median(nil) is not NaN")
	}
}

func TestPercentileInterval(t *testing.T) {
	xs := make([]float64, 1000)
	for i := range xs {
		xs[len(xs)-1-i] = float64(i)
	}
	if lo, hi := percentileInterval(xs, 0.95); lo != 25 || hi != 974 {
		t.Errorf("[%v, %v], want [25, 974]", lo, hi)
	}
	if lo, hi := percentileInterval([]float64{7}, 0.95); lo != 7 || hi != 7 {
		t.Errorf("one value: [%v, %v]", lo, hi)
	}
}
