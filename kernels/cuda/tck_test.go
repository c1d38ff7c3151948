package cuda

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
	"github.com/bitnet-go/bitnet-bench/shaders"
)

// TestTCKConfigs: every tck.cu instantiation is listed once with its
// parameters, fits the shared memory a block may have (its published sums
// within its stages), splits K over at most a portable cluster, and its
// grid covers the shape; the candidates never tile wider than twice the
// tokens, nor split where the device has no clusters.
func TestTCKConfigs(t *testing.T) {
	src, err := shaders.CUDA("tck.cu")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(src, "\nTCK(bitlinear_tck_") + strings.Count(src, "\nTCK1(bitlinear_tck_"); n != len(tckConfigs) {
		t.Errorf("tck.cu instantiates %d kernels, tckConfigs lists %d", n, len(tckConfigs))
	}
	seen := map[string]bool{}
	for _, c := range tckConfigs {
		name := c.name()
		if seen[name] {
			t.Errorf("%s listed twice", name)
		}
		seen[name] = true
		line := fmt.Sprintf("TCK(%s, %d, %d, %d, %d, %d, %d)", name, c.RW, c.TN, c.WM, c.WN, c.ST, c.S)
		if c.S == 1 {
			line = fmt.Sprintf("TCK1(%s, %d, %d, %d, %d, %d)", name, c.RW, c.TN, c.WM, c.WN, c.ST)
		}
		if !strings.Contains(src, line) {
			t.Errorf("tck.cu does not instantiate %s as %+v (%s)", name, c, line)
		}
		if got, ok := tckConfigNamed(name); !ok || got != c {
			t.Errorf("tckConfigNamed(%s) = %v %v", name, got, ok)
		}
		if c.sharedBytes() > tcsMaxShared || c.WM*c.WN > 16 || c.ST < 2 || c.S < 1 || c.S > tckMaxCluster ||
			(c.S > 1 && c.publishBytes() > c.sharedBytes()) {
			t.Errorf("%s: %d bytes of shared memory (%d published), %d warps, %d stages, cluster of %d",
				name, c.sharedBytes(), c.publishBytes(), c.WM*c.WN, c.ST, c.S)
		}
		for _, s := range []struct{ n, m int }{{1, 1}, {17, 9}, {2560, 128}, {13824, 512}, {31, 513}} {
			grid, block := tckGrid(c, s.n, s.m)
			if int(grid[0])*c.rows() < s.n || int(grid[1])*c.tokens() < s.m || int(grid[2]) != c.S || int(block[0]) != 32*c.WM*c.WN {
				t.Errorf("%s: grid %v block %v leaves out rows or tokens of %dx%d", name, grid, block, s.m, s.n)
			}
		}
	}
	for _, m := range []int{1, 8, 33, 128, 512} {
		for _, clusters := range []bool{false, true} {
			for _, c := range tckCandidates(2560, 10, m, clusters) {
				if c.tokens() >= 2*m || (c.S > 1 && !clusters) || c.S > 10 {
					t.Errorf("m=%d clusters=%v: candidate %s", m, clusters, c.name())
				}
			}
			d := tckDefault(2560, 10, m, 132, clusters)
			if _, ok := tckConfigNamed(d.name()); !ok || (d.S > 1 && !clusters) {
				t.Errorf("m=%d clusters=%v: default %+v", m, clusters, d)
			}
		}
	}
	if c := tckCandidates(2560, 2, 128, true); slices.ContainsFunc(c, func(c tckConfig) bool { return c.S > 2 }) {
		t.Errorf("two blocks of K split more than two ways: %v", c)
	}
	if d := tckDefault(2560, 10, 128, 132, true); d != (tckConfig{2, 8, 4, 2, 2, 5}) {
		t.Errorf("tckDefault(2560x2560, 128 tokens) = %s, want 128x128 tiles split 5 ways (100 blocks)", d.name())
	}
	if got := bitLinearCandidates(2560, 10, 128, 132, false, false); slices.ContainsFunc(got, func(s string) bool {
		c, ok := tckConfigNamed(s)
		return ok && c.S > 1
	}) {
		t.Errorf("candidates without clusters split K over one: %v", got)
	}
}

// TestTCKTokens runs every tck.cu and tcw.cu instantiation the device can
// launch on
// the token counts prefill meets (mid-tile, one past a tile), rows that end
// mid-tile and K that ends mid-block and splits unevenly.
func TestTCKTokens(t *testing.T) {
	needGPU(t)
	d, err := getDevice()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(23, 24))
	for _, m := range []int{8, 16, 17, 33, 128, 129, 512} {
		p := kerneltest.BitLinearProblem(r, m, 136, 2560+100, true)
		ref := kerneltest.Reference(t, p)
		var names []string
		for _, c := range tckConfigs {
			if c.S == 1 || d.clusters() {
				names = append(names, c.name())
			}
		}
		if d.wgmma() {
			names = append(names, tcwKernelNames()...)
		}
		for _, name := range names {
			t.Run(fmt.Sprintf("%s/M=%d", name, m), func(t *testing.T) {
				withKernel(name, func() {
					q := kerneltest.Fresh(p)
					k, err := Backend{}.Prepare(q)
					if err != nil {
						t.Fatal(err)
					}
					defer k.Close()
					for range 2 {
						if err := k.Run(); err != nil {
							t.Fatal(err)
						}
					}
					if err := k.Fetch(); err != nil {
						t.Fatal(err)
					}
					kerneltest.ExactF32(t, "Y", q.Y, ref.Y)
				})
			})
		}
	}
}

