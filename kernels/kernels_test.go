package kernels

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

var allOps = []Op{OpBitLinear, OpMatMul, OpQuantizeWeights, OpQuantizeActivations,
	OpPack2Bit, OpUnpack2Bit, OpReLU, OpGELU, OpSiLU, OpSigmoid, OpTanh}

func packedZeros(t testing.TB, n, k int) *pack.Packed2Bit {
	t.Helper()
	p, err := pack.Pack2Bit(make([]int8, n*k), n, k)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// validProblem returns a problem for op whose operands all have exactly the
// sizes the op needs.
func validProblem(t testing.TB, op Op, m, n, k int) *Problem {
	p := &Problem{Op: op, M: m, N: n, K: k}
	switch op {
	case OpBitLinear:
		p.Weights = &Weights{Packed: packedZeros(t, n, k), Scale: 1}
		p.XQ, p.XScales, p.Y = make([]int8, m*k), make([]float32, m), make([]float32, m*n)
	case OpMatMul:
		p.X, p.W, p.Y = make([]float32, m*k), make([]float32, n*k), make([]float32, m*n)
	case OpQuantizeWeights:
		p.W, p.YQ, p.YScales = make([]float32, n*k), make([]int8, n*k), make([]float32, 1)
	case OpQuantizeActivations:
		p.X, p.YQ, p.YScales = make([]float32, m*k), make([]int8, m*k), make([]float32, m)
	case OpPack2Bit:
		p.Codes, p.YPacked = make([]int8, n*k), make([]byte, n*pack.Stride2Bit(k))
	case OpUnpack2Bit:
		p.Weights = &Weights{Packed: packedZeros(t, n, k), Scale: 1}
		p.YQ = make([]int8, n*k)
	default:
		p.X, p.Y = make([]float32, m*k), make([]float32, m*k)
	}
	return p
}

func TestCheckValid(t *testing.T) {
	for _, op := range allOps {
		for _, s := range [][3]int{{1, 1, 1}, {3, 5, 7}, {8, 16, 64}} {
			p := validProblem(t, op, s[0], s[1], s[2])
			if err := p.Check(); err != nil {
				t.Errorf("%s %v: Check = %v", op, s, err)
			}
		}
	}
	// Dimensions an op does not use may be anything.
	for _, op := range []Op{OpQuantizeWeights, OpPack2Bit, OpUnpack2Bit} {
		p := validProblem(t, op, 1, 3, 5)
		p.M = 0
		if err := p.Check(); err != nil {
			t.Errorf("%s with M=0 (unused): %v", op, err)
		}
	}
	for _, op := range append([]Op{OpQuantizeActivations}, ActivationOps...) {
		p := validProblem(t, op, 2, 1, 5)
		p.N = -1
		if err := p.Check(); err != nil {
			t.Errorf("%s with N=-1 (unused): %v", op, err)
		}
	}
	// Longer buffers are fine, and so are per-row scales of length N.
	p := validProblem(t, OpBitLinear, 2, 3, 4)
	p.XQ, p.Y = make([]int8, 100), make([]float32, 100)
	p.Weights.RowScales = []float32{1, 2, 3}
	if err := p.Check(); err != nil {
		t.Errorf("BitLinear with long buffers and row scales: %v", err)
	}
}

// expectShapeError checks err is a *ShapeError of op whose message contains
// every fragment.
func expectShapeError(t *testing.T, what string, op Op, err error, fragments ...string) {
	t.Helper()
	var se *ShapeError
	if !errors.As(err, &se) {
		t.Errorf("%s: error %v, want a *ShapeError", what, err)
		return
	}
	if se.Op != op {
		t.Errorf("%s: ShapeError.Op = %s, want %s", what, se.Op, op)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("%s: error %q does not contain %q", what, err, f)
		}
	}
	if !strings.HasPrefix(err.Error(), string(op)+": ") {
		t.Errorf("%s: error %q does not start with the op name", what, err)
	}
}

