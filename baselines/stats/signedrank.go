package stats

import (
	"math"
	"slices"
	"sync"
)

// SignedRank is the Wilcoxon signed-rank analysis of paired differences
// d_i (here the log ratios ln(cur_i/base_i) of interleaved rounds): the
// Hodges-Lehmann estimate of their center (the median of the Walsh
// averages (d_i+d_j)/2, i <= j), its distribution-free interval, and the
// two-sided p-value of "the center is 0".
//
// It is what --against's paired rounds are judged with. Against the median
// of the pairs' ratios (a bootstrap of PairedRatio), it needs about 2/3 as
// many rounds for the same interval width when the rounds' noise is normal,
// and keeps the median's indifference to a few wild rounds; and its test
// uses the pairing, which the Mann-Whitney U test of the two sides'
// samples ignores. It assumes the differences are symmetric about their
// center, which alternating the order of each round (A B, then B A)
// favours.
type SignedRank struct {
	N          int     // pairs
	Center     float64 // Hodges-Lehmann estimate of the center of d
	Lo, Hi     float64 // its interval at the confidence asked; -Inf, +Inf when N is too small for one
	P          float64 // two-sided p-value of center 0
	Confidence float64
}

// exactSignedRankMax is the largest n whose signed-rank distribution is
// computed exactly (an n·n(n+1)/4 table walk, kept per n); above it the
// normal approximation's critical values are within 0.1% of T's mean of
// the exact ones.
const exactSignedRankMax = 300

// SignedRankOf analyses the paired differences d at the given confidence
// (0.95 for a 95% interval).
func SignedRankOf(d []float64, confidence float64) SignedRank {
	n := len(d)
	r := SignedRank{N: n, Lo: math.Inf(-1), Hi: math.Inf(1), P: 1, Confidence: confidence}
	if n == 0 {
		return r
	}
	walsh := make([]float64, 0, n*(n+1)/2)
	for i := range d {
		for j := i; j < n; j++ {
			walsh = append(walsh, (d[i]+d[j])/2)
		}
	}
	slices.Sort(walsh)
	// The median straight from the sorted averages (Median would select
	// it again, reordering what the interval below indexes), by Median's
	// formula so the value is the same.
	h := len(walsh) / 2
	r.Center = walsh[h]
	if len(walsh)%2 == 0 {
		r.Center = walsh[h-1] + (walsh[h]-walsh[h-1])/2
	}
	// The interval is [W_(c), W_(N+1-c)] of the sorted Walsh averages,
	// c the largest count with P(T <= c-1) <= (1-confidence)/2 under the
	// null, T the signed-rank statistic (1-based indices).
	if c := signedRankCritical(n, (1-confidence)/2); c >= 1 {
		r.Lo, r.Hi = walsh[c-1], walsh[len(walsh)-c]
	}
	r.P = signedRankP(d)
	return r
}

// signedRankCritical is the largest c >= 1 with P(T <= c-1) <= tail for
// the signed-rank statistic T of n pairs, or 0 when even P(T <= 0) =
// 2^-n exceeds tail (too few pairs for any interval).
func signedRankCritical(n int, tail float64) int {
	if n <= exactSignedRankMax {
		cdf := signedRankCDF(n)
		c := 0
		for c < len(cdf) && cdf[c] <= tail {
			c++
		}
		return c
	}
	mu := float64(n) * float64(n+1) / 4
	sd := math.Sqrt(float64(n) * float64(n+1) * float64(2*n+1) / 24)
	// P(T <= c-1) ≈ Φ((c-1+0.5-mu)/sd) <= tail.
	c := int(math.Floor(mu + sd*normalQuantile(tail) + 0.5))
	return max(c, 0)
}

// signedRankP is the two-sided p-value of the signed-rank test of center
// 0: exact when there are no zero differences, no ties among |d| and few
// enough pairs; otherwise the normal approximation with the tie
// correction and a continuity correction. Zero differences are dropped
// (Wilcoxon's convention).
func signedRankP(d []float64) float64 {
	type obs struct {
		abs float64
		pos bool
	}
	var o []obs
	for _, x := range d {
		if x != 0 {
			o = append(o, obs{math.Abs(x), x > 0})
		}
	}
	n := len(o)
	if n == 0 {
		return 1
	}
	slices.SortFunc(o, func(a, b obs) int {
		switch {
		case a.abs < b.abs:
			return -1
		case a.abs > b.abs:
			return 1
		}
		return 0
	})
	// Ranks, ties sharing their average rank.
	var tplus, tieTerm float64
	ties := false
	for i := 0; i < n; {
		j := i
		for j < n && o[j].abs == o[i].abs {
			j++
		}
		rank := float64(i+j+1) / 2 // average of ranks i+1..j
		for k := i; k < j; k++ {
			if o[k].pos {
				tplus += rank
			}
		}
		if t := float64(j - i); t > 1 {
			ties = true
			tieTerm += t*t*t - t
		}
		i = j
	}
	if !ties && n == len(d) && n <= exactSignedRankMax {
		cdf := signedRankCDF(n)
		t := int(math.Round(tplus))
		lower := cdf[t]
		upper := 1.0 // P(T >= t) = P(T <= N-t) by symmetry
		if m := n*(n+1)/2 - t; m >= 0 && m < len(cdf) {
			upper = cdf[m]
		}
		return min(1, 2*min(lower, upper))
	}
	mu := float64(n) * float64(n+1) / 4
	v := float64(n)*float64(n+1)*float64(2*n+1)/24 - tieTerm/48
	if v <= 0 {
		return 1
	}
	z := (math.Abs(tplus-mu) - 0.5) / math.Sqrt(v)
	if z < 0 {
		return 1
	}
	return min(1, math.Erfc(z/math.Sqrt2))
}

var signedRankCDFs sync.Map // n -> []float64

// signedRankCDF is P(T <= s) for s = 0..n(n+1)/2, T the sum of the ranks
// 1..n that a fair coin marks positive.
func signedRankCDF(n int) []float64 {
	if v, ok := signedRankCDFs.Load(n); ok {
		return v.([]float64)
	}
	top := n * (n + 1) / 2
	p := make([]float64, top+1)
	p[0] = 1
	hi := 0
	for k := 1; k <= n; k++ {
		hi += k
		for s := hi; s >= 0; s-- {
			q := p[s]
			if s >= k {
				q += p[s-k]
			}
			p[s] = q / 2
		}
	}
	for s := 1; s <= top; s++ {
		p[s] += p[s-1]
	}
	signedRankCDFs.Store(n, p)
	return p
}

// normalQuantile is Φ⁻¹(p) for the standard normal.
func normalQuantile(p float64) float64 { return -math.Sqrt2 * math.Erfcinv(2*p) }