// TestTCWConfigs: every tcw.cu instantiation is listed once with its
// parameters, fits a block's shared memory (its published sums within its
// stages), uses wgmma's n64 or n128 and a portable cluster, and its grid
// covers the shape; without wgmma there are no candidates.
func TestTCWConfigs(t *testing.T) {
	src, err := shaders.CUDA("tcw.cu")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(src, "\nTCW(bitlinear_tcw_"); n != len(tcwConfigs) {
		t.Errorf("tcw.cu instantiates %d kernels, tcwConfigs lists %d", n, len(tcwConfigs))
	}
	seen := map[string]bool{}
	for _, c := range tcwConfigs {
		name := c.name()
		if seen[name] {
			t.Errorf("%s listed twice", name)
		}
		seen[name] = true
		if !strings.Contains(src, fmt.Sprintf("TCW(%s, %d, %d, %d, %d)", name, c.WG, c.TN, c.ST, c.S)) {
			t.Errorf("tcw.cu does not instantiate %s as %+v", name, c)
		}
		if got, ok := tcwConfigNamed(name); !ok || got != c {
			t.Errorf("tcwConfigNamed(%s) = %v %v", name, got, ok)
		}
		if c.sharedBytes() > tcsMaxShared || c.WG > 4 || (c.TN != 8 && c.TN != 16) || c.ST < 2 || c.S < 1 || c.S > tckMaxCluster ||
			(c.S > 1 && c.publishBytes() > c.sharedBytes()) {
			t.Errorf("%s: %d bytes of shared memory (%d published), %d warpgroups, n%d, %d stages, cluster of %d",
				name, c.sharedBytes(), c.publishBytes(), c.WG, 8*c.TN, c.ST, c.S)
		}
		for _, s := range []struct{ n, m int }{{1, 1}, {17, 9}, {2560, 128}, {13824, 512}, {31, 513}} {
			grid, block := tcwGrid(c, s.n, s.m)
			if int(grid[0])*c.rows() < s.n || int(grid[1])*c.tokens() < s.m || int(grid[2]) != c.S || int(block[0]) != 128*c.WG {
				t.Errorf("%s: grid %v block %v leaves out rows or tokens of %dx%d", name, grid, block, s.m, s.n)
			}
		}
	}
	if len(tcwCandidates(10, 128, false)) != 0 {
		t.Error("tcw candidates without wgmma")
	}
	for _, m := range []int{1, 8, 33, 128, 512} {
		for _, c := range tcwCandidates(10, m, true) {
			if c.tokens() >= 2*m || c.S > 10 {
				t.Errorf("m=%d: candidate %s", m, c.name())
			}
		}
		if d := tcwDefault(2560, 10, m, 132); !seen[d.name()] {
			t.Errorf("m=%d: default %+v is not instantiated", m, d)
		}
	}
	if d := tcwDefault(2560, 10, 128, 132); d != (tcwConfig{2, 16, 2, 5}) {
		t.Errorf("tcwDefault(2560x2560, 128 tokens) = %s, want 128x128 tiles split 5 ways", d.name())
	}
}

// TestTCProbe: one-hot activations (token i: 1 at k = i) against one-hot
// weights (row j: +1 at k = j), scales 1, give the identity: y = 1 where
// i = j, else 0. Where a kernel pairs k, rows or tokens wrongly, the log
// lists the first pairs it got, which say how.
func TestTCProbe(t *testing.T) {
	needGPU(t)
	d, err := getDevice()
	if err != nil {
		t.Fatal(err)
	}
	const m, n, k = 256, 256, 256
	codes, xq := make([]int8, n*k), make([]int8, m*k)
	for i := range n {
		codes[i*k+i] = 1
	}
	for i := range m {
		xq[i*k+i] = 1
	}
	names := []string{tckConfigs[0].name()}
	if d.clusters() {
		names = append(names, tckConfig{2, 8, 4, 2, 2, 2}.name())
	}
	if d.wgmma() {
		names = append(names, tcwKernelNames()...)
	}
	r := rand.New(rand.NewPCG(25, 26))
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			p := kerneltest.BitLinearFrom(r, m, n, k, codes, xq, false)
			p.Weights.Scale = 1
			for i := range p.XScales {
				p.XScales[i] = 1
			}
			withKernel(name, func() {
				kern, err := Backend{}.Prepare(p)
				if err != nil {
					t.Fatal(err)
				}
				defer kern.Close()
				if err := kern.Run(); err != nil {
					t.Fatal(err)
				}
				if err := kern.Fetch(); err != nil {
					t.Fatal(err)
				}
			})
			var wrong []string
			bad := 0
			for i := range m {
				for j := range n {
					want := float32(0)
					if i == j {
						want = 1
					}
					if got := p.Y[i*n+j]; got != want {
						if bad < 24 {
							wrong = append(wrong, fmt.Sprintf("(token %d, row %d)=%v", i, j, got))
						}
						bad++
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d outputs wrong: %s", bad, m*n, strings.Join(wrong, " "))
			}
		})
	}
}
