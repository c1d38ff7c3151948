package mlx

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// The tests that need MLX run against the libmlxc named by
// BITNET_MLXC_LIB (or found in the usual places) and skip, with the
// reason, where there is none, as on CI:
//
//	BITNET_MLXC_LIB=/path/to/libmlxc.so go test ./kernels/mlx/

// needMLX skips a test where libmlxc cannot be loaded.
func needMLX(t testing.TB) {
	t.Helper()
	if err := (Backend{}).Available(); err != nil {
		t.Skipf("MLX unavailable, skipping (set %s to libmlxc's path to run): %v", libEnv, err)
	}
}

// TestMissingLibrary always runs: a library that is not there gives an
// error naming what was tried and the variable to set.
func TestMissingLibrary(t *testing.T) {
	missing := "/nonexistent/bitnet-bench/libmlxc.so"
	t.Setenv(libEnv, missing)
	paths := libPaths()
	_, err := openRuntime(paths)
	if err == nil {
		t.Fatal("openRuntime succeeded with a library that does not exist")
	}
	t.Logf("error: %v", err)
	for _, want := range []string{"mlx", "libmlxc", libEnv} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if len(paths) > 0 && (len(paths) != 1 || paths[0] != missing || !strings.Contains(err.Error(), missing)) {
		t.Errorf("with %s set, paths = %v and error %q: want only that path, named", libEnv, paths, err)
	}
}

// TestDefaultPaths checks the search list without the variable.
func TestDefaultPaths(t *testing.T) {
	t.Setenv(libEnv, "")
	paths := libPaths()
	if len(paths) == 0 {
		t.Skip("MLX is not supported on this platform")
	}
	joined := strings.Join(paths, " ")
	for _, want := range []string{"/usr/local/lib/libmlxc.", "libmlxc."} {
		if !strings.Contains(joined, want) {
			t.Errorf("paths %v lack %s", paths, want)
		}
	}
}

func TestRegistered(t *testing.T) { kerneltest.Registered(t, "mlx") }

// TestUnavailablePrepare runs where there is no libmlxc: Prepare returns
// the availability error itself, never another backend's result.
func TestUnavailablePrepare(t *testing.T) {
	avail := kerneltest.UnavailablePrepare(t, Backend{})
	if _, err := Device(); err == nil || err.Error() != avail.Error() {
		t.Errorf("Device() error = %v, want %v", err, avail)
	}
}

var wantImplemented = []kernels.Op{kernels.OpBitLinear, kernels.OpMatMul, kernels.OpQuantizeActivations,
	kernels.OpReLU, kernels.OpGELU, kernels.OpSiLU, kernels.OpSigmoid, kernels.OpTanh}

func TestNotImplemented(t *testing.T) { kerneltest.NotImplemented(t, Backend{}, wantImplemented) }

func TestDevice(t *testing.T) {
	needMLX(t)
	s, err := Device()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("device: %s; level %s", s, Backend{}.Level())
	if l := (Backend{}).Level(); l != "cpu" && l != "gpu" {
		t.Errorf("Level() = %q, want cpu or gpu", l)
	}
}

// TestMLXError makes MLX fail (matmul of 2×3 by 4×5) and checks that the
// failure comes back as a Go error with MLX's message, and that MLX keeps
// working afterwards: the process was not ended by MLX's default handler.
func TestMLXError(t *testing.T) {
	needMLX(t)
	rt, _ := getRuntime()
	for range 2 {
		err := rt.th.Do(func() error {
			g := &graph{rt: rt}
			a := upload(g, make([]float32, 6), 2, 3)
			b := upload(g, make([]float32, 20), 4, 5)
			g.eval(g.matmul(a, b))
			return g.release()
		})
		if err == nil {
			t.Fatal("matmul of 2x3 by 4x5: no error")
		}
		t.Logf("error: %v", err)
		if !strings.Contains(err.Error(), "mlx_matmul") || !strings.Contains(err.Error(), "matmul") ||
			strings.Contains(err.Error(), "without a message") {
			t.Errorf("error %q: want the call and MLX's message", err)
		}
	}
	// A failed graph leaves nothing behind: the next op works.
	p := matMulProblem(rand.New(rand.NewPCG(3, 4)), 2, 3, 5)
	got, ref := kerneltest.RunBoth(t, Backend{}, p)
	checkMatMul(t, got, ref)
	// Errors from Run itself come back the same way: an unknown variant.
	defer func(v string) { bitLinearKernel = v }(bitLinearKernel)
	bitLinearKernel = "nonesuch"
	if _, err := (Backend{}).Prepare(kerneltest.BitLinearProblem(rand.New(rand.NewPCG(1, 1)), 1, 2, 3, false)); err == nil ||
		!strings.Contains(err.Error(), "nonesuch") {
		t.Errorf("Prepare with an unknown BitLinear kernel: %v", err)
	}
}

