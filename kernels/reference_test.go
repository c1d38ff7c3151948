package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels/internal/ulp"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

func mustPack(t testing.TB, codes []int8, n, k int) *pack.Packed2Bit {
	t.Helper()
	p, err := pack.Pack2Bit(codes, n, k)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRefBitLinearHandComputed(t *testing.T) {
	codes := []int8{
		1, -1, 0, 1, 1,
		0, 0, -1, 1, -1,
	}
	p := &Problem{
		Op: OpBitLinear, M: 2, N: 2, K: 5,
		Weights: &Weights{Packed: mustPack(t, codes, 2, 5), Scale: 0.5},
		XQ: []int8{
			10, -20, 30, -40, 50,
			-128, 127, 1, 0, -1,
		},
		XScales: []float32{2, 4},
		Y:       make([]float32, 4),
	}
	// token 0: row 0 Σ = 10+20-40+50 = 40 → 40·0.5/2 = 10;
	//          row 1 Σ = -30-40-50 = -120 → -120·0.5/2 = -30.
	// token 1: row 0 Σ = -128-127-1 = -256 → -256·0.5/4 = -32;
	//          row 1 Σ = -1+1 = 0.
	if err := RunReference(p); err != nil {
		t.Fatal(err)
	}
	if want := []float32{10, -30, -32, 0}; !slices.Equal(p.Y, want) {
		t.Errorf("per-tensor Y = %v, want %v", p.Y, want)
	}
	// Per-row scales 0.5 and 0.25: row 1 of token 0 becomes -120·0.25/2 = -15.
	p.Weights.RowScales = []float32{0.5, 0.25}
	if err := RunReference(p); err != nil {
		t.Fatal(err)
	}
	if want := []float32{10, -15, -32, 0}; !slices.Equal(p.Y, want) {
		t.Errorf("per-row Y = %v, want %v", p.Y, want)
	}
	// One token, one row, one column.
	q := &Problem{Op: OpBitLinear, M: 1, N: 1, K: 1,
		Weights: &Weights{Packed: mustPack(t, []int8{-1}, 1, 1), Scale: 3},
		XQ:      []int8{-128}, XScales: []float32{0.5}, Y: []float32{7}}
	if err := RunReference(q); err != nil {
		t.Fatal(err)
	}
	if q.Y[0] != 768 { // -1·-128·3/0.5
		t.Errorf("1x1x1: Y = %v, want 768", q.Y[0])
	}
}

// TestRefBitLinearLargeK checks exact accumulation at the extremes: with
// K = 6912 the sum reaches ±128·6912, far beyond int16 and float32 rounding
// of partial sums would matter if it were not exact.
func TestRefBitLinearLargeK(t *testing.T) {
	const k = 6912
	for _, tc := range []struct {
		code int8
		x    int8
	}{{1, 127}, {1, -128}, {-1, 127}, {-1, -128}} {
		codes := make([]int8, k)
		xq := make([]int8, k)
		for i := range codes {
			codes[i], xq[i] = tc.code, tc.x
		}
		codes[0], xq[1] = 0, 1 // break the symmetry a little: Σ = c·x·(k-2) + c
		p := &Problem{Op: OpBitLinear, M: 1, N: 1, K: k,
			Weights: &Weights{Packed: mustPack(t, codes, 1, k), Scale: 0.25},
			XQ:      xq, XScales: []float32{8}, Y: make([]float32, 1)}
		if err := RunReference(p); err != nil {
			t.Fatal(err)
		}
		acc := int(tc.code)*int(tc.x)*(k-2) + int(tc.code)
		if want := float32(acc) / 32; p.Y[0] != want {
			t.Errorf("c=%d x=%d: Y = %v, want %v", tc.code, tc.x, p.Y[0], want)
		}
	}
}

// TestRefBitLinearMatchesDequantizedMatMul: BitLinear is a matrix product of
// the dequantized operands, W = c·wscale(n) and x = xq/xscale. RefMatMul of
// those, in float64, differs from RefBitLinear only by roundings: xq/xscale
// rounded to float32 (relative u = 2^-24 per term), the final float32 of the
// MatMul (u·|y|) and the two float32 operations of BitLinear after its exact
// integer sum (2u·|y|). With S = (wscale/xscale)·Σ|c·xq| ≥ |y| the
// difference is at most 4u·S; 4.5u·S leaves room for the float64 sums.
func TestRefBitLinearMatchesDequantizedMatMul(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	const u = 1.0 / (1 << 24)
	for iter := 0; iter < 300; iter++ {
		m, n, k := 1+r.IntN(5), 1+r.IntN(9), 1+r.IntN(300)
		codes := make([]int8, n*k)
		for i := range codes {
			codes[i] = int8(r.IntN(3)) - 1
		}
		w := &Weights{Packed: mustPack(t, codes, n, k), Scale: float32(r.Float64()*2 + 0.01)}
		if iter%2 == 1 {
			w.RowScales = make([]float32, n)
			for i := range w.RowScales {
				w.RowScales[i] = float32(math.Ldexp(r.Float64()+0.5, r.IntN(20)-10))
			}
		}
		xq := make([]int8, m*k)
		for i := range xq {
			xq[i] = int8(r.IntN(256) - 128)
		}
		xs := make([]float32, m)
		for i := range xs {
			xs[i] = float32(math.Ldexp(r.Float64()+0.5, r.IntN(20)-5))
		}
		bl := &Problem{Op: OpBitLinear, M: m, N: n, K: k, Weights: w, XQ: xq, XScales: xs, Y: make([]float32, m*n)}
		if err := RunReference(bl); err != nil {
			t.Fatal(err)
		}

		x := make([]float32, m*k)
		for i := range x {
			x[i] = float32(xq[i]) / xs[i/k]
		}
		wd := make([]float32, n*k)
		for i := range wd {
			wd[i] = float32(codes[i]) * w.RowScale(i/k)
		}
		mm := &Problem{Op: OpMatMul, M: m, N: n, K: k, X: x, W: wd, Y: make([]float32, m*n)}
		if err := RunReference(mm); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				var s float64
				for kk := 0; kk < k; kk++ {
					s += math.Abs(float64(codes[j*k+kk]) * float64(xq[i*k+kk]))
				}
				s *= float64(w.RowScale(j)) / float64(xs[i])
				got, want := float64(bl.Y[i*n+j]), float64(mm.Y[i*n+j])
				if d := math.Abs(got - want); d > 4.5*u*s {
					t.Fatalf("iter %d %dx%dx%d (%d,%d): BitLinear %v, MatMul %v, |diff| %g > %g",
						iter, m, n, k, i, j, got, want, d, 4.5*u*s)
				}
			}
		}
	}
}

