package cpu_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	"github.com/bitnet-go/bitnet-bench/kernels/internal/ulp"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// Tolerances, and why.
//
// BitLinear: both paths sum Σ c·xq exactly in int32, then do float32 work.
// The reference computes (float32(acc)·ws)/xs. Every cpu path does the same
// two operations in the same order, so it must match bit for bit.
//
// MatMul: the cpu sums in float32 with four accumulators (one of them takes
// the K%4 tail), then adds them pairwise: each result passes through at most
// K/4+3 roundings in an accumulator and 2 in the final adds, so it is within
// γ(K/4+5)·Σ|x·w| of the exact value; the reference (float64 sum, one
// float32 rounding) is within u·|y|. The test allows (K/4+6)·u·Σ|x·w| +
// u·|y|, u = 2^-24.
//
// Activations: the generic level evaluates the same float64 formula and
// rounds once; the float64 results differ at most by an ulp of float64 (GELU
// multiplies by 1/√2 where the reference divides by √2), so the float32
// results differ by at most one ulp, at a rounding boundary. A level with
// SIMD code for the op (cpu.SIMDOps) computes in float32 with polynomial
// approximations: it is held to cpu.ActivationErrorBound, |y − ref| ≤
// rel·|ref| + abs, with NaN and ±Inf exactly as the reference. ReLU is
// bit-identical at every level.
//
// Quantize, Pack2Bit and Unpack2Bit are integer or exactly specified: equal.

const u = 1.0 / (1 << 24)

// backends returns every level of this machine that has its own kernel for
// op, single- and multi-threaded, plus the registered default backend when
// it has one, so each test covers every path that op can take here.
func backends(t testing.TB, op kernels.Op) []kernels.Backend {
	t.Helper()
	var bs []kernels.Backend
	for _, l := range cpu.Levels() {
		for _, threads := range []int{1, 3} {
			b := cpu.NewWithOptions(cpu.Options{Level: l, Threads: threads})
			if b.Implements(op) && (threads == 1 || b.Parallel(op)) {
				bs = append(bs, b)
			}
		}
	}
	b, err := kernels.Lookup("cpu")
	if err != nil {
		t.Fatal(err)
	}
	if b.Implements(op) {
		bs = append(bs, b)
	}
	return bs
}

// allBackends is every level, whatever it implements.
func allBackends() []kernels.Backend {
	var bs []kernels.Backend
	for _, l := range cpu.Levels() {
		bs = append(bs, cpu.New(l))
	}
	return bs
}

