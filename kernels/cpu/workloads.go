package cpu

import (
	"fmt"
	"math"

	"github.com/bitnet-go/bitnet-bench/kernels"
)

// workloadLoop is the type set of the loops the workloads take from a level.
type workloadLoop interface {
	~func(y, a, m []float32, stride int) |
		~func(y, a *[4][]float32, m []float32, stride int) |
		~func(dst, src []float32, m float32) float32 |
		~func(dst, x, g []float32, eps float32) |
		~func(dst, g, u []float32)
}

// levelLoop returns b's loop for op: the portable one at the generic level,
// the level's own where it has one, else a *kernels.NotImplementedError,
// never another level's loop.
func levelLoop[F workloadLoop](b *Backend, op kernels.Op, generic, own F) (F, error) {
	var none F
	switch {
	case b.unavailable != nil:
		return none, b.unavailable
	case b.level == LevelGeneric:
		return generic, nil
	case own != nil:
		return own, nil
	}
	return none, fmt.Errorf("cpu: %w", &kernels.NotImplementedError{Op: op, Backend: "cpu/" + string(b.level)})
}

// VecMat returns the level's loop y[j] = Σ_i a[i]·m[i·stride+j] over j <
// len(y) and i < len(a): attention's Q·Kᵀ over a transposed key cache and
// P·V over the value cache, accumulated across rows in registers with no
// horizontal sums. A SIMD level without it returns a
// *kernels.NotImplementedError.
func (b *Backend) VecMat() (func(y, a, m []float32, stride int), error) {
	return levelLoop(b, "VecMat", vecMatGeneric, vecKernelsFor(b.level).vecMat)
}

func vecMatGeneric(y, a, m []float32, stride int) {
	clear(y)
	for i, ai := range a {
		row := m[i*stride : i*stride+len(y)]
		for j, v := range row {
			y[j] += ai * v
		}
	}
}

// RMSNorm returns the level's loop dst = x / sqrt(mean(x²) + eps) · g
// (len(x) values; g and dst at least as long). The AVX-512 loop sums the
// squares in 64 lanes, so it may differ from the generic loop in the last
// bits (tested within 4 ulp). A SIMD level without it returns a
// *kernels.NotImplementedError.
func (b *Backend) RMSNorm() (func(dst, x, g []float32, eps float32), error) {
	return levelLoop(b, "RMSNorm", rmsNormGeneric, vecKernelsFor(b.level).rmsNorm)
}

func rmsNormGeneric(dst, x, g []float32, eps float32) {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * x[i]
		s1 += x[i+1] * x[i+1]
		s2 += x[i+2] * x[i+2]
		s3 += x[i+3] * x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * x[i]
	}
	inv := rmsInverse(s0+s1+s2+s3, len(x), eps)
	g = g[:len(x)]
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = v * inv * g[i]
	}
}

// rmsInverse is 1/sqrt(sum/n + eps), rounded from float64.
func rmsInverse(sum float32, n int, eps float32) float32 {
	return float32(1 / math.Sqrt(float64(sum/float32(n)+eps)))
}

// ReLUSquaredGate returns the level's loop dst[i] = relu(g[i])²·u[i] for
// i < len(g): the gated FFN activation of BitNet b1.58. A SIMD level
// without it returns a *kernels.NotImplementedError.
func (b *Backend) ReLUSquaredGate() (func(dst, g, u []float32), error) {
	return levelLoop(b, "ReLUSquaredGate", reluSquaredGateGeneric, vecKernelsFor(b.level).reluSquaredGate)
}

// reluSquaredGateGeneric clears negative values with the sign as a mask,
// not a branch: gate signs are random, and a mispredicted branch per
// element made this loop 10× slower (42 µs per 2B4T layer against 4).
// -0 and NaNs with the sign bit set become +0, like every other negative.
func reluSquaredGateGeneric(dst, g, u []float32) {
	u = u[:len(g)]
	dst = dst[:len(g)]
	for i, v := range g {
		b := math.Float32bits(v)
		v = math.Float32frombits(b &^ uint32(int32(b)>>31))
		dst[i] = v * v * u[i]
	}
}

// ExpShift returns the level's loop dst[i] = e^(src[i]−m) for i <
// len(src), returning Σ dst[i]: softmax with m the maximum. The AVX-512
// loop shares the range reduction and polynomial of the Sigmoid kernel
// (relative error ≤ 4·2⁻²⁴ against math.Exp where the result is a normal
// float32, tested); the generic one rounds math.Exp. A SIMD level without
// it returns a *kernels.NotImplementedError.
func (b *Backend) ExpShift() (func(dst, src []float32, m float32) float32, error) {
	return levelLoop(b, "ExpShift", expShiftGeneric, vecKernelsFor(b.level).expShift)
}

func expShiftGeneric(dst, src []float32, m float32) float32 {
	dst = dst[:len(src)]
	var sum float32
	for i, x := range src {
		e := float32(math.Exp(float64(x - m)))
		dst[i] = e
		sum += e
	}
	return sum
}

// VecMat4 returns the level's VecMat over four vectors at once: y[h][j] =
// Σ_i a[h][i]·m[i·stride+j] for h < 4, j < len(y[0]), i < len(a[0]). Each
// row of m is read once for the four, which is what grouped-query
// attention wants (the query heads of a group share their keys and
// values). A level without it returns a *kernels.NotImplementedError.
func (b *Backend) VecMat4() (func(y, a *[4][]float32, m []float32, stride int), error) {
	return levelLoop(b, "VecMat4", vecMat4Generic, vecKernelsFor(b.level).vecMat4)
}

func vecMat4Generic(y, a *[4][]float32, m []float32, stride int) {
	cols, rows := len(y[0]), len(a[0])
	for h := range 4 {
		vecMatGeneric(y[h][:cols], a[h][:rows], m, stride)
	}
}