func TestCheckShortOperands(t *testing.T) {
	const m, n, k = 2, 3, 5
	type mut struct {
		name  string
		apply func(p *Problem)
		frag  string
	}
	cases := map[Op][]mut{
		OpBitLinear: {
			{"XQ", func(p *Problem) { p.XQ = p.XQ[:m*k-1] }, "XQ has 9 elements, want 10 (M=2 N=3 K=5)"},
			{"XScales", func(p *Problem) { p.XScales = p.XScales[:1] }, "XScales has 1 elements, want 2"},
			{"Y", func(p *Problem) { p.Y = nil }, "Y has 0 elements, want 6"},
		},
		OpMatMul: {
			{"X", func(p *Problem) { p.X = p.X[:9] }, "X has 9 elements, want 10"},
			{"W", func(p *Problem) { p.W = p.W[:14] }, "W has 14 elements, want 15"},
			{"Y", func(p *Problem) { p.Y = p.Y[:5] }, "Y has 5 elements, want 6"},
		},
		OpQuantizeWeights: {
			{"W", func(p *Problem) { p.W = p.W[:14] }, "W has 14 elements, want 15"},
			{"YQ", func(p *Problem) { p.YQ = p.YQ[:1] }, "YQ has 1 elements, want 15"},
			{"YScales", func(p *Problem) { p.YScales = nil }, "YScales has 0 elements, want 1"},
		},
		OpQuantizeActivations: {
			{"X", func(p *Problem) { p.X = p.X[:9] }, "X has 9 elements, want 10"},
			{"YQ", func(p *Problem) { p.YQ = p.YQ[:9] }, "YQ has 9 elements, want 10"},
			{"YScales", func(p *Problem) { p.YScales = p.YScales[:1] }, "YScales has 1 elements, want 2"},
		},
		OpPack2Bit: {
			{"Codes", func(p *Problem) { p.Codes = p.Codes[:14] }, "Codes has 14 elements, want 15"},
			{"YPacked", func(p *Problem) { p.YPacked = p.YPacked[:5] }, "YPacked has 5 elements, want 192"},
		},
		OpUnpack2Bit: {
			{"YQ", func(p *Problem) { p.YQ = p.YQ[:14] }, "YQ has 14 elements, want 15"},
		},
	}
	for _, op := range ActivationOps {
		cases[op] = []mut{
			{"X", func(p *Problem) { p.X = p.X[:9] }, "X has 9 elements, want 10"},
			{"Y", func(p *Problem) { p.Y = p.Y[:9] }, "Y has 9 elements, want 10"},
		}
	}
	for _, op := range allOps {
		if len(cases[op]) == 0 {
			t.Fatalf("no cases for %s", op)
		}
		for _, c := range cases[op] {
			p := validProblem(t, op, m, n, k)
			c.apply(p)
			expectShapeError(t, fmt.Sprintf("%s short %s", op, c.name), op, p.Check(), c.frag)
		}
	}
	// Every short operand is reported, not just the first.
	p := validProblem(t, OpMatMul, m, n, k)
	p.X, p.Y = nil, nil
	err := p.Check()
	expectShapeError(t, "MatMul short X and Y", OpMatMul, err, "X has 0", "Y has 0")
}

func TestCheckDimensions(t *testing.T) {
	uses := map[Op]string{
		OpBitLinear: "MNK", OpMatMul: "MNK", OpQuantizeWeights: "NK", OpQuantizeActivations: "MK",
		OpPack2Bit: "NK", OpUnpack2Bit: "NK",
	}
	for _, op := range ActivationOps {
		uses[op] = "MK"
	}
	for _, op := range allOps {
		for _, dim := range uses[op] {
			for _, v := range []int{0, -1} {
				p := validProblem(t, op, 2, 3, 4)
				switch dim {
				case 'M':
					p.M = v
				case 'N':
					p.N = v
				case 'K':
					p.K = v
				}
				expectShapeError(t, fmt.Sprintf("%s %c=%d", op, dim, v), op, p.Check(), "must be positive")
			}
		}
	}
}

func TestCheckWeights(t *testing.T) {
	for _, op := range []Op{OpBitLinear, OpUnpack2Bit} {
		for name, tc := range map[string]struct {
			mutate func(p *Problem)
			frag   string
		}{
			"nil weights": {func(p *Problem) { p.Weights = nil }, "no packed weights"},
			"nil packed":  {func(p *Problem) { p.Weights.Packed = nil }, "no packed weights"},
			"wrong rows": {func(p *Problem) { p.Weights.Packed = packedZeros(t, 4, 5) },
				"weights are 4x5, want N×K = 3x5"},
			"wrong cols": {func(p *Problem) { p.Weights.Packed = packedZeros(t, 3, 4) },
				"weights are 3x4, want N×K = 3x5"},
			"transposed": {func(p *Problem) { p.Weights.Packed = packedZeros(t, 5, 3) },
				"weights are 5x3"},
			"row scales short": {func(p *Problem) { p.Weights.RowScales = []float32{1, 1} },
				"2 row scales, want N = 3"},
			"row scales long": {func(p *Problem) { p.Weights.RowScales = []float32{1, 1, 1, 1} },
				"4 row scales, want N = 3"},
			"row scales empty": {func(p *Problem) { p.Weights.RowScales = []float32{} },
				"0 row scales, want N = 3"},
		} {
			p := validProblem(t, op, 2, 3, 5)
			tc.mutate(p)
			expectShapeError(t, fmt.Sprintf("%s %s", op, name), op, p.Check(), tc.frag)
		}
	}
}

