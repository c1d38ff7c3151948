package cpu

import (
	"fmt"

	"github.com/bitnet-go/bitnet-bench/kernels"
)

// F32Rows returns the level's loop y[i] = Σ_k x[k]·w[i·len(x)+k] over the
// len(y) rows of w: the dot products of attention (a query against cached
// keys, probabilities against transposed values). It is the MatMul op's
// inner loop without a Problem around it, since attention's shapes change
// every token. A SIMD level without it returns a *kernels.NotImplementedError.
func (b *Backend) F32Rows() (func(y, x, w []float32), error) {
	if b.unavailable != nil {
		return nil, b.unavailable
	}
	if b.level == LevelGeneric {
		return f32RowsGeneric, nil
	}
	if f := vecKernelsFor(b.level).matMulRows; f != nil {
		return f, nil
	}
	return nil, fmt.Errorf("cpu: %w", &kernels.NotImplementedError{Op: kernels.OpMatMul, Backend: "cpu/" + string(b.level)})
}

func f32RowsGeneric(y, x, w []float32) {
	k := len(x)
	for i := range y {
		y[i] = dotF32(x, w[i*k:(i+1)*k])
	}
}
