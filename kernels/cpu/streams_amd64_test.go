//go:build amd64 && !purego

package cpu

import (
	"math/rand/v2"
	"testing"

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
	valid := []byte{0, 1, 2}
	for _, blocks := range []int{1, 2, 3, 4, 8, 10} {
		stride := blocks * pack.BlockBytes
		for groups := 0; groups <= 21; groups++ {
			rows := 4 * groups
			plain := make([]byte, rows*stride)
			for i := range plain {
				plain[i] = valid[r.IntN(3)] | valid[r.IntN(3)]<<2 | valid[r.IntN(3)]<<4 | valid[r.IntN(3)]<<6
			}
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
