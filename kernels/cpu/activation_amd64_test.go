//go:build amd64 && !purego

package cpu

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/internal/ulp"
)

// activationLevels lists the levels of this machine that have SIMD code for op.
func activationLevels(op kernels.Op) []Level {
	var ls []Level
	for _, l := range supported {
		if l != LevelGeneric && vecKernelsFor(l).activation[op] != nil {
			ls = append(ls, l)
		}
	}
	return ls
}

func f32(b uint32) float32 { return math.Float32frombits(b) }

// actStats collects the error of y against ref.
type actStats struct {
	n       int
	maxRel  float64 // where ref is a normal float32
	relAt   float32
	maxUlps uint64
	ulpsAt  float32
	maxAbs  float64 // where |ref| < 2^-126
	absAt   float32
}

func (s *actStats) merge(o actStats) {
	s.n += o.n
	if o.maxRel > s.maxRel {
		s.maxRel, s.relAt = o.maxRel, o.relAt
	}
	if o.maxUlps > s.maxUlps {
		s.maxUlps, s.ulpsAt = o.maxUlps, o.ulpsAt
	}
	if o.maxAbs > s.maxAbs {
		s.maxAbs, s.absAt = o.maxAbs, o.absAt
	}
}

// check compares y = f(x) with the reference value ref under the bound
// (rel, abs) of ActivationErrorBound, records the error, and returns a
// description of a violation, or "".
func (s *actStats) check(op kernels.Op, x, y, ref float32, rel, abs float64) string {
	s.n++
	switch {
	case ref != ref:
		if y == y {
			return "want NaN"
		}
		return ""
	case y != y:
		return "got NaN"
	case math.IsInf(float64(ref), 0):
		if y != ref {
			return "want the reference's infinity"
		}
		return ""
	case op == kernels.OpReLU && math.Float32bits(y) != math.Float32bits(ref):
		return "ReLU must be bit-identical"
	case math.Signbit(float64(y)) != math.Signbit(float64(ref)):
		return "wrong sign"
	}
	d := math.Abs(float64(y) - float64(ref))
	if u := ulp.Distance(y, ref); u > s.maxUlps {
		s.maxUlps, s.ulpsAt = u, x
	}
	r := math.Abs(float64(ref))
	if r >= 0x1p-126 {
		if e := d / r; e > s.maxRel {
			s.maxRel, s.relAt = e, x
		}
	} else if d > s.maxAbs {
		s.maxAbs, s.absAt = d, x
	}
	if d > rel*r+abs {
		return fmt.Sprintf("error %.3g > %.3g·|ref| + %.3g", d, rel, abs)
	}
	return ""
}

