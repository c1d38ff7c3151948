package metal

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/internal/ulp"
)

// The GPU kernels' arithmetic lives in shaders/common/bitlinear_body.h,
// which is also C99 and C++. These tests compile that very text (with the
// C prelude instead of the Metal one) and testdata/harness.c with the host
// compiler, run it on random data and edge cases, and compare with the Go
// reference: bit for bit for BitLinear and quantization, within the stated
// ulp bounds for the activations. They run on any OS with a C compiler, so
// CI checks the math the Mac runs without a Mac.

// cParts is metalParts with the C prelude and without the Metal kernels.
var cParts = []string{"common/prelude_c.h", "common/activation_coeffs.h", "common/bitlinear_body.h", "common/model_body.h"}

// compilers are tried in turn: the body must be valid C99 and C++ (Metal
// and CUDA are C++ dialects). -ffp-contract=off keeps a×b+c unfused, as
// Metal's safe math mode does.
var compilers = []struct{ name, lang string }{
	{"cc", "-std=c99"},
	{"c++", "-x c++ -std=c++14"},
}

// buildHarness compiles the harness with compiler; it skips the test only
// when there is no such compiler.
func buildHarness(t *testing.T, compiler, lang string) string {
	t.Helper()
	cc, err := exec.LookPath(compiler)
	if err != nil {
		t.Skipf("no %s on PATH: %v", compiler, err)
	}
	dir := t.TempDir()
	body, err := assemble(cParts)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "body.h"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	harness, err := filepath.Abs(filepath.Join("testdata", "harness.c"))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "harness")
	args := append(strings.Fields(lang), "-O2", "-ffp-contract=off", "-Wall", "-Wextra", "-I", dir, "-o", bin, harness, "-lm")
	out, err := exec.Command(cc, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", cc, strings.Join(args, " "), err, out)
	}
	if len(out) > 0 {
		t.Errorf("%s warns about the body or harness:\n%s", cc, out)
	}
	return bin
}

func runHarness(t testing.TB, bin, mode string, in []byte) []byte {
	t.Helper()
	cmd := exec.Command(bin, mode)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("harness %s: %v\n%s", mode, err, stderr.Bytes())
	}
	return out
}

// put appends values in host byte order (the harness reads raw memory).
func put(b *bytes.Buffer, vals ...any) {
	for _, v := range vals {
		if err := binary.Write(b, binary.NativeEndian, v); err != nil {
			panic(err)
		}
	}
}

func f32s(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.NativeEndian.Uint32(b[4*i:]))
	}
	return out
}

func TestBody(t *testing.T) {
	for _, c := range compilers {
		t.Run(c.name, func(t *testing.T) {
			bin := buildHarness(t, c.name, c.lang)
			t.Run("BitLinear", func(t *testing.T) { testBodyBitLinear(t, bin) })
			t.Run("Quantize", func(t *testing.T) { testBodyQuantize(t, bin) })
			t.Run("Activations", func(t *testing.T) { testBodyActivations(t, bin) })
		})
	}
}

// bodyBitLinear runs p through the harness, with the buffers plan builds
// for the GPU (weights as words, activations padded to whole blocks).
func bodyBitLinear(t *testing.T, bin string, p *kernels.Problem) []float32 {
	t.Helper()
	pl, err := newPlan(p)
	if err != nil {
		t.Fatal(err)
	}
	d := pl.dispatches[0]
	in := func(name string) []byte { return pl.bufs[d.bufs[name]].in }
	var b bytes.Buffer
	// params: n, m, words, kp, row_scales
	put(&b, int32(d.params[0]), int32(d.params[1]), int32(d.params[2]), int32(d.params[4]))
	for _, name := range []string{"w", "x", "xscale", "wscale"} {
		b.Write(in(name))
	}
	return f32s(runHarness(t, bin, "bitlinear", b.Bytes()))
}

