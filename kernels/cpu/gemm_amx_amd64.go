//go:build !purego

package cpu

import "unsafe"

// The AMX level's assembly (gemm_amx_amd64.s): the whole 16-token tiles
// of a GEMM call on the tile unit; the avx512vnni level's unpack, tiles
// for the remaining tokens, fused tiles below gemmUnpackFrom, and
// epilogue for the rest.

//go:noescape
func gemmTilesAMX(w, x *int8, xstride, groups, tokens int, out *int32, add int, cfg *byte)

//go:noescape
func peakAMXLoop(iters int, cfg, data, out *byte) uint64

// amxConfig is the tile configuration both loops load (LDTILECFG): palette
// 1, all eight tiles 16 rows × 64 bytes; 64-byte aligned in amxConfigBuf.
var amxConfigBuf [128]byte

var amxConfig = func() *byte {
	off := int(-uintptr(unsafe.Pointer(&amxConfigBuf[0])) & 63)
	c := amxConfigBuf[off : off+64]
	c[0] = 1 // palette 1
	for i := range 8 {
		c[16+2*i] = 4 * amxGroups // colsb of tile i (little-endian uint16)
		c[48+i] = amxTokens       // rows of tile i
	}
	return &c[0]
}()

var amxGEMM = func() gemmKernels {
	k := avx512GEMM
	k.wide = wideWith(func(w, x []int8, xstride, groups, tokens int, out []int32, add bool) {
		a := 0
		if add {
			a = 1
		}
		gemmTilesAMX(&w[0], &x[0], xstride, groups, tokens, &out[0], a, amxConfig)
	})
	return k
}()

// amxLoops is the AMX level's GEMM.
func amxLoops() *gemmKernels { return &amxGEMM }

// amxPeakData is the peak loop's operands (any nonzero bytes) and
// amxPeakOut its output.
var (
	amxPeakData = func() (d [1024]byte) {
		for i := range d {
			d[i] = byte(i*37 + 11)
		}
		return d
	}()
	amxPeakOut [1024]byte
)

// amxPeak is the AMX level's int8 peak loop and the MACs an iteration
// issues: four TDPBSUD of 16×16×64.
func amxPeak() (func(int) uint64, int) {
	return func(iters int) uint64 {
		return peakAMXLoop(iters, amxConfig, &amxPeakData[0], &amxPeakOut[0])
	}, 4 * amxTokens * 16 * 4 * amxGroups
}
