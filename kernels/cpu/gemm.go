package cpu

import (
	"runtime"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// BitLinear for several tokens as a GEMM.
//
// The GEMV path (bitLinearKernel) extracts a weight's bit plane once per
// token. Here a block of gemmRows output rows is decoded once into int8
// codes+1 in the layout VPDPBUSD wants (gemmUnpack), held in a per-thread
// buffer that stays in L2, and every token of the call meets it in tiles
// of up to gemmTokens (gemmTile): a tile keeps gemmRows × T int32 sums in
// registers, loads each 64-byte weight vector once for T tokens and each
// token's four activation bytes once (broadcast) for the block's three
// vectors. The packed weights stream from memory once per call, whatever
// M is; Σx is computed once per token for the code-offset trick
// (Σ (c+1)·x − Σx), and the epilogue is the level's, so the results are
// bit-identical to the GEMV path and the reference.
//
// Layouts. Weights, made once at Prepare (gemmWeave): row block b (rows
// 48b..48b+47) is kp/16 chunks of 192 bytes; chunk c is three 64-byte
// panels of 16 rows, and byte 4j+i of panel r holds in bits 2p, 2p+1 the
// code+1 of row 48b+16r+j at k = 16c+4p+i. Shift p·2 and a mask give the
// 64 bytes VPDPBUSD multiplies for k-group 4c+p (k = 16c+4p..+3) of 16
// rows. gemmUnpack writes those planes out, k-group by k-group: k-group g
// of the block is 192 bytes at 192g (panel r at +64r). Activations are
// the caller's tokens, xstride bytes apart, read in place when K is a
// multiple of 16 and otherwise copied once per call into rows of kp
// bytes. Rows past N and codes past K are padding: the padded activations
// are zero, and padded rows are never stored.
const (
	gemmRows       = 48 // output rows per row block: three 16-lane panels
	gemmPanel      = 16
	gemmChunk      = 16 // codes per row in a 64-byte panel of the weave
	gemmChunkBytes = gemmRows * gemmChunk / 4
	gemmTokens     = 8 // most tokens per tile: 3×8 accumulators
	// gemmSpan is how many codes of a row block are unpacked at a time:
	// 48 rows × 512 codes are 24 KiB, which stay in L1 while every tile
	// of tokens passes (from L2 the tiles ran at half the rate).
	gemmSpan = 512
)

// gemmKernels are the loops one ISA level provides for the GEMM path.
type gemmKernels struct {
	// unpack decodes chunks woven chunks of src (192 bytes each) into
	// 4·chunks k-groups of dst (192 bytes each): codes+1 as bytes.
	unpack func(dst []int8, src []byte, chunks int)
	// tile[T-1] computes out[t·48+r] (+)= Σ_k w[r,k]·x[t·xstride+k] for
	// the T tokens at x (groups k-groups) against the unpacked block w,
	// adding to out when add is set.
	tile [gemmTokens]func(w, x []int8, xstride, groups int, out []int32, add bool)
	// fused[T-1] is tile over chunks woven chunks (4·chunks k-groups)
	// of the weave itself, planes extracted as it goes.
	fused [gemmTokens]func(w []byte, x []int8, xstride, chunks int, out []int32, add bool)
	// prefetch, where set, asks for bytes w into cache ahead of their use:
	// the next span's woven codes, a slice per tile of the current one
	// (the unpack's own prefetch runs only 16 chunks ahead, and a span is
	// unpacked in less than a DRAM latency per 16 chunks).
	prefetch func(w []byte)
	// epilogue, where set, is the level's rowEpilogue for the first
	// rows&^15 rows of every token of a block at once (one call per
	// block instead of one per token): y[t·ystride+i] from
	// acc[t·gemmRows+i], subtracting xsum[t], dividing by xs[t].
	epilogue func(y []float32, ystride int, acc []int32, rows int, rs []float32, xsum []int32, ws float32, xs []float32)
	// wide, where set, is a matrix unit's tile loop (AMX, see amx.go):
	// out[t·48+r] (+)= Σ_k w[r,k]·x[t·xstride+k] for tokens tokens, a
	// multiple of amxTokens, against groups k-groups of the unpacked
	// block, a multiple of amxGroups. A level with it pads K to
	// amxGroups·4 codes and runs the whole 16-token tiles of a call
	// there once it unpacks, the other tokens on its tiles.
	wide func(w, x []int8, xstride, groups, tokens int, out []int32, add bool)
	// sum, where set, is sumInt8 in the level's SIMD: a token's Σx for
	// the code-offset trick, once a call (the SWAR loop took 98 µs of
	// a 1.07 ms 2560×2560 b128 call at amx on a Xeon).
	sum func(x []int8) int32
}

// codeAlign is how many codes the level's loops want K padded to.
func (k *gemmKernels) codeAlign() int {
	if k.wide != nil {
		return 4 * amxGroups
	}
	return gemmChunk
}

// gemmUnpackFrom is the token count from which a row block is unpacked
// once for all tokens rather than extracted by every tile (the fused
// tiles): the copy costs stores, the fused tiles repeat the extraction.
var gemmUnpackFrom = 16

// gemmKernel is BitLinear bound to one problem with M ≥ 2.
type gemmKernel struct {
	p        *kernels.Problem
	k        *gemmKernels
	epilogue rowEpilogue
	pool     *workerPool
	kp       int // K rounded up to gemmChunk
	rowBlks  int
	weave    []byte // the weights as gemmWeave lays them out, in owned
	owned    *poolBytes
	xpad     []int8  // the tokens padded to kp codes, when K is not a multiple of 16
	xsum     []int32 // Σ x per token
	scratch  chan *gemmScratch
	blocks   func(lo, hi int)
}

// gemmScratch is one thread's unpacked row block and tile sums.
type gemmScratch struct {
	w   []int8
	out []int32
}

func newGEMMKernel(p *kernels.Problem, k *gemmKernels, epilogue rowEpilogue, pool *workerPool) (*gemmKernel, error) {
	align := k.codeAlign()
	kp := (p.K + align - 1) / align * align
	g := &gemmKernel{p: p, k: k, epilogue: epilogue, pool: pool, kp: kp,
		rowBlks: (p.N + gemmRows - 1) / gemmRows,
		xsum:    make([]int32, p.M)}
	if kp != p.K {
		g.xpad = make([]int8, p.M*kp) // the padding stays zero
	}
	var err error
	if g.owned, err = newPoolBytes(g, g.rowBlks*kp/gemmChunk*gemmChunkBytes); err != nil {
		return nil, err
	}
	g.weave = g.owned.bytes()
	gemmWeave(g.weave, p.Weights.Packed, kp/gemmChunk)
	g.scratch = make(chan *gemmScratch, pool.threads)
	for range pool.threads {
		tiles := (p.M + gemmTokens - 1) / gemmTokens
		g.scratch <- &gemmScratch{w: make([]int8, gemmRows*min(kp, gemmSpan)), out: make([]int32, tiles*gemmTokens*gemmRows)}
	}
	g.blocks = g.runBlocks
	return g, nil
}

// gemmWeave lays the packed weights out as the GEMM reads them (see the
// layout above) in row blocks of chunks ≥ ceil(Cols/16) chunks; dst holds
// ceil(Rows/48)·chunks·192 bytes. The chunks past ceil(Cols/16) stay zero. Packed byte j of
// block b holds codes 256b+64q+j, q < 4, whose k-group plane (k/4 % 4)
// and byte within the group (k % 4) depend on j alone.
func gemmWeave(dst []byte, w *pack.Packed2Bit, chunks int) {
	clear(dst)
	used := (w.Cols + gemmChunk - 1) / gemmChunk
	for n := 0; n < w.Rows; n++ {
		// Row n's bytes start at its block, panel and lane.
		base := n/gemmRows*chunks*gemmChunkBytes + n%gemmRows/gemmPanel*64 + n%gemmPanel*4
		row := w.Row(n)
		for b := 0; b*pack.BlockCodes < w.Cols; b++ {
			for j, v := range row[b*pack.BlockBytes : (b+1)*pack.BlockBytes] {
				shift := j / 4 % 4 * 2
				for q := range 4 {
					c := 16*b + 4*q + j/16 // chunk of code 256b+64q+j
					if c >= used {
						break // past Cols rounded up to the chunk: padding
					}
					dst[base+c*gemmChunkBytes+j%4] |= v >> (2 * q) & 3 << shift
				}
			}
		}
	}
}

func (g *gemmKernel) Run() error {
	if g.weave == nil {
		return errClosed
	}
	p := g.p
	sum := sumInt8
	if g.k.sum != nil {
		sum = g.k.sum
	}
	for m := 0; m < p.M; m++ {
		g.xsum[m] = sum(p.XQ[m*p.K : (m+1)*p.K])
	}
	if g.xpad != nil {
		for m := 0; m < p.M; m++ {
			copy(g.xpad[m*g.kp:], p.XQ[m*p.K:(m+1)*p.K])
		}
	}
	g.pool.run(g.rowBlks, 1, g.blocks)
	runtime.KeepAlive(g) // its cleanup frees weave
	return nil
}

// runBlocks does row blocks [lo, hi) for every token. A block is decoded
// gemmSpan codes at a time, every tile of tokens passes over that span
// adding into its sums, and then the epilogue turns the sums into outputs.
func (g *gemmKernel) runBlocks(lo, hi int) {
	p := g.p
	s := <-g.scratch
	chunks := g.kp / gemmChunk
	x, xstride := p.XQ, p.K
	if g.xpad != nil {
		x, xstride = g.xpad, g.kp
	}
	for b := lo; b < hi; b++ {
		weave := g.weave[b*chunks*gemmChunkBytes : (b+1)*chunks*gemmChunkBytes]
		for c0 := 0; c0 < chunks; c0 += gemmSpan / gemmChunk {
			cs := min(gemmSpan/gemmChunk, chunks-c0)
			span := weave[c0*gemmChunkBytes : (c0+cs)*gemmChunkBytes]
			unpacked := p.M >= gemmUnpackFrom
			var next []byte // the codes after this span, up to a span's worth, within this call's blocks
			if unpacked && g.k.prefetch != nil {
				from := b*chunks*gemmChunkBytes + (c0+cs)*gemmChunkBytes
				next = g.weave[from:min(from+len(span), hi*chunks*gemmChunkBytes)]
			}
			if unpacked {
				g.k.unpack(s.w, span, cs)
			}
			g0, gs := 4*c0, 4*cs // k-groups of the span
			m0 := 0
			if wide := p.M / amxTokens * amxTokens; unpacked && g.k.wide != nil && wide > 0 {
				// The matrix unit takes the whole 16-token tiles; the
				// next span is asked for before them, all of it.
				if len(next) > 0 {
					g.k.prefetch(next)
					next = nil
				}
				g.k.wide(s.w, x[4*g0:], xstride, gs, wide, s.out[:wide*gemmRows], c0 > 0)
				m0 = wide
			}
			tiles := (p.M + gemmTokens - 1) / gemmTokens
			for ; m0 < p.M; m0 += gemmTokens {
				t := min(gemmTokens, p.M-m0)
				xs := x[m0*xstride+4*g0:]
				out := s.out[m0*gemmRows : (m0+t)*gemmRows]
				if unpacked {
					if len(next) > 0 { // this tile's share of the next span
						i := m0 / gemmTokens
						g.k.prefetch(next[i*len(next)/tiles : (i+1)*len(next)/tiles])
					}
					g.k.tile[t-1](s.w, xs, xstride, gs, out, c0 > 0)
				} else {
					g.k.fused[t-1](span, xs, xstride, cs, out, c0 > 0)
				}
			}
		}
		g.epilogueBlock(b*gemmRows, s.out)
	}
	g.scratch <- s
}

// epilogueBlock turns the sums of row block [n0, n0+48) for every token
// (token m's at out[48m:]) into outputs: the level's batched epilogue
// where it has one, for whole groups of 16 rows, the per-token one for
// the rest.
func (g *gemmKernel) epilogueBlock(n0 int, out []int32) {
	p := g.p
	rows := min(gemmRows, p.N-n0)
	var rs []float32
	if p.Weights.RowScales != nil {
		rs = p.Weights.RowScales[n0 : n0+rows]
	}
	done := 0
	if g.k.epilogue != nil && p.M > 0 {
		done = rows &^ 15
		if done > 0 {
			g.k.epilogue(p.Y[n0:], p.N, out, done, rs, g.xsum, p.Weights.Scale, p.XScales[:p.M])
		}
	}
	if done == rows {
		return
	}
	var rrs []float32
	if rs != nil {
		rrs = rs[done:]
	}
	for m := 0; m < p.M; m++ {
		g.epilogue(p.Y[m*p.N+n0+done:m*p.N+n0+rows], out[m*gemmRows+done:m*gemmRows+rows], nil, rrs, g.xsum[m], p.Weights.Scale, p.XScales[m])
	}
}

func (g *gemmKernel) Fetch() error { return nil }

// Close gives the weight copy back; Run after Close is an error.
func (g *gemmKernel) Close() error {
	g.weave = nil
	g.owned.free()
	return nil
}

// The generic twins of the GEMM loops: the assembly's specification, which
// the tests hold it to.

func gemmUnpackGeneric(dst []int8, src []byte, chunks int) {
	for c := range chunks {
		in := src[c*gemmChunkBytes : (c+1)*gemmChunkBytes]
		out := dst[4*c*gemmChunkBytes : 4*(c+1)*gemmChunkBytes]
		for p := range 4 {
			for j, v := range in {
				out[p*gemmChunkBytes+j] = int8(v >> (2 * p) & 3)
			}
		}
	}
}

func gemmTileGeneric(t int) func(w, x []int8, xstride, groups int, out []int32, add bool) {
	return func(w, x []int8, xstride, groups int, out []int32, add bool) {
		for i := range t {
			for r := range gemmRows {
				var acc int32
				if add {
					acc = out[i*gemmRows+r]
				}
				for g := range groups {
					wv := w[g*gemmChunkBytes+r/gemmPanel*64+r%gemmPanel*4:]
					xv := x[i*xstride+4*g:]
					for j := range 4 {
						acc += int32(uint8(wv[j])) * int32(xv[j])
					}
				}
				out[i*gemmRows+r] = acc
			}
		}
	}
}

// gemmEpilogueGeneric is the batched epilogue's specification: the
// generic rowEpilogue once per token.
func gemmEpilogueGeneric(y []float32, ystride int, acc []int32, rows int, rs []float32, xsum []int32, ws float32, xs []float32) {
	for t := range xs {
		epilogueGeneric(y[t*ystride:t*ystride+rows], acc[t*gemmRows:t*gemmRows+rows], nil, rs, xsum[t], ws, xs[t])
	}
}

// gemmFusedGeneric is the fused tile's specification: unpack, then tile.
func gemmFusedGeneric(t int) func(w []byte, x []int8, xstride, chunks int, out []int32, add bool) {
	tile := gemmTileGeneric(t)
	return func(w []byte, x []int8, xstride, chunks int, out []int32, add bool) {
		u := make([]int8, 4*chunks*gemmChunkBytes)
		gemmUnpackGeneric(u, w, chunks)
		tile(u, x, xstride, 4*chunks, out, add)
	}
}

var genericGEMM = func() gemmKernels {
	k := gemmKernels{unpack: gemmUnpackGeneric}
	for t := range k.tile {
		k.tile[t] = gemmTileGeneric(t + 1)
		k.fused[t] = gemmFusedGeneric(t + 1)
	}
	return k
}()
