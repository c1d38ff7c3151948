package mlx

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
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

// BenchmarkDecodeVsCPU alternates decode steps of the 2B4T (the tiny model
// with -short) on MLX and on the CPU backend (its fastest level that runs
// the model, one thread) at the same position, once each an iteration,
// and reports the medians over the iterations of each one's tokens/s and
// of the per-iteration ratios of their speeds: side by side, so the other
// tenants' load moves both. (Process CPU time would not separate them:
// OpenBLAS's threads spin on after MLX's step.) Run with a count of
// rounds, e.g.
//
//	go test ./kernels/mlx -run X -bench DecodeVsCPU -benchtime 8x
func BenchmarkDecodeVsCPU(b *testing.B) {
	needMLX(b)
	c := model.BitNet2B4T()
	if testing.Short() {
		c = model.Tiny()
	}
	w, err := model.NewRandom(c, 1)
	if err != nil {
		b.Fatal(err)
	}
	var cpuBe *cpu.Backend
	for _, l := range slices.Backward(cpu.Levels()) {
		if be := cpu.New(l); model.Supported(be) == nil {
			cpuBe = be
			break
		}
	}
	if cpuBe == nil {
		b.Skip("no CPU level runs the model here")
	}
	const ctx = 16
	bes := []kernels.Backend{Backend{}, cpuBe}
	var engines []*model.Engine
	for _, be := range bes {
		e, err := model.NewEngine(w, be, ctx, 1)
		if err != nil {
			b.Fatal(err)
		}
		defer e.Close()
		e.TimeParts = false
		for pos := range ctx - 1 { // the prompt fills the cache
			if _, err := e.Step(pos%c.Vocab, pos); err != nil {
				b.Fatal(err)
			}
		}
		engines = append(engines, e)
	}
	var wall [2][]float64 // seconds a token, per engine
	for b.Loop() {
		for i, e := range engines {
			t0 := time.Now()
			if _, err := e.Step(1, ctx-1); err != nil {
				b.Fatal(err)
			}
			wall[i] = append(wall[i], time.Since(t0).Seconds())
		}
	}
	median := func(x []float64) float64 {
		x = slices.Clone(x)
		slices.Sort(x)
		if len(x)%2 == 1 {
			return x[len(x)/2]
		}
		return (x[len(x)/2-1] + x[len(x)/2]) / 2
	}
	ratios := make([]float64, len(wall[0])) // MLX's time over the CPU's: how many times faster the CPU is
	for j := range ratios {
		ratios[j] = wall[0][j] / wall[1][j]
	}
	b.ReportMetric(1/median(wall[0]), "mlx-tokens/s")
	b.ReportMetric(1/median(wall[1]), cpuBe.Level()+"-tokens/s")
	b.ReportMetric(median(ratios), "cpu/mlx-speed")
}
