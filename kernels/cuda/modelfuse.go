package cuda

import (
	"fmt"
	"os"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
)

// Decode-step fusion: a one-token pass's RMSNorm + quantization launches
// disappear into the BitLinear after them. The BitLinear (wave.cu's
// bitlinear_wave_fused_*) normalises and quantizes its input row itself
// into shared memory (WaveFuse's prologue), from the row's Σx² and
// max|x·g| that the launch before it added up in its own epilogue: the
// projection before a residual norm adds its output into the residual
// stream (x += y) and sums x; the gate/up projection, its rows paired as
// gate i and up i in one lane group, writes relu(gate)²·up and sums that;
// the decode attention sums its output. So a layer is 5 launches (QKV,
// attention, O, gate/up, down) instead of 9, and no launch of the chain
// is a one-block norm. The statistics live in FUSE_SLOTS slots a norm,
// zeroed by the step's embedding launch. The first layer's input norm
// (after the embedding) and the final norm (before the LM head) stay
// model_norm_quant launches.

// modelGEMVFuse: BITNET_CUDA_MODEL_GEMV_FUSE=1 folds the norms as above.
// Off by default: on an H100 80GB HBM3 (one device run, README) the
// folded step gave 824 device tokens/s against 779 unfused in the same
// process and 799 for main's binary, within the run-to-run spread, while
// its J/token rose 0.37 → 0.42: each of a GEMV's blocks reads the whole
// float row and its gains (20-55 KB) from L2, which costs about what the
// norm launches did. The model tests run both paths.
var modelGEMVFuse = os.Getenv("BITNET_CUDA_MODEL_GEMV_FUSE") == "1"

// fuseStage: a fused prologue stages its gains (before the wait) and its
// row (after) in shared memory by cp.async, so that its reads are one
// round trip (sm_80 and later). BITNET_CUDA_MODEL_FUSE_STAGE=0 reads them
// from global memory in the quantizing loop.
var fuseStage = os.Getenv("BITNET_CUDA_MODEL_FUSE_STAGE") != "0"

// fuseSlots and fuseMaxKp are wave.cu's FUSE_SLOTS and FUSE_MAX_KP.
const (
	fuseSlots = 32
	fuseMaxKp = 8192
)

// fusedWaveCaps are the JC that wave.cu instantiates as
// bitlinear_wave_fused_g<G>_c<JC> (R = 2, one token).
var fusedWaveCaps = []int{2, 3, 4, 5, 7, 8}

func init() {
	for _, g := range []int{16, 32} {
		for _, c := range fusedWaveCaps {
			kernelFiles["wave.cu"] = append(kernelFiles["wave.cu"], fmt.Sprintf("bitlinear_wave_fused_g%d_c%d", g, c))
		}
	}
}

// opInfo describes a one-token op for fuse (one field set).
type opInfo struct {
	norm  *normInfo
	bl    *blInfo
	att   *attInfo
	embed func(stats uint64, n int) (*launch, error)
}

type normInfo struct {
	x, res, g, gu uint64
	q             quantized
}

type blInfo struct {
	w         *kernels.Weights
	dw        devWeights
	q         quantized
	scales, y uint64
}

type attInfo struct {
	out       uint64
	withStats func(gn, nstats uint64) (*launch, error)
}

// fusedGeometry is the lane group width, chunks a lane a round and kernel
// of a fused one-token BitLinear over rows of stride bytes.
func fusedGeometry(stride int) (g, j int, name string) {
	chunks := stride / 16
	g = 16
	if chunks > 64 {
		g = 32
	}
	j = ceilDiv(chunks, g)
	c := waveCap(fusedWaveCaps, j)
	return g, min(j, c), fmt.Sprintf("bitlinear_wave_fused_g%d_c%d", g, c)
}

// gatePairs is the row order of a fused gate/up matrix of 2·ffn rows for
// lane groups g wide: physical row p of warp p / (2·32/g) holds gate row
// i (first half of the warp's rows) or up row i (second half), i = warp ·
// 32/g + p mod 32/g, so that one lane group holds both. ok is false when
// ffn is not a multiple of 32/g.
func gatePairs(ffn, g int) (order []int, ok bool) {
	gpw := 32 / g
	if ffn%gpw != 0 {
		return nil, false
	}
	order = make([]int, 2*ffn)
	for p := range order {
		warp, within := p/(2*gpw), p%(2*gpw)
		i := warp*gpw + within%gpw
		if within >= gpw {
			i += ffn
		}
		order[p] = i
	}
	return order, true
}