func TestRefMatMulHandComputed(t *testing.T) {
	// x (2×3) · Wᵀ with W (2×3):
	// [1 2 3] · [1 0 -1] = -2,  [1 2 3] · [2 1 0.5] = 5.5
	// [4 5 6] · [1 0 -1] = -2,  [4 5 6] · [2 1 0.5] = 16
	p := &Problem{Op: OpMatMul, M: 2, N: 2, K: 3,
		X: []float32{1, 2, 3, 4, 5, 6},
		W: []float32{1, 0, -1, 2, 1, 0.5},
		Y: make([]float32, 4)}
	if err := RunReference(p); err != nil {
		t.Fatal(err)
	}
	if want := []float32{-2, 5.5, -2, 16}; !slices.Equal(p.Y, want) {
		t.Errorf("Y = %v, want %v", p.Y, want)
	}
	// 3 tokens × 1 output: row-major X, W N×K.
	p = &Problem{Op: OpMatMul, M: 3, N: 1, K: 2,
		X: []float32{1, 1, 2, -3, 0.5, 0.25}, W: []float32{4, 8}, Y: make([]float32, 3)}
	if err := RunReference(p); err != nil {
		t.Fatal(err)
	}
	if want := []float32{12, -16, 4}; !slices.Equal(p.Y, want) {
		t.Errorf("3x1 Y = %v, want %v", p.Y, want)
	}
	// The reference accumulates in float64: 1e8 + 1 - 1e8 is 1, where a
	// float32 accumulator would give 0; 2^24 + 1 + 1 - 2^24 is 2.
	p = &Problem{Op: OpMatMul, M: 2, N: 1, K: 4,
		X: []float32{1e8, 1, -1e8, 0, 1 << 24, 1, 1, -(1 << 24)}, W: []float32{1, 1, 1, 1}, Y: make([]float32, 2)}
	if err := RunReference(p); err != nil {
		t.Fatal(err)
	}
	if want := []float32{1, 2}; !slices.Equal(p.Y, want) {
		t.Errorf("cancellation Y = %v, want %v", p.Y, want)
	}
}