var bitLinearKernels = []string{"qmm", "dense", "auto"}

// TestBitLinear compares both variants bit for bit with the reference on
// random data and edge shapes: K not a multiple of 256 (and of 16, 128),
// one row, one token and 8, per-tensor and per-row scales.
func TestBitLinear(t *testing.T) {
	needMLX(t)
	defer func(v string) { bitLinearKernel = v }(bitLinearKernel)
	shapes := [][3]int{{1, 1, 1}, {1, 8, 256}, {1, 1, 255}, {1, 3, 257}, {8, 1, 300}, {8, 17, 1000},
		{3, 5, 129}, {1, 64, 2560}, {8, 40, 2560}, {2, 9, 6912}, {5, 2, 15}}
	for _, kn := range bitLinearKernels {
		bitLinearKernel = kn
		for i, s := range shapes {
			rows := i%2 == 1
			t.Run(fmt.Sprintf("%s/%dx%dx%d/rows=%v", kn, s[0], s[1], s[2], rows), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(i), 7))
				got, ref := kerneltest.RunBoth(t, Backend{}, kerneltest.BitLinearProblem(r, s[0], s[1], s[2], rows))
				kerneltest.ExactF32(t, "Y", got.Y, ref.Y)
			})
		}
	}
}

// TestBitLinearExtremes: activations all -128 or 127 against weights all
// +1 or -1 give the largest sums; all-zero weights or activations give 0.
func TestBitLinearExtremes(t *testing.T) {
	needMLX(t)
	defer func(v string) { bitLinearKernel = v }(bitLinearKernel)
	const m, n, k = 8, 6, 2600
	for _, kn := range bitLinearKernels {
		bitLinearKernel = kn
		for _, tc := range []struct {
			name string
			x    func(i int) int8
			w    func(i int) int8
		}{
			{"x=-128,w=+1", func(int) int8 { return -128 }, func(int) int8 { return 1 }},
			{"x=-128,w=-1", func(int) int8 { return -128 }, func(int) int8 { return -1 }},
			{"x=127,w=+1", func(int) int8 { return 127 }, func(int) int8 { return 1 }},
			{"x=alternating,w=alternating", func(i int) int8 { return []int8{-128, 127}[i%2] }, func(i int) int8 { return []int8{-1, 1}[i%2] }},
			{"w=0", func(i int) int8 { return int8(i) }, func(int) int8 { return 0 }},
			{"x=0", func(int) int8 { return 0 }, func(i int) int8 { return int8(i%3) - 1 }},
		} {
			t.Run(kn+"/"+tc.name, func(t *testing.T) {
				codes, xq := make([]int8, n*k), make([]int8, m*k)
				for i := range codes {
					codes[i] = tc.w(i)
				}
				for i := range xq {
					xq[i] = tc.x(i)
				}
				got, ref := kerneltest.RunBoth(t, Backend{}, kerneltest.BitLinearFrom(rand.New(rand.NewPCG(5, 5)), m, n, k, codes, xq, true))
				kerneltest.ExactF32(t, "Y", got.Y, ref.Y)
			})
		}
	}
}

// TestBitLinearSlices runs the path that splits K into exactly summed
// slices: with the slice lowered to one block on ordinary shapes, and for
// real on K > 2^17 with sums past 2^24, where one float32 sum would round.
func TestBitLinearSlices(t *testing.T) {
	needMLX(t)
	defer func(v string, s int) { bitLinearKernel, exactSlice = v, s }(bitLinearKernel, exactSlice)
	for _, kn := range bitLinearKernels {
		bitLinearKernel = kn
		exactSlice = pack.BlockCodes
		for i, s := range [][3]int{{1, 3, 1000}, {8, 5, 513}, {2, 4, 256}} {
			t.Run(fmt.Sprintf("%s/slice=256/%dx%dx%d", kn, s[0], s[1], s[2]), func(t *testing.T) {
				got, ref := kerneltest.RunBoth(t, Backend{}, kerneltest.BitLinearProblem(rand.New(rand.NewPCG(uint64(i), 9)), s[0], s[1], s[2], i%2 == 0))
				kerneltest.ExactF32(t, "Y", got.Y, ref.Y)
			})
		}
		exactSlice = 1 << 17
		t.Run(kn+"/K=140001", func(t *testing.T) {
			const m, n, k = 1, 3, 140001
			codes, xq := make([]int8, n*k), make([]int8, m*k)
			for i := range xq {
				xq[i] = -128
			}
			xq[k-1] = -127 // an odd sum past 2^24: float32 must round it once, to even
			for i := range codes {
				codes[i] = []int8{-1, 1, -1}[i/k]
			}
			codes[k+5] = 0
			got, ref := kerneltest.RunBoth(t, Backend{}, kerneltest.BitLinearFrom(rand.New(rand.NewPCG(1, 3)), m, n, k, codes, xq, false))
			kerneltest.ExactF32(t, "Y", got.Y, ref.Y)
		})
	}
}

