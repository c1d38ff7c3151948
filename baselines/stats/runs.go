package stats

import (
	"math"
	"slices"
)

// RunsInterval bounds the ratio of two sides measured in several runs
// each, with the run, not the sample, as the unit of replication: samples
// of one run share that run's machine state, so the spread of the runs'
// medians, not the spread of the samples, says how far two runs of
// unchanged code land apart.
//
// On the log scale each run is one value, its median. The estimate is the
// difference of the sides' mean log run medians; its interval is Student's
// t on the runs: d ± t(df) · s · sqrt(1/k + 1/m), where s² pools the
// variance of the run medians about their side's mean over the sides with
// two runs or more (df = Σ(runs-1)), and k and m count the runs. A single
// current run against a stored history of k runs thus gets a prediction
// interval: the history's between-run spread, widened by t with k-1
// degrees of freedom for how little k runs say about it. (A percentile
// bootstrap of those k run effects cannot do that: a new run lands outside
// the range of 5 earlier ones a third of the time.)
//
// s² is never taken below the within-run variance of a run's median
// (π/2 · σ²/n, σ from each run's MAD), so a history whose few runs
// happened to agree does not give an interval narrower than one run's own
// noise.
type RunsInterval struct {
	Confidence float64
}

// RunsEstimate is what RunsInterval finds.
type RunsEstimate struct {
	Ratio, Lo, Hi float64
	// Spread is the standard deviation of the log run medians (s, after
	// the floor): about the fraction by which runs of unchanged code
	// differ.
	Spread float64
	DF     int
}

// Estimate returns exp(d), its interval, and the spread and degrees of
// freedom behind them. ok is false when no side has two runs (no
// between-run variance to estimate) or a value is not positive.
func (ri RunsInterval) Estimate(base, cur [][]float64) (e RunsEstimate, ok bool) {
	var ss, within float64
	df, nruns := 0, 0
	means := [2]float64{}
	for s, side := range [][][]float64{base, cur} {
		if len(side) == 0 {
			return e, false
		}
		logs := make([]float64, len(side))
		for i, r := range side {
			if len(r) == 0 || !allPositive(r) {
				return e, false
			}
			lr := make([]float64, len(r))
			for j, v := range r {
				lr[j] = math.Log(v)
			}
			logs[i] = Median(slices.Clone(lr))
			within += medianVariance(lr, logs[i])
			nruns++
		}
		mean := 0.0
		for _, l := range logs {
			mean += l
		}
		mean /= float64(len(logs))
		means[s] = mean
		for _, l := range logs {
			ss += (l - mean) * (l - mean)
		}
		df += len(logs) - 1
	}
	if df < 1 {
		return e, false
	}
	s2 := max(ss/float64(df), within/float64(nruns))
	d := means[1] - means[0]
	se := math.Sqrt(s2 * (1/float64(len(base)) + 1/float64(len(cur))))
	h := StudentTQuantile(1-(1-ri.Confidence)/2, float64(df)) * se
	return RunsEstimate{Ratio: math.Exp(d), Lo: math.Exp(d - h), Hi: math.Exp(d + h), Spread: math.Sqrt(s2), DF: df}, true
}

// medianVariance is the large-sample variance of the median med of xs:
// π/2 · σ²/n, with σ the normal-consistent MAD (robust to a preempted
// sample).
func medianVariance(xs []float64, med float64) float64 {
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - med)
	}
	sigma := 1.4826 * Median(dev)
	return math.Pi / 2 * sigma * sigma / float64(len(xs))
}

// StudentTQuantile returns the p-quantile of Student's t distribution
// with df degrees of freedom (df > 0, 0 < p < 1), by bisection on its CDF.
func StudentTQuantile(p, df float64) float64 {
	if p == 0.5 {
		return 0
	}
	if p < 0.5 {
		return -StudentTQuantile(1-p, df)
	}
	lo, hi := 0.0, 1.0
	for studentTCDF(hi, df) < p {
		hi *= 2
		if hi > 1e12 {
			return math.Inf(1)
		}
	}
	for i := 0; i < 200 && hi-lo > 1e-12*hi; i++ {
		mid := (lo + hi) / 2
		if studentTCDF(mid, df) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// studentTCDF is P(T <= t) for t >= 0: 1 - I_x(df/2, 1/2)/2 with
// x = df/(df+t²).
func studentTCDF(t, df float64) float64 {
	x := df / (df + t*t)
	return 1 - 0.5*regIncBeta(df/2, 0.5, x)
}

// regIncBeta is the regularized incomplete beta function I_x(a, b), by
// the continued fraction of Numerical Recipes (betacf), used on the side
// where it converges fast.
func regIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a + b)
	lb, _ := math.Lgamma(a)
	lc, _ := math.Lgamma(b)
	front := math.Exp(la - lb - lc + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, 1-x)/b
}

func betaCF(a, b, x float64) float64 {
	const tiny = 1e-300
	nonzero := func(v float64) float64 {
		if math.Abs(v) < tiny {
			return tiny
		}
		return v
	}
	c, d := 1.0, 1/nonzero(1-(a+b)*x/(a+1))
	h := d
	// step applies one term aa of the continued fraction (Lentz's method)
	// and returns its factor.
	step := func(aa float64) float64 {
		d = 1 / nonzero(1+aa*d)
		c = nonzero(1 + aa/c)
		return d * c
	}
	for m := 1; m <= 300; m++ {
		fm := float64(m)
		h *= step(fm * (b - fm) * x / ((a + 2*fm - 1) * (a + 2*fm)))
		del := step(-(a + fm) * (a + b + fm) * x / ((a + 2*fm) * (a + 2*fm + 1)))
		h *= del
		if math.Abs(del-1) < 1e-15 {
			break
		}
	}
	return h
}
