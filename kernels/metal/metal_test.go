package metal

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// needGPU skips a test where there is no usable Metal device (any OS but
// macOS, CI), with the reason Available gives.
func needGPU(t testing.TB) {
	t.Helper()
	if err := (Backend{}).Available(); err != nil {
		t.Skipf("no usable Metal device, skipping: %v", err)
	}
}

func TestRegistered(t *testing.T) { kerneltest.Registered(t, "metal") }

// TestUnavailablePrepare runs where there is no Mac GPU: Prepare must
// return the availability error itself, never a CPU result.
func TestUnavailablePrepare(t *testing.T) {
	avail := kerneltest.UnavailablePrepare(t, Backend{})
	if runtime.GOOS != "darwin" {
		want := "Metal needs macOS (darwin); this is " + runtime.GOOS + "/" + runtime.GOARCH
		if !strings.Contains(avail.Error(), want) {
			t.Errorf("Available() = %q, want it to say %q", avail, want)
		}
	}
	if _, err := Device(); err == nil || err.Error() != avail.Error() {
		t.Errorf("Device() error = %v, want %v", err, avail)
	}
}

func TestNotImplemented(t *testing.T) {
	kerneltest.NotImplemented(t, Backend{}, []kernels.Op{kernels.OpBitLinear, kernels.OpMatMul, kernels.OpQuantizeActivations,
		kernels.OpReLU, kernels.OpGELU, kernels.OpSiLU, kernels.OpSigmoid, kernels.OpTanh})
}

// testProblems returns one problem per implemented op, at the given shape.
func testProblems(r *rand.Rand, m, n, k int) []*kernels.Problem {
	x := make([]float32, m*k)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	w := make([]float32, n*k)
	for i := range w {
		w[i] = float32(r.NormFloat64())
	}
	ps := []*kernels.Problem{
		kerneltest.BitLinearProblem(r, m, n, k, m%2 == 0),
		{Op: kernels.OpQuantizeActivations, M: m, K: k, X: x, YQ: make([]int8, m*k), YScales: make([]float32, m)},
		{Op: kernels.OpMatMul, M: m, N: n, K: k, X: x, W: w, Y: make([]float32, m*n)},
	}
	for _, op := range kerneltest.Implemented(Backend{}, kernels.ActivationOps) {
		ps = append(ps, &kernels.Problem{Op: op, M: m, K: k, X: x, Y: make([]float32, m*k)})
	}
	return ps
}

// TestPlan checks, without a GPU, what Prepare would hand to Metal: every
// kernel argument bound once to a buffer of the right size, params in the
// struct's order, and a grid that covers the work at any SIMD width.
func TestPlan(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, s := range []struct{ m, n, k int }{{1, 1, 1}, {1, 640, 2560}, {3, 33, 300}, {9, 100, 513}, {17, 7, 6912}} {
		for _, p := range testProblems(r, s.m, s.n, s.k) {
			if err := p.Check(); err != nil {
				t.Fatal(err)
			}
			pl, err := newPlan(p)
			if err != nil {
				t.Fatalf("%s %s: %v", p.Op, shape(s.m, s.n, s.k), err)
			}
			checkPlan(t, p, pl)
		}
	}
}

func checkPlan(t *testing.T, p *kernels.Problem, pl *plan) {
	t.Helper()
	what := string(p.Op) + " " + shape(p.M, p.N, p.K)
	if len(pl.dispatches) != 1 {
		t.Fatalf("%s: %d dispatches, want 1", what, len(pl.dispatches))
	}
	d := pl.dispatches[0]
	args := kernelArgs[d.kernel]
	if args == nil {
		t.Fatalf("%s: kernel %q is not in kernelArgs", what, d.kernel)
	}
	for _, a := range args {
		if _, ok := d.bufs[a]; !ok && a != "params" {
			t.Errorf("%s: %s argument %q not bound", what, d.kernel, a)
		}
	}
	if len(d.params) != len(paramFields[d.kernel]) {
		t.Errorf("%s: %d params, struct has %d", what, len(d.params), len(paramFields[d.kernel]))
	}
	size := func(name string) int { return pl.bufs[d.bufs[name]].size }
	kp := pack.Stride2Bit(p.K) * 4
	// work: rows (one SIMD group each, in tiles of tokens) or threads the
	// grid must cover.
	var work, tile, tokens int
	switch p.Op {
	case kernels.OpBitLinear:
		want := map[string]int{"w": p.N * pack.Stride2Bit(p.K), "x": p.M * kp, "xscale": 4 * p.M, "y": 4 * p.M * p.N}
		for name, n := range want {
			if size(name) != n {
				t.Errorf("%s: buffer %s has %d bytes, want %d", what, name, size(name), n)
			}
		}
		x := pl.bufs[d.bufs["x"]].in
		for m := 0; m < p.M; m++ {
			for i := 0; i < kp; i++ {
				want := int8(0)
				if i < p.K {
					want = p.XQ[m*p.K+i]
				}
				if int8(x[m*kp+i]) != want {
					t.Fatalf("%s: padded x[%d][%d] = %d, want %d", what, m, i, int8(x[m*kp+i]), want)
				}
			}
		}
		rs := uint32(0)
		if p.Weights.RowScales != nil {
			rs = 1
		}
		if want := []uint32{uint32(p.N), uint32(p.M), uint32(pack.Stride2Bit(p.K) / 4), uint32(kp), rs}; !slices.Equal(d.params, want) {
			t.Errorf("%s: params %v, want %v", what, d.params, want)
		}
		work, tile, tokens = p.N, 1, p.M
		if p.M > 1 {
			tile = blTokens
		}
	case kernels.OpMatMul:
		work, tile, tokens = p.M*p.N, 1, 1
	case kernels.OpQuantizeActivations:
		work = p.M
	default:
		work = p.M * p.K
	}
	for _, width := range []int{8, 32, 64} {
		for _, tg := range []int{threadgroup, 128} {
			groups, threads := d.grid(width, tg)
			if threads != [3]int{tg, 1, 1} {
				t.Errorf("%s: threadgroup %v, want %d threads", what, threads, tg)
			}
			switch {
			case p.Op == kernels.OpQuantizeActivations:
				if groups != [3]int{p.M, 1, 1} {
					t.Errorf("%s: grid %v, want a threadgroup per token", what, groups)
				}
			case tile > 0: // rows by SIMD group, tokens by tile
				if groups[0]*(tg/width) < work || groups[1]*tile < tokens || (groups[0]-1)*(tg/width) >= work || (groups[1]-1)*tile >= tokens {
					t.Errorf("%s: width %d, %d threads: grid %v does not fit %d rows × %d tokens", what, width, tg, groups, work, tokens)
				}
			default:
				if groups[0]*tg < work || (groups[0]-1)*tg >= work {
					t.Errorf("%s: grid %v of %d threads does not fit %d elements", what, groups, tg, work)
				}
			}
		}
	}
}