func matMulProblem(r *rand.Rand, m, n, k int) *kernels.Problem {
	p := &kernels.Problem{Op: kernels.OpMatMul, M: m, N: n, K: k,
		X: make([]float32, m*k), W: make([]float32, n*k), Y: make([]float32, m*n)}
	for i := range p.X {
		p.X[i] = float32(r.NormFloat64())
	}
	for i := range p.W {
		p.W[i] = float32(r.NormFloat64()) * 0.1
	}
	return p
}

// checkMatMul allows the classical bound of a float32 dot product in any
// summation order, FMA or not: |ŷ - y| ≤ γ_K·Σ|x||w| with γ_K = Ku/(1-Ku),
// u = 2^-24, plus half an ulp for the reference's own rounding of its
// float64 sum.
func checkMatMul(t *testing.T, got, ref *kernels.Problem) {
	t.Helper()
	const u = 1.0 / (1 << 24)
	gamma := float64(ref.K) * u / (1 - float64(ref.K)*u)
	bad := 0
	for m := 0; m < ref.M; m++ {
		for n := 0; n < ref.N; n++ {
			var abs float64
			for k := 0; k < ref.K; k++ {
				abs += math.Abs(float64(ref.X[m*ref.K+k]) * float64(ref.W[n*ref.K+k]))
			}
			i := m*ref.N + n
			tol := gamma*abs + u*math.Abs(float64(ref.Y[i]))
			if d := math.Abs(float64(got.Y[i]) - float64(ref.Y[i])); !(d <= tol) {
				if bad < 5 {
					t.Errorf("Y[%d,%d] = %v, reference %v: |diff| %g > bound %g", m, n, got.Y[i], ref.Y[i], d, tol)
				}
				bad++
			}
		}
	}
}

func TestMatMul(t *testing.T) {
	needMLX(t)
	for i, s := range [][3]int{{1, 1, 1}, {1, 7, 300}, {8, 33, 257}, {8, 64, 2560}, {3, 1, 1000}, {16, 128, 512}} {
		t.Run(fmt.Sprintf("%dx%dx%d", s[0], s[1], s[2]), func(t *testing.T) {
			got, ref := kerneltest.RunBoth(t, Backend{}, matMulProblem(rand.New(rand.NewPCG(uint64(i), 11)), s[0], s[1], s[2]))
			checkMatMul(t, got, ref)
		})
	}
}

// TestQuantizeActivations is bit for bit, on random tokens and on rows
// that are all zero, hold NaN or ±Inf, tiny values under the scale floor,
// and exact halves that round to even.
func TestQuantizeActivations(t *testing.T) {
	needMLX(t)
	const k = 300
	r := rand.New(rand.NewPCG(2, 2))
	rows := [][]float32{}
	for range 5 {
		row := make([]float32, k)
		for i := range row {
			row[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(7)-3)))
		}
		rows = append(rows, row)
	}
	special := func(f func(i int) float32) []float32 {
		row := make([]float32, k)
		for i := range row {
			row[i] = f(i)
		}
		return row
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	rows = append(rows,
		special(func(int) float32 { return 0 }),
		special(func(i int) float32 { return []float32{1e-7, -3e-6, 0}[i%3] }),
		special(func(i int) float32 { return []float32{127, 2.5, -2.5, 0.5, -0.5, 1.5, 126.5}[i%7] }),
		special(func(i int) float32 { return []float32{1, nan, -2, 3}[i%4] }),
		special(func(i int) float32 { return []float32{1, inf, -2}[i%3] }),
		special(func(i int) float32 { return []float32{-inf, 5, nan}[i%3] }),
		special(func(i int) float32 { return float32(i) - 150 }),
	)
	for _, m := range []int{1, 8, len(rows)} {
		t.Run(fmt.Sprintf("M=%d", m), func(t *testing.T) {
			p := &kernels.Problem{Op: kernels.OpQuantizeActivations, M: m, K: k,
				X: make([]float32, 0, m*k), YQ: make([]int8, m*k), YScales: make([]float32, m)}
			for i := range m {
				p.X = append(p.X, rows[(len(rows)-1-i)%len(rows)]...)
			}
			got, ref := kerneltest.RunBoth(t, Backend{}, p)
			kerneltest.ExactF32(t, "YScales", got.YScales, ref.YScales)
			bad := 0
			for i := range ref.YQ {
				if got.YQ[i] != ref.YQ[i] {
					if bad < 5 {
						t.Errorf("YQ[%d] = %d (x = %v), reference %d", i, got.YQ[i], p.X[i], ref.YQ[i])
					}
					bad++
				}
			}
		})
	}
}

