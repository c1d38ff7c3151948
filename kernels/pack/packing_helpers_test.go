package pack

import (
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

// sparseCodes returns n codes, each 0 with probability sparsity, else -1 or
// +1 evenly.
func sparseCodes(r *rand.Rand, n int, sparsity float64) []int8 {
	c := make([]int8, n)
	for i := range c {
		if r.Float64() >= sparsity {
			c[i] = int8(2*r.IntN(2) - 1)
		}
	}
	return c
}

// dataset makes n codes for a matrix with cols columns.
type dataset struct {
	name string
	gen  func(r *rand.Rand, n, cols int) []int8
}

func fill(n int, f func(i int) int8) []int8 {
	c := make([]int8, n)
	for i := range c {
		c[i] = f(i)
	}
	return c
}

var datasets = []dataset{
	{"sparsity0", func(r *rand.Rand, n, _ int) []int8 { return sparseCodes(r, n, 0) }},
	{"sparsity0.5", func(r *rand.Rand, n, _ int) []int8 { return sparseCodes(r, n, 0.5) }},
	{"sparsity0.7", func(r *rand.Rand, n, _ int) []int8 { return sparseCodes(r, n, 0.7) }},
	{"sparsity0.9", func(r *rand.Rand, n, _ int) []int8 { return sparseCodes(r, n, 0.9) }},
	{"sparsity0.99", func(r *rand.Rand, n, _ int) []int8 { return sparseCodes(r, n, 0.99) }},
	{"uniform", func(r *rand.Rand, n, _ int) []int8 { return fill(n, func(int) int8 { return int8(r.IntN(3)) - 1 }) }},
	{"allzero", func(_ *rand.Rand, n, _ int) []int8 { return make([]int8, n) }},
	{"allplus", func(_ *rand.Rand, n, _ int) []int8 { return fill(n, func(int) int8 { return 1 }) }},
	{"allminus", func(_ *rand.Rand, n, _ int) []int8 { return fill(n, func(int) int8 { return -1 }) }},
	{"alternating", func(_ *rand.Rand, n, _ int) []int8 { return fill(n, func(i int) int8 { return int8(1 - 2*(i%2)) }) }},
	{"cycle", func(_ *rand.Rand, n, _ int) []int8 { return fill(n, func(i int) int8 { return int8(i%3) - 1 }) }},
	{"longruns", func(r *rand.Rand, n, _ int) []int8 {
		c := make([]int8, 0, n)
		for len(c) < n {
			v, k := int8(r.IntN(3))-1, 1+r.IntN(700)
			for j := 0; j < k && len(c) < n; j++ {
				c = append(c, v)
			}
		}
		return c
	}},
	{"zerorows", func(r *rand.Rand, n, cols int) []int8 {
		c := sparseCodes(r, n, 0.3)
		for row := 0; row < n/cols; row += 2 {
			clear(c[row*cols : (row+1)*cols])
		}
		return c
	}},
}

// Shapes cover 1×1, 1×K, N×1, and columns around multiples of 5, 64 and
// 256 (the Base3, ByteAligned and 2-bit/Hybrid units).
var shapes = [][2]int{
	{1, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 5}, {1, 6}, {1, 1000}, {1, 2561}, {300, 1}, {9, 1},
	{2, 3}, {3, 7}, {4, 63}, {3, 64}, {2, 65}, {3, 255}, {2, 256}, {2, 257}, {3, 320},
	{2, 511}, {2, 512}, {1, 1283}, {2, 2560}, {1, 6913},
}

// checkPacking checks everything a Packing promises against the codes it
// was packed from.
func checkPacking(t *testing.T, p Packing, s Strategy, codes []int8, rows, cols int) {
	t.Helper()
	if p.Strategy() != s || p.Name() != s.String() || p.Rows() != rows || p.Cols() != cols {
		t.Fatalf("%v %dx%d: got %v (%s) %dx%d", s, rows, cols, p.Strategy(), p.Name(), p.Rows(), p.Cols())
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("%v %dx%d: Validate: %v", s, rows, cols, err)
	}
	if p.SizeBytes() != len(p.Bytes()) {
		t.Fatalf("%v %dx%d: SizeBytes %d, len(Bytes) %d", s, rows, cols, p.SizeBytes(), len(p.Bytes()))
	}
	if want := float64(8*p.SizeBytes()) / float64(rows*cols); p.BitsPerWeight() != want {
		t.Fatalf("%v %dx%d: BitsPerWeight %v, want %v", s, rows, cols, p.BitsPerWeight(), want)
	}
	if got := p.Unpack(); !slices.Equal(got, codes) {
		i := mismatch(got, codes)
		t.Fatalf("%v %dx%d: Unpack differs first at row %d col %d: %d, want %d", s, rows, cols, i/cols, i%cols, got[i], codes[i])
	}
	// UnpackRow writes exactly Cols codes of a longer, dirty buffer.
	dst := make([]int8, cols+3)
	for r := 0; r < rows; r++ {
		for i := range dst {
			dst[i] = 7
		}
		p.UnpackRow(dst, r)
		if !slices.Equal(dst[:cols], codes[r*cols:(r+1)*cols]) || !slices.Equal(dst[cols:], []int8{7, 7, 7}) {
			t.Fatalf("%v %dx%d: UnpackRow(%d) = %v, want %v then 7 7 7", s, rows, cols, r, dst, codes[r*cols:(r+1)*cols])
		}
	}
	if s == ByteAligned && uintptr(unsafe.Pointer(&p.Bytes()[0]))%AlignBytes != 0 {
		t.Fatalf("ByteAligned %dx%d: data at %p is not %d-byte aligned", rows, cols, &p.Bytes()[0], AlignBytes)
	}
}

// checkDecode decodes p's bytes, from a misaligned copy, and checks the
// result is the same matrix with the same bytes.
func checkDecode(t *testing.T, p Packing, codes []int8) {
	t.Helper()
	buf := make([]byte, p.SizeBytes()+1)
	data := buf[1:]
	copy(data, p.Bytes())
	q, err := Decode(p.Strategy(), data, p.Rows(), p.Cols())
	if err != nil {
		t.Fatalf("%v %dx%d: Decode of its own bytes: %v", p.Strategy(), p.Rows(), p.Cols(), err)
	}
	checkPacking(t, q, p.Strategy(), codes, p.Rows(), p.Cols())
	if !slices.Equal(q.Bytes(), p.Bytes()) {
		t.Fatalf("%v %dx%d: decoded bytes differ", p.Strategy(), p.Rows(), p.Cols())
	}
}
