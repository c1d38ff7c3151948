package cuda

import (
	"fmt"
	"os"
)

// tckConfig is one instantiation of tck.cu: warps of RW row tiles (16
// rows) by TN token tiles (8 tokens), WM×WN of them on a block tile, ST
// cp.async stages, and S blocks of a cluster splitting K (S = 1: no
// cluster).
type tckConfig struct{ RW, TN, WM, WN, ST, S int }

func (c tckConfig) name() string {
	return fmt.Sprintf("bitlinear_tck_r%d_t%d_m%d_n%d_s%d_c%d", c.RW, c.TN, c.WM, c.WN, c.ST, c.S)
}

// rows and tokens of a block tile.
func (c tckConfig) rows() int   { return 16 * c.RW * c.WM }
func (c tckConfig) tokens() int { return 8 * c.TN * c.WN }

// sharedBytes is the dynamic shared memory of a block (its stages; after
// the K loop they hold the published sums).
func (c tckConfig) sharedBytes() int { return c.ST * (c.rows()*64 + c.tokens()*256) }

// publishBytes is the shared memory a block's sums take when S > 1.
func (c tckConfig) publishBytes() int { return c.WM * c.WN * c.RW * c.TN * 32 * 16 }

// tckConfigs are tck.cu's TCK and TCK1 lines (keep them in step): block
// tiles of all 128 tokens by 64 or 128 rows (activations cross L2 once per
// 64-128 rows), or 64 tokens by 128 rows, K split 2 to 8 ways so the grid
// fills the SMs.
var tckConfigs = []tckConfig{
	{2, 8, 4, 2, 2, 1}, {2, 8, 4, 2, 2, 2}, {2, 8, 4, 2, 2, 4}, {2, 8, 4, 2, 2, 5}, {2, 8, 4, 2, 2, 8},
	{2, 8, 2, 2, 2, 2}, {2, 8, 2, 2, 2, 4}, {1, 8, 4, 2, 2, 2}, {1, 8, 4, 2, 2, 4},
	{2, 4, 4, 2, 2, 1}, {2, 4, 4, 2, 2, 2}, {2, 4, 4, 2, 2, 4}, {2, 4, 4, 2, 3, 8},
	{2, 4, 2, 4, 2, 2}, {2, 4, 2, 4, 2, 4}, {2, 4, 2, 4, 2, 8},
}

// tckInAuto admits tck.cu's kernels to "auto"; BITNET_CUDA_TCK=0 leaves
// them out.
var tckInAuto = os.Getenv("BITNET_CUDA_TCK") != "0"

// tckMaxCluster is the largest portable cluster.
const tckMaxCluster = 8

// tckKernelNames are the entry points of tck.cu.
func tckKernelNames() []string {
	var names []string
	for _, c := range tckConfigs {
		names = append(names, c.name())
	}
	return names
}

// tckConfigNamed finds the configuration of an instantiation's name.
func tckConfigNamed(name string) (tckConfig, bool) {
	for _, c := range tckConfigs {
		if c.name() == name {
			return c, true
		}
	}
	return tckConfig{}, false
}

// tckGrid is the launch geometry of c for n rows and m tokens: the K
// split is the grid's z, one cluster along it.
func tckGrid(c tckConfig, n, m int) (grid, block [3]uint32) {
	grid = [3]uint32{uint32(ceilDiv(n, c.rows())), uint32(ceilDiv(m, c.tokens())), uint32(c.S)}
	block = [3]uint32{uint32(32 * c.WM * c.WN), 1, 1}
	return grid, block
}

// tckCandidates are the configurations worth measuring for n rows, nb
// 64-byte blocks of K and m tokens: block tiles at least half filled with
// tokens, no split leaving a block without a block of K, and splits only
// where the device has clusters (sm_90 on).
func tckCandidates(n, nb, m int, clusters bool) []tckConfig {
	if !tckInAuto {
		return nil
	}
	var out []tckConfig
	for _, c := range tckConfigs {
		if c.tokens() >= 2*m || c.S > nb || (c.S > 1 && !clusters) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// tckDefault is the configuration "tck" takes when forced: 128x128 tiles
// (128x64 for 64 tokens or fewer), K split as far as the tiles still fit
// one per SM, without clusters where the device has none.
func tckDefault(n, nb, m, sms int, clusters bool) tckConfig {
	best := tckConfig{2, 8, 4, 2, 2, 1}
	if m <= 64 {
		best = tckConfig{2, 4, 4, 2, 2, 1}
	}
	if !clusters {
		return best
	}
	for _, c := range tckConfigs {
		if c.RW == best.RW && c.TN == best.TN && c.WM == best.WM && c.WN == best.WN && c.S > best.S && c.S <= nb &&
			ceilDiv(n, c.rows())*ceilDiv(m, c.tokens())*c.S <= sms {
			best = c
		}
	}
	return best
}
