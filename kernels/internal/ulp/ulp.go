// Package ulp measures how far apart two float32 values are in units in the
// last place, for the tests that hold kernels to a ULP bound. It imports
// nothing of the project, so the kernels package's own tests can use it.
package ulp

import "math"

// Distance returns the distance between a and b in float32 units in the
// last place: 0 for equal values (+0 and -0 included) and for two NaNs, the
// maximum for a NaN against a number.
func Distance(a, b float32) uint64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.MaxUint64
	}
	ord := func(f float32) int64 {
		b := int64(math.Float32bits(f) &^ (1 << 31))
		if math.Signbit(float64(f)) {
			return -b
		}
		return b
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return uint64(d)
}

// SameSpecial reports whether got and want agree on NaN and on infinities
// (which must match exactly); for finite values it is true: the check a
// ULP bound cannot make.
func SameSpecial(got, want float32) bool {
	gn, wn := got != got, want != want
	if gn || wn {
		return gn && wn
	}
	if math.IsInf(float64(got), 0) || math.IsInf(float64(want), 0) {
		return got == want
	}
	return true
}
