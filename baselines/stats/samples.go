package stats

import "math"

// DefaultSamples is the default number of samples per side of an A/B run
// (and of each half of a calibration). See SamplesFor for the derivation.
const DefaultSamples = 60

// Z-values of the normal distribution used in the sample-size arithmetic.
const (
	Z975 = 1.959963984540054  // two-sided 95%: the ratio interval's half-width
	Z95  = 1.6448536269514722 // 95% power
	Z80  = 0.8416212335729143 // 80% power
)

// medianSE is the standard error of a sample median in units of the
// samples' standard deviation times sqrt(n): sqrt(pi/2) for normal noise.
var medianSE = math.Sqrt(math.Pi / 2)

// SamplesFor returns the number of samples per side that detects a change
// of size change (0.10 for 10%) with probability power when the threshold is
// threshold and the samples' relative spread (robust standard deviation,
// 1.4826·MAD/median) is spread.
//
// The rule declares a regression when the ratio's 95% interval lies
// entirely above 1+threshold. The log of the ratio of two medians of n
// samples each is about normal with standard deviation
// sigma = sqrt(2)·sqrt(pi/2)·spread/sqrt(n) ≈ 1.77·spread/sqrt(n), and the
// interval's lower end is about the estimate minus 1.96·sigma. So the change
// is detected with probability power when
//
//	ln(1+change) - ln(1+threshold) >= (1.96 + z_power)·sigma
//
// which gives n = 2·(pi/2)·((1.96+z_power)·spread / (ln(1+change)-ln(1+threshold)))².
// The Mann-Whitney test needs less than this for a change that large, so
// the interval decides n. It returns 0 when change <= threshold (never
// detected reliably at any n).
func SamplesFor(change, threshold, spread, power float64) int {
	gap := math.Log1p(change) - math.Log1p(threshold)
	if gap <= 0 {
		return 0
	}
	zp := Z95
	switch {
	case power <= 0.5:
		zp = 0
	case power <= 0.8:
		zp = Z80
	}
	k := (Z975 + zp) * math.Sqrt2 * medianSE * spread / gap
	return int(math.Ceil(k * k))
}
