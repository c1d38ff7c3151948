package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSignedRankCDFSmall(t *testing.T) {
	// n = 3: T takes 0..6 with counts 1,1,1,2,1,1,1 out of 8.
	want := []float64{1, 2, 3, 5, 6, 7, 8}
	cdf := signedRankCDF(3)
	if len(cdf) != len(want) {
		t.Fatalf("len %d, want %d", len(cdf), len(want))
	}
	for i, w := range want {
		if math.Abs(cdf[i]-w/8) > 1e-15 {
			t.Errorf("P(T <= %d) = %v, want %v", i, cdf[i], w/8)
		}
	}
}

func TestSignedRankCritical(t *testing.T) {
	// Published two-sided 5% critical values of Wilcoxon's T (reject when
	// T <= value): n=6: 0, n=10: 8, n=20: 52, n=30: 137.
	for n, crit := range map[int]int{6: 0, 10: 8, 20: 52, 30: 137} {
		if c := signedRankCritical(n, 0.025); c-1 != crit {
			t.Errorf("n=%d: critical T %d, want %d", n, c-1, crit)
		}
	}
	if c := signedRankCritical(5, 0.025); c != 0 {
		t.Errorf("n=5 has no 95%% interval (2^-5 > 2.5%%), got c=%d", c)
	}
	// The normal approximation used above the exact range lands within
	// 0.1% of T's mean of the exact value just below it (7 ranks of 22575
	// at n=300, 99%).
	n := exactSignedRankMax
	exact := signedRankCritical(n, 0.005)
	mu := float64(n) * float64(n+1) / 4
	sd := math.Sqrt(float64(n) * float64(n+1) * float64(2*n+1) / 24)
	approx := int(math.Floor(mu + sd*normalQuantile(0.005) + 0.5))
	if d := math.Abs(float64(approx - exact)); d > 0.001*mu {
		t.Errorf("n=%d: normal approximation %d, exact %d", n, approx, exact)
	}
}

func TestSignedRankKnownExample(t *testing.T) {
	// Hollander & Wolfe's depression scores (R: wilcox.test(x, y,
	// paired = TRUE) gives V = 40, p-value = 0.03906).
	x := []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
	y := []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}
	d := make([]float64, len(x))
	for i := range x {
		d[i] = x[i] - y[i]
	}
	r := SignedRankOf(d, 0.95)
	if math.Abs(r.P-0.0390625) > 1e-9 {
		t.Errorf("p = %v, want 0.0390625", r.P)
	}
	if !(r.Lo > 0) {
		t.Errorf("95%% interval [%v, %v] should exclude 0 when p < 0.05", r.Lo, r.Hi)
	}
	if got := SignedRankOf([]float64{1, 2, 3}, 0.95).Center; got != 2 {
		t.Errorf("Hodges-Lehmann of 1,2,3 = %v, want 2", got)
	}
	if r := SignedRankOf([]float64{1, 2, 3, 4, 5}, 0.95); !math.IsInf(r.Lo, -1) || !math.IsInf(r.Hi, 1) {
		t.Errorf("5 pairs can give no 95%% interval, got [%v, %v]", r.Lo, r.Hi)
	}
}

// TestSignedRankCoverage checks, on heavy-tailed symmetric noise, that the
// interval covers the true center at its stated rate and that the test
// agrees with it.
func TestSignedRankCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const trials, n, center = 2000, 40, 0.07
	covered, disagree := 0, 0
	d := make([]float64, n)
	for range trials {
		for i := range d {
			// Laplace noise with a few wild rounds.
			e := rng.ExpFloat64() * 0.1
			if rng.IntN(2) == 0 {
				e = -e
			}
			if rng.IntN(20) == 0 {
				e *= 8
			}
			d[i] = center + e
		}
		r := SignedRankOf(d, 0.95)
		if r.Lo <= center && center <= r.Hi {
			covered++
		}
		// Shifted to center 0, "interval excludes 0" and "p < 5%" are the
		// same decision.
		for i := range d {
			d[i] -= center
		}
		z := SignedRankOf(d, 0.95)
		if (z.Lo > 0 || z.Hi < 0) != (z.P < 0.05) {
			disagree++
		}
	}
	if rate := float64(covered) / trials; rate < 0.935 || rate > 0.975 {
		t.Errorf("95%% intervals covered the center %.1f%% of %d times", 100*rate, trials)
	}
	if disagree > 0 {
		t.Errorf("interval and p-value disagreed in %d of %d trials", disagree, trials)
	}
}

// TestPairedCompareUsesSignedRank: a paired comparison's ratio, interval
// and p come from the rounds' log ratios, so a steady 10% slowdown under
// noise shared by both sides of each round is called a regression, where
// the unpaired samples' spread alone hides it.
func TestPairedCompareUsesSignedRank(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var base, cur []float64
	for range 40 {
		machine := math.Exp(rng.NormFloat64() * 0.4) // the round's shared state
		base = append(base, 100*machine*math.Exp(rng.NormFloat64()*0.02))
		cur = append(cur, 110*machine*math.Exp(rng.NormFloat64()*0.02))
	}
	b := mustParse(t, []byte(benchLines("", "ns/op", map[string][]float64{"X": base}, "X")), "base")
	c := mustParse(t, []byte(benchLines("", "ns/op", map[string][]float64{"X": cur}, "X")), "cur")
	r := row(t, mustCompare(t, b, c, Options{Paired: true}), "X", "sec/op")
	if r.Verdict != Regression || r.Model != ModelPaired {
		t.Fatalf("verdict %v (%s), model %q; want a paired regression", r.Verdict, r.Reason, r.Model)
	}
	if r.Ratio < 1.08 || r.Ratio > 1.12 || r.RatioLo < 1.05 {
		t.Errorf("ratio %.3f [%.3f, %.3f], want about 1.10 with the interval above 1.05", r.Ratio, r.RatioLo, r.RatioHi)
	}
	if v := mustCompare(t, b, c, Options{}).Rows[0].Verdict; v == Regression {
		t.Errorf("unpaired, the 40%% shared noise should hide a 10%% change; got %v", v)
	}
}
