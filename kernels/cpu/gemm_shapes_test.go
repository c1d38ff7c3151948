package cpu_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

// gemmPaths runs f with the GEMM path's unpacked row blocks and with its
// fused tiles, whatever M is (see cpu.SetGEMMUnpackFrom), on the backends
// of the levels it applies to: every level for the first, those with a
// GEMM path for the second.
func gemmPaths(t testing.TB, f func(path string, bs []kernels.Backend)) {
	t.Helper()
	old := cpu.SetGEMMUnpackFrom(0)
	defer cpu.SetGEMMUnpackFrom(old)
	all := backends(t, kernels.OpBitLinear)
	f("unpacked", all)
	var gemm []kernels.Backend
	for _, b := range all {
		if cpu.HasGEMM(cpu.Level(b.Level())) {
			gemm = append(gemm, b)
		}
	}
	cpu.SetGEMMUnpackFrom(math.MaxInt)
	f("fused", gemm)
}

// TestBitLinearGEMMShapes: several tokens, every M from 2 to 17 (whole
// tiles of 8 and every remainder), rows around the 16- and 48-row blocks,
// K around the 4-code groups, the 16-code chunks, the 256-code blocks and
// the 512-code spans; tensor and per-row scales. Bit-identical to the
// reference at every level and thread count, both GEMM paths.
func TestBitLinearGEMMShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	ns := []int{1, 15, 16, 47, 48, 49, 97}
	ks := []int{1, 3, 4, 5, 15, 16, 17, 255, 256, 257, 511, 512, 513, 1100}
	ms := []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}
	if testing.Short() { // -race in CI: every tile remainder once still
		ms = []int{2, 7, 8, 9, 15, 17}
		ks = []int{1, 5, 17, 257, 513}
	}
	gemmPaths(t, func(path string, bs []kernels.Backend) {
		for _, b := range bs {
			for _, m := range ms {
				for i, k := range ks {
					n := ns[(m+i)%len(ns)]
					ws := []float32{float32(r.Float64()*2 + 1e-3)}
					if (m+i)%2 == 0 {
						ws = make([]float32, n)
						for j := range ws {
							ws[j] = float32(r.Float64()*2 + 1e-3)
						}
					}
					xs := make([]float32, m)
					for j := range xs {
						xs[j] = 127 / float32(r.Float64()*10+0.01)
					}
					p := bitLinear(t, m, n, k, randCodes(r, n*k), randXQ(r, m*k), ws, xs)
					got, want := runBoth(t, b, p)
					checkBitLinear(t, fmt.Sprintf("%s %s/%s/t%d M=%d N=%d K=%d", path, b.Name(), b.Level(), threadsOf(b), m, n, k), got, want)
				}
			}
		}
	})
}

// TestBitLinearGEMMExtremes: activations all -128 or all 127 against
// weights all -1 or all +1, |Σ| = 128·K, at M around the tile width.
func TestBitLinearGEMMExtremes(t *testing.T) {
	gemmPaths(t, func(path string, bs []kernels.Backend) {
		for _, b := range bs {
			ms, ks := []int{2, 7, 8, 9, 16, 17}, []int{1, 513, 2600}
			if testing.Short() {
				ms, ks = []int{7, 9}, []int{1, 513}
			}
			for _, m := range ms {
				for _, k := range ks {
					const n = 49
					for _, x := range []int8{127, -128} {
						for _, c := range []int8{1, -1} {
							p := bitLinear(t, m, n, k, fill(n*k, c), fill(m*k, x), []float32{1}, fill(m, float32(1)))
							got, _ := runBoth(t, b, p)
							acc := float32(int(x) * int(c) * k)
							for i, y := range got.Y {
								if y != acc {
									t.Fatalf("%s %s/t%d M=%d K=%d x=%d c=%d: Y[%d] = %v, want %v", path, b.Level(), threadsOf(b), m, k, x, c, i, y, acc)
								}
							}
						}
					}
				}
			}
		}
	})
}

