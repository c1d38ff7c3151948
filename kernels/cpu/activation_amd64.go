//go:build !purego

package cpu

import (
	"github.com/klauspost/cpuid/v2"

	"github.com/bitnet-go/bitnet-bench/kernels"
)

// SIMD activations (activation_amd64.s), float32 throughout.
//
// Method. exp(z), z ≤ 0, by range reduction z = n·ln2 + r (n rounded with
// the 1.5·2^23 trick, r in two FMA steps), e^r = 1 + r + r²·P(r) with a
// degree-4 minimax P (relative error 3e-9), and 2^n applied last
// (VSCALEFPS on AVX-512, two exact power-of-two factors on AVX2) so that a
// result in the subnormal range is rounded once. Then, with a = |x|:
//
//	Sigmoid  E = e^−a, d = 1+E: 1/d for x ≥ 0, E/d for x < 0 (no
//	         cancellation on either side); a is clamped at 110.5.
//	SiLU     x/d for x ≥ 0, (x·p/d)·2^n for x < 0 (E = p·2^n), so the result
//	         keeps full precision down to where it is itself subnormal.
//	GELU     Φ(−a) = e^(−a²/2)·g(a), g = e^(a²/2)·Φ(−a) = e^(a²/2)·erfc(a/√2)/2
//	         (the erfcx form) from 16 degree-6 polynomials on intervals of a,
//	         picked per lane with VPERMPS (relative error ≤ 4.9e-8 with the
//	         float32 coefficients); a² is split into h + l exactly by an FMA,
//	         so the argument of exp carries no rounding error even at a = 14.
//	         x < 0: x·Φ(−a), the tail in relative accuracy down to the
//	         underflow; x ≥ 0: x − a·Φ(−a). a is clamped at 14.5.
//	Tanh     a < 0.625: a + a³·P(a²) (degree-4 minimax, Cephes' tanhf
//	         polynomial); else t = e^(−2a), (1−t)/(1+t), a clamped at 9.5;
//	         the sign of x is copied back last.
//	ReLU     max(x, +0), which returns +0 for NaN and ±0: bit-identical.
//
// Both levels run the same float32 operations in the same order and return
// the same bits (the tests check this over all the values they try). The
// AVX-512 tail (len%16) is one masked step of the same code; the AVX2 tail
// (len%8) runs through an 8-float buffer with the same code.
//
// Special values, all equal to the reference (kernels.ActivationFunc):
//
//	           NaN  +Inf  −Inf   ±0     x ≤ −110 (finite)   x ≥ 110
//	ReLU       +0   +Inf  +0     +0     +0                  x
//	GELU       NaN  +Inf  NaN*   ±0     −0 (from ≈ −14.4)   x
//	SiLU       NaN  +Inf  NaN*   ±0     −0                  x
//	Sigmoid    NaN  1     +0     0.5    +0 (from ≈ −104)    1
//	Tanh       NaN  1     −1     ±0     −1 (from ≈ −9.01)   1
//
// * The reference evaluates GELU(−Inf) as 0.5·(−Inf)·erfc(+Inf) = −Inf·0 and
// SiLU(−Inf) as −Inf/(1+e^Inf) = −Inf/Inf, both NaN in float64; the SIMD code
// gives the same NaN (the limit would be −0). sigmoid(−100) = 3.8e-44 and
// SiLU(−100) = −3.7e-42 are subnormal, as in the reference.
//
// Accuracy, measured against the reference (the exact function in float64,
// rounded once to float32) on every float32 with |x| ≤ 128 (2.4e9 values:
// BITNET_ACTIVATION_EXHAUSTIVE=1 go test -run ActivationSIMDSweep) and every
// 17th bit pattern beyond; the two levels are bit-identical, so one table
// holds for both AVX2 and AVX-512:
//
//	op        max rel. error        max ulps  max abs. error where the
//	          (reference normal)              reference is subnormal
//	ReLU      0                     0         0
//	GELU      2.38e-7 (4.00·2^-24)  3         1.4e-45 (1 subnormal ulp)
//	SiLU      2.46e-7 (4.13·2^-24)  3         1.4e-45
//	Sigmoid   2.35e-7 (3.94·2^-24)  2         1.4e-45
//	Tanh      1.72e-7 (2.88·2^-24)  2         0
//
// The contract, ActivationErrorBound, rounds these up: |y − ref| ≤ R·|ref| +
// A with R = 5·2^-24 (2.98e-7) for GELU, SiLU and Sigmoid, R = 4·2^-24
// (2.38e-7) for Tanh, A = 2^-146 (1.4e-44, 8 subnormal ulps) for all four;
// NaN and ±Inf exactly as the reference; ReLU exact.

//go:noescape
func actReLUAVX512(dst, src *float32, n int)

//go:noescape
func actGELUAVX512(dst, src *float32, n int)

//go:noescape
func actSiLUAVX512(dst, src *float32, n int)

