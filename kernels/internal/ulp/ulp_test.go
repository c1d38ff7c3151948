package ulp

import (
	"math"
	"testing"
)

func TestDistance(t *testing.T) {
	nan := float32(math.NaN())
	one := float32(1)
	next := math.Float32frombits(math.Float32bits(one) + 1)
	minSub := math.Float32frombits(1)
	for _, tc := range []struct {
		a, b float32
		want uint64
	}{
		{one, one, 0}, {0, float32(math.Copysign(0, -1)), 0}, {one, next, 1},
		{minSub, -minSub, 2}, {nan, nan, 0}, {nan, one, math.MaxUint64},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%g, %g) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
