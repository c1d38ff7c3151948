package cuda

import (
	"fmt"
	"os"
)

// tcwConfig is one instantiation of tcw.cu: WG warpgroups (64 rows each)
// sharing TN token tiles (8 tokens) of activations, ST cp.async stages,
// and S blocks of a cluster splitting K (S = 1: a cluster of one).
type tcwConfig struct{ WG, TN, ST, S int }

func (c tcwConfig) name() string {
	return fmt.Sprintf("bitlinear_tcw_w%d_t%d_s%d_c%d", c.WG, c.TN, c.ST, c.S)
}

// rows and tokens of a block tile.
func (c tcwConfig) rows() int   { return 64 * c.WG }
func (c tcwConfig) tokens() int { return 8 * c.TN }

// sharedBytes is the dynamic shared memory of a block.
func (c tcwConfig) sharedBytes() int { return c.ST * (c.rows()*64 + c.tokens()*256) }

// publishBytes is the shared memory a block's sums take when S > 1.
func (c tcwConfig) publishBytes() int { return 128 * c.WG * c.TN * 16 }

// tcwConfigs are tcw.cu's TCW lines (keep them in step): 64 or 128 rows
// by 128 tokens (wgmma n128), or 64 to 256 rows by 64 tokens, K split up
// to 8 ways.
var tcwConfigs = []tcwConfig{
	{1, 16, 2, 1}, {1, 16, 2, 2}, {1, 16, 2, 4},
	{2, 16, 2, 1}, {2, 16, 2, 2}, {2, 16, 2, 4}, {2, 16, 2, 5}, {2, 16, 2, 8},
	{1, 8, 3, 1}, {1, 8, 3, 2}, {2, 8, 3, 2}, {2, 8, 3, 4},
	{1, 16, 2, 8}, {4, 8, 3, 1}, {4, 8, 3, 2}, {4, 8, 3, 4},
}

// tcwKernelNames are the entry points of tcw.cu.
func tcwKernelNames() []string {
	var names []string
	for _, c := range tcwConfigs {
		names = append(names, c.name())
	}
	return names
}

// tcwConfigNamed finds the configuration of an instantiation's name.
func tcwConfigNamed(name string) (tcwConfig, bool) {
	for _, c := range tcwConfigs {
		if c.name() == name {
			return c, true
		}
	}
	return tcwConfig{}, false
}

// tcwGrid is the launch geometry of c for n rows and m tokens.
func tcwGrid(c tcwConfig, n, m int) (grid, block [3]uint32) {
	grid = [3]uint32{uint32(ceilDiv(n, c.rows())), uint32(ceilDiv(m, c.tokens())), uint32(c.S)}
	block = [3]uint32{uint32(128 * c.WG), 1, 1}
	return grid, block
}

// tcwInAuto admits tcw.cu's wgmma kernels to "auto" on sm_90;
// BITNET_CUDA_TCW=0 leaves them out.
var tcwInAuto = os.Getenv("BITNET_CUDA_TCW") != "0"

// tcwCandidates are the configurations worth measuring for nb 64-byte
// blocks of K and m tokens on a device with wgmma (sm_90): tiles at least
// half filled with tokens, no split leaving a block without K.
func tcwCandidates(nb, m int, wgmma bool) []tcwConfig {
	if !wgmma || !tcwInAuto {
		return nil
	}
	var out []tcwConfig
	for _, c := range tcwConfigs {
		if c.tokens() < 2*m && c.S <= nb {
			out = append(out, c)
		}
	}
	return out
}

// tcwDefault is the configuration "tcw" takes when forced: 128 rows by
// 128 tokens (64 for 64 tokens or fewer), K split as far as the tiles
// still fit one per SM.
func tcwDefault(n, nb, m, sms int) tcwConfig {
	best := tcwConfig{2, 16, 2, 1}
	if m <= 64 {
		best = tcwConfig{1, 8, 3, 1}
	}
	for _, c := range tcwConfigs {
		if c.WG == best.WG && c.TN == best.TN && c.S > best.S && c.S <= nb &&
			ceilDiv(n, c.rows())*ceilDiv(m, c.tokens())*c.S <= sms {
			best = c
		}
	}
	return best
}
