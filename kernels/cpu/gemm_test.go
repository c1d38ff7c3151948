package cpu

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
)

// TestGEMMLoopsMatchGeneric holds every level's GEMM assembly to the
// generic twins on random woven weights (any byte, so every bit pattern,
// 0b11 included) and random activations, for each tile width, from zero
// and adding.
func TestGEMMLoopsMatchGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, l := range Levels() {
		k := gemmFor(l)
		if k == nil {
			continue
		}
		for _, chunks := range []int{0, 1, 2, 5, 33} {
			w := make([]byte, chunks*gemmChunkBytes)
			for i := range w {
				w[i] = byte(r.Uint32())
			}
			got := make([]int8, 4*len(w))
			want := make([]int8, 4*len(w))
			k.unpack(got, w, chunks)
			gemmUnpackGeneric(want, w, chunks)
			if !slices.Equal(got, want) {
				t.Fatalf("%s unpack of %d chunks differs from the generic twin", l, chunks)
			}
			for tokens := 1; tokens <= gemmTokens; tokens++ {
				xstride := chunks*gemmChunk + 20 // tokens further apart than they are long
				x := make([]int8, tokens*xstride)
				for i := range x {
					x[i] = int8(r.Uint32())
				}
				for _, add := range []bool{false, true} {
					start := make([]int32, tokens*gemmRows)
					for i := range start {
						start[i] = int32(r.Uint32() >> 8)
					}
					ref := slices.Clone(start)
					genericGEMM.tile[tokens-1](want, x, xstride, 4*chunks, ref, add)
					for name, run := range map[string]func(out []int32){
						"tile":  func(out []int32) { k.tile[tokens-1](got, x, xstride, 4*chunks, out, add) },
						"fused": func(out []int32) { k.fused[tokens-1](w, x, xstride, chunks, out, add) },
					} {
						out := slices.Clone(start)
						run(out)
						if !slices.Equal(out, ref) {
							t.Fatalf("%s %s of %d tokens, %d chunks, add %v differs from the generic twin", l, name, tokens, chunks, add)
						}
					}
				}
			}
		}
	}
}

// TestGEMMWeave: the weave puts code+1 of row n, column k where the
// layout comment says.
func TestGEMMWeave(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	for _, s := range [][2]int{{1, 1}, {5, 17}, {48, 16}, {49, 300}, {97, 513}} {
		n, k := s[0], s[1]
		w := kerneltest.RandomPacked2Bit(r, n, k).Packed
		chunks := (k + gemmChunk - 1) / gemmChunk
		dst := make([]byte, (n+gemmRows-1)/gemmRows*chunks*gemmChunkBytes)
		gemmWeave(dst, w, chunks)
		codes := w.Unpack()
		for row := range n {
			for col := range k {
				b := row/gemmRows*chunks*gemmChunkBytes + col/gemmChunk*gemmChunkBytes + row%gemmRows/gemmPanel*64 + row%gemmPanel*4 + col%4
				v := dst[b] >> (col / 4 % 4 * 2) & 3
				if int8(v)-1 != codes[row*k+col] {
					t.Fatalf("%dx%d: row %d col %d woven as %d, code %d", n, k, row, col, v, codes[row*k+col])
				}
			}
		}
	}
}

// TestGEMMEpilogueMatchesGeneric holds every level's batched epilogue to
// the generic twin, bit for bit: 1-9 tokens, 16-48 rows, outputs further
// apart than a block, tensor and per-row scales, sums across the int32
// range (so the float conversion rounds) and Σx of either sign.
func TestGEMMEpilogueMatchesGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	for _, l := range Levels() {
		k := gemmFor(l)
		if k == nil || k.epilogue == nil {
			continue
		}
		for tokens := 1; tokens <= 9; tokens++ {
			for _, rows := range []int{16, 32, 48} {
				for _, perRow := range []bool{false, true} {
					ystride := rows + 7 + r.IntN(40)
					acc := make([]int32, tokens*gemmRows)
					for i := range acc {
						acc[i] = int32(r.Uint32()) >> r.IntN(31)
					}
					xsum, xs := make([]int32, tokens), make([]float32, tokens)
					for i := range xs {
						xsum[i] = int32(r.IntN(1<<20)) - 1<<19
						xs[i] = float32(r.Float64()*127 + 1e-3)
					}
					var rs []float32
					if perRow {
						rs = make([]float32, rows)
						for i := range rs {
							rs[i] = float32(r.Float64()*2 + 1e-4)
						}
					}
					ws := float32(r.Float64() + 1e-3)
					got := make([]float32, tokens*ystride)
					want := make([]float32, tokens*ystride)
					k.epilogue(got, ystride, acc, rows, rs, xsum, ws, xs)
					gemmEpilogueGeneric(want, ystride, acc, rows, rs, xsum, ws, xs)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s: %d tokens, %d rows, per-row %v: y[%d] = %v, generic %v", l, tokens, rows, perRow, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestGEMMSumMatchesGeneric holds every level's Σx (the code-offset
// trick's) to a plain loop on random bytes and the extremes, at every
// length up to 200 and two long ones, unaligned.
func TestGEMMSumMatchesGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	lengths := []int{6912 + 5, 100003}
	for n := range 200 {
		lengths = append(lengths, n)
	}
	for _, l := range Levels() {
		k := gemmFor(l)
		if k == nil || k.sum == nil {
			continue
		}
		for _, n := range lengths {
			for _, fill := range []func() int8{
				func() int8 { return int8(r.Uint32()) },
				func() int8 { return -128 },
				func() int8 { return 127 },
			} {
				x := make([]int8, n+1)
				for i := range x {
					x[i] = fill()
				}
				x = x[1:] // unaligned
				var want int32
				for _, v := range x {
					want += int32(v)
				}
				if got := k.sum(x); got != want {
					t.Fatalf("%s: Σx of %d bytes %d, want %d", l, n, got, want)
				}
			}
		}
	}
}
