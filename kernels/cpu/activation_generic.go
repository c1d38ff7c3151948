package cpu

import (
	"math"

	"github.com/bitnet-go/bitnet-bench/kernels"
)

// genericActivations are the portable slice loops of the activation ops.
// ReLU needs no math call; the others evaluate the exact functions in
// float64 and round once, so they match the reference to within one
// float32 rounding.
var genericActivations = map[kernels.Op]func(dst, src []float32){
	kernels.OpReLU: func(dst, src []float32) {
		dst = dst[:len(src)]
		for i, v := range src {
			if !(v > 0) { // NaN and -0 give 0, as in the reference
				v = 0
			}
			dst[i] = v
		}
	},
	kernels.OpGELU: func(dst, src []float32) {
		dst = dst[:len(src)]
		for i, v := range src {
			x := float64(v)
			dst[i] = float32(0.5 * x * math.Erfc(-x*(1/math.Sqrt2))) // erfc(-z) = 1+erf(z) without the cancellation of 1+erf for x < -6
		}
	},
	kernels.OpSiLU: func(dst, src []float32) {
		dst = dst[:len(src)]
		for i, v := range src {
			x := float64(v)
			dst[i] = float32(x / (1 + math.Exp(-x)))
		}
	},
	kernels.OpSigmoid: func(dst, src []float32) {
		dst = dst[:len(src)]
		for i, v := range src {
			dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
		}
	},
	kernels.OpTanh: func(dst, src []float32) {
		dst = dst[:len(src)]
		for i, v := range src {
			dst[i] = float32(math.Tanh(float64(v)))
		}
	},
}
