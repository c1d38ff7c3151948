package cuda

import (
	"slices"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// TestGatePairs: the gate/up row order is a permutation that puts gate i
// and up i in the same lane group (rows sub and sub + 32/g of a warp, as
// wave.cu's fused epilogue 2 reads them), for i = warp·32/g + sub.
func TestGatePairs(t *testing.T) {
	for _, g := range []int{16, 32} {
		for _, ffn := range []int{2, 64, 640, 6912} {
			order, ok := gatePairs(ffn, g)
			gpw := 32 / g
			if ok != (ffn%gpw == 0) {
				t.Fatalf("g %d ffn %d: ok %v", g, ffn, ok)
			}
			if !ok {
				continue
			}
			sorted := slices.Clone(order)
			slices.Sort(sorted)
			for i, v := range sorted {
				if v != i {
					t.Fatalf("g %d ffn %d: not a permutation of the rows", g, ffn)
				}
			}
			for warp := range 2 * ffn / (2 * gpw) {
				for sub := range gpw {
					i := warp*gpw + sub
					gate, up := order[warp*2*gpw+sub], order[warp*2*gpw+sub+gpw]
					if gate != i || up != ffn+i {
						t.Fatalf("g %d ffn %d warp %d sub %d: rows %d and %d, want gate %d and up %d", g, ffn, warp, sub, gate, up, i, ffn+i)
					}
				}
			}
		}
	}
	if _, ok := gatePairs(7, 16); ok {
		t.Errorf("an odd FFN width paired for lane groups of 16")
	}
}

// TestFusedGeometry: one round holds a row (J·G ≥ chunks) up to the
// largest instantiation, and the name is an instantiated kernel.
func TestFusedGeometry(t *testing.T) {
	for _, k := range []int{256, 640, 2560, 6912, 8192} {
		stride := pack.Stride2Bit(k)
		g, j, name := fusedGeometry(stride)
		chunks := stride / 16
		if j*g < chunks && j != fusedWaveCaps[len(fusedWaveCaps)-1] {
			t.Errorf("K %d: J %d × G %d < %d chunks", k, j, g, chunks)
		}
		if !slices.Contains(kernelFiles["wave.cu"], name) {
			t.Errorf("K %d: %s is not a wave.cu entry point", k, name)
		}
	}
}

// TestPlanFuse: over the op pattern model.Engine builds for one token
// (two layers), every norm but the first layer's input norm and the final
// one is folded into the BitLinear after it, each with the right
// producer; nothing is fused when the attention has no statistics.
func TestPlanFuse(t *testing.T) {
	const hidden, ffn = 256, 640
	wt := func(rows, cols int) *kernels.Weights {
		return &kernels.Weights{Packed: &pack.Packed2Bit{Rows: rows, Cols: cols, Stride: pack.Stride2Bit(cols)}}
	}
	q := func(p uint64, k int) quantized { return quantized{p: p, m: 1, k: k, kp: pack.Stride2Bit(k) * 4} }
	const (
		x, h, att, act, qkv, oOut, gu, down = 1, 2, 3, 4, 5, 6, 7, 8
		hidQ, attQ, ffnQ, finQ, g0, gstride = 10, 11, 12, 13, 100, 10
	)
	mk := func(attStats bool) []*opInfo {
		infos := []*opInfo{{embed: func(uint64, int) (*launch, error) { return nil, nil }}}
		res := uint64(0)
		for l := range 2 {
			g := uint64(g0 + gstride*l)
			a := &opInfo{att: &attInfo{out: att}}
			if !attStats {
				a = nil
			}
			infos = append(infos,
				&opInfo{norm: &normInfo{x: x, res: res, g: g, q: q(hidQ, hidden)}},
				&opInfo{bl: &blInfo{w: wt(3*hidden/2, hidden), q: q(hidQ, hidden), y: qkv}},
				a,
				&opInfo{norm: &normInfo{x: att, g: g + 1, q: q(attQ, hidden)}},
				&opInfo{bl: &blInfo{w: wt(hidden, hidden), q: q(attQ, hidden), y: oOut}},
				&opInfo{norm: &normInfo{x: x, res: oOut, g: g + 2, q: q(hidQ, hidden)}},
				&opInfo{bl: &blInfo{w: wt(2*ffn, hidden), q: q(hidQ, hidden), y: gu}},
				&opInfo{norm: &normInfo{x: act, gu: gu, g: g + 3, q: q(ffnQ, ffn)}},
				&opInfo{bl: &blInfo{w: wt(hidden, ffn), q: q(ffnQ, ffn), y: down}})
			res = down
		}
		return append(infos, &opInfo{norm: &normInfo{x: x, res: down, g: 1000, q: q(finQ, hidden)}}, nil)
	}
	infos := mk(true)
	pro, epi, drop, groups := planFuse(infos)
	if groups != 7 || len(drop) != 7 || len(pro) != 7 || len(epi) != 7 {
		t.Fatalf("groups %d, %d norms dropped, %d prologues, %d epilogues; want 7 each", groups, len(drop), len(pro), len(epi))
	}
	for k, in := range infos {
		if in == nil || in.norm == nil {
			continue
		}
		first, final := k == 1, k == len(infos)-2
		if drop[k] == (first || final) {
			t.Errorf("op %d (norm of %d): dropped %v", k, in.norm.x, drop[k])
			continue
		}
		if !drop[k] {
			continue
		}
		p, e := pro[k+1], epi[k-1]
		if p.n != in.norm || p.stats != e.stats || e.gn != in.norm.g {
			t.Errorf("op %d: prologue %+v, epilogue %+v", k, p, e)
		}
		want := epiPlan{kind: 1, x: x}
		switch in.norm.x {
		case att:
			want = epiPlan{attOut: true}
		case act:
			want = epiPlan{kind: 2, x: act}
		}
		if e.kind != want.kind || e.x != want.x || e.attOut != want.attOut {
			t.Errorf("op %d (norm of %d): epilogue %+v, want kind %d into %d (attention %v)", k, in.norm.x, e, want.kind, want.x, want.attOut)
		}
	}
	// Without the attention's statistics its norm stays a launch.
	_, _, drop, groups = planFuse(mk(false))
	if groups != 5 || drop[4] {
		t.Errorf("attention without statistics: %d groups, its norm dropped %v", groups, drop[4])
	}
}
