package cpu

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
)

// TestAMXTilesMatchGeneric holds the tile model to the generic tile (a
// sum per token and row, no tiles) on random unpacked blocks (any byte,
// so codes+1 up to 255 test the unsigned operand) and activations, from
// zero and adding; and every level's wide loop (the AMX assembly where
// the CPU has it) to the model, which is how the assembly is tested.
func TestAMXTilesMatchGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	wides := map[string]func(w, x []int8, xstride, groups, tokens int, out []int32, add bool){"model": amxModelGEMM.wide}
	for _, l := range Levels() {
		if k := gemmFor(l); k != nil && k.wide != nil {
			wides[string(l)] = k.wide
		}
	}
	for _, groups := range []int{0, 16, 32, 128} {
		w := make([]int8, groups*gemmChunkBytes)
		for i := range w {
			w[i] = int8(r.Uint32())
		}
		for _, tokens := range []int{16, 32, 48} {
			xstride := 4*groups + 20 // tokens further apart than they are long
			x := make([]int8, tokens*xstride)
			for i := range x {
				x[i] = int8(r.Uint32())
			}
			for _, add := range []bool{false, true} {
				start := make([]int32, tokens*gemmRows)
				for i := range start {
					start[i] = int32(r.Uint32() >> 8)
				}
				want := slices.Clone(start)
				gemmTileGeneric(tokens)(w, x, xstride, groups, want, add)
				for name, wide := range wides {
					got := slices.Clone(start)
					wide(w, x, xstride, groups, tokens, got, add)
					if !slices.Equal(got, want) {
						t.Fatalf("%s: %d tokens, %d k-groups, add %v differs from the generic tile", name, tokens, groups, add)
					}
				}
			}
		}
	}
}

// TestAMXWideChecks: a partial tile panics instead of reading past its
// slices.
func TestAMXWideChecks(t *testing.T) {
	for _, c := range [][2]int{{15, 16}, {16, 15}, {17, 16}, {16, 17}} {
		tokens, groups := c[0], c[1]
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%d tokens, %d k-groups: no panic", tokens, groups)
				}
			}()
			amxModelGEMM.wide(make([]int8, 32*gemmChunkBytes), make([]int8, 32*128), 128, groups, tokens, make([]int32, 32*gemmRows), false)
		}()
	}
}

// TestAMXModelGEMM runs whole BitLinear problems through the GEMM path
// with the tile model as its wide loop, against the reference, bit for
// bit: M around the 16-token tiles (the rest on the 8-token tiles), K
// around the 64-code tile step (padded, or in place at multiples of 64)
// and the 512-code spans, rows around the 48-row blocks, 1 and 3
// threads, tensor and per-row scales.
func TestAMXModelGEMM(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 64))
	ms := []int{16, 17, 31, 32, 33, 50}
	ks := []int{1, 63, 64, 65, 512, 576, 600}
	ns := []int{1, 47, 48, 49, 97}
	if testing.Short() {
		ms, ks = []int{17, 32}, []int{63, 576}
	}
	for _, threads := range []int{1, 3} {
		for _, m := range ms {
			for i, k := range ks {
				n := ns[(m+i)%len(ns)]
				p := kerneltest.BitLinearProblem(r, m, n, k, (m+i)%2 == 0)
				want := kerneltest.Reference(t, p)
				g, err := newGEMMKernel(p, &amxModelGEMM, epilogueGeneric, poolFor(threads))
				if err != nil {
					t.Fatal(err)
				}
				if err := g.Run(); err != nil {
					t.Fatal(err)
				}
				g.Close()
				kerneltest.ExactF32(t, fmt.Sprintf("AMX model t%d M=%d N=%d K=%d Y", threads, m, n, k), p.Y, want.Y)
				if t.Failed() {
					return
				}
			}
		}
	}
}