// run prepares p on b, runs it and fetches the outputs.
func run(t testing.TB, b kernels.Backend, p *kernels.Problem) error {
	t.Helper()
	k, err := b.Prepare(p)
	if err != nil {
		return err
	}
	defer func() {
		if err := k.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	if err := k.Run(); err != nil {
		return err
	}
	return k.Fetch()
}

// runBoth runs p on b and on the reference, each with its own outputs.
func runBoth(t testing.TB, b kernels.Backend, p *kernels.Problem) (got, want *kernels.Problem) {
	t.Helper()
	got, want = kerneltest.Fresh(p), kerneltest.Fresh(p)
	if err := kernels.RunReference(want); err != nil {
		t.Fatalf("reference: %v", err)
	}
	if err := run(t, b, got); err != nil {
		t.Fatalf("%s/%s: %v", b.Name(), b.Level(), err)
	}
	return got, want
}

func randCodes(r *rand.Rand, n int) []int8 {
	c := make([]int8, n)
	for i := range c {
		c[i] = int8(r.IntN(3)) - 1
	}
	return c
}

func randXQ(r *rand.Rand, n int) []int8 {
	x := make([]int8, n)
	for i := range x {
		x[i] = int8(r.Uint32())
	}
	return x
}

func fill[T any](n int, v T) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// bitLinear builds a BitLinear problem from codes (N×K) and xq (M×K).
func bitLinear(t testing.TB, m, n, k int, codes, xq []int8, ws []float32, xs []float32) *kernels.Problem {
	t.Helper()
	pk, err := pack.Pack2Bit(codes, n, k)
	if err != nil {
		t.Fatal(err)
	}
	w := &kernels.Weights{Packed: pk, Scale: ws[0]}
	if len(ws) > 1 {
		w.RowScales = ws
	}
	return &kernels.Problem{Op: kernels.OpBitLinear, M: m, N: n, K: k,
		Weights: w, XQ: xq, XScales: xs, Y: make([]float32, m*n)}
}

// checkBitLinear compares cpu and reference outputs with the tolerance
// explained at the top of the file, and checks integer-valued results
// against acc computed here when every scale is 1.
func checkBitLinear(t *testing.T, label string, got, want *kernels.Problem) {
	t.Helper()
	for i, w := range want.Y[:want.M*want.N] {
		if g := got.Y[i]; math.Float32bits(g) != math.Float32bits(w) {
			t.Fatalf("%s: Y[%d] = %v (%#x), reference %v (%#x), want bit-identical", label, i, g, math.Float32bits(g), w, math.Float32bits(w))
		}
	}
}

// accOf is Σ_k c[n,k]·xq[m,k], computed independently of both paths.
func accOf(codes, xq []int8, m, n, k int) int64 {
	var s int64
	for i := 0; i < k; i++ {
		s += int64(codes[n*k+i]) * int64(xq[m*k+i])
	}
	return s
}

var edgeK = []int{1, 2, 3, 4, 5, 7, 8, 63, 64, 65, 2560, 6912}

func TestBitLinearRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, b := range backends(t, kernels.OpBitLinear) {
		for _, k := range edgeK {
			for _, m := range []int{1, 2, 3, 8} {
				// 67 and 133 cross the 64-row chunks with 3 and 1 rows left over.
				for _, n := range []int{1, 5, 16, 67, 133} {
					if (k >= 2560 && n > 5 && m > 2) || (n > 16 && (k > 300 || m > 3)) {
						continue // keep the big cases few
					}
					codes, xq := randCodes(r, n*k), randXQ(r, m*k)
					for _, mode := range []string{"unit", "pow2", "tensor", "rows"} {
						ws, xs := []float32{1}, fill(m, float32(1))
						switch mode {
						case "pow2":
							ws[0] = 0.25
							for i := range xs {
								xs[i] = float32(math.Ldexp(1, r.IntN(12)-4))
							}
						case "tensor", "rows":
							ws[0] = float32(r.Float64()*2 + 1e-3)
							if mode == "rows" {
								ws = make([]float32, n)
								for i := range ws {
									ws[i] = float32(r.Float64()*2 + 1e-3)
								}
							}
							for i := range xs {
								xs[i] = 127 / float32(r.Float64()*10+0.01)
							}
						}
						p := bitLinear(t, m, n, k, codes, xq, ws, xs)
						got, want := runBoth(t, b, p)
						label := fmt.Sprintf("%s/%s M=%d N=%d K=%d %s", b.Name(), b.Level(), m, n, k, mode)
						checkBitLinear(t, label, got, want)
						if mode == "unit" { // Y is the integer sum itself
							for i := 0; i < m; i++ {
								for j := 0; j < n; j++ {
									if acc := accOf(codes, xq, i, j, k); got.Y[i*n+j] != float32(acc) {
										t.Fatalf("%s: Y[%d,%d] = %v, want Σ = %d", label, i, j, got.Y[i*n+j], acc)
									}
								}
							}
						}
					}
				}
			}
		}
	}
}

