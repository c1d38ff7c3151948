//go:build amd64 && !purego

package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// TestFourStreamKernels checks the four-stream AVX-512 kernels, with the
// one-stream kernels taking the 0-3 groups left, against the portable
// loops for every group count up to 21 (quarters of 0 to 5 groups, every
// remainder) and several K, on random weights and activations at the
// int8 extremes.
func TestFourStreamKernels(t *testing.T) {
	if !Supported(LevelAVX512) {
		t.Skip("no AVX-512 VNNI here")
	}
	r := rand.New(rand.NewPCG(81, 82))
	for _, blocks := range []int{1, 2, 3, 4, 8, 10} {
		stride := blocks * pack.BlockBytes
		for groups := 0; groups <= 21; groups++ {
			rows := 4 * groups
			plain := kerneltest.RandomPacked2Bit(r, rows, blocks*pack.BlockCodes).Packed.Data
			x := make([]int8, blocks*pack.BlockCodes)
			for i := range x {
				x[i] = []int8{-128, 127, int8(r.Uint32())}[r.IntN(3)]
			}
			woven := make([]byte, len(plain))
			if rows > 0 {
				if err := pack.WeaveRows(woven, plain, rows, stride); err != nil {
					t.Fatal(err)
				}
			}
			for name, k := range map[string]blockKernels{"gfni-or-shift": avx512Kernels, "shift": avx512ShiftKernels} {
				out := make([]int32, rows)
				if rows > 0 {
					k.dotRows(woven, stride, x, out)
				}
				for i := range out {
					if want := dotPackedGeneric(plain[i*stride:(i+1)*stride], x); out[i] != want {
						t.Fatalf("%s, %d groups, %d blocks: row %d = %d, want %d", name, groups, blocks, i, out[i], want)
					}
				}
			}
			if blocks%4 != 0 { // int8 rows come in 256-byte steps of K
				continue
			}
			// int8 rows of K = stride, any bytes, against unsigned
			// activations: Σ xu·w.
			for i := range plain {
				plain[i] = byte(r.Uint32())
			}
			if rows > 0 {
				if err := pack.WeaveRows(woven, plain, rows, stride); err != nil {
					t.Fatal(err)
				}
			}
			xu := make([]byte, stride)
			for i := range xu {
				xu[i] = byte(r.Uint32())
			}
			out := make([]int32, rows)
			int8RowsFor(LevelAVX512)(woven, stride, xu, out)
			for i := range out {
				var want int32
				for j, w := range plain[i*stride : (i+1)*stride] {
					want += int32(xu[j]) * int32(int8(w))
				}
				if out[i] != want {
					t.Fatalf("int8, %d groups, K %d: row %d = %d, want %d", groups, stride, i, out[i], want)
				}
			}
		}
	}
}

// TestEpilogueSIMD checks the AVX-512 and AVX2 epilogues bit for bit against the
// generic loop, for every tail length and each mix of bias and row
// scales, sums at the int32 extremes included (the subtraction wraps in
// both).
func TestEpilogueSIMD(t *testing.T) {
	r := rand.New(rand.NewPCG(91, 92))
	for n := 0; n <= 50; n++ {
		acc, bias := make([]int32, n), make([]int32, n)
		rs := make([]float32, n)
		for i := range acc {
			acc[i] = []int32{-1 << 31, 1<<31 - 1, int32(r.Uint32()), int32(r.IntN(1 << 20))}[r.IntN(4)]
			bias[i] = int32(r.Uint32())
			rs[i] = r.Float32() * 0.1
		}
		for _, withBias := range []bool{false, true} {
			for _, withRS := range []bool{false, true} {
				var b []int32
				var s []float32
				if withBias {
					b = bias
				}
				if withRS {
					s = rs
				}
				sub, ws, xs := int32(r.Uint32()), r.Float32(), 1+r.Float32()*100
				want := make([]float32, n)
				epilogueGeneric(want, acc, b, s, sub, ws, xs)
				for l, e := range map[Level]rowEpilogue{LevelAVX512: epilogueSIMD, LevelAVX2: epilogueSIMD8} {
					if !Supported(l) {
						continue
					}
					got := make([]float32, n)
					e(got, acc, b, s, sub, ws, xs)
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s: n %d, bias %v, rs %v: y[%d] = %g, want %g", l, n, withBias, withRS, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}