// sweep runs every level's f for op over the float32 bit patterns lo,
// lo+step, … ≤ hi and their negatives, batch by batch on all cores; checks
// every result against the reference under the level's bound and that all
// levels return the same bits; and returns each level's error statistics.
func sweep(t *testing.T, op kernels.Op, levels []Level, lo, hi, step uint32) []actStats {
	t.Helper()
	ref := kernels.ActivationFunc(op)
	const batch = 1 << 16
	type span struct{ lo, hi uint32 }
	spans := make(chan span)
	go func() {
		for b := uint64(lo); b <= uint64(hi); b += batch * uint64(step) {
			spans <- span{uint32(b), uint32(min(uint64(hi), b+(batch-1)*uint64(step)))}
		}
		close(spans)
	}()
	var (
		mu    sync.Mutex
		total = make([]actStats, len(levels))
		fails int
		wg    sync.WaitGroup
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if fails++; fails <= 10 {
			t.Errorf(format, args...)
		}
	}
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := make([]float32, 0, 2*batch)
			want := make([]float32, 2*batch)
			ys := make([][]float32, len(levels))
			for i := range ys {
				ys[i] = make([]float32, 2*batch)
			}
			st := make([]actStats, len(levels))
			for sp := range spans {
				x = x[:0]
				for b := uint64(sp.lo); b <= uint64(sp.hi); b += uint64(step) {
					x = append(x, f32(uint32(b)), f32(uint32(b)|1<<31))
				}
				for i, v := range x {
					want[i] = ref(v)
				}
				for li, l := range levels {
					y := ys[li][:len(x)]
					vecKernelsFor(l).activation[op](y, x)
					rel, abs := ActivationErrorBound(l, op)
					for i, v := range x {
						if msg := st[li].check(op, v, y[i], want[i], rel, abs); msg != "" {
							fail("%s/%s f(%g = %#08x) = %g, reference %g: %s", op, l, v, math.Float32bits(v), y[i], want[i], msg)
						}
						if li > 0 && math.Float32bits(y[i]) != math.Float32bits(ys[0][i]) {
							fail("%s: f(%g) = %g at %s but %g at %s", op, v, y[i], l, ys[0][i], levels[0])
						}
					}
				}
			}
			mu.Lock()
			for i := range total {
				total[i].merge(st[i])
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total
}

// TestActivationSIMDSweep checks every level's SIMD activations against the
// reference on a dense sweep of |x| ≤ 128 (every float32 of every exponent,
// stepped: 4.8M values) and a coarse one of the rest of the float32 line,
// NaNs and infinities included, under ActivationErrorBound; the AVX2 and
// AVX-512 results must be bit-identical. With
// BITNET_ACTIVATION_EXHAUSTIVE=1 it tries every float32 with |x| ≤ 128
// (2.2e9 values, minutes) and logs the error table of activation_amd64.go.
func TestActivationSIMDSweep(t *testing.T) {
	exhaustive := os.Getenv("BITNET_ACTIVATION_EXHAUSTIVE") == "1"
	denseStep, coarseStep := uint32(521), uint32(4099)
	if testing.Short() {
		denseStep, coarseStep = 4099, 65537
	}
	if exhaustive {
		denseStep, coarseStep = 1, 17
	}
	const top = 0x43000000 // 128
	for _, op := range kernels.ActivationOps {
		levels := activationLevels(op)
		if len(levels) == 0 {
			continue
		}
		st := sweep(t, op, levels, 0, top, denseStep)
		for i, s := range sweep(t, op, levels, top+1, 0x7fffffff, coarseStep) {
			st[i].merge(s)
		}
		for i, l := range levels {
			s := st[i]
			t.Logf("%-7s %-10s %d values: max rel %.3g (%.2f·2^-24) at %g, max %d ulps at %g, max abs (subnormal ref) %.3g at %g",
				op, l, s.n, s.maxRel, s.maxRel*(1<<24), s.relAt, s.maxUlps, s.ulpsAt, s.maxAbs, s.absAt)
		}
	}
}

// TestActivationSIMDSpecial checks special values: NaN, ±Inf, ±0 and the
// huge finite values give exactly the reference's bits; the values around
// the clamps and the branch points are within the bound.
func TestActivationSIMDSpecial(t *testing.T) {
	exact := []float32{0, f32(1 << 31), float32(math.Inf(1)), float32(math.Inf(-1)),
		f32(0x7fc00000), f32(0xffc00000), f32(0x7f800001), f32(0xff812345), // quiet and signalling NaNs of both signs
		math.MaxFloat32, -math.MaxFloat32, 1e30, -1e30, 200, -200, 111, -111}
	var near []float32
	for _, v := range []float32{
		1e-45, 0x1p-126 - 1e-45, 0x1p-126, 1e-30, 1e-7, 0.3, 0.5, 0.6, 0.625, 0.7, 1, 2, 5.5, 6, 9.01, 9.5, 10,
		13.2, 14, 14.31, 14.5, 15, 17.3, 20, 87.3, 88.7, 100, 103.97, 104, 108.7, 110, 1e5} {
		for _, w := range []float32{v, math.Nextafter32(v, 0), math.Nextafter32(v, 1e38)} {
			near = append(near, w, -w)
		}
	}
	for _, op := range kernels.ActivationOps {
		ref := kernels.ActivationFunc(op)
		for _, l := range activationLevels(op) {
			f := vecKernelsFor(l).activation[op]
			rel, abs := ActivationErrorBound(l, op)
			y := make([]float32, len(exact))
			f(y, exact)
			for i, x := range exact {
				want := ref(x)
				if want != want && y[i] != y[i] {
					continue
				}
				if math.Float32bits(y[i]) != math.Float32bits(want) {
					t.Errorf("%s/%s f(%g) = %g (%#08x), reference %g (%#08x)", op, l, x, y[i], math.Float32bits(y[i]), want, math.Float32bits(want))
				}
			}
			y = make([]float32, len(near))
			f(y, near)
			var st actStats
			for i, x := range near {
				if msg := st.check(op, x, y[i], ref(x), rel, abs); msg != "" {
					t.Errorf("%s/%s f(%g) = %g, reference %g: %s", op, l, x, y[i], ref(x), msg)
				}
			}
		}
	}
	// Documented values, spelled out.
	for _, c := range []struct {
		op   kernels.Op
		x, y float32
	}{
		{kernels.OpGELU, float32(math.Inf(-1)), float32(math.NaN())},
		{kernels.OpSiLU, float32(math.Inf(-1)), float32(math.NaN())},
		{kernels.OpGELU, float32(math.Inf(1)), float32(math.Inf(1))},
		{kernels.OpSiLU, float32(math.Inf(1)), float32(math.Inf(1))},
		{kernels.OpSigmoid, float32(math.Inf(-1)), 0},
		{kernels.OpSigmoid, float32(math.Inf(1)), 1},
		{kernels.OpSigmoid, 100, 1},
		{kernels.OpTanh, 20, 1},
		{kernels.OpTanh, -20, -1},
		{kernels.OpReLU, float32(math.NaN()), 0},
		{kernels.OpReLU, f32(1 << 31), 0},
		{kernels.OpGELU, -1e30, f32(1 << 31)},
		{kernels.OpSiLU, -1e30, f32(1 << 31)},
	} {
		for _, l := range activationLevels(c.op) {
			y := []float32{0}
			vecKernelsFor(l).activation[c.op](y, []float32{c.x})
			if math.Float32bits(y[0]) != math.Float32bits(c.y) && !(y[0] != y[0] && c.y != c.y) {
				t.Errorf("%s/%s f(%g) = %g, want %g", c.op, l, c.x, y[0], c.y)
			}
		}
	}
	// sigmoid(−100) and SiLU(−100) are tiny but not zero, like the reference.
	for _, op := range []kernels.Op{kernels.OpSigmoid, kernels.OpSiLU} {
		for _, l := range activationLevels(op) {
			y := []float32{0}
			vecKernelsFor(l).activation[op](y, []float32{-100})
			if y[0] == 0 || math.Abs(float64(y[0])) > 1e-40 {
				t.Errorf("%s/%s f(-100) = %g, want a tiny subnormal", op, l, y[0])
			}
		}
	}
}

// TestActivationSIMDTails runs every length 0..70 at several offsets, in
// place and not: each element must be what a long run gives for the same
// value (the tail runs the same code), and nothing past len is written.
func TestActivationSIMDTails(t *testing.T) {
	vals := []float32{0, -0.7, 1.5, -3, 0.3, -14.2, 9, -90, 2e-40, float32(math.NaN()), float32(math.Inf(-1)), 7.25, -0.001, 33, -5.5, 0.62}
	const sentinel = 0x7fa5a5a5
	for _, op := range kernels.ActivationOps {
		ref := kernels.ActivationFunc(op)
		for _, l := range activationLevels(op) {
			f := vecKernelsFor(l).activation[op]
			rel, abs := ActivationErrorBound(l, op)
			for n := 0; n <= 70; n++ {
				for _, off := range []int{0, 1, 5} {
					src := make([]float32, off+n+9)
					for i := range src {
						src[i] = vals[(i*7+n)%len(vals)] * float32(1+i%3)
					}
					x := src[off : off+n]
					// Long run: the same values inside a 1024-element slice.
					long := make([]float32, 1024)
					copy(long[64:], x)
					longY := make([]float32, 1024)
					f(longY, long)
					for _, inPlace := range []bool{false, true} {
						var dst []float32
						xs := x
						if inPlace {
							buf := append([]float32(nil), src...)
							for i := off + n; i < len(buf); i++ {
								buf[i] = f32(sentinel)
							}
							xs, dst = buf[off:off+n], buf[off:]
						} else {
							dst = make([]float32, n+9)
							for i := range dst {
								dst[i] = f32(sentinel)
							}
						}
						f(dst[:n], xs)
						var st actStats
						for i := 0; i < n; i++ {
							if math.Float32bits(dst[i]) != math.Float32bits(longY[64+i]) {
								t.Fatalf("%s/%s len %d off %d in place %v: f(%g) = %g at [%d], %g in a long run",
									op, l, n, off, inPlace, x[i], dst[i], i, longY[64+i])
							}
							if msg := st.check(op, x[i], dst[i], ref(x[i]), rel, abs); msg != "" {
								t.Fatalf("%s/%s len %d: f(%g) = %g, reference %g: %s", op, l, n, x[i], dst[i], ref(x[i]), msg)
							}
						}
						for i := n; i < len(dst); i++ {
							if math.Float32bits(dst[i]) != sentinel {
								t.Fatalf("%s/%s len %d off %d in place %v: wrote dst[%d] = %g past len", op, l, n, off, inPlace, i, dst[i])
							}
						}
					}
				}
			}
		}
	}
}

func TestActivationErrorBound(t *testing.T) {
	for _, l := range supported {
		for _, op := range kernels.ActivationOps {
			rel, abs := ActivationErrorBound(l, op)
			switch {
			case op == kernels.OpReLU:
				if rel != 0 || abs != 0 {
					t.Errorf("%s/%s: bound (%g, %g), want exact", op, l, rel, abs)
				}
			case vecKernelsFor(l).activation[op] != nil:
				if rel != simdActivationRel[op] || rel == 0 || abs != simdActivationAbs {
					t.Errorf("%s/%s: bound (%g, %g), want the SIMD bound", op, l, rel, abs)
				}
			default:
				if rel != 0x1p-23 || abs != 0x1p-149 {
					t.Errorf("%s/%s: bound (%g, %g), want one ulp", op, l, rel, abs)
				}
			}
		}
	}
	if f := vecKernelsFor(LevelAVX2).activation[kernels.OpGELU]; f != nil && !Supported(LevelAVX2) {
		t.Errorf("AVX2 activations registered on a machine without AVX2")
	}
}

func TestActivationTailNoAlloc(t *testing.T) {
	for _, op := range kernels.ActivationOps {
		for _, l := range activationLevels(op) {
			f := vecKernelsFor(l).activation[op]
			x, y := make([]float32, 37), make([]float32, 37)
			if a := testing.AllocsPerRun(100, func() { f(y, x) }); a != 0 {
				t.Errorf("%s/%s: %v allocations per call", op, l, a)
			}
		}
	}
}

// BenchmarkActivationSIMD measures each activation at each level on 2560×8
// floats (80 KiB in, 80 KiB out: L2-resident), beside the generic Go code.
// GB/s counts the bytes read and written (8 per element).
func BenchmarkActivationSIMD(b *testing.B) {
	const n = 2560 * 8
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i%4001-2000) / 200 // [-10, 10]
	}
	y := make([]float32, n)
	for _, op := range kernels.ActivationOps {
		b.Run(string(op), func(b *testing.B) {
			impls := []struct {
				level Level
				f     func(dst, src []float32)
			}{{LevelGeneric, genericActivations[op]}}
			for _, l := range activationLevels(op) {
				impls = append(impls, struct {
					level Level
					f     func(dst, src []float32)
				}{l, vecKernelsFor(l).activation[op]})
			}
			for _, im := range impls {
				b.Run(string(im.level), func(b *testing.B) {
					b.SetBytes(8 * n)
					for b.Loop() {
						im.f(y, x)
					}
					b.ReportMetric(float64(8*n)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GB/s")
				})
			}
		})
	}
}