func TestBitLinearEdgeValues(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	for _, b := range backends(t, kernels.OpBitLinear) {
		for _, k := range edgeK {
			for _, m := range []int{1, 8} {
				const n = 3
				xs := make([]float32, m)
				for i := range xs {
					xs[i] = 127 / float32(r.Float64()*4+0.1)
				}
				ws := []float32{0.37, 1.5, 0.02}
				label := func(what string) string {
					return fmt.Sprintf("%s/%s M=%d K=%d %s", b.Name(), b.Level(), m, k, what)
				}

				// All-zero activations, random weights; random activations,
				// all-zero weights: Y = +0 exactly.
				for _, p := range []*kernels.Problem{
					bitLinear(t, m, n, k, randCodes(r, n*k), make([]int8, m*k), ws, xs),
					bitLinear(t, m, n, k, make([]int8, n*k), randXQ(r, m*k), ws, xs),
				} {
					got, want := runBoth(t, b, p)
					for i, y := range got.Y {
						if math.Float32bits(y) != 0 || math.Float32bits(want.Y[i]) != 0 {
							t.Fatalf("%s: Y[%d] = %v, reference %v, want +0", label("zeros"), i, y, want.Y[i])
						}
					}
				}

				// Extremes: every activation +127 or -128 against weights all +1
				// or all -1, so |Σ| = 128·K, the largest the contract allows.
				for _, x := range []int8{127, -128} {
					for _, c := range []int8{1, -1} {
						p := bitLinear(t, m, n, k, fill(n*k, c), fill(m*k, x), ws, xs)
						got, want := runBoth(t, b, p)
						what := fmt.Sprintf("x=%d c=%d", x, c)
						checkBitLinear(t, label(what), got, want)
						acc := float32(int(x) * int(c) * k)
						for i := 0; i < m; i++ {
							for j := 0; j < n; j++ {
								if w := acc * ws[j] / xs[i]; want.Y[i*n+j] != w {
									t.Fatalf("%s: reference Y[%d,%d] = %v, want %v", label(what), i, j, want.Y[i*n+j], w)
								}
							}
						}
						// With unit scales the output is the exact sum.
						p = bitLinear(t, m, n, k, fill(n*k, c), fill(m*k, x), []float32{1}, fill(m, float32(1)))
						got, _ = runBoth(t, b, p)
						for i, y := range got.Y {
							if y != acc {
								t.Fatalf("%s unit scales: Y[%d] = %v, want %v", label(what), i, y, acc)
							}
						}
					}
				}

				// Alternating extremes: partial sums swing but the total is small.
				xq := make([]int8, m*k)
				for i := range xq {
					xq[i] = [2]int8{127, -128}[i%2]
				}
				p := bitLinear(t, m, n, k, fill(n*k, int8(1)), xq, []float32{1}, fill(m, float32(1)))
				got, _ := runBoth(t, b, p)
				for i := 0; i < m; i++ {
					if acc := accOf(p.Weights.Packed.Unpack(), xq, i, 0, k); got.Y[i*n] != float32(acc) {
						t.Fatalf("%s: Y[%d,0] = %v, want %d", label("alternating"), i, got.Y[i*n], acc)
					}
				}
			}
		}
	}
}

func TestMatMul(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	for _, b := range backends(t, kernels.OpMatMul) {
		for _, k := range edgeK {
			for _, m := range []int{1, 8} {
				for _, n := range []int{1, 7} {
					x, w := make([]float32, m*k), make([]float32, n*k)
					scale := math.Ldexp(1, r.IntN(20)-10)
					for i := range x {
						x[i] = float32((r.Float64()*2 - 1) * scale)
					}
					for i := range w {
						w[i] = float32(r.Float64()*2 - 1)
					}
					p := &kernels.Problem{Op: kernels.OpMatMul, M: m, N: n, K: k, X: x, W: w, Y: make([]float32, m*n)}
					got, want := runBoth(t, b, p)
					for i := 0; i < m; i++ {
						for j := 0; j < n; j++ {
							var s float64
							for kk := 0; kk < k; kk++ {
								s += math.Abs(float64(x[i*k+kk]) * float64(w[j*k+kk]))
							}
							g, wv := float64(got.Y[i*n+j]), float64(want.Y[i*n+j])
							tol := float64(k/4+6)*u*s + u*math.Abs(wv)
							if d := math.Abs(g - wv); d > tol {
								t.Fatalf("%s M=%d N=%d K=%d: Y[%d,%d] = %v, reference %v, |diff| %g > %g",
									b.Level(), m, n, k, i, j, g, wv, d, tol)
							}
						}
					}

					// Small integers: every partial sum is exact in float32,
					// so the result must be exact too.
					for i := range x {
						x[i] = float32(r.IntN(17) - 8)
					}
					for i := range w {
						w[i] = float32(r.IntN(17) - 8)
					}
					got, want = runBoth(t, b, p)
					if !slices.Equal(got.Y, want.Y) {
						t.Fatalf("%s M=%d N=%d K=%d integers: Y = %v, reference %v", b.Level(), m, n, k, got.Y, want.Y)
					}
				}
			}
		}
	}
}

