package cpu_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

// TestVecMat compares every level's loop with float64 sums over shapes
// around the 16- and 128-column steps, with a stride wider than the row.
func TestVecMat(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, l := range cpu.Levels() {
		f, err := cpu.New(l).VecMat()
		var ni *kernels.NotImplementedError
		if errors.As(err, &ni) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, rows := range []int{0, 1, 2, 3, 128, 129} {
			for _, cols := range []int{1, 15, 16, 17, 127, 128, 129, 300} {
				stride := cols + 5
				a := make([]float32, rows)
				m := make([]float32, rows*stride)
				for i := range a {
					a[i] = float32(rng.NormFloat64())
				}
				for i := range m {
					m[i] = float32(rng.NormFloat64())
				}
				y := make([]float32, cols)
				for i := range y {
					y[i] = float32(math.NaN()) // every output must be written
				}
				f(y, a, m, stride)
				for j := range y {
					var want, mag float64
					for i := range a {
						want += float64(a[i]) * float64(m[i*stride+j])
						mag += math.Abs(float64(a[i]) * float64(m[i*stride+j]))
					}
					// float32 accumulation: error ≤ rows·2⁻²⁴·Σ|terms| (loose)
					if d := math.Abs(float64(y[j]) - want); !(d <= float64(rows+1)*0x1p-24*mag+1e-30) {
						t.Fatalf("%s %d×%d: y[%d] = %g, want %g", l, rows, cols, j, y[j], want)
					}
				}
			}
		}
	}
}
