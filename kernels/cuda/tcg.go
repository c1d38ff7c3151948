package cuda

import (
	"fmt"
	"strings"
)

// tcgConfig is one instantiation of tcg.cu's GEMM: warps of RW row tiles
// (16 rows) by TN token tiles (8 tokens), WM×WN of them on a block tile,
// ST cp.async stages; SX = 1 expands the stored codes c+1 and corrects by
// Σx, SX = 0 expands signed codes.
type tcgConfig struct{ RW, TN, WM, WN, ST, SX int }

// fn is the instantiation's entry point.
func (c tcgConfig) fn() string {
	return fmt.Sprintf("bitlinear_tcg_r%d_t%d_m%d_n%d_s%d_x%d", c.RW, c.TN, c.WM, c.WN, c.ST, c.SX)
}

// rows and tokens of a block tile.
func (c tcgConfig) rows() int   { return 16 * c.RW * c.WM }
func (c tcgConfig) tokens() int { return 8 * c.TN * c.WN }

// sharedBytes is the dynamic shared memory of a block.
func (c tcgConfig) sharedBytes() int { return c.ST * (c.rows()*64 + c.tokens()*256) }

// tcgConfigs are tcg.cu's TCG lines (keep them in step): 64×64 warp tiles
// on a 128×128 block tile (with each expansion), 32×64 ones on 128×128,
// 64×32 ones on 128×64, and 32×32 ones on 128×64 with eight warps (the
// fastest of them at 128 tokens on an H100, and still slower than tcs.cu:
// docs/DESIGN.md).
var tcgConfigs = []tcgConfig{
	{4, 8, 2, 2, 3, 1},
	{4, 8, 2, 2, 2, 0},
	{2, 8, 4, 2, 2, 1},
	{4, 4, 2, 2, 3, 1},
	{2, 4, 4, 2, 3, 1},
}

// tcgStaticShared bounds tcg.cu's static shared memory (Σx of BN ≤ 256
// tokens and a flag): dynamic and static shared memory together must fit
// the 48 KiB a kernel gets without opting in, or be opted in.
const tcgStaticShared = 4*256 + 16

// tcgChoice is a configuration and the number of blocks splitting K: the
// name "auto" measures and a forced kernel may give,
// bitlinear_tcg_r<RW>_t<TN>_m<WM>_n<WN>_s<ST>_x<SX>_k<Split>.
type tcgChoice struct {
	tcgConfig
	Split int
}

func (c tcgChoice) name() string { return fmt.Sprintf("%s_k%d", c.fn(), c.Split) }

// tcgChoiceNamed parses a choice's name; the configuration must be one of
// tcgConfigs and the split at least 1.
func tcgChoiceNamed(name string) (tcgChoice, bool) {
	i := strings.LastIndex(name, "_k")
	if i < 0 {
		return tcgChoice{}, false
	}
	var split int
	if _, err := fmt.Sscanf(name[i:], "_k%d", &split); err != nil || split < 1 || fmt.Sprintf("_k%d", split) != name[i:] {
		return tcgChoice{}, false
	}
	for _, c := range tcgConfigs {
		if c.fn() == name[:i] {
			return tcgChoice{c, split}, true
		}
	}
	return tcgChoice{}, false
}

// tcgKernelNames are the entry points of tcg.cu.
func tcgKernelNames() []string {
	var names []string
	for _, c := range tcgConfigs {
		names = append(names, c.fn())
	}
	return names
}

// tcgTiles is the number of block tiles of c over n rows and m tokens.
func tcgTiles(c tcgConfig, n, m int) int { return ceilDiv(n, c.rows()) * ceilDiv(m, c.tokens()) }

// tcgSplits are the splits of K worth measuring for c on n rows, nb
// 64-byte blocks of K and m tokens, on sms SMs: none that leaves a block
// fewer than two blocks of K, none past two blocks per SM, and 1.
func tcgSplits(c tcgConfig, n, nb, m, sms int) []int {
	tiles := tcgTiles(c, n, m)
	out := []int{1}
	for _, s := range []int{2, 3, 4, 5, 6, 8, 10, 12} {
		if 2*s <= nb && tiles*s <= 2*sms {
			out = append(out, s)
		}
	}
	return out
}

// tcgCandidates are the choices "auto" measures for the shape: block
// tiles at least half filled with tokens, each with its splits of K.
func tcgCandidates(n, nb, m, sms int) []tcgChoice {
	var out []tcgChoice
	for _, c := range tcgConfigs {
		if c.tokens() >= 2*m {
			continue
		}
		for _, s := range tcgSplits(c, n, nb, m, sms) {
			out = append(out, tcgChoice{c, s})
		}
	}
	return out
}

// tcgDefault is the choice "tcg" takes when forced: 128×64 tiles of eight
// 32×32 warps (the fastest tcg tiling at 128 tokens on an H100) with the
// Σx expansion, K split so the tiles about fill the SMs.
func tcgDefault(n, nb, m, sms int) tcgChoice {
	c := tcgConfig{2, 4, 4, 2, 3, 1}
	s := max(1, min(sms/tcgTiles(c, n, m), nb/2))
	return tcgChoice{c, s}
}

// tcgGrid is the launch geometry of a choice for n rows and m tokens.
func tcgGrid(c tcgChoice, n, m int) (grid, block [3]uint32) {
	grid = [3]uint32{uint32(ceilDiv(n, c.rows())), uint32(ceilDiv(m, c.tokens())), uint32(c.Split)}
	block = [3]uint32{uint32(32 * c.WM * c.WN), 1, 1}
	return grid, block
}

// tcgLaunch binds a choice. A split of K gets its own workspace (m×n
// int32 sums and a counter per tile, zeroed; each launch leaves them
// zeroed again), freed with the launch.
func (d *device) tcgLaunch(c tcgChoice, args []any, n, m int) (*launch, error) {
	grid, block := tcgGrid(c, n, m)
	var ws, cnt uint64
	if c.Split > 1 {
		p, err := d.alloc(4*m*n + 4*int(grid[0]*grid[1]))
		if err != nil {
			return nil, err
		}
		ws, cnt = p, p+uint64(4*m*n)
	}
	l, err := d.newLaunch(c.fn(), grid, block, append(args, ws, cnt)...)
	if err == nil {
		err = d.dynamicShared(l, c.sharedBytes())
	}
	if err != nil {
		if l != nil {
			l.release()
		}
		d.free(ws)
		return nil, err
	}
	if ws != 0 {
		l.onRelease = func() { d.free(ws) }
	}
	return l, nil
}
