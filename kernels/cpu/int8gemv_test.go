package cpu_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

// TestInt8GEMV checks every level that has the loop, one and two threads,
// bit for bit against int64 sums scaled in the same order.
func TestInt8GEMV(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	shapes := [][2]int{{1, 1}, {3, 100}, {4, 256}, {5, 257}, {64, 512}, {67, 2560}, {200, 300}}
	for _, l := range cpu.Levels() {
		for _, threads := range []int{1, 2} {
			be := cpu.NewWithOptions(cpu.Options{Level: l, Threads: threads})
			for _, sh := range shapes {
				n, k := sh[0], sh[1]
				for _, fill := range []string{"random", "extremes"} {
					q := make([]int8, n*k)
					x := make([]int8, k)
					for i := range q {
						q[i] = int8(rng.Uint32())
						if fill == "extremes" {
							q[i] = []int8{-128, 127}[i%2]
						}
					}
					for i := range x {
						x[i] = int8(rng.Uint32())
						if fill == "extremes" {
							x[i] = -128
						}
					}
					scales := make([]float32, n)
					for i := range scales {
						scales[i] = rng.Float32() + 0.01
					}
					g, err := be.NewInt8GEMV(q, scales, n, k)
					var ni *kernels.NotImplementedError
					if errors.As(err, &ni) {
						t.Logf("%s: %v", l, err)
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					y := make([]float32, n)
					const xscale = 3.5
					if err := g.Run(y, x, xscale); err != nil {
						t.Fatal(err)
					}
					for r := 0; r < n; r++ {
						var s int64
						for i := 0; i < k; i++ {
							s += int64(q[r*k+i]) * int64(x[i])
						}
						if want := float32(s) * scales[r] / xscale; y[r] != want {
							t.Fatalf("%s/t%d %dx%d %s: y[%d] = %g, want %g", l, threads, n, k, fill, r, y[r], want)
						}
					}
				}
			}
		}
	}
}

func TestInt8GEMVBadShapes(t *testing.T) {
	be := cpu.New(cpu.LevelGeneric)
	if _, err := be.NewInt8GEMV(make([]int8, 5), make([]float32, 2), 2, 3); err == nil {
		t.Error("5 values for 2×3 accepted")
	}
	g, err := be.NewInt8GEMV(make([]int8, 6), make([]float32, 2), 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Run(make([]float32, 2), make([]int8, 4), 1); err == nil {
		t.Error("4 activations for K=3 accepted")
	}
}

// BenchmarkInt8GEMV runs the 2B4T LM head (128256×2560 int8, 328 MB: from
// DRAM every time) and reports the fraction of the single-thread read
// bandwidth it streams at, measured side by side over the same bytes.
func BenchmarkInt8GEMV(b *testing.B) {
	const n, k = 128256, 2560
	q := make([]int8, n*k)
	for i := range q {
		q[i] = int8(i*7 + i>>9)
	}
	scales := make([]float32, n)
	for i := range scales {
		scales[i] = 1
	}
	x := make([]int8, k)
	for i := range x {
		x[i] = int8(i)
	}
	y := make([]float32, n)
	for _, l := range cpu.Levels() {
		be := cpu.New(l)
		g, err := be.NewInt8GEMV(q, scales, n, k)
		if err != nil {
			continue
		}
		b.Run(string(l), func(b *testing.B) {
			b.SetBytes(g.Bytes())
			for b.Loop() {
				if err := g.Run(y, x, 1); err != nil {
					b.Fatal(err)
				}
			}
			w := cpu.Int8GEMVWoven(g)
			if w == nil {
				return
			}
			read := cpu.StreamRead(l)
			var ratios []float64
			for range 5 {
				t0 := time.Now()
				read(w)
				tr := time.Since(t0)
				t0 = time.Now()
				_ = g.Run(y, x, 1)
				ratios = append(ratios, tr.Seconds()/time.Since(t0).Seconds())
			}
			slices.Sort(ratios)
			b.ReportMetric(100*ratios[2], "pct-of-read-bw")
		})
	}
}

func TestSumInt8(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, n := range []int{0, 1, 7, 8, 9, 2040, 2047, 2048, 2049, 4096, 6912, 70000} {
		for _, fill := range []int{-128, 127, 0, 1} {
			x := make([]int8, n)
			var want int32
			for i := range x {
				x[i] = int8(fill)
				if fill == 1 {
					x[i] = int8(rng.Uint32())
				}
				want += int32(x[i])
			}
			if got := cpu.SumInt8(x); got != want {
				t.Fatalf("n=%d fill %d: sum %d, want %d", n, fill, got, want)
			}
		}
	}
}