// pairedWeights uploads w with its rows in gatePairs order (once).
func (md *modelDevice) pairedWeights(w *kernels.Weights, g int) (devWeights, bool, error) {
	key := pairKey{w, g}
	if dw, ok := md.paired[key]; ok {
		return dw, true, nil
	}
	p := w.Packed
	order, ok := gatePairs(p.Rows/2, g)
	if !ok || p.Rows%2 != 0 {
		return devWeights{}, false, nil
	}
	data := make([]uint8, p.Rows*p.Stride)
	scales := make([]float32, p.Rows)
	for dst, src := range order {
		copy(data[dst*p.Stride:(dst+1)*p.Stride], p.Data[src*p.Stride:(src+1)*p.Stride])
		scales[dst] = w.Scale
		if w.RowScales != nil {
			scales[dst] = w.RowScales[src]
		}
	}
	var dw devWeights
	var err error
	if dw.w, err = allocFrom(md, data); err != nil {
		return dw, false, err
	}
	if dw.scales, err = allocFrom(md, scales); err != nil {
		return dw, false, err
	}
	if md.paired == nil {
		md.paired = map[pairKey]devWeights{}
	}
	md.paired[key] = dw
	return dw, true, nil
}

type pairKey struct {
	w *kernels.Weights
	g int
}

// fusable says whether a BitLinear can be a fused launch.
func (b *blInfo) fusable() bool { return b.q.kp <= fuseMaxKp && b.q.kp%16 == 0 }

// epiPlan is what a fused BitLinear does after its sums (WaveFuse).
type epiPlan struct {
	kind   int    // 1: x += y, 2: the ReLU² gate into x
	x, gn  uint64 // where it writes, the next norm's gains
	stats  int    // slot group of its statistics
	attOut bool   // the producer is the attention (kind unused)
}

// proPlan is a fused BitLinear's prologue: the norm it does itself.
type proPlan struct {
	n     *normInfo
	stats int
}

// fuse rewrites a one-token program's ops: each norm whose input comes
// from a BitLinear or the decode attention just before it, and whose
// output feeds the BitLinear just after, becomes that BitLinear's
// prologue, with the statistics from the launch before (see above).
// Ops it cannot fuse are kept as they are.
func (md *modelDevice) fuse(ops []model.PartOp) ([]model.PartOp, error) {
	// The ops that launch anything (RoPE and the ReLU² gate are folded
	// into others already and have no launches).
	var idx []int
	for i, o := range ops {
		lo := o.Op.(launchOp)
		if len(lo.ls) > 0 || lo.info != nil {
			idx = append(idx, i)
		}
	}
	infos := make([]*opInfo, len(idx))
	for k, i := range idx {
		infos[k] = ops[i].Op.(launchOp).info
	}
	pro, epi, drop, groups := planFuse(infos)
	if groups == 0 {
		return ops, nil
	}
	nstats := groups * fuseSlots * 2
	stats, err := md.alloc(4 * nstats)
	if err != nil {
		return nil, err
	}
	slot := func(g int) uint64 { return stats + uint64(g*fuseSlots*2*4) }
	out := make([]model.PartOp, 0, len(ops))
	pos := map[int]int{} // op index → k
	for k, i := range idx {
		pos[i] = k
	}
	embedded := false
	for i, o := range ops {
		k, launches := pos[i]
		if !launches {
			out = append(out, o)
			continue
		}
		lo := o.Op.(launchOp)
		in := lo.info
		switch {
		case drop[k]:
			continue // the next BitLinear's prologue
		case in != nil && in.embed != nil && !embedded:
			l, err := in.embed(stats, nstats)
			if err != nil {
				return nil, err
			}
			ls := append([]*launch{}, lo.ls[:len(lo.ls)-1]...) // the params upload stays
			out = append(out, model.PartOp{Part: o.Part, Op: launchOp{md, append(ls, l), nil}})
			embedded = true
			continue
		case in != nil && in.att != nil && epi[k].attOut:
			l, err := in.att.withStats(epi[k].gn, slot(epi[k].stats))
			if err != nil {
				return nil, err
			}
			out = append(out, model.PartOp{Part: o.Part, Op: launchOp{md, []*launch{l}, nil}})
			continue
		case in != nil && in.bl != nil:
			p, hasPro := pro[k]
			e, hasEpi := epi[k]
			if !hasPro && !hasEpi {
				break
			}
			l, err := md.fusedBitLinear(in.bl, p, hasPro, e, hasEpi, slot)
			if err != nil {
				return nil, err
			}
			out = append(out, model.PartOp{Part: o.Part, Op: md.add(l)})
			continue
		}
		out = append(out, o)
	}
	if !embedded {
		return nil, fmt.Errorf("cuda: model: a fused pass has no embedding launch to zero its norm statistics")
	}
	return out, nil
}

