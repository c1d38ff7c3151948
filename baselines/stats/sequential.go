package stats

import "math"

// SpentAlpha is the error rate a sequential test may have spent once it has
// seen the fraction t of its planned rounds: Lan and DeMets' O'Brien-Fleming
// type spending function, 2 - 2Φ(z/√t) with z = Φ⁻¹(1 - alpha/2). It is 0
// at t = 0 and alpha at t >= 1, and spends almost nothing early: a look
// after a tenth of the rounds may stop only on overwhelming evidence,
// leaving most of alpha for the last looks, where the intervals are
// narrowest. (Dividing alpha evenly over L looks, as regression-check did
// before, judged the last look at alpha/L.)
func SpentAlpha(alpha, t float64) float64 {
	switch {
	case t <= 0:
		return 0
	case t >= 1:
		return alpha
	}
	z := normalQuantile(1 - alpha/2)
	return math.Erfc(z / math.Sqrt(2*t))
}

// LookAlpha is the share of alpha a sequential look after n rounds may
// use, the previous look having been after prev rounds (0 for the first)
// and the run planning at most planned rounds. A look at or past planned
// is the last one and uses all that is left. The shares of all the looks
// a run takes add up to at most alpha, so the chance that any look's
// interval misses the true ratio is at most alpha (a union bound; the
// looks' dependence only makes it smaller).
func LookAlpha(alpha float64, prev, n, planned int) float64 {
	if planned <= 0 {
		return alpha
	}
	spent := SpentAlpha(alpha, float64(prev)/float64(planned))
	if n >= planned {
		return alpha - spent
	}
	return SpentAlpha(alpha, float64(n)/float64(planned)) - spent
}

// minLookAlpha is the smallest level a look is judged at. The first looks'
// O'Brien-Fleming shares underflow (1e-18 at a twentieth of the rounds),
// and a confidence of 1-1e-18 rounds to 1; at 1e-9 such a look can stop on
// nothing real data shows either, and the looks overspend alpha by at most
// a few 1e-9.
const minLookAlpha = 1e-9

// AtLook returns o judged at the level of a sequential look after n
// rounds, the previous one after prev (0 for none), of planned rounds:
// Alpha and the interval's error rate 1-Confidence each become their
// LookAlpha share.
func (o Options) AtLook(prev, n, planned int) Options {
	alpha, conf := o.Alpha, o.Confidence
	if alpha == 0 {
		alpha = DefaultAlpha
	}
	if conf == 0 {
		conf = DefaultConfidence
	}
	o.Alpha = max(LookAlpha(alpha, prev, n, planned), minLookAlpha)
	o.Confidence = 1 - max(LookAlpha(1-conf, prev, n, planned), minLookAlpha)
	return o
}