func TestActivations(t *testing.T) {
	r := rand.New(rand.NewPCG(37, 38))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 0.5, -0.5, 1e-45, -1e-45, 1e-30, -1e-30,
		6, -6, -7, -8, -10, -20, 20, 100, -100, 1e30, -1e30, math.MaxFloat32, -math.MaxFloat32,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for _, b := range backends(t, kernels.OpReLU) {
		for _, op := range kernels.ActivationOps {
			if !b.Implements(op) { // a SIMD level without code for op
				continue
			}
			for _, shape := range [][2]int{{1, 1}, {1, 7}, {8, 64}, {3, 2560}, {1, 6912}} {
				m, k := shape[0], shape[1]
				x := make([]float32, m*k)
				for i := range x {
					switch {
					case i < len(special):
						x[i] = special[i]
					case i%3 == 0:
						x[i] = float32(r.NormFloat64())
					default:
						x[i] = float32((r.Float64()*2 - 1) * 15)
					}
				}
				r.Shuffle(len(x), func(i, j int) { x[i], x[j] = x[j], x[i] })
				p := &kernels.Problem{Op: op, M: m, K: k, X: x, Y: make([]float32, m*k+3)}
				got, want := runBoth(t, b, p)
				level := cpu.Level(b.Level())
				simd := slices.Contains(cpu.SIMDOps(level), op)
				rel, abs := cpu.ActivationErrorBound(level, op)
				for i := range x {
					g, w := got.Y[i], want.Y[i]
					d := ulp.Distance(g, w)
					var ok bool
					switch {
					case op == kernels.OpReLU:
						ok = math.Float32bits(g) == math.Float32bits(w)
					case !simd:
						ok = d <= 1
					case w != w || math.IsInf(float64(w), 0):
						ok = d == 0 // NaN for NaN, the same infinity
					default:
						ok = g == g && math.Abs(float64(g)-float64(w)) <= rel*math.Abs(float64(w))+abs
					}
					if !ok {
						t.Fatalf("%s %s M=%d K=%d: f(%v) = %v, reference %v (%d ulps; bound %.3g·|ref| + %.3g)",
							b.Level(), op, m, k, x[i], g, w, d, rel, abs)
					}
				}
				// Nothing is written past M·K.
				for i := m * k; i < len(got.Y); i++ {
					if got.Y[i] == got.Y[i] {
						t.Fatalf("%s %s: Y[%d] = %v written past M·K", b.Level(), op, i, got.Y[i])
					}
				}
			}
		}
	}
}

func TestQuantizeActivations(t *testing.T) {
	r := rand.New(rand.NewPCG(39, 40))
	for _, b := range backends(t, kernels.OpQuantizeActivations) {
		for _, k := range edgeK {
			for _, m := range []int{1, 8} {
				x := make([]float32, m*k)
				for i := range x {
					x[i] = float32(r.NormFloat64() * math.Ldexp(1, r.IntN(10)-5))
				}
				if m > 1 {
					clear(x[k : 2*k]) // an all-zero token
					x[len(x)-1] = float32(math.NaN())
				}
				p := &kernels.Problem{Op: kernels.OpQuantizeActivations, M: m, K: k, X: x,
					YQ: make([]int8, m*k), YScales: make([]float32, m)}
				got, want := runBoth(t, b, p)
				if !slices.Equal(got.YQ, want.YQ) {
					t.Fatalf("%s M=%d K=%d: YQ differs from the reference", b.Level(), m, k)
				}
				for i := range want.YScales {
					if math.Float32bits(got.YScales[i]) != math.Float32bits(want.YScales[i]) {
						t.Fatalf("%s M=%d K=%d: scale %d = %v, reference %v", b.Level(), m, k, i, got.YScales[i], want.YScales[i])
					}
				}
			}
		}
	}
}