func TestActivationFuncKnownPoints(t *testing.T) {
	// Exact values to 20 digits. The reference evaluates in float64 (error
	// ~1e-16 relative) and rounds once to float32, so it gives the correctly
	// rounded value unless the exact one lies within ~1e-16 of a float32
	// midpoint, which none of these do: equality is required.
	for _, tc := range []struct {
		op   Op
		x    float32
		want float64
	}{
		{OpGELU, 1, 0.84134474606854294859},
		{OpGELU, -1, -0.15865525393145705141},
		{OpGELU, 2, 1.9544997361036415856},
		{OpGELU, 0, 0},
		{OpGELU, -8, -4.9767684594174272e-15},     // 1+erf(x/√2) would cancel here
		{OpGELU, -10, -7.6198530241605260659e-23}, // and give -0 here
		{OpSiLU, 1, 0.73105857863000487925},
		{OpSiLU, -1, -0.26894142136999512075},
		{OpSiLU, 0, 0},
		{OpSiLU, 10, 9.9995460213129756660},
		{OpSigmoid, 0, 0.5},
		{OpSigmoid, 1, 0.73105857863000487925},
		{OpSigmoid, -20, 2.0611536181902037e-09},
		{OpSigmoid, 100, 1},
		{OpTanh, 0.5, 0.46211715726000975850},
		{OpTanh, -3, -0.99505475368673045133},
		{OpTanh, 0, 0},
		{OpTanh, 20, 1},
		{OpReLU, 2.5, 2.5},
		{OpReLU, -1, 0},
		{OpReLU, 1e-45, 1e-45},
	} {
		got := ActivationFunc(tc.op)(tc.x)
		if got != float32(tc.want) {
			t.Errorf("%s(%v) = %v, want %v", tc.op, tc.x, got, float32(tc.want))
		}
	}
	// The values of the brief, as float32 literals.
	for _, tc := range []struct {
		op      Op
		x, want float32
	}{{OpGELU, 1, 0.8413447}, {OpSiLU, 1, 0.7310586}, {OpSigmoid, 0, 0.5}, {OpTanh, 0.5, 0.46211716}} {
		if got := ActivationFunc(tc.op)(tc.x); ulp.Distance(got, tc.want) > 1 {
			t.Errorf("%s(%v) = %v, want %v", tc.op, tc.x, got, tc.want)
		}
	}
	// ReLU gives +0 for -0 and for NaN, never -0.
	relu := ActivationFunc(OpReLU)
	for _, x := range []float32{float32(math.Copysign(0, -1)), 0, -1e-45, float32(math.NaN()), float32(math.Inf(-1))} {
		if got := relu(x); math.Float32bits(got) != 0 {
			t.Errorf("ReLU(%v) = %v (bits %#x), want +0", x, got, math.Float32bits(got))
		}
	}
	if got := relu(float32(math.Inf(1))); !math.IsInf(float64(got), 1) {
		t.Errorf("ReLU(+Inf) = %v", got)
	}
	// Odd and symmetric identities.
	sig, th, silu, gelu := ActivationFunc(OpSigmoid), ActivationFunc(OpTanh), ActivationFunc(OpSiLU), ActivationFunc(OpGELU)
	for _, x := range []float32{0.1, 0.7, 1.3, 3, 6} {
		if d := sig(x) + sig(-x) - 1; math.Abs(float64(d)) > 1e-7 {
			t.Errorf("sigmoid(%v)+sigmoid(-%v)-1 = %g", x, x, d)
		}
		if th(-x) != -th(x) {
			t.Errorf("tanh(-%v) = %v, want %v", x, th(-x), -th(x))
		}
		if d := silu(x) - silu(-x) - x; math.Abs(float64(d)) > 1e-6*float64(x) {
			t.Errorf("silu(x)-silu(-x)-x = %g at %v", d, x)
		}
		if d := gelu(x) - gelu(-x) - x; math.Abs(float64(d)) > 1e-6*float64(x) {
			t.Errorf("gelu(x)-gelu(-x)-x = %g at %v", d, x)
		}
	}
}

func TestActivationFuncPanicsOnOtherOps(t *testing.T) {
	for _, op := range []Op{OpMatMul, OpBitLinear, "Nope"} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmtAny(r), string(op)) {
					t.Errorf("ActivationFunc(%q): recover() = %v, want a panic naming the op", op, r)
				}
			}()
			ActivationFunc(op)
		}()
	}
}

func fmtAny(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if e, ok := v.(error); ok {
		return e.Error()
	}
	return ""
}

