package cuda

import (
	"fmt"
	"strings"
)

// tcConfig is one instantiation of tc.cu: a warp owns RW tiles of 16 rows
// and TN tiles of 8 tokens; a block is WR warps along rows by KW warps
// splitting K.
type tcConfig struct{ RW, TN, WR, KW int }

func (c tcConfig) name() string {
	return fmt.Sprintf("bitlinear_tc_r%d_t%d_w%d_k%d", c.RW, c.TN, c.WR, c.KW)
}

// tcConfigs are the instantiations of tc.cu (keep them in step with its TC
// lines): small token tiles with K split four ways for 8 tokens (weights
// streamed from HBM, little arithmetic), larger tiles for prefill, where
// each expanded weight register meets 16-64 tokens.
var tcConfigs = []tcConfig{
	{1, 1, 1, 4}, {1, 1, 2, 2}, {2, 1, 1, 4},
	{1, 2, 2, 2}, {2, 2, 2, 2},
	{1, 4, 4, 1}, {2, 2, 4, 1}, {2, 4, 2, 2}, {2, 4, 4, 1}, {4, 2, 2, 1},
	{2, 8, 2, 1}, {4, 4, 2, 1},
}

// tcsConfig is one instantiation of tcs.cu's shared-memory kernel: warps
// of RW row tiles by TN token tiles, WM×WN of them on a block tile of
// 16·RW·WM rows by 8·TN·WN tokens, KS such groups splitting K (each stage
// holds KS blocks of K), ST cp.async stages.
type tcsConfig struct{ RW, TN, WM, WN, ST, KS int }

func (c tcsConfig) name() string {
	return fmt.Sprintf("bitlinear_tcs_r%d_t%d_m%d_n%d_s%d_k%d", c.RW, c.TN, c.WM, c.WN, c.ST, c.KS)
}

// rows and tokens of a block tile.
func (c tcsConfig) rows() int   { return 16 * c.RW * c.WM }
func (c tcsConfig) tokens() int { return 8 * c.TN * c.WN }

// sharedBytes is the dynamic shared memory of the instantiation: at most
// tcsMaxShared; above 48 KiB the kernel is opted in at bind time.
func (c tcsConfig) sharedBytes() int { return c.ST * c.KS * (c.rows()*64 + c.tokens()*256) }

// tcsMaxShared is the most shared memory a block may take on sm_90 (227 KiB).
const tcsMaxShared = 227 << 10

// warps of a block.
func (c tcsConfig) warps() int { return c.WM * c.WN * c.KS }

// tcsConfigs are the instantiations of tcs.cu's TCS lines (keep them in
// step): block tiles from 128x64 (large projections, many tokens) down to
// 32x32 and 64x16 (small ones, or tens of tokens), and K split two or four
// ways inside a block, so there are blocks enough for every SM.
var tcsConfigs = []tcsConfig{
	{2, 4, 2, 2, 2, 1}, {2, 4, 4, 2, 2, 1}, {4, 4, 2, 2, 2, 1}, {1, 4, 2, 2, 2, 1},
	{2, 2, 2, 2, 3, 1}, {1, 2, 2, 2, 3, 1}, {2, 4, 2, 1, 3, 1}, {1, 2, 4, 1, 3, 1},
	{2, 2, 2, 2, 2, 2}, {1, 2, 2, 2, 2, 2}, {1, 4, 2, 1, 2, 2}, {1, 1, 2, 2, 2, 4},
	// 128-row tiles: each activation byte fetched once per 128 rows, not
	// 32 or 64 (int8 activations are 4x the bytes of 2-bit weights a k).
	{2, 2, 4, 2, 3, 1}, {4, 2, 2, 2, 3, 1}, {2, 4, 4, 1, 3, 1}, {2, 2, 4, 2, 2, 1},
	{1, 2, 4, 2, 2, 2}, {2, 2, 4, 1, 2, 2}, {1, 4, 4, 2, 2, 1}, {4, 2, 2, 4, 2, 1}, {2, 8, 4, 1, 2, 1},
	// Deep pipelines (dynamic shared memory over 48 KiB): at 10 blocks of
	// K (K = 2560) two stages leave each load's HBM latency exposed.
	{2, 4, 4, 2, 4, 1}, {4, 4, 2, 2, 4, 1}, {2, 2, 4, 2, 6, 1}, {4, 4, 2, 4, 3, 1},
	{2, 4, 2, 2, 6, 1}, {1, 2, 2, 2, 8, 1}, {2, 2, 2, 2, 6, 1},
}

// tcKernelNames are the entry points of tc.cu: the register kernels and
// the L2 flush "auto" times behind.
func tcKernelNames() []string {
	var names []string
	for _, c := range tcConfigs {
		names = append(names, c.name())
	}
	return append(names, "tc_flush")
}

// tcsKernelNames are the entry points of tcs.cu.
func tcsKernelNames() []string {
	var names []string
	for _, c := range tcsConfigs {
		names = append(names, c.name())
	}
	return names
}

// tcsConfigNamed finds the configuration of an instantiation's name.
func tcsConfigNamed(name string) (tcsConfig, bool) {
	for _, c := range tcsConfigs {
		if c.name() == name {
			return c, true
		}
	}
	return tcsConfig{}, false
}

// tcsGrid is the launch geometry of c for n rows and m tokens.
func tcsGrid(c tcsConfig, n, m int) (grid, block [3]uint32) {
	grid = [3]uint32{uint32(ceilDiv(n, c.rows())), uint32(ceilDiv(m, c.tokens())), 1}
	block = [3]uint32{uint32(32 * c.warps()), 1, 1}
	return grid, block
}

// tcConfigNamed finds the configuration of an instantiation's name.
func tcConfigNamed(name string) (tcConfig, bool) {
	for _, c := range tcConfigs {
		if c.name() == name {
			return c, true
		}
	}
	return tcConfig{}, false
}

// tcDefault is the configuration "tc" takes when it is forced rather than
// chosen by measurement: token tiles no wider than m needs.
func tcDefault(m int) tcConfig {
	switch {
	case m <= 8:
		return tcConfig{1, 1, 1, 4}
	case m <= 24:
		return tcConfig{1, 2, 2, 2}
	}
	return tcConfig{2, 4, 2, 2}
}

// tcCandidates are the configurations worth measuring for m tokens: token
// tiles of at most ceil(m/8) (a wider one only computes padding).
func tcCandidates(m int) []tcConfig {
	var out []tcConfig
	for _, c := range tcConfigs {
		if c.TN <= ceilDiv(m, 8) {
			out = append(out, c)
		}
	}
	return out
}

// tcsCandidates are the shared-memory configurations worth measuring for
// m tokens: block tiles at least half filled with tokens.
func tcsCandidates(m int) []tcsConfig {
	var out []tcsConfig
	for _, c := range tcsConfigs {
		if c.tokens() < 2*m {
			out = append(out, c)
		}
	}
	return out
}

// tcGrid is the launch geometry of c for n rows and m tokens.
func tcGrid(c tcConfig, n, m int) (grid, block [3]uint32) {
	grid = [3]uint32{uint32(ceilDiv(n, 16*c.RW*c.WR)), uint32(ceilDiv(m, 8*c.TN)), 1}
	block = [3]uint32{uint32(32 * c.WR * c.KW), 1, 1}
	return grid, block
}

// isTC reports whether a kernel name is a tc.cu instantiation.
func isTC(name string) bool { return strings.HasPrefix(name, "bitlinear_tc_") }

// tcsDefault is the configuration "tcs" takes when forced: 64x64 tiles.
var tcsDefault = tcsConfig{2, 4, 2, 2, 2, 1}
