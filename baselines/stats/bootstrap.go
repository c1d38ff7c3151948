package stats

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
)

// Defaults of the ratio bootstrap.
const (
	// DefaultResamples is the number of bootstrap resamples per row: with
	// 2000, each 2.5% tail of a 95% interval rests on 50 resamples.
	DefaultResamples = 2000
	// DefaultSeed seeds the bootstrap so the same inputs always give the
	// same intervals and verdicts.
	DefaultSeed uint64 = 0x5eed_b175
)

// Bootstrap configures a percentile bootstrap of the ratio of two medians.
type Bootstrap struct {
	Confidence float64
	Resamples  int
	// The generator is seeded from seed and key, so a row's interval
	// depends only on its own samples, not on which other rows are
	// compared or in what order.
	Seed uint64
	Key  string
	// Size, when not 0, is the size of every resample instead of the
	// samples' own: Calibrate draws from a pool of A/A samples at the size
	// of the comparisons it calibrates for.
	Size int
	// Paired resamples the pairs (base[i], cur[i]) together. It is for
	// samples taken interleaved, A B, B A, ...: the i-th of each side were
	// measured moments apart, in the same state of the machine, and
	// keeping them together keeps what they share out of the ratio. It
	// needs equal lengths; unequal ones are resampled independently.
	Paired bool
}

// Ratio is the percentile bootstrap interval, at bs.Confidence, of
// Median(cur)/Median(base): each resample draws len(base) values from base
// and len(cur) values from cur with replacement and takes the ratio of
// their medians. Paired, it is the interval of the median of the pairs'
// ratios (PairedRatio), resampling pairs.
//
// A resample ratio follows centerRatio: 0/0 is 1 (a count that stayed 0)
// and x/0 is +Inf.
func (bs Bootstrap) Ratio(base, cur []float64) (lo, hi float64) {
	h := fnv.New64a()
	h.Write([]byte(bs.Key))
	rng := rand.New(rand.NewPCG(bs.Seed, h.Sum64()))
	bn, cn := len(base), len(cur)
	if bs.Size > 0 {
		bn, cn = bs.Size, bs.Size
	}
	paired := bs.Paired && len(base) == len(cur)
	ratios := make([]float64, bs.Resamples)
	if paired {
		// The i-th values were measured moments apart: the ratio of each
		// pair cancels the machine's state they shared, and the median
		// of those ratios is the estimate (PairedRatio).
		pr := pairRatios(base, cur)
		buf := make([]float64, max(bs.Size, 0))
		if bs.Size == 0 {
			buf = make([]float64, len(pr))
		}
		for i := range ratios {
			for j := range buf {
				buf[j] = pr[rng.IntN(len(pr))]
			}
			ratios[i] = Median(buf)
		}
		return percentileInterval(ratios, bs.Confidence)
	}
	bb := make([]float64, bn)
	cb := make([]float64, cn)
	for i := range ratios {
		for j := range bb {
			bb[j] = base[rng.IntN(len(base))]
		}
		for j := range cb {
			cb[j] = cur[rng.IntN(len(cur))]
		}
		ratios[i] = centerRatio(Median(bb), Median(cb))
	}
	return percentileInterval(ratios, bs.Confidence)
}

// bootstrapRatio is Bootstrap.Ratio with independent resampling of each
// sample at its own size.
func bootstrapRatio(base, cur []float64, confidence float64, resamples int, seed uint64, key string) (lo, hi float64) {
	return Bootstrap{Confidence: confidence, Resamples: resamples, Seed: seed, Key: key}.Ratio(base, cur)
}

// percentileInterval returns the (1-confidence)/2 and (1+confidence)/2
// quantiles of xs (nearest rank, inward), sorting xs.
func percentileInterval(xs []float64, confidence float64) (lo, hi float64) {
	slices.Sort(xs)
	n := len(xs)
	tail := (1 - confidence) / 2
	i := int(math.Floor(tail * float64(n)))
	j := int(math.Ceil((1-tail)*float64(n))) - 1
	i = min(max(i, 0), n-1)
	j = min(max(j, i), n-1)
	return xs[i], xs[j]
}

// Median returns the median of xs (the mean of the middle two for an even
// count), reordering xs. It runs in linear expected time.
func Median(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return math.NaN()
	}
	k := n / 2
	hiMid := quickselect(xs, k)
	if n%2 == 1 {
		return hiMid
	}
	// After selection everything left of k is <= xs[k].
	loMid := slices.Max(xs[:k])
	return loMid + (hiMid-loMid)/2
}

// quickselect reorders xs so xs[k] is the k-th smallest value, everything
// before it no larger and everything after it no smaller, and returns it.
func quickselect(xs []float64, k int) float64 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		// Median of three as the pivot keeps sorted input linear.
		mid := lo + (hi-lo)/2
		if xs[mid] < xs[lo] {
			xs[mid], xs[lo] = xs[lo], xs[mid]
		}
		if xs[hi] < xs[lo] {
			xs[hi], xs[lo] = xs[lo], xs[hi]
		}
		if xs[hi] < xs[mid] {
			xs[hi], xs[mid] = xs[mid], xs[hi]
		}
		pivot := xs[mid]
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for xs[j] > pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k]
		}
	}
	return xs[k]
}

// pairRatios is cur[i]/base[i] for each pair (0/0 is 1, as centerRatio).
func pairRatios(base, cur []float64) []float64 {
	out := make([]float64, len(base))
	for i := range base {
		out[i] = centerRatio(base[i], cur[i])
	}
	return out
}

// PairedRatio is the median of the per-pair ratios cur[i]/base[i]: the
// estimate of interleaved rounds, where each pair shared the machine's
// state.
func PairedRatio(base, cur []float64) float64 {
	return Median(pairRatios(base, cur))
}