func TestQuantizeWeights(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, b := range backends(t, kernels.OpQuantizeWeights) {
		for _, k := range edgeK {
			for _, n := range []int{1, 5} {
				w := make([]float32, n*k)
				for i := range w {
					w[i] = float32(r.NormFloat64() * 0.02)
				}
				p := &kernels.Problem{Op: kernels.OpQuantizeWeights, N: n, K: k, W: w,
					YQ: make([]int8, n*k), YScales: make([]float32, 2)}
				got, want := runBoth(t, b, p)
				if !slices.Equal(got.YQ, want.YQ) || got.YScales[0] != want.YScales[0] {
					t.Fatalf("%s N=%d K=%d: codes or scale (%v vs %v) differ", b.Level(), n, k, got.YScales[0], want.YScales[0])
				}
				if got.YScales[1] != -7 {
					t.Fatalf("%s: QuantizeWeights wrote a second scale", b.Level())
				}
			}
		}
		// All zero: floor scale, zero codes.
		p := &kernels.Problem{Op: kernels.OpQuantizeWeights, N: 2, K: 3, W: make([]float32, 6),
			YQ: fill(6, int8(9)), YScales: make([]float32, 1)}
		if err := run(t, b, p); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.YQ, make([]int8, 6)) || p.YScales[0] != 1e-5 {
			t.Errorf("%s: all-zero weights gave %v scale %v", b.Level(), p.YQ, p.YScales[0])
		}
	}
}

func TestPackUnpack(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	type packed struct {
		n, k  int
		codes []int8
		data  []byte
	}
	var cases []packed
	for _, b := range backends(t, kernels.OpPack2Bit) {
		for _, k := range edgeK {
			for _, n := range []int{1, 3, 8} {
				codes := randCodes(r, n*k)
				p := &kernels.Problem{Op: kernels.OpPack2Bit, N: n, K: k, Codes: codes,
					YPacked: make([]byte, n*pack.Stride2Bit(k))}
				got, want := runBoth(t, b, p)
				if !slices.Equal(got.YPacked, want.YPacked) {
					t.Fatalf("%s N=%d K=%d: Pack2Bit = %x, reference %x", b.Level(), n, k, got.YPacked, want.YPacked)
				}
				cases = append(cases, packed{n, k, codes, want.YPacked})
			}
		}
	}
	// Unpack on every level that has it (the SIMD levels too, which do not
	// implement Pack2Bit), with arbitrary valid codes in the padding
	// fields, which the kernel must ignore.
	for _, b := range backends(t, kernels.OpUnpack2Bit) {
		for _, c := range cases {
			n, k := c.n, c.k
			data := slices.Clone(c.data)
			stride := pack.Stride2Bit(k)
			for row := 0; row < n; row++ {
				for f := k; f < 4*stride; f++ {
					off, shift := pack.Locate2Bit(f)
					i := row*stride + off
					data[i] = data[i]&^(3<<shift) | byte(r.IntN(3))<<shift
				}
			}
			u := &kernels.Problem{Op: kernels.OpUnpack2Bit, N: n, K: k,
				Weights: &kernels.Weights{Packed: &pack.Packed2Bit{Rows: n, Cols: k, Stride: stride, Data: data}},
				YQ:      make([]int8, n*k+5)}
			for i := range u.YQ[n*k:] {
				u.YQ[n*k+i] = 0x5a
			}
			gotU, wantU := runBoth(t, b, u)
			if !slices.Equal(gotU.YQ[:n*k], c.codes) || !slices.Equal(wantU.YQ[:n*k], c.codes) {
				t.Fatalf("%s N=%d K=%d: Unpack2Bit does not return the codes", b.Level(), n, k)
			}
			if !slices.Equal(gotU.YQ[n*k:], fill(5, int8(0x5a))) {
				t.Fatalf("%s N=%d K=%d: Unpack2Bit wrote past N·K: %v", b.Level(), n, k, gotU.YQ[n*k:])
			}
		}
	}
}

