package cpu_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels"
)

// float32 inputs that exercise rounding: ties, subnormals (kept by the
// contract; VCVTNEPS2BF16 would flush them), overflow, NaN payloads.
func conversionInputs(r *rand.Rand) []float32 {
	bits := []uint32{0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x7f800001, 0x7f808000,
		0x00000001, 0x80000001, 0x007fffff, 0x00800000, 0x33800000, 0x33000000, 0x33000001, 0x387fc000,
		0x477fe000, 0x477ff000, 0x477fefff, 0x47800000, 0x3f808000, 0x3f818000, 0x3f808001, 0x7f7fffff, 0x00018000}
	xs := make([]float32, 0, 1<<16)
	for _, b := range bits {
		xs = append(xs, math.Float32frombits(b))
	}
	for len(xs) < cap(xs) {
		xs = append(xs, math.Float32frombits(r.Uint32()))
	}
	return xs
}

func TestConvertToHalf(t *testing.T) {
	r := rand.New(rand.NewPCG(91, 92))
	xs := conversionInputs(r)
	for _, op := range []kernels.Op{kernels.OpF32ToF16, kernels.OpF32ToBF16} {
		for _, b := range backends(t, op) {
			for _, n := range []int{len(xs), 1, 7, 8, 15, 16, 17, 31, 33} {
				p := &kernels.Problem{Op: op, M: 1, K: n, X: xs[:n], YH: make([]uint16, n+3)}
				want := &kernels.Problem{Op: op, M: 1, K: n, X: xs[:n], YH: make([]uint16, n+3)}
				p.YH[n], p.YH[n+1], p.YH[n+2] = 0xdead, 0xdead, 0xdead
				runProblem(t, b, p)
				if err := kernels.RunReference(want); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < n; i++ {
					if p.YH[i] != want.YH[i] {
						t.Fatalf("%s %s: x = %#08x gives %#04x, reference %#04x", b.Level(), op, math.Float32bits(xs[i]), p.YH[i], want.YH[i])
					}
				}
				if p.YH[n] != 0xdead || p.YH[n+2] != 0xdead {
					t.Fatalf("%s %s n=%d: wrote past the output", b.Level(), op, n)
				}
			}
		}
	}
}

func TestConvertFromHalfExhaustive(t *testing.T) {
	all := make([]uint16, 1<<16)
	for i := range all {
		all[i] = uint16(i)
	}
	for _, op := range []kernels.Op{kernels.OpF16ToF32, kernels.OpBF16ToF32} {
		for _, b := range backends(t, op) {
			for _, n := range []int{len(all), 5, 9, 23} {
				p := &kernels.Problem{Op: op, M: 1, K: n, XH: all[len(all)-n:], Y: make([]float32, n)}
				want := &kernels.Problem{Op: op, M: 1, K: n, XH: all[len(all)-n:], Y: make([]float32, n)}
				runProblem(t, b, p)
				if err := kernels.RunReference(want); err != nil {
					t.Fatal(err)
				}
				for i := range want.Y {
					if g, w := math.Float32bits(p.Y[i]), math.Float32bits(want.Y[i]); g != w {
						t.Fatalf("%s %s: %#04x gives %#08x, reference %#08x", b.Level(), op, p.XH[i], g, w)
					}
				}
			}
		}
	}
}

func runProblem(t *testing.T, b kernels.Backend, p *kernels.Problem) {
	t.Helper()
	k, err := b.Prepare(p)
	if err != nil {
		t.Fatal(fmt.Errorf("%s: %w", b.Level(), err))
	}
	if err := k.Run(); err != nil {
		t.Fatal(err)
	}
	if err := k.Fetch(); err != nil {
		t.Fatal(err)
	}
}