// --- On a Mac: the GPU against the reference. ---

func TestDevice(t *testing.T) {
	needGPU(t)
	s, err := Device()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("device: %s; level %s", s, Backend{}.Level())
}

func TestBitLinearGPU(t *testing.T) {
	needGPU(t)
	r := rand.New(rand.NewPCG(7, 7))
	for _, s := range []struct{ m, n, k int }{{1, 1, 1}, {1, 2560, 2560}, {1, 3, 257}, {8, 640, 2560}, {9, 33, 513}, {3, 6912, 2560}, {1, 2560, 6912}} {
		for _, rows := range []bool{false, true} {
			p := kerneltest.BitLinearProblem(r, s.m, s.n, s.k, rows)
			_, ref := kerneltest.RunBoth(t, Backend{}, p)
			kerneltest.ExactF32(t, "BitLinear "+shape(s.m, s.n, s.k), p.Y, ref.Y)
		}
	}
	// Extremes: −1 codes against −128, the largest |Σ|.
	p := kerneltest.BitLinearProblem(r, 2, 5, 4096, false)
	codes := make([]int8, 5*4096)
	for i := range codes {
		codes[i] = -1
	}
	p.Weights.Packed, _ = pack.Pack2Bit(codes, 5, 4096)
	for i := range p.XQ {
		p.XQ[i] = -128
	}
	_, ref := kerneltest.RunBoth(t, Backend{}, p)
	kerneltest.ExactF32(t, "BitLinear extremes", p.Y, ref.Y)
}

func TestQuantizeActivationsGPU(t *testing.T) {
	needGPU(t)
	r := rand.New(rand.NewPCG(7, 8))
	for _, s := range []struct{ m, k int }{{1, 1}, {1, 2560}, {4, 257}, {9, 6912}} {
		p := testProblems(r, s.m, 1, s.k)[1]
		p.X[0] = float32(math.NaN())
		_, ref := kerneltest.RunBoth(t, Backend{}, p)
		kerneltest.ExactF32(t, "QuantizeActivations scales "+shape(s.m, 0, s.k), p.YScales, ref.YScales)
		if !slices.Equal(p.YQ, ref.YQ) {
			t.Errorf("QuantizeActivations %s: codes differ from the reference", shape(s.m, 0, s.k))
		}
	}
}

func TestMatMulGPU(t *testing.T) {
	needGPU(t)
	r := rand.New(rand.NewPCG(7, 9))
	for _, s := range []struct{ m, n, k int }{{1, 1, 1}, {1, 640, 2560}, {3, 33, 300}} {
		p := testProblems(r, s.m, s.n, s.k)[2]
		_, ref := kerneltest.RunBoth(t, Backend{}, p)
		for m := 0; m < s.m; m++ {
			for n := 0; n < s.n; n++ {
				var abs float64
				for k := 0; k < s.k; k++ {
					abs += math.Abs(float64(p.X[m*s.k+k]) * float64(p.W[n*s.k+k]))
				}
				// f32 accumulation in any order: |error| ≤ (K+1)·2^−24·Σ|x·w|.
				if d := math.Abs(float64(p.Y[m*s.n+n] - ref.Y[m*s.n+n])); d > float64(s.k+1)*0x1p-24*abs {
					t.Fatalf("MatMul %s: y[%d,%d] = %v, reference %v", shape(s.m, s.n, s.k), m, n, p.Y[m*s.n+n], ref.Y[m*s.n+n])
				}
			}
		}
	}
}

func TestActivationsGPU(t *testing.T) {
	needGPU(t)
	x := activationInputs(rand.New(rand.NewPCG(5, 6)))
	for _, op := range kerneltest.Implemented(Backend{}, kernels.ActivationOps) {
		p := &kernels.Problem{Op: op, M: 1, K: len(x), X: x, Y: make([]float32, len(x))}
		kerneltest.RunBoth(t, Backend{}, p)
		checkActivation(t, op, x, p.Y, true)
	}
}
