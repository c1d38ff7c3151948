//go:build purego || !amd64

package cpu

import "github.com/bitnet-go/bitnet-bench/kernels"

// ActivationErrorBound is the bound |y − ref| ≤ relative·|ref| + absolute
// that op meets at level l. Without SIMD activations every level runs the
// generic float64 formula: within one float32 rounding (ReLU exact).
func ActivationErrorBound(l Level, op kernels.Op) (relative, absolute float64) {
	if op == kernels.OpReLU {
		return 0, 0
	}
	return 0x1p-23, 0x1p-149
}