// FuzzBitLinearGEMM is FuzzBitLinearGEMV for 2 to 17 tokens, on both GEMM
// paths: bytes choose the shape, the path, the codes and activations.
func FuzzBitLinearGEMM(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0})
	f.Add([]byte{15, 48, 0x11, 0x02, 1, 0x80, 0x7f, 0x01, 0xfe})
	f.Add([]byte{6, 97, 0x00, 0x04, 0, 0xaa, 0x55})
	levels := backends(f, kernels.OpBitLinear)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 5 {
			return
		}
		m := 2 + int(data[0]%16)
		n := 1 + int(data[1]%100)
		k := 1 + (int(data[2])|int(data[3])<<8)%1100
		unpacked := data[4]&1 != 0
		codes, xq := fuzzOperands(data[5:], m, n, k)
		from := math.MaxInt
		if unpacked {
			from = 0
		}
		old := cpu.SetGEMMUnpackFrom(from)
		defer cpu.SetGEMMUnpackFrom(old)
		for _, b := range levels {
			p := bitLinear(t, m, n, k, codes, xq, []float32{1}, fill(m, float32(1)))
			got, want := runBoth(t, b, p)
			label := fmt.Sprintf("%s/t%d M=%d N=%d K=%d unpacked %v", b.Level(), threadsOf(b), m, n, k, unpacked)
			checkBitLinear(t, label, got, want)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					if acc := accOf(codes, xq, i, j, k); got.Y[i*n+j] != float32(acc) {
						t.Fatalf("%s: Y[%d,%d] = %v, want Σ = %d", label, i, j, got.Y[i*n+j], acc)
					}
				}
			}
		}
	})
}

func threadsOf(b kernels.Backend) int {
	if tb, ok := b.(kernels.Tunable); ok {
		return tb.Threads()
	}
	return 1
}

// TestPerTokenBitLinear: cpu.Options.PerTokenBitLinear (the path before
// the GEMM, kept for side-by-side measurement) is bit-identical to the
// reference too.
func TestPerTokenBitLinear(t *testing.T) {
	r := rand.New(rand.NewPCG(53, 54))
	for _, l := range cpu.Levels() {
		b := cpu.NewWithOptions(cpu.Options{Level: l, PerTokenBitLinear: true})
		for _, m := range []int{2, 9, 17} {
			const n, k = 49, 300
			p := bitLinear(t, m, n, k, randCodes(r, n*k), randXQ(r, m*k), []float32{0.5}, fill(m, float32(3)))
			got, want := runBoth(t, b, p)
			checkBitLinear(t, fmt.Sprintf("per-token %s M=%d", l, m), got, want)
		}
	}
}

// TestBitLinearWideTiles: M from one 16-token tile up (the AMX level's
// tiles, with the rest of the tokens on the 8-token tiles), K around the
// 64-code tile step and the 512-code spans: bit-identical to the
// reference at every level with a GEMM path, 1 and 3 threads.
func TestBitLinearWideTiles(t *testing.T) {
	r := rand.New(rand.NewPCG(55, 56))
	ms, ks, ns := []int{16, 17, 31, 32, 33, 130}, []int{60, 64, 65, 576, 2560}, []int{47, 49, 97}
	if testing.Short() {
		ms, ks = []int{17, 32}, []int{65, 576}
	}
	for _, b := range backends(t, kernels.OpBitLinear) {
		if !cpu.HasGEMM(cpu.Level(b.Level())) {
			continue
		}
		for _, m := range ms {
			for i, k := range ks {
				n := ns[(m+i)%len(ns)]
				p := bitLinear(t, m, n, k, randCodes(r, n*k), randXQ(r, m*k), []float32{0.3}, fill(m, float32(5)))
				got, want := runBoth(t, b, p)
				checkBitLinear(t, fmt.Sprintf("%s/t%d M=%d N=%d K=%d", b.Level(), threadsOf(b), m, n, k), got, want)
			}
		}
	}
}
