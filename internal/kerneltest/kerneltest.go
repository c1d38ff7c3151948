// Package kerneltest is what the backends' tests share: random problems
// built to the kernel contracts, a run beside the pure-Go reference, and
// bit-exact and ulp comparisons. Only tests import it. (The kernels
// package's own tests cannot: kerneltest imports kernels.)
package kerneltest

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// BitLinearProblem makes random ternary weights (per-row scales if
// rowScales) and int8 activations spanning the full range, -128 included.
func BitLinearProblem(r *rand.Rand, m, n, k int, rowScales bool) *kernels.Problem {
	codes := make([]int8, n*k)
	for i := range codes {
		codes[i] = int8(r.IntN(3)) - 1
	}
	xq := make([]int8, m*k)
	for i := range xq {
		xq[i] = int8(r.IntN(256) - 128)
	}
	return BitLinearFrom(r, m, n, k, codes, xq, rowScales)
}

// BitLinearFrom makes an M×N×K BitLinear problem of the given codes (N×K)
// and activations (M×K), with random weight and activation scales.
func BitLinearFrom(r *rand.Rand, m, n, k int, codes, xq []int8, rowScales bool) *kernels.Problem {
	packed, err := pack.Pack2Bit(codes, n, k)
	if err != nil {
		panic(err)
	}
	w := &kernels.Weights{Packed: packed, Scale: 0.01 + r.Float32()}
	if rowScales {
		w.RowScales = make([]float32, n)
		for i := range w.RowScales {
			w.RowScales[i] = 0.001 + r.Float32()
		}
	}
	p := &kernels.Problem{Op: kernels.OpBitLinear, M: m, N: n, K: k, Weights: w,
		XQ: xq, XScales: make([]float32, m), Y: make([]float32, m*n)}
	for i := range p.XScales {
		p.XScales[i] = 0.1 + 100*r.Float32()
	}
	return p
}

// validPacked are the bytes whose four 2-bit fields all hold a code + 1 in
// {0, 1, 2}.
var validPacked = func() []byte {
	var valid []byte
	for v := 0; v < 256; v++ {
		if v&3 != 3 && v>>2&3 != 3 && v>>4&3 != 3 && v>>6 != 3 {
			valid = append(valid, byte(v))
		}
	}
	return valid
}()

// RandomPacked2Bit makes n×k packed ternary weights straight from random
// valid bytes, scale 0.02: for the DRAM-sized sets of GEMV benchmarks,
// where packing hundreds of MB of int8 codes would take longer than the
// benchmark.
func RandomPacked2Bit(r *rand.Rand, n, k int) *kernels.Weights {
	stride := pack.Stride2Bit(k)
	data := make([]byte, n*stride)
	for i := range data {
		data[i] = validPacked[r.IntN(len(validPacked))]
	}
	return &kernels.Weights{Scale: 0.02, Packed: &pack.Packed2Bit{Rows: n, Cols: k, Stride: stride, Data: data}}
}

// Fresh gives p fresh output buffers of the same lengths, filled with
// garbage so that an output a kernel fails to write is noticed.
func Fresh(p *kernels.Problem) *kernels.Problem {
	q := *p
	if p.Y != nil {
		q.Y = filled(len(p.Y), float32(math.NaN()))
	}
	if p.YQ != nil {
		q.YQ = filled(len(p.YQ), int8(0x5a))
	}
	if p.YScales != nil {
		q.YScales = filled(len(p.YScales), float32(-7))
	}
	if p.YPacked != nil {
		q.YPacked = filled(len(p.YPacked), byte(0xff))
	}
	return &q
}

func filled[T any](n int, v T) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// Reference runs a Fresh copy of p on the pure-Go reference.
func Reference(t testing.TB, p *kernels.Problem) *kernels.Problem {
	t.Helper()
	ref := Fresh(p)
	if err := kernels.RunReference(ref); err != nil {
		t.Fatalf("reference: %v", err)
	}
	return ref
}

// RunBoth runs a copy of p on the reference, then p itself on be: Prepare,
// Run twice (the second must not depend on the first), Fetch, and Close
// twice (the second a no-op). A kernel that times itself on the device must
// report a positive time.
func RunBoth(t testing.TB, be kernels.Backend, p *kernels.Problem) (got, ref *kernels.Problem) {
	t.Helper()
	ref = Reference(t, p)
	k, err := be.Prepare(p)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := k.Close(); err != nil {
			t.Error(err)
		}
		if err := k.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	}()
	for range 2 {
		if err := k.Run(); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.Fetch(); err != nil {
		t.Fatal(err)
	}
	if dt, ok := k.(kernels.DeviceTimer); ok && dt.DeviceTime() <= 0 {
		t.Errorf("DeviceTime() = %v after Run", dt.DeviceTime())
	}
	return p, ref
}

// ExactF32 requires got to equal want bit for bit.
func ExactF32(t testing.TB, what string, got, want []float32) {
	t.Helper()
	if len(got) < len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			if bad < 5 {
				t.Errorf("%s[%d] = %v (%#x), reference %v (%#x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values differ from the reference", what, bad, len(want))
	}
}

// Registered requires the registry to hand out a backend named name.
func Registered(t *testing.T, name string) {
	t.Helper()
	b, err := kernels.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	if b.Name() != name {
		t.Fatalf("Name() = %q, want %q", b.Name(), name)
	}
}

// UnavailablePrepare runs where be cannot run (it skips elsewhere): Level
// must be "none" and Prepare must return the availability error itself,
// never another backend's result. It returns that error for further checks.
func UnavailablePrepare(t *testing.T, be kernels.Backend) error {
	t.Helper()
	avail := be.Available()
	if avail == nil {
		t.Skipf("%s is available here; its other tests cover Prepare", be.Name())
	}
	t.Logf("Available: %v", avail)
	if be.Level() != "none" {
		t.Errorf("Level() = %q where the backend cannot run, want none", be.Level())
	}
	p := BitLinearProblem(rand.New(rand.NewPCG(1, 2)), 1, 8, 256, false)
	k, err := be.Prepare(p)
	if k != nil || err == nil || err.Error() != avail.Error() {
		t.Fatalf("Prepare = %v, %v; want the availability error %v", k, err, avail)
	}
	return avail
}

// Implemented is the ops of ops that be implements: what a backend's
// tests of a family run (an op new to the family is not yet on every
// backend; NotImplemented lists what each must have).
func Implemented(be kernels.Backend, ops []kernels.Op) []kernels.Op {
	var out []kernels.Op
	for _, op := range ops {
		if be.Implements(op) {
			out = append(out, op)
		}
	}
	return out
}

// NotImplemented requires Implements to be true exactly for the ops in
// implemented (and false for an op outside the op table), and Prepare of
// every other op to return a *kernels.NotImplementedError naming the op
// and the backend.
func NotImplemented(t *testing.T, be kernels.Backend, implemented []kernels.Op) {
	t.Helper()
	if be.Implements("NoSuchOp") {
		t.Error("Implements(NoSuchOp) = true for an op outside the op table")
	}
	for _, op := range kernels.Ops {
		want := slices.Contains(implemented, op)
		if be.Implements(op) != want {
			t.Errorf("Implements(%s) = %v, want %v", op, !want, want)
		}
		if want {
			continue
		}
		_, err := be.Prepare(&kernels.Problem{Op: op, M: 1, N: 1, K: 1})
		var ni *kernels.NotImplementedError
		if !errors.As(err, &ni) || ni.Backend != be.Name() || ni.Op != op {
			t.Errorf("Prepare(%s) = %v, want a NotImplementedError", op, err)
		}
	}
}