// fusedBitLinear binds a bitlinear_wave_fused_* launch.
func (md *modelDevice) fusedBitLinear(b *blInfo, p proPlan, hasPro bool, e epiPlan, hasEpi bool, slot func(int) uint64) (*launch, error) {
	pw := b.w.Packed
	g, j, name := fusedGeometry(pw.Stride)
	dw := b.dw
	if hasEpi && e.kind == 2 {
		var ok bool
		var err error
		if dw, ok, err = md.pairedWeights(b.w, g); err != nil || !ok {
			return nil, fmt.Errorf("cuda: model: gate/up rows of %dx%d cannot be paired for lane groups of %d: %v", pw.Rows, pw.Cols, g, err)
		}
	}
	var src, gains, stats uint64
	fw := int32(0)
	if hasPro {
		src, gains, stats, fw = p.n.x, p.n.g, slot(p.stats), int32(p.n.q.k)
	}
	stage := 0
	if hasPro && fuseStage {
		stage = 1
	}
	var kind int32
	var x, gn, nstats uint64
	if hasEpi {
		kind, x, gn, nstats = int32(e.kind), e.x, e.gn, slot(e.stats)
	}
	grid := [3]uint32{uint32(ceilDiv(ceilDiv(pw.Rows, 2)*g, waveThreads)), 1, 1}
	l, err := md.d.newLaunch(name, grid, [3]uint32{waveThreads, 1, 1},
		dw.w, int32(pw.Stride), int32(pw.Rows), b.q.p, int32(b.q.kp), b.scales, dw.scales, int32(1), b.y, int32(j),
		src, gains, stats, fw, md.c.NormEps, kind, x, gn, nstats, int32(stage))
	if err != nil {
		return nil, err
	}
	if stage != 0 {
		if err := md.d.dynamicShared(l, 2*4*int(fw)); err != nil {
			l.release()
			return nil, err
		}
	}
	l.overlapOK = md.d.major >= 9 // it waits for the grid before it before reading activations
	return l, nil
}

// planFuse decides, over the launching ops' infos in order, which norms
// (drop) become the prologue (pro) of the BitLinear after them, and what
// the launch before each does for it (epi); groups is the number of
// statistics slot groups.
func planFuse(infos []*opInfo) (pro map[int]proPlan, epi map[int]epiPlan, drop map[int]bool, groups int) {
	info := func(k int) *opInfo { return infos[k] }
	pro, epi, drop = map[int]proPlan{}, map[int]epiPlan{}, map[int]bool{}
	for k := 1; k+1 < len(infos); k++ {
		ni, ci, pi := info(k), info(k+1), info(k-1)
		if ni == nil || ni.norm == nil || ci == nil || ci.bl == nil || pi == nil {
			continue
		}
		n, c := ni.norm, ci.bl
		if c.q.p != n.q.p || !c.fusable() || n.q.k%4 != 0 {
			continue
		}
		if _, taken := epi[k-1]; taken {
			continue
		}
		var e epiPlan
		switch {
		case n.res != 0 && pi.bl != nil && pi.bl.y == n.res && pi.bl.fusable() && pi.bl.w.Packed.Rows == n.q.k:
			e = epiPlan{kind: 1, x: n.x}
		case n.res == 0 && n.gu != 0 && pi.bl != nil && pi.bl.y == n.gu && pi.bl.fusable() && pi.bl.w.Packed.Rows == 2*n.q.k:
			g, _, _ := fusedGeometry(pi.bl.w.Packed.Stride)
			if _, ok := gatePairs(n.q.k, g); !ok {
				continue
			}
			e = epiPlan{kind: 2, x: n.x}
		case n.res == 0 && n.gu == 0 && pi.att != nil && pi.att.out == n.x:
			e = epiPlan{attOut: true}
		default:
			continue
		}
		e.gn, e.stats = n.g, groups
		epi[k-1] = e
		pro[k+1] = proPlan{n, groups}
		drop[k] = true
		groups++
	}
	return pro, epi, drop, groups
}
