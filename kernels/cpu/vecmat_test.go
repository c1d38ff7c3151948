package cpu_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

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

// TestExpShift checks the softmax numerators against math.Exp over the
// whole useful range, the zero beyond it, the tail lengths and the sum.
func TestExpShift(t *testing.T) {
	for _, l := range cpu.Levels() {
		f, err := cpu.New(l).ExpShift()
		var ni *kernels.NotImplementedError
		if errors.As(err, &ni) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 1, 15, 16, 17, 1000} {
			src := make([]float32, n)
			for i := range src {
				src[i] = 3 - 95*float32(i)/float32(max(n-1, 1)) // 3 down to -92
			}
			const m = 3
			dst := make([]float32, n+1)
			dst[n] = 42 // past the end: untouched
			sum := f(dst[:n], src, m)
			var want float64
			for i, x := range src {
				e := math.Exp(float64(x - m))
				want += float64(float32(e))
				if e >= 0x1p-126 && math.Abs(float64(dst[i])-e) > 4*0x1p-24*e {
					t.Fatalf("%s n=%d: e^(%g) = %g, want %g", l, n, x-m, dst[i], e)
				}
				if e < 0x1p-126 && dst[i] > 0x1p-126 {
					t.Fatalf("%s n=%d: e^(%g) = %g, want below the normal range", l, n, x-m, dst[i])
				}
			}
			if dst[n] != 42 {
				t.Fatalf("%s n=%d: wrote past the end", l, n)
			}
			if math.Abs(float64(sum)-want) > float64(n+1)*0x1p-23*want+1e-30 {
				t.Fatalf("%s n=%d: sum %g, want %g", l, n, sum, want)
			}
		}
		dst := make([]float32, 3)
		f(dst, []float32{-200, -111, -110.4}, 0)
		if dst[0] != 0 || dst[1] != 0 {
			t.Fatalf("%s: e^-200, e^-111 = %g, %g, want 0", l, dst[0], dst[1])
		}
	}
}

// TestVecMat4 checks the four-vector loop against VecMat of the same level
// run four times, within float32 rounding (the single-vector loops chain
// the rows in two interleaved sums, this one in one).
func TestVecMat4(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, l := range cpu.Levels() {
		f4, err := cpu.New(l).VecMat4()
		var ni *kernels.NotImplementedError
		if errors.As(err, &ni) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		f, err := cpu.New(l).VecMat()
		if err != nil {
			t.Fatal(err)
		}
		for _, rows := range []int{0, 1, 7, 128} {
			for _, c := range [][2]int{{0, 3}, {1, 3}, {16, 3}, {17, 3}, {63, 3}, {64, 3}, {65, 3}, {128, 3}, {129, 3}, {300, 3},
				{1, 15}, {17, 15}, {63, 1}, {5, 11}, {100, 28}} { // columns, and how many more a row of m has
				cols, stride := c[0], c[0]+c[1]
				m := make([]float32, max(rows, 1)*stride)
				for i := range m {
					m[i] = float32(rng.NormFloat64())
				}
				var y, a [4][]float32
				for h := range 4 {
					a[h] = make([]float32, rows)
					for i := range a[h] {
						a[h][i] = float32(rng.NormFloat64())
					}
					y[h] = make([]float32, cols+1)
					y[h][cols] = 42
					y[h] = y[h][:cols]
				}
				f4(&y, &a, m, stride)
				for h := range 4 {
					want := make([]float32, cols)
					f(want, a[h], m, stride)
					for j := range want {
						if y[h][j] != want[j] && math.Abs(float64(y[h][j]-want[j])) > 1e-4*(1+math.Abs(float64(want[j]))) {
							t.Fatalf("%s %d×%d head %d: y[%d] = %g, VecMat %g", l, rows, cols, h, j, y[h][j], want[j])
						}
					}
					if y[h][:cols+1][cols] != 42 {
						t.Fatalf("%s: wrote past column %d", l, cols)
					}
				}
			}
		}
	}
}

