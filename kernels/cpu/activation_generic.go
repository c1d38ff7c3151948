package cpu

import (
	"math"

	"github.com/bitnet-go/bitnet-bench/kernels"
)

// activationGeneric returns a slice loop for op. ReLU needs no math call;
// the others evaluate the exact functions in float64 and round once, so the
// generic path matches the reference to within one float32 rounding.
func activationGeneric(op kernels.Op) func(dst, src []float32) {
	switch op {
	case kernels.OpReLU:
		return func(dst, src []float32) {
			dst = dst[:len(src)]
			for i, v := range src {
				if !(v > 0) { // NaN and -0 give 0, as in the reference
					v = 0
				}
				dst[i] = v
			}
		}
	case kernels.OpGELU:
		return func(dst, src []float32) {
			dst = dst[:len(src)]
			for i, v := range src {
				x := float64(v)
				dst[i] = float32(0.5 * x * math.Erfc(-x*(1/math.Sqrt2))) // erfc(-z) = 1+erf(z) without the cancellation of 1+erf for x < -6
			}
		}
	case kernels.OpSiLU:
		return func(dst, src []float32) {
			dst = dst[:len(src)]
			for i, v := range src {
				x := float64(v)
				dst[i] = float32(x / (1 + math.Exp(-x)))
			}
		}
	case kernels.OpSigmoid:
		return func(dst, src []float32) {
			dst = dst[:len(src)]
			for i, v := range src {
				dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
			}
		}
	case kernels.OpTanh:
		return func(dst, src []float32) {
			dst = dst[:len(src)]
			for i, v := range src {
				dst[i] = float32(math.Tanh(float64(v)))
			}
		}
	}
	panic("cpu: not an activation op: " + string(op))
}