func TestPack2BitInvalidCode(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	for _, b := range backends(t, kernels.OpPack2Bit) {
		for _, bad := range []int8{2, -2, 127, -128} {
			for _, tc := range []struct{ n, k, row, col int }{
				{1, 1, 0, 0}, {1, 4, 0, 3}, {1, 5, 0, 4}, {3, 8, 2, 5}, {3, 9, 1, 8}, {4, 65, 3, 64},
				{4, 65, 2, 0}, {2, 6, 1, 1}, {2, 3, 1, 2}, {5, 2560, 4, 2559},
			} {
				codes := randCodes(r, tc.n*tc.k)
				codes[tc.row*tc.k+tc.col] = bad
				if i := tc.row*tc.k + tc.col + 1; i < len(codes) {
					codes[i+r.IntN(len(codes)-i)] = 3 // a later bad code is not the one named
				}
				p := &kernels.Problem{Op: kernels.OpPack2Bit, N: tc.n, K: tc.k, Codes: codes,
					YPacked: make([]byte, tc.n*pack.Stride2Bit(tc.k))}
				err := run(t, b, p)
				wantMsg := fmt.Sprintf("code %d at row %d col %d", bad, tc.row, tc.col)
				if err == nil || !strings.Contains(err.Error(), wantMsg) {
					t.Fatalf("%s %dx%d bad %d at (%d,%d): error %v, want one containing %q",
						b.Level(), tc.n, tc.k, bad, tc.row, tc.col, err, wantMsg)
				}
				ref := kernels.RunReference(kerneltest.Fresh(p))
				if ref == nil || ref.Error() != err.Error() {
					t.Fatalf("cpu error %q, reference %v", err, ref)
				}
			}
		}
	}
}

func TestPrepareRefusesBadProblems(t *testing.T) {
	mk := func() map[string]*kernels.Problem {
		pk, _ := pack.Pack2Bit(make([]int8, 6), 2, 3)
		return map[string]*kernels.Problem{
			"BitLinear short XQ": {Op: kernels.OpBitLinear, M: 2, N: 2, K: 3, Weights: &kernels.Weights{Packed: pk, Scale: 1},
				XQ: make([]int8, 5), XScales: make([]float32, 2), Y: make([]float32, 4)},
			"BitLinear wrong weights": {Op: kernels.OpBitLinear, M: 1, N: 3, K: 2, Weights: &kernels.Weights{Packed: pk, Scale: 1},
				XQ: make([]int8, 2), XScales: make([]float32, 1), Y: make([]float32, 3)},
			"BitLinear no weights": {Op: kernels.OpBitLinear, M: 1, N: 2, K: 3,
				XQ: make([]int8, 3), XScales: make([]float32, 1), Y: make([]float32, 2)},
			"BitLinear row scales": {Op: kernels.OpBitLinear, M: 1, N: 2, K: 3,
				Weights: &kernels.Weights{Packed: pk, RowScales: []float32{1}},
				XQ:      make([]int8, 3), XScales: make([]float32, 1), Y: make([]float32, 2)},
			"MatMul K=0":       {Op: kernels.OpMatMul, M: 1, N: 1, K: 0, X: []float32{1}, W: []float32{1}, Y: []float32{0}},
			"MatMul short W":   {Op: kernels.OpMatMul, M: 1, N: 2, K: 2, X: make([]float32, 2), W: make([]float32, 3), Y: make([]float32, 2)},
			"QuantizeWeights":  {Op: kernels.OpQuantizeWeights, N: 2, K: 2, W: make([]float32, 4), YQ: make([]int8, 4)},
			"QuantizeActs M=0": {Op: kernels.OpQuantizeActivations, M: 0, K: 2, X: make([]float32, 2), YQ: make([]int8, 2), YScales: make([]float32, 1)},
			"Pack2Bit short":   {Op: kernels.OpPack2Bit, N: 2, K: 5, Codes: make([]int8, 10), YPacked: make([]byte, 3)},
			"Unpack2Bit shape": {Op: kernels.OpUnpack2Bit, N: 3, K: 2, Weights: &kernels.Weights{Packed: pk}, YQ: make([]int8, 6)},
			"GELU short Y":     {Op: kernels.OpGELU, M: 2, K: 2, X: make([]float32, 4), Y: make([]float32, 3)},
			"ReLU K<0":         {Op: kernels.OpReLU, M: 1, K: -1, X: make([]float32, 4), Y: make([]float32, 4)},
			"unknown op":       {Op: "Softmax", M: 1, N: 1, K: 1, X: []float32{1}, Y: []float32{1}},
		}
	}
	for _, b := range allBackends() {
		for name, p := range mk() {
			if name != "unknown op" && !b.Implements(p.Op) {
				// A level without the op refuses it as not implemented.
				if _, err := b.Prepare(p); !kernels.IsNotImplemented(err) {
					t.Errorf("%s on %s: Prepare error %v, want not implemented", name, b.Level(), err)
				}
				continue
			}
			want := p.Check()
			if want == nil {
				t.Fatalf("%s: Check accepted it", name)
			}
			k, err := b.Prepare(p)
			if err == nil || k != nil {
				t.Errorf("%s: Prepare = %v, %v; want an error", name, k, err)
				continue
			}
			if err.Error() != want.Error() {
				t.Errorf("%s: Prepare error %q, want the Check error %q", name, err, want)
			}
			var se *kernels.ShapeError
			if name != "unknown op" && !errors.As(err, &se) {
				t.Errorf("%s: Prepare error %v is not a ShapeError", name, err)
			}
			if kernels.IsNotImplemented(err) {
				t.Errorf("%s: Prepare error %v says not implemented", name, err)
			}
		}
	}
}