// Activation tolerances: MLX evaluates in float32 with its own exp, erf and
// tanh, the reference in float64 rounded once, so the two differ by MLX's
// error. Allowed: ulps of the reference value, plus abs absolutely. Found
// on MLX 0.31.2's CPU device over ±40 (step 1/256) and the special values:
//
//   - Sigmoid: MLX's exp is an approximation, up to 30 ulps for large |x|,
//     and it flushes results below the smallest normal float32 (2^-126,
//     e.g. sigmoid(-100) ≈ 3.7e-44) to zero: 32 ulps plus 2^-126.
//   - SiLU = x·sigmoid(x): the same plus one rounding.
//   - Tanh: at most 2 ulps seen; 4 allowed.
//   - GELU = x/2·(1+erf(x/√2)): for negative x, 1+erf cancels, so an error
//     of e in erf (absolute; a few 2^-24 near -1) becomes |x|/2·e in the
//     result, 2112 ulps of the small result at x = -3.27, and the tail
//     below x ≈ -5.5 that the reference's erfc keeps is lost: 4 ulps plus
//     |x|·2^-22 (erf within 8·2^-24).
//   - ReLU is exact.
//
// NaN must stay NaN and infinities must match.
var actTol = map[kernels.Op]struct {
	ulps float64 // of the reference value
	abs  float64 // absolute
	absX float64 // times |x|
}{
	kernels.OpReLU:    {0, 0, 0},
	kernels.OpSigmoid: {32, 0x1p-126, 0},
	kernels.OpSiLU:    {33, 0x1p-126, 0},
	kernels.OpTanh:    {4, 0, 0},
	kernels.OpGELU:    {4, 0, 0x1p-22},
}

func TestActivations(t *testing.T) {
	needMLX(t)
	var xs []float32
	for v := -40.0; v <= 40; v += 1.0 / 256 {
		xs = append(xs, float32(v))
	}
	r := rand.New(rand.NewPCG(4, 4))
	for range 2000 {
		xs = append(xs, float32(r.NormFloat64()*4))
	}
	xs = append(xs, 0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 1e-45, 88, -88, 100, -100, 1e30, -1e30,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()))
	const m = 2
	for len(xs)%m != 0 {
		xs = append(xs, 1)
	}
	for _, op := range kerneltest.Implemented(Backend{}, kernels.ActivationOps) {
		t.Run(string(op), func(t *testing.T) {
			p := &kernels.Problem{Op: op, M: m, K: len(xs) / m, X: xs, Y: make([]float32, len(xs))}
			got, ref := kerneltest.RunBoth(t, Backend{}, p)
			tol := actTol[op]
			bad, worst := 0, 0.0
			for i, want := range ref.Y {
				g := got.Y[i]
				if math.IsNaN(float64(want)) || math.IsNaN(float64(g)) {
					if math.IsNaN(float64(want)) != math.IsNaN(float64(g)) {
						t.Errorf("%s(%v) = %v, reference %v", op, xs[i], g, want)
					}
					continue
				}
				if math.IsInf(float64(want), 0) || math.IsInf(float64(g), 0) {
					if g != want {
						t.Errorf("%s(%v) = %v, reference %v", op, xs[i], g, want)
					}
					continue
				}
				d := math.Abs(float64(g) - float64(want))
				ulp := ulp32(want)
				abs := tol.abs + tol.absX*math.Abs(float64(xs[i]))
				if d/ulp > worst && d > abs {
					worst = d / ulp
				}
				if d > tol.ulps*ulp+abs {
					if bad < 5 {
						t.Errorf("%s(%v) = %v, reference %v: %g ulps", op, xs[i], g, want, d/ulp)
					}
					bad++
				}
			}
			t.Logf("%s: worst %.1f ulps beyond the absolute allowance over %d values", op, worst, len(xs))
		})
	}
}

