package quant

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestQuantizeTernaryHandComputed(t *testing.T) {
	// mean|W| = (0.5+1.5+0.1+2.0)/4 = 1.025; W/s ≈ [0.488, -1.463, 0.098, 1.951].
	w := []float32{0.5, -1.5, 0.1, 2.0}
	tq, err := QuantizeTernary(w, 1, 4, false)
	if err != nil {
		t.Fatal(err)
	}
	if tq.Scale != float32(1.025) {
		t.Errorf("scale = %v, want 1.025", tq.Scale)
	}
	if want := []int8{0, -1, 0, 1}; !slices.Equal(tq.Codes, want) {
		t.Errorf("codes = %v, want %v", tq.Codes, want)
	}
	if tq.Rows != 1 || tq.Cols != 4 || tq.RowScales != nil {
		t.Errorf("shape %dx%d rowScales %v, want 1x4 and none", tq.Rows, tq.Cols, tq.RowScales)
	}

	// The same data as 2×2 gives the same per-tensor result.
	tq2, err := QuantizeTernary(w, 2, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	if tq2.Scale != tq.Scale || !slices.Equal(tq2.Codes, tq.Codes) {
		t.Errorf("2x2: scale %v codes %v, want %v %v", tq2.Scale, tq2.Codes, tq.Scale, tq.Codes)
	}
}

func TestQuantizeTernaryRoundHalfEven(t *testing.T) {
	for _, tc := range []struct {
		name  string
		w     []float32
		scale float32
		codes []int8
	}{
		// s = 2: W/s = 0.5, 1.5, -0.5, -1.5. Half-even: ±0.5 → 0 (away from
		// zero would give ±1), ±1.5 → ±2 → clamped to ±1.
		{"pow2", []float32{1, 3, -1, -3}, 2, []int8{0, 1, 0, -1}},
		// mean = 28.5/8 = 3.5625, no ties; codes from the exact ratios.
		{"generic", []float32{1.5, 4.5, 3, -3, -1.5, 7.5, -7.5, 0}, 3.5625, nil},
		// s = 3 exactly: W/s = 0.5, -0.5, 1.5, 1 → 0, 0, 1, 1.
		{"scale3exact", []float32{1.5, -1.5, 4.5, 4.5}, 3, []int8{0, 0, 1, 1}},
		// Just above and below the tie: 0.5+ε → 1, 0.5-ε → 0.
		{"neartie", []float32{1.25, 0.75, -1.25, -0.75, 6}, 2, []int8{1, 0, -1, 0, 1}},
		// W/s exactly 1 stays 1; 2.5 → 2 → 1.
		{"ones", []float32{2, -2, 5, -5, 1, 1, 0, 0}, 2, []int8{1, -1, 1, -1, 0, 0, 0, 0}},
		// Negative zero quantizes to 0.
		{"negzero", []float32{float32(math.Copysign(0, -1)), 4}, 2, []int8{0, 1}},
	} {
		tq, err := QuantizeTernary(tc.w, 1, len(tc.w), false)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tq.Scale != tc.scale {
			t.Errorf("%s: scale = %v, want %v", tc.name, tq.Scale, tc.scale)
		}
		want := tc.codes
		if want == nil { // computed from the exact ratio with round-half-even
			want = make([]int8, len(tc.w))
			for i, v := range tc.w {
				want[i] = int8(max(-1, min(1, math.RoundToEven(float64(v)/float64(tc.scale)))))
			}
		}
		if !slices.Equal(tq.Codes, want) {
			t.Errorf("%s: codes = %v, want %v", tc.name, tq.Codes, want)
		}
	}
}

// TestQuantizeTernaryExactTiesManyScales checks W/s = ±0.5 exactly gives 0
// (half-even) for many scales that are not powers of two: the implementation
// multiplies by the float32 reciprocal of s, and that must not push an exact
// tie above 0.5.
func TestQuantizeTernaryExactTiesManyScales(t *testing.T) {
	w := make([]float32, 8)
	for b := math.Float32bits(1); b < math.Float32bits(2); b += 127 {
		s := math.Float32frombits(b)
		for _, mul := range []float32{1, 1 << 10, 1.0 / (1 << 12)} {
			ss := s * mul
			// mean|W| = (4·ss/2 + 2·2ss + 2·ss)/8 = ss, every value exact.
			h := ss / 2
			copy(w, []float32{h, -h, h, -h, 2 * ss, -2 * ss, ss, -ss})
			tq, err := QuantizeTernary(w, 2, 4, false)
			if err != nil {
				t.Fatal(err)
			}
			if tq.Scale != ss {
				t.Fatalf("scale = %v, want %v", tq.Scale, ss)
			}
			if want := []int8{0, 0, 0, 0, 1, -1, 1, -1}; !slices.Equal(tq.Codes, want) {
				t.Fatalf("s=%v: codes = %v, want %v", ss, tq.Codes, want)
			}
		}
	}
}

func TestQuantizeTernaryPerRow(t *testing.T) {
	w := []float32{
		1, 3, // row 0: s = 2, W/s = 0.5, 1.5 → 0, 1
		-0.25, 0.75, // row 1: s = 0.5, W/s = -0.5, 1.5 → 0, 1
		0, 0, // row 2: all zero → floor, 0, 0
	}
	tq, err := QuantizeTernary(w, 3, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{2, 0.5, ScaleFloor}; !slices.Equal(tq.RowScales, want) {
		t.Errorf("row scales = %v, want %v", tq.RowScales, want)
	}
	if want := []int8{0, 1, 0, 1, 0, 0}; !slices.Equal(tq.Codes, want) {
		t.Errorf("codes = %v, want %v", tq.Codes, want)
	}
	for r, want := range []float32{2, 0.5, ScaleFloor} {
		if got := tq.RowScale(r); got != want {
			t.Errorf("RowScale(%d) = %v, want %v", r, got, want)
		}
	}

	// Per tensor the same matrix has s = 5/6 and different codes.
	tt, err := QuantizeTernary(w, 3, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	if tt.RowScales != nil {
		t.Errorf("per-tensor has row scales %v", tt.RowScales)
	}
	if want := float32(5.0 / 6); tt.Scale != want {
		t.Errorf("per-tensor scale = %v, want %v", tt.Scale, want)
	}
	// 1/(5/6) = 1.2, 3·1.2 = 3.6, -0.25·1.2 = -0.3, 0.75·1.2 = 0.9.
	if want := []int8{1, 1, 0, 1, 0, 0}; !slices.Equal(tt.Codes, want) {
		t.Errorf("per-tensor codes = %v, want %v", tt.Codes, want)
	}
	if got := tt.RowScale(1); got != tt.Scale {
		t.Errorf("per-tensor RowScale = %v, want %v", got, tt.Scale)
	}
}

func TestQuantizeTernaryZeroAndTiny(t *testing.T) {
	for _, perRow := range []bool{false, true} {
		tq, err := QuantizeTernary(make([]float32, 6), 2, 3, perRow)
		if err != nil {
			t.Fatal(err)
		}
		if got := tq.RowScale(0); got != ScaleFloor || tq.RowScale(1) != ScaleFloor {
			t.Errorf("perRow=%v: zero input scale = %v, want floor %v", perRow, got, float32(ScaleFloor))
		}
		if !slices.Equal(tq.Codes, make([]int8, 6)) {
			t.Errorf("perRow=%v: zero input codes = %v", perRow, tq.Codes)
		}
	}
	// mean|W| = 2e-6 < floor: s = 1e-5, W/s = ±0.2 → 0, 6e-6/1e-5 = 0.6 → 1.
	tq, err := QuantizeTernary([]float32{2e-6, -2e-6, 6e-6, 0, -2e-6}, 1, 5, false)
	if err != nil {
		t.Fatal(err)
	}
	if tq.Scale != ScaleFloor {
		t.Errorf("tiny input scale = %v, want floor", tq.Scale)
	}
	if want := []int8{0, 0, 1, 0, 0}; !slices.Equal(tq.Codes, want) {
		t.Errorf("tiny input codes = %v, want %v", tq.Codes, want)
	}
}

func TestQuantizeTernaryNaN(t *testing.T) {
	nan := float32(math.NaN())
	// As implemented: a NaN makes the absmean NaN, which is replaced by the
	// floor; the NaN itself quantizes to 0, every other non-tiny weight to ±1.
	tq, err := QuantizeTernary([]float32{nan, 1, -1, 0.5, 1e-6, 0}, 1, 6, false)
	if err != nil {
		t.Fatal(err)
	}
	if tq.Scale != ScaleFloor {
		t.Errorf("scale with NaN = %v, want floor", tq.Scale)
	}
	if want := []int8{0, 1, -1, 1, 0, 0}; !slices.Equal(tq.Codes, want) {
		t.Errorf("codes with NaN = %v, want %v", tq.Codes, want)
	}
	// Per row, the NaN only affects its own row.
	tr, err := QuantizeTernary([]float32{nan, 0.5, 1, 3}, 2, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{ScaleFloor, 2}; !slices.Equal(tr.RowScales, want) {
		t.Errorf("per-row scales with NaN = %v, want %v", tr.RowScales, want)
	}
	if want := []int8{0, 1, 0, 1}; !slices.Equal(tr.Codes, want) {
		t.Errorf("per-row codes with NaN = %v, want %v", tr.Codes, want)
	}
}

func TestQuantizeTernaryErrors(t *testing.T) {
	for _, tc := range []struct {
		n          int
		rows, cols int
		want       string
	}{
		{0, 0, 4, "positive"},
		{4, 4, 0, "positive"},
		{4, -1, -4, "positive"},
		{5, 2, 2, "5 values"},
		{3, 2, 2, "3 values"},
	} {
		_, err := QuantizeTernary(make([]float32, tc.n), tc.rows, tc.cols, false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("QuantizeTernary(len %d, %dx%d) error = %v, want one containing %q", tc.n, tc.rows, tc.cols, err, tc.want)
		}
	}
}

// TestQuantizeTernaryVsFloat64 compares with an oracle written in float64:
// s = mean|W| rounded once to float32, q = roundHalfEven(W/s) clamped. The
// implementation computes W·(1/s) in float32, which can differ from W/s by an
// ulp; values whose exact ratio lies within 1e-6 of a rounding boundary
// (±0.5) are therefore skipped, and everything else must agree.
func TestQuantizeTernaryVsFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	skipped, checked := 0, 0
	for iter := 0; iter < 200; iter++ {
		rows, cols := 1+r.IntN(8), 1+r.IntN(70)
		mag := math.Ldexp(1, r.IntN(40)-20)
		w := make([]float32, rows*cols)
		for i := range w {
			w[i] = float32(r.NormFloat64() * mag)
		}
		perRow := iter%2 == 1
		tq, err := QuantizeTernary(w, rows, cols, perRow)
		if err != nil {
			t.Fatal(err)
		}
		for row := 0; row < rows; row++ {
			var sum float64
			lo, hi := 0, rows*cols
			if perRow {
				lo, hi = row*cols, (row+1)*cols
			}
			for _, v := range w[lo:hi] {
				sum += math.Abs(float64(v))
			}
			s := float32(sum / float64(hi-lo))
			if s < ScaleFloor {
				s = ScaleFloor
			}
			if got := tq.RowScale(row); got != s {
				t.Fatalf("iter %d row %d: scale %v, want %v", iter, row, got, s)
			}
			for c := 0; c < cols; c++ {
				v := w[row*cols+c]
				ratio := float64(v) / float64(s)
				if math.Abs(math.Abs(ratio)-0.5) < 1e-6 {
					skipped++
					continue
				}
				want := int8(max(-1, min(1, math.RoundToEven(ratio))))
				if got := tq.Codes[row*cols+c]; got != want {
					t.Fatalf("iter %d (%d,%d): W=%v s=%v W/s=%v: code %d, want %d", iter, row, c, v, s, ratio, got, want)
				}
				checked++
			}
		}
	}
	if checked < 10000 || skipped > checked/100 {
		t.Errorf("checked %d codes, skipped %d near ties", checked, skipped)
	}
}

func TestDequantize(t *testing.T) {
	tq := &Ternary{Rows: 2, Cols: 3, Codes: []int8{1, 0, -1, -1, 1, 1}, Scale: 0.5}
	if got, want := tq.Dequantize(), []float32{0.5, 0, -0.5, -0.5, 0.5, 0.5}; !slices.Equal(got, want) {
		t.Errorf("per-tensor Dequantize = %v, want %v", got, want)
	}
	tq.RowScales = []float32{2, 0.25}
	if got, want := tq.Dequantize(), []float32{2, 0, -2, -0.25, 0.25, 0.25}; !slices.Equal(got, want) {
		t.Errorf("per-row Dequantize = %v, want %v", got, want)
	}
}

func TestQuantizeActivationsHandComputed(t *testing.T) {
	// max|x| = 2, s = 127/2 = 63.5: 1·63.5 = 63.5 → 64 (half-even),
	// -2·63.5 = -127, 0.5·63.5 = 31.75 → 32.
	q := make([]int8, 3)
	s := QuantizeActivationsRow(q, []float32{1, -2, 0.5})
	if s != 63.5 {
		t.Errorf("scale = %v, want 63.5", s)
	}
	if want := []int8{64, -127, 32}; !slices.Equal(q, want) {
		t.Errorf("q = %v, want %v", q, want)
	}
	// -1·63.5 = -63.5 → -64 (even), 2 → 127.
	s = QuantizeActivationsRow(q, []float32{-1, 2, -0.5})
	if want := []int8{-64, 127, -32}; s != 63.5 || !slices.Equal(q, want) {
		t.Errorf("q = %v scale %v, want %v scale 63.5", q, s, want)
	}

	// s = 1: ties 0.5 → 0, 1.5 → 2, 2.5 → 2, -0.5 → 0, -2.5 → -2, 3.5 → 4.
	x := []float32{127, 0.5, 1.5, 2.5, -0.5, -2.5, 3.5, -126.5}
	q = make([]int8, len(x))
	s = QuantizeActivationsRow(q, x)
	if want := []int8{127, 0, 2, 2, 0, -2, 4, -126}; s != 1 || !slices.Equal(q, want) {
		t.Errorf("ties: q = %v scale %v, want %v scale 1", q, s, want)
	}
}

func TestActivationScale(t *testing.T) {
	for _, tc := range []struct {
		x    []float32
		want float32
	}{
		{[]float32{1, -2, 0.5}, 63.5},
		{[]float32{-4, 2}, 31.75},
		{[]float32{127}, 1},
		{[]float32{0, 0, 0}, 127 / float32(ScaleFloor)},
		{[]float32{float32(math.Copysign(0, -1))}, 127 / float32(ScaleFloor)},
		{[]float32{1e-7, -1e-6}, 127 / float32(ScaleFloor)}, // max below the floor
		{[]float32{float32(math.NaN()), 2, -1}, 63.5},       // NaN ignored by the max
		{[]float32{-1, float32(math.NaN())}, 127},
	} {
		if got := ActivationScale(tc.x); got != tc.want {
			t.Errorf("ActivationScale(%v) = %v, want %v", tc.x, got, tc.want)
		}
	}
}

func TestQuantizeActivationsZeroAndNaN(t *testing.T) {
	q := []int8{9, 9, 9, 9}
	s := QuantizeActivationsRow(q, make([]float32, 4))
	if s != 127/float32(ScaleFloor) || !slices.Equal(q, make([]int8, 4)) {
		t.Errorf("zero input: q = %v scale %v", q, s)
	}
	// NaN: ignored by the scale, quantized to 0.
	q = make([]int8, 3)
	s = QuantizeActivationsRow(q, []float32{float32(math.NaN()), 2, -1})
	if want := []int8{0, 127, -64}; s != 63.5 || !slices.Equal(q, want) {
		t.Errorf("NaN input: q = %v scale %v, want %v scale 63.5", q, s, want)
	}
}

// TestQuantizeActivationsNeverMinus128 checks that absmax scaling keeps
// |q| ≤ 127: -128 is reachable only with an explicit scale, and the largest
// magnitude maps to exactly ±127.
func TestQuantizeActivationsNeverMinus128(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, 17)
	q := make([]int8, len(x))
	for iter := 0; iter < 20000; iter++ {
		mag := math.Ldexp(1, r.IntN(200)-100)
		imax := r.IntN(len(x))
		for i := range x {
			x[i] = float32((r.Float64()*2 - 1) * mag)
		}
		// The extreme is negative half of the time, which is the side where
		// -128 would be representable.
		x[imax] = float32(mag)
		if iter%2 == 0 {
			x[imax] = -x[imax]
		}
		for i := range x {
			if i != imax && abs32(x[i]) > abs32(x[imax]) {
				x[i] = x[imax] / 2
			}
		}
		s := QuantizeActivationsRow(q, x)
		if s != ActivationScale(x) {
			t.Fatalf("returned scale %v, ActivationScale %v", s, ActivationScale(x))
		}
		for i, v := range q {
			if v < -127 {
				t.Fatalf("x=%v: q[%d] = %d", x, i, v)
			}
		}
		m := abs32(x[imax])
		if m >= ScaleFloor {
			want := int8(127)
			if x[imax] < 0 {
				want = -127
			}
			if q[imax] != want {
				t.Fatalf("x[%d] = %v (max): q = %d, want %d", imax, x[imax], q[imax], want)
			}
		}
	}
}

func abs32(v float32) float32 { return float32(math.Abs(float64(v))) }

func TestQuantizeWithScaleClamps(t *testing.T) {
	inf := float32(math.Inf(1))
	x := []float32{1000, -1000, 127.4, 127.5, -128.5, -128.49, -128.6, 0.5, -2, inf, -inf, float32(math.NaN())}
	q := make([]int8, len(x))
	QuantizeWithScale(q, x, 1)
	if want := []int8{127, -128, 127, 127, -128, -128, -128, 0, -2, 127, -128, 0}; !slices.Equal(q, want) {
		t.Errorf("QuantizeWithScale(s=1) = %v, want %v", q, want)
	}
	// -2·64 = -128 exactly, 2·64 = 128 → 127.
	q = q[:2]
	QuantizeWithScale(q, []float32{-2, 2}, 64)
	if want := []int8{-128, 127}; !slices.Equal(q, want) {
		t.Errorf("QuantizeWithScale(s=64) = %v, want %v", q, want)
	}
	// dst shorter than x is a programming error: it panics.
	defer func() {
		if recover() == nil {
			t.Error("QuantizeWithScale with a short dst did not panic")
		}
	}()
	QuantizeWithScale(make([]int8, 1), []float32{1, 2}, 1)
}

func TestQuantizeActivationsBatch(t *testing.T) {
	x := []float32{
		1, -2, 0.5, // s = 63.5
		0, 0, 0, // zero row
		-127, 3.5, 0.5, // s = 1
	}
	q := make([]int8, 9)
	s := make([]float32, 3)
	if err := QuantizeActivations(q, s, x, 3, 3); err != nil {
		t.Fatal(err)
	}
	if want := []float32{63.5, 127 / float32(ScaleFloor), 1}; !slices.Equal(s, want) {
		t.Errorf("scales = %v, want %v", s, want)
	}
	if want := []int8{64, -127, 32, 0, 0, 0, -127, 4, 0}; !slices.Equal(q, want) {
		t.Errorf("q = %v, want %v", q, want)
	}
	// Longer buffers are allowed; only m·k values and m scales are written.
	q = []int8{1, 1, 1, 1, 1}
	s = []float32{7, 7}
	if err := QuantizeActivations(q, s, []float32{1, -2, 9, 9}, 1, 2); err != nil {
		t.Fatal(err)
	}
	if want := []int8{64, -127, 1, 1, 1}; !slices.Equal(q, want) || s[0] != 63.5 || s[1] != 7 {
		t.Errorf("q = %v s = %v", q, s)
	}
}

func TestQuantizeActivationsErrors(t *testing.T) {
	for _, tc := range []struct {
		nq, ns, nx, m, k int
		want             string
	}{
		{6, 2, 6, 0, 3, "positive"},
		{6, 2, 6, 2, 0, "positive"},
		{6, 2, 6, -2, -3, "positive"},
		{6, 2, 5, 2, 3, "got 5, 6 and 2"}, // got len(x), len(dst) and len(scales)
		{5, 2, 6, 2, 3, "got 6, 5 and 2"},
		{6, 1, 6, 2, 3, "got 6, 6 and 1"},
	} {
		err := QuantizeActivations(make([]int8, tc.nq), make([]float32, tc.ns), make([]float32, tc.nx), tc.m, tc.k)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("QuantizeActivations(q %d, s %d, x %d, %dx%d) error = %v, want one containing %q",
				tc.nq, tc.ns, tc.nx, tc.m, tc.k, err, tc.want)
		}
	}
}

func TestSliceHelpersMatchTheQuantizers(t *testing.T) {
	w := []float32{0.5, -1.5, 0.1, 2.0, 0, -0.3}
	tq, err := QuantizeTernary(w, 1, len(w), false)
	if err != nil {
		t.Fatal(err)
	}
	if s := AbsMean(w); s != tq.Scale {
		t.Errorf("AbsMean = %v, QuantizeTernary's scale %v", s, tq.Scale)
	}
	if AbsMean(nil) != ScaleFloor || AbsMean([]float32{0, 0}) != ScaleFloor {
		t.Error("AbsMean of nothing or zeros is not the floor")
	}
	codes := make([]int8, len(w))
	QuantizeTernaryWithScale(codes, w, tq.Scale)
	deq := make([]float32, len(w))
	DequantizeTernary(deq, codes, tq.Scale)
	want := tq.Dequantize()
	for i := range w {
		if codes[i] != tq.Codes[i] || deq[i] != want[i] {
			t.Fatalf("index %d: code %d deq %v; QuantizeTernary gives %d, %v", i, codes[i], deq[i], tq.Codes[i], want[i])
		}
	}
	x := []float32{1, -2, 0.5}
	q := make([]int8, 3)
	s := QuantizeActivationsRow(q, x)
	back := make([]float32, 3)
	DequantizeActivations(back, q, s)
	for i, v := range q {
		if back[i] != float32(v)/s {
			t.Errorf("DequantizeActivations[%d] = %v, want %v", i, back[i], float32(v)/s)
		}
	}
}