func TestCheckUnknownOp(t *testing.T) {
	for _, op := range []Op{"", "Conv2D", "bitlinear", "GELUTanh"} {
		p := validProblem(t, OpMatMul, 1, 1, 1)
		p.Op = op
		err := p.Check()
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("unknown op %q", op)) {
			t.Errorf("Check(op %q) = %v, want unknown op", op, err)
		}
		var se *ShapeError
		if errors.As(err, &se) {
			t.Errorf("Check(op %q) gave a ShapeError", op)
		}
		if err := RunReference(p); err == nil {
			t.Errorf("RunReference(op %q) = nil", op)
		}
	}
}

func TestRunReferenceRefusesBadProblem(t *testing.T) {
	for _, op := range allOps {
		p := validProblem(t, op, 2, 3, 4)
		p.K = 0
		want := p.Check()
		if want == nil {
			t.Fatalf("%s: K=0 passed Check", op)
		}
		if got := RunReference(p); got == nil || got.Error() != want.Error() {
			t.Errorf("%s: RunReference = %v, want %v", op, got, want)
		}
	}
}

func TestWeightsRowScale(t *testing.T) {
	w := &Weights{Scale: 0.5}
	if w.RowScale(0) != 0.5 || w.RowScale(7) != 0.5 {
		t.Errorf("per-tensor RowScale = %v", w.RowScale(7))
	}
	w.RowScales = []float32{1, 2, 3}
	if got := []float32{w.RowScale(0), w.RowScale(1), w.RowScale(2)}; !slices.Equal(got, w.RowScales) {
		t.Errorf("per-row RowScale = %v", got)
	}
}

func TestNotImplementedError(t *testing.T) {
	err := error(&NotImplementedError{Op: OpGELU, Backend: "cuda/sm_90"})
	if got, want := err.Error(), "GELU: not implemented on cuda/sm_90"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !IsNotImplemented(err) || !IsNotImplemented(fmt.Errorf("wrapped: %w", err)) {
		t.Error("IsNotImplemented is false for a (wrapped) NotImplementedError")
	}
	if IsNotImplemented(errors.New("GELU: not implemented on cuda")) || IsNotImplemented(nil) {
		t.Error("IsNotImplemented is true for another error")
	}
	if IsNotImplemented(&ShapeError{Op: OpGELU, Msg: "x"}) {
		t.Error("IsNotImplemented is true for a ShapeError")
	}
}

type fakeBackend struct{ name string }

func (b fakeBackend) Name() string       { return b.name }
func (b fakeBackend) Level() string      { return "test" }
func (b fakeBackend) Available() error   { return nil }
func (b fakeBackend) Implements(Op) bool { return false }
func (b fakeBackend) Prepare(p *Problem) (Kernel, error) {
	return nil, &NotImplementedError{Op: p.Op, Backend: b.name}
}

var registryRuns int // a fresh name each run, so -count=N works

func TestRegistry(t *testing.T) {
	registryRuns++
	name := fmt.Sprintf("zz-kernels-test-%d", registryRuns)
	calls := 0
	Register(name, func() Backend { calls++; return fakeBackend{name} })
	b, err := Lookup(name)
	if err != nil || b.Name() != name || calls != 1 {
		t.Fatalf("Lookup = %v, %v (constructor calls %d)", b, err, calls)
	}
	if _, err := Lookup(name); err != nil || calls != 2 {
		t.Errorf("second Lookup: %v, calls %d; want a new instance each time", err, calls)
	}
	names := Backends()
	if !slices.Contains(names, name) || !slices.IsSorted(names) {
		t.Errorf("Backends() = %v, want sorted and containing %q", names, name)
	}
	if _, err := Lookup("no-such-backend"); err == nil || !strings.Contains(err.Error(), `unknown backend "no-such-backend"`) ||
		!strings.Contains(err.Error(), name) {
		t.Errorf("Lookup(unknown) = %v, want an error listing the registered backends", err)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), name) {
			t.Errorf("registering %q twice: recover() = %v, want a panic naming it", name, r)
		}
	}()
	Register(name, func() Backend { return fakeBackend{name} })
}