func TestBackendMetadata(t *testing.T) {
	if ls := cpu.Levels(); len(ls) == 0 || ls[0] != cpu.LevelGeneric {
		t.Errorf("Levels() = %v, want generic first", ls)
	}
	if !slices.Contains(kernels.Backends(), "cpu") {
		t.Errorf("cpu is not registered: %v", kernels.Backends())
	}
	for _, b := range allBackends() {
		if b.Name() != "cpu" {
			t.Errorf("Name() = %q", b.Name())
		}
		if b.Available() != nil {
			t.Errorf("Available() = %v", b.Available())
		}
		// Generic has every op of the op table; a SIMD level exactly its
		// SIMD ops; no level an op outside the table.
		level := cpu.Level(b.Level())
		for _, op := range kernels.Ops {
			want := level == cpu.LevelGeneric || slices.Contains(cpu.SIMDOps(level), op)
			if b.Implements(op) != want {
				t.Errorf("%s: Implements(%s) = %v, want %v", b.Level(), op, b.Implements(op), want)
			}
		}
		if b.Implements("NoSuchOp") {
			t.Errorf("%s: Implements(NoSuchOp) = true", b.Level())
		}
	}
	if b := cpu.New(cpu.LevelGeneric); b.Level() != "generic" {
		t.Errorf("Level() = %q", b.Level())
	}
	if want, err := cpu.DefaultLevel(); err != nil {
		t.Logf("BITNET_ISA is set to a level this machine lacks: %v", err)
	} else if b, _ := kernels.Lookup("cpu"); b.Level() != string(want) || b.Available() != nil {
		t.Errorf("registered cpu backend at level %q (available: %v), want %q", b.Level(), b.Available(), want)
	}
}