// ulp32 is the spacing of float32 values at v.
func ulp32(v float32) float64 {
	a := math.Abs(float64(v))
	if a < math.SmallestNonzeroFloat32 {
		return math.SmallestNonzeroFloat32
	}
	b := math.Float32bits(float32(a))
	return float64(math.Float32frombits(b+1)) - float64(math.Float32frombits(b))
}

// TestConcurrent prepares and runs kernels from several goroutines: every
// call goes through the MLX thread, so results stay exact.
func TestConcurrent(t *testing.T) {
	needMLX(t)
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3 {
				p := kerneltest.BitLinearProblem(rand.New(rand.NewPCG(uint64(g), uint64(i))), 1+g, 16, 700, i%2 == 0)
				ref := kerneltest.Fresh(p)
				kernels.RefBitLinear(ref)
				k, err := Backend{}.Prepare(p)
				if err != nil {
					errs <- err
					return
				}
				err = errors.Join(k.Run(), k.Fetch(), k.Close())
				for j := range ref.Y {
					if err == nil && math.Float32bits(p.Y[j]) != math.Float32bits(ref.Y[j]) {
						err = fmt.Errorf("goroutine %d run %d: Y[%d] = %v, reference %v", g, i, j, p.Y[j], ref.Y[j])
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestKernelLifecycle: Fetch before Run and Run after Close fail cleanly.
func TestKernelLifecycle(t *testing.T) {
	needMLX(t)
	k, err := Backend{}.Prepare(matMulProblem(rand.New(rand.NewPCG(1, 1)), 1, 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Fetch(); err == nil {
		t.Error("Fetch before Run: no error")
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if err := k.Run(); err == nil {
		t.Error("Run after Close: no error")
	}
}

// TestNoLeak: repeated Runs and a Close give back every array; MLX's
// active memory (its cache aside) returns to where it was.
func TestNoLeak(t *testing.T) {
	needMLX(t)
	active := func() uint64 { return activeMemory(t) }
	defer func(v string, s int) { bitLinearKernel, exactSlice = v, s }(bitLinearKernel, exactSlice)
	exactSlice = pack.BlockCodes // several slices: more intermediate arrays
	before := active()
	for _, kn := range bitLinearKernels {
		bitLinearKernel = kn
		for _, p := range []*kernels.Problem{
			kerneltest.BitLinearProblem(rand.New(rand.NewPCG(1, 2)), 4, 64, 1000, true),
			matMulProblem(rand.New(rand.NewPCG(1, 2)), 4, 64, 1000),
			{Op: kernels.OpQuantizeActivations, M: 4, K: 1000, X: make([]float32, 4000), YQ: make([]int8, 4000), YScales: make([]float32, 4)},
			{Op: kernels.OpGELU, M: 4, K: 1000, X: make([]float32, 4000), Y: make([]float32, 4000)},
		} {
			k, err := Backend{}.Prepare(p)
			if err != nil {
				t.Fatal(err)
			}
			for range 50 {
				if err := k.Run(); err != nil {
					t.Fatal(err)
				}
			}
			if err := errors.Join(k.Fetch(), k.Close()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if after := active(); after != before {
		t.Errorf("MLX active memory %d bytes before, %d after: arrays leaked", before, after)
	}
}

// activeMemory is MLX's active memory (its cache aside).
func activeMemory(t *testing.T) uint64 {
	t.Helper()
	rt, _ := getRuntime()
	var n uint64
	if err := rt.th.Do(func() error { return check("mlx_get_active_memory", rt.l.activeMemory(&n)) }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPickBitLinearKernel(t *testing.T) {
	defer func(v string) { bitLinearKernel = v }(bitLinearKernel)
	for _, tc := range []struct {
		setting string
		dev     int32
		want    string
	}{
		{"auto", deviceGPU, "qmm"}, {"auto", deviceCPU, "dense"},
		{"qmm", deviceCPU, "qmm"}, {"dense", deviceGPU, "dense"},
	} {
		bitLinearKernel = tc.setting
		if got := pickBitLinearKernel(&runtimeState{devType: tc.dev}); got != tc.want {
			t.Errorf("%s on device type %d: %s, want %s", tc.setting, tc.dev, got, tc.want)
		}
	}
}