func testBodyBitLinear(t *testing.T, bin string) {
	r := rand.New(rand.NewPCG(8, 2))
	shapes := []struct{ m, n, k int }{
		{1, 1, 1}, {1, 7, 255}, {1, 5, 256}, {1, 3, 257}, {2, 9, 1000},
		{3, 17, 2560}, {9, 33, 513}, {1, 64, 6912},
	}
	for _, s := range shapes {
		for _, rows := range []bool{false, true} {
			p := kerneltest.BitLinearProblem(r, s.m, s.n, s.k, rows)
			want := kerneltest.Reference(t, p)
			kerneltest.ExactF32(t, "BitLinear "+shape(s.m, s.n, s.k), bodyBitLinear(t, bin, p), want.Y)
		}
	}
	// Extremes: every code −1 or +1 against −128 or 127, and all zeros.
	for _, e := range []struct {
		name string
		code int8
		x    int8
	}{{"-1×-128", -1, -128}, {"+1×-128", 1, -128}, {"+1×127", 1, 127}, {"-1×127", -1, 127}, {"0×-128", 0, -128}, {"zeros", 0, 0}} {
		for _, k := range []int{4096, 300} {
			codes, xq := make([]int8, 3*k), make([]int8, 2*k)
			for i := range codes {
				codes[i] = e.code
			}
			for i := range xq {
				xq[i] = e.x
				if e.name == "zeros" { // zero codes against any activations
					xq[i] = int8(r.IntN(256) - 128)
				}
			}
			p := kerneltest.BitLinearFrom(r, 2, 3, k, codes, xq, false)
			want := kerneltest.Reference(t, p)
			kerneltest.ExactF32(t, "BitLinear "+e.name+" "+shape(2, 3, k), bodyBitLinear(t, bin, p), want.Y)
		}
	}
}

func testBodyQuantize(t *testing.T, bin string) {
	r := rand.New(rand.NewPCG(3, 4))
	type tc struct {
		name string
		m, k int
		fill func(x []float32)
	}
	random := func(scale float32) func([]float32) {
		return func(x []float32) {
			for i := range x {
				x[i] = scale * float32(r.NormFloat64())
			}
		}
	}
	cases := []tc{
		{"random", 4, 2560, random(1)},
		{"small", 3, 257, random(1e-3)},
		{"large", 2, 1000, random(1e30)},
		{"zeros", 2, 300, func(x []float32) { clear(x) }},
		{"tiny", 1, 100, random(1e-7)}, // the 1e-5 floor of the maximum
		// s = 127/127 = 1: x·s lands on .5, which rounds to even.
		{"ties", 1, 9, func(x []float32) { copy(x, []float32{127, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 126.5, -127.5}) }},
		{"specials", 1, 8, func(x []float32) {
			copy(x, []float32{float32(math.NaN()), 1, -3, float32(math.Copysign(0, -1)), 1e-45, -1e-40, 0.25, 2})
		}},
		{"inf", 1, 4, func(x []float32) { copy(x, []float32{float32(math.Inf(-1)), 1, 2, -3}) }},
		{"odd", 5, 1, random(10)},
	}
	for _, c := range cases {
		p := &kernels.Problem{Op: kernels.OpQuantizeActivations, M: c.m, K: c.k, X: make([]float32, c.m*c.k),
			YQ: make([]int8, c.m*c.k), YScales: make([]float32, c.m)}
		c.fill(p.X)
		want := kerneltest.Reference(t, p)
		var b bytes.Buffer
		put(&b, int32(c.m), int32(c.k), p.X)
		out := runHarness(t, bin, "quant", b.Bytes())
		q, scales := out[:c.m*c.k], f32s(out[c.m*c.k:])
		kerneltest.ExactF32(t, "QuantizeActivations "+c.name+" scales", scales, want.YScales)
		bad := 0
		for i := range want.YQ {
			if int8(q[i]) != want.YQ[i] {
				if bad < 5 {
					t.Errorf("QuantizeActivations %s: q[%d] = %d for x = %v, reference %d", c.name, i, int8(q[i]), p.X[i], want.YQ[i])
				}
				bad++
			}
		}
	}
}

// actOps are the harness's activation codes.
var actOps = []kernels.Op{kernels.OpReLU, kernels.OpGELU, kernels.OpSiLU, kernels.OpSigmoid, kernels.OpTanh}

func testBodyActivations(t *testing.T, bin string) {
	x := activationInputs(rand.New(rand.NewPCG(5, 6)))
	for code, op := range actOps {
		var b bytes.Buffer
		put(&b, int32(code), int32(len(x)), x)
		got := f32s(runHarness(t, bin, "act", b.Bytes()))
		checkActivation(t, op, x, got, false)
	}
	// exp alone, to keep its bound honest as the others build on it.
	var b bytes.Buffer
	put(&b, int32(5), int32(len(x)), x)
	got := f32s(runHarness(t, bin, "act", b.Bytes()))
	worst, at := 0.0, float32(0)
	for i, v := range x {
		want := float32(math.Exp(float64(v)))
		if !ulp.SameSpecial(got[i], want) {
			t.Errorf("exp(%v) = %v, reference %v", v, got[i], want)
			continue
		}
		if d := float64(ulp.Distance(got[i], want)); d > worst {
			worst, at = d, v
		}
	}
	t.Logf("exp: worst %.0f ulp at x = %v", worst, at)
	if worst > expBound {
		t.Errorf("exp: %.0f ulp at x = %v, bound %d", worst, at, expBound)
	}
}
