package cpu

// The AMX-INT8 level's GEMM: BitLinear of whole 16-token tiles on the
// tile unit, everything else as at the avx512vnni level.
//
// A row block is unpacked as for VPDPBUSD (gemmUnpack: k-group g is 192
// bytes at 192g, panel r at +64r, byte 4j+i the code+1 of row 16r+j at
// k = 4g+i). That is already the layout TDPBSUD wants of its second
// operand: 16 k-groups of a panel, 192 bytes apart, are a B tile of 16
// rows × 64 bytes (16 output rows × 4 codes a row), no re-layout. The A
// tile is 16 tokens × 64 activation bytes, read in place xstride apart
// (K padded to 64 codes). TDPBSUD multiplies A's signed bytes (x) by B's
// unsigned ones (codes+1 ∈ {0,1,2}) into C's 16 × 16 int32: C[t][j] =
// Σ_k x[t,k]·(c[16r+j,k]+1), the sum the other levels make, so the
// code-offset correction (−Σx) and the epilogue are theirs and the result
// is bit-identical to the reference. C's rows are a token's 16 panel
// sums, stored 192 bytes apart: the tile sums' layout (out[t·48+16r+j]).
// Per 16 tokens and 64 codes: one A load, three B loads (the block's
// panels), three TDPBSUD into C0-C2 (8 tiles: C0-2, A, B0-2).
const (
	amxTokens = 16 // tokens per tile (A and C rows)
	amxGroups = 16 // k-groups (of 4 codes) per tile step: 64 bytes a row
)

// AMXUnavailable says why this machine and build run no AMX-INT8 level
// (LevelAMX): the CPU has none, Linux refused the tile data state, or the
// build has no AMX kernel; empty when the level is there.
func AMXUnavailable() string {
	if why := amxUnavailable(); why != "" {
		return why
	}
	if !Supported(LevelAMX) {
		return "the CPU has AMX-INT8 and Linux grants the tile data state, but this build has no AMX kernel (built with -tags purego, or without the AMX assembly, which lands only once tested on a CPU with AMX)"
	}
	return ""
}

// The generic twin of the AMX loop: a model of the tile registers and of
// the instructions the assembly runs, in its order, so the blocking and
// layout are tested on any machine (gemmTilesAMXModel against
// gemmTileGeneric) and the assembly is held to it where AMX exists.

// amxTile is one tile register as the loop configures them all: 16 rows
// of 64 bytes.
type amxTile [amxTokens][4 * amxGroups]byte

// amxAcc is a tile register holding int32 sums: 16 rows of 16.
type amxAcc [amxTokens][16]int32

// loadInt8 is TILELOADD of int8 rows: row i from src[off+i·stride:].
func (t *amxTile) loadInt8(src []int8, off, stride int) {
	for i := range t {
		for j := range t[i] {
			t[i][j] = byte(src[off+i*stride+j])
		}
	}
}

// load and store are TILELOADD and TILESTORED of int32 rows, stride in
// int32s.
func (c *amxAcc) load(src []int32, off, stride int) {
	for i := range c {
		copy(c[i][:], src[off+i*stride:])
	}
}

func (c *amxAcc) store(dst []int32, off, stride int) {
	for i := range c {
		copy(dst[off+i*stride:off+i*stride+16], c[i][:])
	}
}

// dpbsud is TDPBSUD c, a, b: c[m][n] += Σ_k Σ_i s8(a[m][4k+i])·u8(b[k][4n+i])
// (Intel SDM pseudo-code, all rows and columns configured).
func (c *amxAcc) dpbsud(a, b *amxTile) {
	for m := range c {
		for n := range c[m] {
			s := c[m][n]
			for k := range amxGroups {
				for i := range 4 {
					s += int32(int8(a[m][4*k+i])) * int32(b[k][4*n+i])
				}
			}
			c[m][n] = s
		}
	}
}

// gemmTilesAMXModel is gemmKernels.wide as the assembly does it: per 16
// tokens, the block's three panel sums C0-C2 (loaded when add, else
// zero), then per 64 codes A (the tokens' bytes) and B0-B2 (the panels'
// codes+1) into three TDPBSUD, then C0-C2 stored.
func gemmTilesAMXModel(w, x []int8, xstride, groups, tokens int, out []int32, add bool) {
	var c [gemmRows / gemmPanel]amxAcc
	var a, b amxTile
	for t0 := 0; t0 < tokens; t0 += amxTokens {
		for r := range c {
			if add {
				c[r].load(out, t0*gemmRows+gemmPanel*r, gemmRows)
			} else {
				c[r] = amxAcc{}
			}
		}
		for g0 := 0; g0 < groups; g0 += amxGroups {
			a.loadInt8(x, t0*xstride+4*g0, xstride)
			for r := range c {
				b.loadInt8(w, g0*gemmChunkBytes+64*r, gemmChunkBytes)
				c[r].dpbsud(&a, &b)
			}
		}
		for r := range c {
			c[r].store(out, t0*gemmRows+gemmPanel*r, gemmRows)
		}
	}
}

// checkWide panics where a wide call would read or write past its
// slices or breaks its multiples: the assembly relies on it.
func checkWide(w, x []int8, xstride, groups, tokens int, out []int32) {
	if tokens%amxTokens != 0 || groups%amxGroups != 0 || tokens <= 0 || groups <= 0 {
		panic("cpu: AMX tiles of a partial 16-token or 64-code tile")
	}
	_ = out[tokens*gemmRows-1]
	_ = w[groups*gemmChunkBytes-1]
	_ = x[(tokens-1)*xstride+4*groups-1]
}

// wideWith wraps a wide loop in the checks, and the empty cases.
func wideWith(f func(w, x []int8, xstride, groups, tokens int, out []int32, add bool)) func(w, x []int8, xstride, groups, tokens int, out []int32, add bool) {
	return func(w, x []int8, xstride, groups, tokens int, out []int32, add bool) {
		if tokens == 0 {
			return
		}
		if groups == 0 {
			if !add {
				clear(out[:tokens*gemmRows])
			}
			return
		}
		checkWide(w, x, xstride, groups, tokens, out)
		f(w, x, xstride, groups, tokens, out, add)
	}
}

// amxModelGEMM is the generic level's GEMM with the tile model as its
// wide loop: the AMX level's blocking and padding, in pure Go.
var amxModelGEMM = func() gemmKernels {
	k := genericGEMM
	k.wide = wideWith(gemmTilesAMXModel)
	return k
}()
