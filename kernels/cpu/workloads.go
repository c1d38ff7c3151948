package cpu

import (
	"fmt"
	"math"

	"github.com/bitnet-go/bitnet-bench/kernels"
)

// VecMat returns the level's loop y[j] = Σ_i a[i]·m[i·stride+j] over j <
// len(y) and i < len(a): attention's Q·Kᵀ over a transposed key cache and
// P·V over the value cache, accumulated across rows in registers with no
// horizontal sums. A SIMD level without it returns a
// *kernels.NotImplementedError.
func (b *Backend) VecMat() (func(y, a, m []float32, stride int), error) {
	if b.unavailable != nil {
		return nil, b.unavailable
	}
	if b.level == LevelGeneric {
		return vecMatGeneric, nil
	}
	if f := vecKernelsFor(b.level).vecMat; f != nil {
		return f, nil
	}
	return nil, fmt.Errorf("cpu: %w", &kernels.NotImplementedError{Op: "VecMat", Backend: "cpu/" + string(b.level)})
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

// ExpShift returns the level's loop dst[i] = e^(src[i]−m) for i <
// len(src), returning Σ dst[i]: softmax with m the maximum. The AVX-512
// loop shares the range reduction and polynomial of the Sigmoid kernel
// (relative error ≤ 4·2⁻²⁴ against math.Exp where the result is a normal
// float32, tested); the generic one rounds math.Exp. A SIMD level without
// it returns a *kernels.NotImplementedError.
func (b *Backend) ExpShift() (func(dst, src []float32, m float32) float32, error) {
	if b.unavailable != nil {
		return nil, b.unavailable
	}
	if b.level == LevelGeneric {
		return expShiftGeneric, nil
	}
	if f := vecKernelsFor(b.level).expShift; f != nil {
		return f, nil
	}
	return nil, fmt.Errorf("cpu: %w", &kernels.NotImplementedError{Op: "ExpShift", Backend: "cpu/" + string(b.level)})
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
	if b.unavailable != nil {
		return nil, b.unavailable
	}
	if b.level == LevelGeneric {
		return vecMat4Generic, nil
	}
	if f := vecKernelsFor(b.level).vecMat4; f != nil {
		return f, nil
	}
	return nil, fmt.Errorf("cpu: %w", &kernels.NotImplementedError{Op: "VecMat4", Backend: "cpu/" + string(b.level)})
}

func vecMat4Generic(y, a *[4][]float32, m []float32, stride int) {
	cols, rows := len(y[0]), len(a[0])
	for h := range 4 {
		vecMatGeneric(y[h][:cols], a[h][:rows], m, stride)
	}
}