// TestKernelReuse: a prepared kernel runs repeatedly on the Problem it was
// bound to, seeing new input values each time.
func TestKernelReuse(t *testing.T) {
	for _, b := range backends(t, kernels.OpBitLinear) {
		for _, m := range []int{1, 2} {
			p := bitLinear(t, m, 2, 5, []int8{1, 1, 1, 1, 1, -1, -1, -1, -1, -1}, fill(m*5, int8(2)), []float32{1}, fill(m, float32(1)))
			k, err := b.Prepare(p)
			if err != nil {
				t.Fatal(err)
			}
			for iter, x := range []int8{2, -3, 0, 127} {
				for i := range p.XQ {
					p.XQ[i] = x
				}
				if err := k.Run(); err != nil {
					t.Fatal(err)
				}
				if err := k.Fetch(); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < m; i++ {
					if want := float32(5 * int(x)); p.Y[i*2] != want || p.Y[i*2+1] != -want {
						t.Fatalf("%s M=%d run %d: Y = %v, want ±%v", b.Level(), m, iter, p.Y, want)
					}
				}
			}
			if err := k.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// FuzzBitLinearGEMV turns bytes into a small BitLinear problem (mostly one
// token) and checks the cpu backend against the reference, with the
// tolerance argued at the top of the file.
func FuzzBitLinearGEMV(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x00, 3, 4, 0, 1, 0x12, 0x34, 0xff, 0x80, 0x7f, 1, 2, 3, 4, 5})
	f.Add([]byte{0x81, 7, 63, 0, 2, 0x40, 0x40, 0x80, 0x80, 0x7f, 0x7f, 0x01})
	f.Add([]byte{0x02, 1, 255, 1, 3, 0xaa, 0x55, 0x80, 0x7f})
	levels := backends(f, kernels.OpBitLinear)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 7 {
			return
		}
		m := 1
		if data[0]&0x80 != 0 {
			m = 2 + int(data[0]&3)
		}
		n := 1 + int(data[1]%9)
		k := 1 + (int(data[2])|int(data[3])<<8)%520
		mode := data[4] % 4
		sa, sb := data[5], data[6]
		codes, xq := fuzzOperands(data[7:], m, n, k)
		// Scales: 0 unit, 1 powers of two, 2 arbitrary, 3 arbitrary per row.
		scale := func(b byte, i int) float32 {
			switch mode {
			case 0:
				return 1
			case 1:
				return float32(math.Ldexp(1, int(b%32)-16+i%3))
			}
			return float32(math.Ldexp(1+float64(b)/256+float64(i)/1024, int(b>>4)-8))
		}
		ws := []float32{scale(sa, 0)}
		if mode == 3 {
			ws = make([]float32, n)
			for i := range ws {
				ws[i] = scale(sa, i+1)
			}
		}
		xs := make([]float32, m)
		for i := range xs {
			xs[i] = scale(sb, i)
		}
		for _, b := range levels {
			p := bitLinear(t, m, n, k, codes, xq, ws, xs)
			got, want := runBoth(t, b, p)
			checkBitLinear(t, fmt.Sprintf("%s M=%d N=%d K=%d mode %d", b.Level(), m, n, k, mode), got, want)
			if mode == 0 {
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						if acc := accOf(codes, xq, i, j, k); got.Y[i*n+j] != float32(acc) {
							t.Fatalf("%s: Y[%d,%d] = %v, want Σ = %d", b.Level(), i, j, got.Y[i*n+j], acc)
						}
					}
				}
			}
		}
	})
}

// fuzzOperands draws n×k codes and m×k activations from a fuzzer's bytes
// (zeros when there are none), each a different walk through them.
func fuzzOperands(body []byte, m, n, k int) (codes, xq []int8) {
	at := func(i int) byte {
		if len(body) == 0 {
			return 0
		}
		return body[i%len(body)]
	}
	codes = make([]int8, n*k)
	for i := range codes {
		codes[i] = int8(at(i)%3) - 1
	}
	xq = make([]int8, m*k)
	for i := range xq {
		xq[i] = int8(at(n*k + 7*i + 3))
	}
	return codes, xq
}

// TestBitLinearRunDoesNotAllocate: a prepared single-threaded kernel runs
// without touching the heap, at every level.
func TestBitLinearRunDoesNotAllocate(t *testing.T) {
	for _, b := range backends(t, kernels.OpBitLinear) {
		if tb, ok := b.(kernels.Tunable); ok && tb.Threads() > 1 {
			continue // the pool allocates one job per multi-threaded run
		}
		r := rand.New(rand.NewPCG(7, 8))
		for _, m := range []int{1, 3} {
			p := bitLinear(t, m, 70, 300, randCodes(r, 70*300), randXQ(r, m*300), []float32{0.5}, fill(m, float32(2)))
			k, err := b.Prepare(p)
			if err != nil {
				t.Fatal(err)
			}
			if n := testing.AllocsPerRun(20, func() { k.Run() }); n != 0 {
				t.Errorf("%s M=%d: %v allocations per Run", b.Level(), m, n)
			}
		}
	}
}
