package mlx

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// BenchmarkBitLinear measures the BitLinear variants side by side on the
// 2B4T projection shapes (the catalogue in bench/ runs "auto"): run with
// BITNET_MLXC_LIB set, e.g.
//
//	go test ./kernels/mlx -run X -bench BitLinear
func BenchmarkBitLinear(b *testing.B) {
	needMLX(b)
	defer func(v string) { bitLinearKernel = v }(bitLinearKernel)
	for _, s := range [][2]int{{2560, 2560}, {6912, 2560}, {2560, 6912}} {
		for _, m := range []int{1, 8} {
			p := kerneltest.BitLinearProblem(rand.New(rand.NewPCG(1, 2)), m, s[0], s[1], false)
			for _, kn := range []string{"qmm", "dense"} {
				b.Run(fmt.Sprintf("%dx%d/b%d/%s", s[0], s[1], m, kn), func(b *testing.B) {
					bitLinearKernel = kn
					k, err := Backend{}.Prepare(p)
					if err != nil {
						b.Fatal(err)
					}
					defer k.Close()
					b.SetBytes(int64(s[0] * pack.Stride2Bit(s[1])))
					for b.Loop() {
						if err := k.Run(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
