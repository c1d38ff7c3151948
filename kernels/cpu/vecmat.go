package cpu

import (
	"fmt"

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