//go:noescape
func actSigmoidAVX512(dst, src *float32, n int)

//go:noescape
func expShiftAVX512(dst, src *float32, n int, m float32) float32

//go:noescape
func actTanhAVX512(dst, src *float32, n int)

// The AVX2 kernels take n a multiple of 8.

//go:noescape
func actReLUAVX2(dst, src *float32, n int)

//go:noescape
func actGELUAVX2(dst, src *float32, n int)

//go:noescape
func actSiLUAVX2(dst, src *float32, n int)

//go:noescape
func actSigmoidAVX2(dst, src *float32, n int)

//go:noescape
func actTanhAVX2(dst, src *float32, n int)

// simdActivationRel is the relative bound R of each SIMD activation,
// simdActivationAbs the absolute floor A (see the table above).
var simdActivationRel = map[kernels.Op]float64{
	kernels.OpGELU:    5 * 0x1p-24,
	kernels.OpSiLU:    5 * 0x1p-24,
	kernels.OpSigmoid: 5 * 0x1p-24,
	kernels.OpTanh:    4 * 0x1p-24,
}

const (
	simdActivationAbs = 0x1p-146
	// The generic level rounds a float64 result once: within one ulp.
	genericActivationRel = 0x1p-23
	genericActivationAbs = 0x1p-149
)

// ActivationErrorBound returns the accuracy contract of activation op at
// level l: for every float32 x whose reference value ref =
// kernels.ActivationFunc(op)(x) is finite, the result y satisfies
//
//	|y − ref| ≤ relative·|ref| + absolute,
//
// and where ref is NaN or ±Inf, y is the same (NaN, or the same infinity).
// ReLU is exact (0, 0) at every level. A level with SIMD code for op
// (SIMDOps) gives the bound of that code; any other level runs the generic
// float64 code, which is within one ulp (2^-23 relative, 2^-149 absolute).
func ActivationErrorBound(l Level, op kernels.Op) (relative, absolute float64) {
	if op == kernels.OpReLU {
		return 0, 0
	}
	if vecKernelsFor(l).activation[op] != nil {
		return simdActivationRel[op], simdActivationAbs
	}
	return genericActivationRel, genericActivationAbs
}

type activationKind uint8

const (
	actReLU activationKind = iota
	actGELU
	actSiLU
	actSigmoid
	actTanh
)

var activationKinds = map[kernels.Op]activationKind{
	kernels.OpReLU: actReLU, kernels.OpGELU: actGELU, kernels.OpSiLU: actSiLU,
	kernels.OpSigmoid: actSigmoid, kernels.OpTanh: actTanh,
}

// The calls are direct (not through func values) so that the //go:noescape
// of the assembly applies and the AVX2 tail buffer stays on the stack.

func callAVX512(k activationKind, dst, src *float32, n int) {
	switch k {
	case actReLU:
		actReLUAVX512(dst, src, n)
	case actGELU:
		actGELUAVX512(dst, src, n)
	case actSiLU:
		actSiLUAVX512(dst, src, n)
	case actSigmoid:
		actSigmoidAVX512(dst, src, n)
	case actTanh:
		actTanhAVX512(dst, src, n)
	}
}

func callAVX2(k activationKind, dst, src *float32, n int) {
	switch k {
	case actReLU:
		actReLUAVX2(dst, src, n)
	case actGELU:
		actGELUAVX2(dst, src, n)
	case actSiLU:
		actSiLUAVX2(dst, src, n)
	case actSigmoid:
		actSigmoidAVX2(dst, src, n)
	case actTanh:
		actTanhAVX2(dst, src, n)
	}
}

// activationAVX512 writes f(src[i]) to dst[i] for i < len(src); dst may be
// src itself. The last len%16 elements are one masked step.
func activationAVX512(k activationKind, dst, src []float32) {
	n := len(src)
	if n == 0 {
		return
	}
	_ = dst[n-1]
	callAVX512(k, &dst[0], &src[0], n)
}

// activationAVX2 is activationAVX512 for AVX2: whole vectors of 8 in
// place, then the last len%8 elements through a buffer of 8 by the same
// code.
func activationAVX2(k activationKind, dst, src []float32) {
	n := len(src)
	if n == 0 {
		return
	}
	_ = dst[n-1]
	body := n &^ 7
	if body > 0 {
		callAVX2(k, &dst[0], &src[0], body)
	}
	if body < n {
		var buf [8]float32
		copy(buf[:], src[body:])
		callAVX2(k, &buf[0], &buf[0], 8)
		copy(dst[body:n], buf[:])
	}
}

func init() {
	if cpuid.CPU.Supports(cpuid.AVX512F) {
		for op, k := range activationKinds {
			vecAVX512.activation[op] = func(dst, src []float32) { activationAVX512(k, dst, src) }
		}
	}
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
		for op, k := range activationKinds {
			vecAVX2.activation[op] = func(dst, src []float32) { activationAVX2(k, dst, src) }
		}
	}
}