func TestRefActivationProblem(t *testing.T) {
	x := []float32{-2, -0.5, 0, 0.5, 1, 2, 3, -3}
	for _, op := range ActivationOps {
		// M=2, K=3 uses 6 of the 8 inputs; Y[6:] must stay untouched.
		p := &Problem{Op: op, M: 2, K: 3, X: x, Y: []float32{9, 9, 9, 9, 9, 9, 9, 9}}
		if err := RunReference(p); err != nil {
			t.Fatal(err)
		}
		f := ActivationFunc(op)
		for i := 0; i < 6; i++ {
			if p.Y[i] != f(x[i]) {
				t.Errorf("%s: Y[%d] = %v, want %v", op, i, p.Y[i], f(x[i]))
			}
		}
		if p.Y[6] != 9 || p.Y[7] != 9 {
			t.Errorf("%s: wrote past M·K: %v", op, p.Y)
		}
	}
	// A few of them by hand.
	p := &Problem{Op: OpReLU, M: 1, K: 4, X: []float32{-1, 2, 0, 3}, Y: make([]float32, 4)}
	if err := RunReference(p); err != nil {
		t.Fatal(err)
	}
	if want := []float32{0, 2, 0, 3}; !slices.Equal(p.Y, want) {
		t.Errorf("ReLU Y = %v, want %v", p.Y, want)
	}
}

func TestRefQuantizeOps(t *testing.T) {
	p := &Problem{Op: OpQuantizeWeights, N: 2, K: 2,
		W: []float32{0.5, -1.5, 0.1, 2.0}, YQ: make([]int8, 4), YScales: []float32{-1, -1}}
	if err := RunReference(p); err != nil {
		t.Fatal(err)
	}
	if want := []int8{0, -1, 0, 1}; !slices.Equal(p.YQ, want) || p.YScales[0] != 1.025 || p.YScales[1] != -1 {
		t.Errorf("QuantizeWeights: YQ %v scales %v, want %v [1.025 -1]", p.YQ, p.YScales, want)
	}

	p = &Problem{Op: OpQuantizeActivations, M: 2, K: 3,
		X: []float32{1, -2, 0.5, 0, 0, 0}, YQ: make([]int8, 6), YScales: make([]float32, 2)}
	if err := RunReference(p); err != nil {
		t.Fatal(err)
	}
	if want := []int8{64, -127, 32, 0, 0, 0}; !slices.Equal(p.YQ, want) || p.YScales[0] != 63.5 || p.YScales[1] != 127/float32(1e-5) {
		t.Errorf("QuantizeActivations: YQ %v scales %v", p.YQ, p.YScales)
	}
}

func TestRefPackUnpack(t *testing.T) {
	codes := []int8{-1, 0, 1, 0, 1, 1, -1, 0, 0, 1}
	p := &Problem{Op: OpPack2Bit, N: 2, K: 5, Codes: codes, YPacked: slices.Repeat([]byte{0xff}, 128)}
	if err := RunReference(p); err != nil {
		t.Fatal(err)
	}
	// Each row is one 64-byte block; codes 0-4 sit in bits 0-1 of bytes 0-4,
	// every other field is padding 0b01.
	want := slices.Repeat([]byte{0x55}, 128)
	copy(want[0:], []byte{0x54, 0x55, 0x56, 0x55, 0x56})  // row 0: -1 0 1 0 1
	copy(want[64:], []byte{0x56, 0x54, 0x55, 0x55, 0x56}) // row 1: 1 -1 0 0 1
	if !slices.Equal(p.YPacked, want) {
		t.Errorf("Pack2Bit = %#x, want %#x", p.YPacked, want)
	}

	u := &Problem{Op: OpUnpack2Bit, N: 2, K: 5,
		Weights: &Weights{Packed: &pack.Packed2Bit{Rows: 2, Cols: 5, Stride: 64, Data: p.YPacked}},
		YQ:      make([]int8, 11)}
	u.YQ[10] = 42
	if err := RunReference(u); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(u.YQ[:10], codes) || u.YQ[10] != 42 {
		t.Errorf("Unpack2Bit = %v, want %v then 42", u.YQ, codes)
	}

	bad := slices.Clone(codes)
	bad[8] = -2
	p.Codes = bad
	err := RunReference(p)
	if err == nil || !strings.Contains(err.Error(), "code -2 at row 1 col 3") {
		t.Errorf("Pack2Bit with a bad code: %v", err)
	}
}