// TestRMSNorm checks every level's RMSNorm against a float64 evaluation,
// within the float32 error bound of a sum of n squares over four or more
// lanes (n/4 roundings, halved by the square root) plus three roundings,
// and that nothing is written past len(x).
func TestRMSNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(101, 102))
	for _, l := range cpu.Levels() {
		f, err := cpu.New(l).RMSNorm()
		var ni *kernels.NotImplementedError
		if errors.As(err, &ni) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{1, 15, 16, 17, 63, 64, 65, 127, 200, 2560, 6912} {
			x, g := make([]float32, n), make([]float32, n)
			for i := range x {
				x[i] = float32(r.NormFloat64()) * 3
				g[i] = 0.5 + r.Float32()
			}
			const eps = 1e-5
			dst := make([]float32, n+1)
			dst[n] = 42
			f(dst[:n], x, g, eps)
			var ss float64
			for _, v := range x {
				ss += float64(v) * float64(v)
			}
			inv := 1 / math.Sqrt(ss/float64(n)+eps)
			for i, v := range x {
				want := float64(v) * inv * float64(g[i])
				if d := math.Abs(float64(dst[i]) - want); d > (3+float64(n)/8)*0x1p-24*math.Abs(want)+1e-30 {
					t.Fatalf("%s n=%d: dst[%d] = %g, want %g", l, n, i, dst[i], want)
				}
			}
			if dst[n] != 42 {
				t.Fatalf("%s n=%d: wrote past the end", l, n)
			}
		}
	}
}

// TestReLUSquaredGate checks every level's loop bit for bit against
// relu(g)²·u computed here, on every tail length, with negative values, -0,
// NaNs of both signs, infinities and subnormals in g.
func TestReLUSquaredGate(t *testing.T) {
	r := rand.New(rand.NewPCG(111, 112))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), -float32(math.NaN()),
		float32(math.Inf(1)), float32(math.Inf(-1)), 1e-40, -1e-40, 3e38, -3e38}
	for _, l := range cpu.Levels() {
		f, err := cpu.New(l).ReLUSquaredGate()
		var ni *kernels.NotImplementedError
		if errors.As(err, &ni) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n <= 70; n++ {
			g, u := make([]float32, n), make([]float32, n)
			for i := range g {
				g[i] = float32(r.NormFloat64())
				if r.IntN(4) == 0 {
					g[i] = special[r.IntN(len(special))]
				}
				u[i] = float32(r.NormFloat64())
			}
			dst := make([]float32, n+1)
			dst[n] = 42
			f(dst[:n], g, u)
			for i, v := range g {
				if math.Signbit(float64(v)) {
					v = 0
				}
				want := v * v * u[i]
				if math.Float32bits(dst[i]) != math.Float32bits(want) && !(want != want && dst[i] != dst[i]) {
					t.Fatalf("%s n=%d: relu(%g)²·%g = %g, want %g", l, n, g[i], u[i], dst[i], want)
				}
			}
			if dst[n] != 42 {
				t.Fatalf("%s n=%d: wrote past the end", l, n)
			}
		}
	}
}

// BenchmarkVecMat4PrefillScores times the attention scores of a 2B4T
// prefill of 128 tokens for one group of four query heads: VecMat4 of
// head-dim 128 rows against a key cache of capacity 128, for every
// position's 1..128 columns. It reports speedup-vs-portable-tail: the same
// calls where m ends at the last column (so the last columns cannot be
// read as a whole 16-column block and take the portable loop) over these,
// alternated in one process, median of 9 rounds.
func BenchmarkVecMat4PrefillScores(b *testing.B) {
	const hd, capacity = 128, 128
	rng := rand.New(rand.NewPCG(25, 26))
	for _, l := range cpu.Levels() {
		f4, err := cpu.New(l).VecMat4()
		if err != nil || l == cpu.LevelGeneric { // the generic level has only the portable loop
			continue
		}
		b.Run(string(l), func(b *testing.B) {
			m := make([]float32, hd*capacity)
			for i := range m {
				m[i] = float32(rng.NormFloat64())
			}
			var y, a [4][]float32
			for h := range 4 {
				a[h] = make([]float32, hd)
				for i := range a[h] {
					a[h][i] = float32(rng.NormFloat64())
				}
				y[h] = make([]float32, capacity)
			}
			scores := func(tight bool) {
				for n := 1; n <= capacity; n++ {
					var ys [4][]float32
					for h := range 4 {
						ys[h] = y[h][:n]
					}
					mm := m
					if tight {
						mm = m[:(hd-1)*capacity+n]
					}
					f4(&ys, &a, mm, capacity)
				}
			}
			for b.Loop() {
				scores(false)
			}
			b.StopTimer()
			var ratios []float64
			for range 9 {
				t0 := time.Now()
				scores(true)
				t1 := time.Now()
				scores(false)
				ratios = append(ratios, t1.Sub(t0).Seconds()/time.Since(t1).Seconds())
			}
			slices.Sort(ratios)
			b.ReportMetric(ratios[len(ratios)/2], "speedup-vs-portable-tail")
		})
	}
}
