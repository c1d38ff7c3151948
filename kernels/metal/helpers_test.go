package metal

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/internal/ulp"
)

// Helpers shared by the body tests (C harness, any OS) and the GPU tests
// (a Mac): both hold results to the same contract.

// actBounds are the error bounds of the activations, in ulp of the
// reference rounded to float32 (ulp 2^−149 below 2^−126), as stated in
// shaders/common/bitlinear_body.h. expBound is bn_exp's.
var actBounds = map[kernels.Op]int{
	kernels.OpReLU:    0,
	kernels.OpGELU:    6,
	kernels.OpSiLU:    4,
	kernels.OpSigmoid: 3,
	kernels.OpTanh:    3,
}

const expBound = 2

func shape(m, n, k int) string { return fmt.Sprintf("M=%d N=%d K=%d", m, n, k) }

// checkActivation holds got = op(x) to the reference within actBounds. A
// GPU that flushes subnormals (ftz) may return 0 where the reference is
// below 2^−126, and gets its input subnormals read as 0.
func checkActivation(t testing.TB, op kernels.Op, x, got []float32, ftz bool) {
	t.Helper()
	f := kernels.ActivationFunc(op)
	bound := float64(actBounds[op])
	worst, at, bad := 0.0, float32(0), 0
	for i, v := range x {
		want := f(v)
		if ftz && math.Abs(float64(v)) < 0x1p-126 {
			want = f(0)
		}
		if !ulp.SameSpecial(got[i], want) {
			if bad < 5 {
				t.Errorf("%s(%v) = %v, reference %v", op, v, got[i], want)
			}
			bad++
			continue
		}
		if got[i] != got[i] || math.IsInf(float64(got[i]), 0) {
			continue // equal to the reference, by ulp.SameSpecial
		}
		if ftz && got[i] == 0 && math.Abs(float64(want)) < 0x1p-126 {
			continue
		}
		d := float64(ulp.Distance(got[i], want))
		if op == kernels.OpReLU && math.Float32bits(got[i]) != math.Float32bits(want) {
			d = math.Max(d, 1) // ReLU is exact, sign of zero included
		}
		if d > worst {
			worst, at = d, v
		}
		if d > bound {
			if bad < 5 {
				t.Errorf("%s(%v) = %v, reference %v: %.0f ulp, bound %.0f", op, v, got[i], want, d, bound)
			}
			bad++
		}
	}
	t.Logf("%s: %d inputs, worst %.0f ulp at x = %v (bound %.0f)", op, len(x), worst, at, bound)
	if bad > 0 {
		t.Errorf("%s: %d of %d values outside the bound", op, bad, len(x))
	}
}

// activationInputs covers every binade of both signs, the ranges where the
// formulas switch or underflow, and the special values.
func activationInputs(r *rand.Rand) []float32 {
	var x []float32
	specials := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
		0x1p-149, 0x1p-127, 0x1p-126, math.MaxFloat32, 1, 0.5, 0.5625, 2, 14.5, 14.35, 13.2,
		80, 87.33, 88.72, 89, 100, 103.97, 104, 150, 1e10, 1e30}
	for _, s := range specials {
		for _, v := range []float32{float32(s), -float32(s)} {
			x = append(x, v, math.Nextafter32(v, float32(math.Inf(1))), math.Nextafter32(v, float32(math.Inf(-1))))
		}
	}
	for e := -149; e <= 127; e++ { // every binade, subnormals included
		for range 600 {
			v := float32(math.Ldexp(1+r.Float64(), e))
			x = append(x, v, -v)
		}
	}
	for range 300000 {
		x = append(x, float32(40*r.Float64()-20))
	}
	for range 100000 {
		x = append(x, float32(-15+10*r.Float64()), float32(-110+30*r.Float64()), float32(-0.6+1.2*r.Float64()))
	}
	for range 50000 { // arbitrary bit patterns: NaN payloads, infinities
		x = append(x, math.Float32frombits(r.Uint32()))
	}
	return x
}
