package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/internal/ulp"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
	"github.com/bitnet-go/bitnet-bench/shaders"
)

// needGPU skips a test on machines without a usable CUDA device (CI), with
// the reason Available gives.
func needGPU(t testing.TB) {
	t.Helper()
	if err := (Backend{}).Available(); err != nil {
		t.Skipf("no usable CUDA device, skipping: %v", err)
	}
}

func TestDevice(t *testing.T) {
	needGPU(t)
	s, err := Device()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("device: %s; level %s", s, Backend{}.Level())
}

func TestSourceEmbedded(t *testing.T) {
	for file, names := range kernelFiles {
		src, err := shaders.CUDA(file)
		if err != nil {
			t.Fatal(err)
		}
		if len(src) == 0 {
			t.Fatalf("%s is embedded empty", file)
		}
		for _, n := range names {
			// Defined directly, or by a macro taking the name first (ACT, WAVE, BULK).
			if !strings.Contains(src, n+"(") && !strings.Contains(src, "("+n+",") {
				t.Errorf("%s defines no kernel %s", file, n)
			}
		}
	}
}

func TestRegistered(t *testing.T) { kerneltest.Registered(t, "cuda") }

// TestUnavailablePrepare runs where there is no GPU.
func TestUnavailablePrepare(t *testing.T) { kerneltest.UnavailablePrepare(t, Backend{}) }

func TestNotImplemented(t *testing.T) {
	kerneltest.NotImplemented(t, Backend{}, []kernels.Op{kernels.OpBitLinear, kernels.OpMatMul, kernels.OpQuantizeActivations,
		kernels.OpReLU, kernels.OpGELU, kernels.OpSiLU, kernels.OpSigmoid, kernels.OpTanh})
}

// bitLinearKernels are the BitLinear kernels; tests and benchmarks run
// each, and "auto", which measures them and picks one.
var bitLinearKernels = []string{"gemv", "w2a8", "wave", "tc", "tcs", "tcg", "tck", "tcw", "auto"}

// TestTCConfigs: every tc.cu instantiation is listed once, its grid covers
// every row and token, a block stays within 8 warps, and the candidates
// for m tokens never tile wider than m needs; the kernels are in tc.cu.
func TestTCConfigs(t *testing.T) {
	src, err := shaders.CUDA("tc.cu")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range tcConfigs {
		name := c.name()
		if seen[name] {
			t.Errorf("%s listed twice", name)
		}
		seen[name] = true
		if !strings.Contains(src, fmt.Sprintf("TC(%s, %d, %d, %d, %d)", name, c.RW, c.TN, c.WR, c.KW)) {
			t.Errorf("tc.cu does not instantiate %s with RW=%d TN=%d WR=%d KW=%d", name, c.RW, c.TN, c.WR, c.KW)
		}
		if got, ok := tcConfigNamed(name); !ok || got != c {
			t.Errorf("tcConfigNamed(%s) = %v %v", name, got, ok)
		}
		if w := c.WR * c.KW; w > 8 {
			t.Errorf("%s: %d warps a block", name, w)
		}
		for _, s := range []struct{ n, m int }{{1, 1}, {17, 9}, {2560, 128}, {13824, 512}, {31, 513}} {
			grid, block := tcGrid(c, s.n, s.m)
			if int(grid[0])*16*c.RW*c.WR < s.n || int(grid[1])*8*c.TN < s.m || int(block[0]) != 32*c.WR*c.KW {
				t.Errorf("%s: grid %v block %v leaves out rows or tokens of %dx%d", name, grid, block, s.m, s.n)
			}
		}
	}
	tcsSrc, err := shaders.CUDA("tcs.cu")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tcsConfigs {
		name := c.name()
		if seen[name] {
			t.Errorf("%s listed twice", name)
		}
		seen[name] = true
		if !strings.Contains(tcsSrc, fmt.Sprintf("TCS(%s, %d, %d, %d, %d, %d, %d)", name, c.RW, c.TN, c.WM, c.WN, c.ST, c.KS)) {
			t.Errorf("tcs.cu does not instantiate %s as %+v", name, c)
		}
		if got, ok := tcsConfigNamed(name); !ok || got != c {
			t.Errorf("tcsConfigNamed(%s) = %v %v", name, got, ok)
		}
		if c.sharedBytes() > tcsMaxShared || c.warps() > 16 || c.ST < 2 {
			t.Errorf("%s: %d bytes of static shared memory, %d warps, %d stages", name, c.sharedBytes(), c.warps(), c.ST)
		}
		for _, s := range []struct{ n, m int }{{1, 1}, {17, 9}, {2560, 128}, {13824, 512}, {31, 513}} {
			grid, block := tcsGrid(c, s.n, s.m)
			if int(grid[0])*c.rows() < s.n || int(grid[1])*c.tokens() < s.m || int(block[0]) != 32*c.warps() {
				t.Errorf("%s: grid %v block %v leaves out rows or tokens of %dx%d", name, grid, block, s.m, s.n)
			}
		}
	}
	if strings.Count(tcsSrc, "\nTCS(bitlinear_tcs_") != len(tcsConfigs) {
		t.Errorf("tcs.cu instantiates %d kernels, tcsConfigs lists %d", strings.Count(tcsSrc, "\nTCS(bitlinear_tcs_"), len(tcsConfigs))
	}
	if strings.Count(src, "\nTC(bitlinear_tc_") != len(tcConfigs) {
		t.Errorf("tc.cu instantiates %d kernels, tcConfigs lists %d", strings.Count(src, "\nTC(bitlinear_tc_"), len(tcConfigs))
	}
	for _, m := range []int{1, 8, 9, 16, 17, 128, 512} {
		if !slices.Contains(tcCandidates(m), tcDefault(m)) {
			t.Errorf("m=%d: the default %v is not a candidate", m, tcDefault(m))
		}
		for _, c := range tcCandidates(m) {
			if 8*(c.TN-1) >= m {
				t.Errorf("m=%d: candidate %s tiles %d tokens", m, c.name(), 8*c.TN)
			}
		}
		if got := bitLinearCandidates(2560, 10, m, 132, true, true); !slices.Contains(got, "wave") || !slices.Contains(got, tcDefault(m).name()) {
			t.Errorf("m=%d: candidates %v lack wave or the tc default", m, got)
		}
	}
}

// TestTCGConfigs: every tcgConfigs entry is instantiated in tcg.cu with
// its parameters, its choices' names parse back, its grid covers the
// shape, and "auto" measures tcg only where a tile is half full of tokens.
func TestTCGConfigs(t *testing.T) {
	src, err := shaders.CUDA("tcg.cu")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(src, "\nTCG(bitlinear_tcg_"); n != len(tcgConfigs) {
		t.Errorf("tcg.cu instantiates %d kernels, tcgConfigs lists %d", n, len(tcgConfigs))
	}
	seen := map[string]bool{}
	for _, c := range tcgConfigs {
		if seen[c.fn()] {
			t.Errorf("%s listed twice", c.fn())
		}
		seen[c.fn()] = true
		if !strings.Contains(src, fmt.Sprintf("TCG(%s, %d, %d, %d, %d, %d, %d)", c.fn(), c.RW, c.TN, c.WM, c.WN, c.ST, c.SX)) {
			t.Errorf("tcg.cu does not instantiate %s as %+v", c.fn(), c)
		}
		if c.sharedBytes()+tcgStaticShared > tcsMaxShared || c.WM*c.WN > 8 || c.ST < 2 || c.tokens() > 256 {
			t.Errorf("%s: %d bytes of shared memory, %d warps, %d stages, %d tokens", c.fn(), c.sharedBytes(), c.WM*c.WN, c.ST, c.tokens())
		}
		// dynamicShared opts a kernel in above 48 KiB of dynamic shared
		// memory only; below that, static and dynamic together must fit
		// (bitlinear_tcg_r4_t4_m2_n1_s3_x1, exactly 48 KiB dynamic, failed
		// to launch on an H100).
		if n := c.sharedBytes(); n <= 48<<10 && n+tcgStaticShared > 48<<10 {
			t.Errorf("%s: %d bytes of dynamic shared memory plus the static ones pass 48 KiB without opting in", c.fn(), n)
		}
		for _, split := range []int{1, 3, 12} {
			ch := tcgChoice{c, split}
			if got, ok := tcgChoiceNamed(ch.name()); !ok || got != ch {
				t.Errorf("tcgChoiceNamed(%s) = %v %v", ch.name(), got, ok)
			}
			for _, s := range []struct{ n, m int }{{1, 1}, {17, 9}, {2560, 128}, {13824, 512}, {31, 513}} {
				grid, block := tcgGrid(ch, s.n, s.m)
				if int(grid[0])*c.rows() < s.n || int(grid[1])*c.tokens() < s.m || int(grid[2]) != split || int(block[0]) != 32*c.WM*c.WN {
					t.Errorf("%s: grid %v block %v leaves out rows or tokens of %dx%d", ch.name(), grid, block, s.m, s.n)
				}
			}
		}
	}
	for _, bad := range []string{"bitlinear_tcg_r4_t8_m2_n2_s3_x1", "bitlinear_tcg_r4_t8_m2_n2_s3_x1_k0", "bitlinear_tcg_r4_t8_m2_n2_s3_x1_k3x", "bitlinear_tcg_r9_t8_m2_n2_s3_x1_k2"} {
		if c, ok := tcgChoiceNamed(bad); ok {
			t.Errorf("tcgChoiceNamed(%s) = %v, want no choice", bad, c)
		}
	}
	for _, m := range []int{1, 8, 32, 33, 128, 512} {
		for _, c := range tcgCandidates(2560, 10, m, 132) {
			if c.tokens() >= 2*m || c.Split > 5 {
				t.Errorf("m=%d: candidate %s (%d tokens a tile, K split %d ways of 10 blocks)", m, c.name(), c.tokens(), c.Split)
			}
		}
	}
	if len(tcgCandidates(2560, 10, 8, 132)) != 0 || len(tcgCandidates(2560, 10, 128, 132)) == 0 {
		t.Errorf("tcg candidates: %d at 8 tokens (want none), %d at 128", len(tcgCandidates(2560, 10, 8, 132)), len(tcgCandidates(2560, 10, 128, 132)))
	}
	if d := tcgDefault(2560, 10, 128, 132); d.Split != 3 || !slices.Contains(tcgConfigs, d.tcgConfig) {
		t.Errorf("tcgDefault(2560x2560, 128 tokens) = %s, want a listed configuration, K split 3 ways", d.name())
	}
}

// TestTCGResources logs each tcg.cu kernel's registers and spilled bytes
// per thread (CU_FUNC_ATTRIBUTE_NUM_REGS, _LOCAL_SIZE_BYTES): its 64×64
// warp tiles hold 128 accumulators a lane, near the 255-register limit.
func TestTCGResources(t *testing.T) {
	needGPU(t)
	d, err := getDevice()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range tcgKernelNames() {
		fn, err := d.function(name)
		if err != nil {
			t.Fatal(err)
		}
		var regs, local int32
		err = d.th.Do(func() error {
			if err := d.drv.check("cuFuncGetAttribute", d.drv.cuFuncGetAttribute(&regs, 4, fn)); err != nil {
				return err
			}
			return d.drv.check("cuFuncGetAttribute", d.drv.cuFuncGetAttribute(&local, 3, fn))
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d registers, %d local bytes a thread", name, regs, local)
	}
}

// TestTCGRepeated: a split-K tcg launch leaves its workspace and counters
// zeroed, so every run of the same kernel is exact, not only the first.
func TestTCGRepeated(t *testing.T) {
	needGPU(t)
	r := rand.New(rand.NewPCG(21, 22))
	for _, name := range []string{"bitlinear_tcg_r4_t8_m2_n2_s3_x1_k4", "bitlinear_tcg_r4_t8_m2_n2_s2_x0_k3", "bitlinear_tcg_r2_t4_m4_n2_s3_x1_k2"} {
		t.Run(name, func(t *testing.T) {
			withKernel(name, func() {
				p := kerneltest.BitLinearProblem(r, 100, 300, 2560, true)
				ref := kerneltest.Reference(t, p)
				k, err := Backend{}.Prepare(p)
				if err != nil {
					t.Fatal(err)
				}
				defer k.Close()
				for i := range 3 {
					clear(p.Y)
					if err := k.Run(); err != nil {
						t.Fatal(err)
					}
					if err := k.Fetch(); err != nil {
						t.Fatal(err)
					}
					kerneltest.ExactF32(t, fmt.Sprintf("Y (run %d)", i), p.Y, ref.Y)
				}
			})
		})
	}
}

// TestTuneCache: a measured choice survives the process (the file), is
// marked as cached when read back, is keyed by GPU model and shape, and a
// damaged file is ignored rather than trusted.
func TestTuneCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tune.json")
	t.Setenv("BITNET_CUDA_TUNE", path)
	tunes.forget()
	defer tunes.forget()
	k := tuneKey{GPU: "NVIDIA H100 80GB HBM3", N: 2560, Kp: 2560, M: 128}
	if len(tuneCode()) != 12 {
		t.Errorf("tuneCode %q", tuneCode())
	}
	if _, ok := tunes.get(k); ok {
		t.Fatal("empty cache has an entry")
	}
	want := tuneResult{Kernel: "bitlinear_tc_r2_t4_w2_k2", Ns: map[string]float64{"bitlinear_tc_r2_t4_w2_k2": 4100, "wave": 60000}}
	tunes.put(k, want)
	tunes.forget()
	got, ok := tunes.get(k)
	if !ok || got.Kernel != want.Kernel || got.Ns["wave"] != 60000 || !got.Cached {
		t.Fatalf("read back %+v %v, want %+v from the file", got, ok, want)
	}
	if !strings.Contains(got.describe(), "tune cache") || !strings.Contains(got.describe(), "tc_r2_t4_w2_k2 4.10µs") {
		t.Errorf("describe: %s", got.describe())
	}
	for _, other := range []tuneKey{{GPU: "NVIDIA H200", N: 2560, Kp: 2560, M: 128}, {GPU: k.GPU, N: 2560, Kp: 2560, M: 8},
		{GPU: k.GPU, Code: tuneCode(), N: 2560, Kp: 2560, M: 128}} {
		if _, ok := tunes.get(other); ok {
			t.Errorf("%v found under %v", other, k)
		}
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	tunes.forget()
	if _, ok := tunes.get(k); ok {
		t.Error("a damaged cache file was trusted")
	}
	failed := tuneResult{Kernel: "wave", Ns: map[string]float64{"wave": 3000}, Failed: map[string]string{"bitlinear_tc_r1_t1_w1_k4": "NVRTC: error"}}
	if d := failed.describe(); !strings.Contains(d, "auto: wave") || !strings.Contains(d, "failed: bitlinear_tc_r1_t1_w1_k4: NVRTC: error") {
		t.Errorf("a failed candidate is not reported: %s", d)
	}
	t.Setenv("BITNET_CUDA_TUNE", "off")
	if p := tuneCachePath(); p != "" {
		t.Errorf("BITNET_CUDA_TUNE=off still caches in %s", p)
	}
}

// withKernel runs f with the BitLinear kernel set to name.
func withKernel(name string, f func()) {
	old := bitLinearKernel
	bitLinearKernel = name
	defer func() { bitLinearKernel = old }()
	f()
}

func TestBitLinear(t *testing.T) {
	needGPU(t)
	for _, name := range bitLinearKernels {
		t.Run(name, func(t *testing.T) { withKernel(name, func() { testBitLinear(t) }) })
	}
}

func testBitLinear(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	type shape struct{ m, n, k int }
	shapes := []shape{
		{1, 1, 1}, {1, 1, 256}, {1, 3, 100}, {1, 640, 2560}, {1, 2560, 6912}, {1, 37, 1000},
		{1, 5, 33000}, {2, 17, 300}, {3, 100, 513}, {8, 2560, 2560}, {8, 31, 255}, {9, 65, 768}, {17, 129, 1280},
		{64, 256, 2560}, {5, 13824, 2560}, {128, 640, 2560}, {200, 77, 6912}, {512, 640, 2560}, {33, 15, 1},
	}
	for _, s := range shapes {
		for _, rows := range []bool{false, true} {
			t.Run(fmt.Sprintf("%dx%dx%d/rowscales=%v", s.m, s.n, s.k, rows), func(t *testing.T) {
				gpu, ref := kerneltest.RunBoth(t, Backend{}, kerneltest.BitLinearProblem(r, s.m, s.n, s.k, rows))
				kerneltest.ExactF32(t, "Y", gpu.Y, ref.Y)
			})
		}
	}
	// Edge values: all-zero activations (Σ = 0), and every activation at
	// -128 or 127 against all-(+1) and all-(-1) rows (the largest sums).
	for _, tc := range []struct {
		name string
		x    func(i int) int8
		c    int8
	}{
		{"zeros", func(int) int8 { return 0 }, 1},
		{"min*plus", func(int) int8 { return -128 }, 1},
		{"min*minus", func(int) int8 { return -128 }, -1},
		{"max*minus", func(int) int8 { return 127 }, -1},
		{"alternating", func(i int) int8 { return []int8{127, -128}[i%2] }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, n, k := 8, 64, 6912+100
			codes, xq := make([]int8, n*k), make([]int8, m*k)
			for i := range codes {
				codes[i] = tc.c
			}
			for i := range xq {
				xq[i] = tc.x(i)
			}
			p := kerneltest.BitLinearFrom(r, m, n, k, codes, xq, true)
			gpu, ref := kerneltest.RunBoth(t, Backend{}, p)
			kerneltest.ExactF32(t, "Y", gpu.Y, ref.Y)
		})
	}
}

func TestWaveGeometry(t *testing.T) {
	names := map[string]bool{}
	for _, n := range waveKernelNames() {
		names[n] = true
	}
	for _, tc := range []struct {
		n, k, m int
		g, r, j int
	}{
		{13824, 2560, 1, 16, 2, 3}, {6912, 2560, 1, 16, 2, 3}, {2560, 2560, 1, 16, 2, 3}, {2560, 6912, 1, 32, 2, 4},
		{640, 2560, 1, 32, 1, 2}, {1 << 20, 1 << 20, 1, 32, 2, 8},
		{13824, 2560, 8, 8, 1, 4}, {5, 100, 3, 8, 1, 1},
	} {
		g, r, j, name := waveGeometry(tc.n, pack.Stride2Bit(tc.k)/16, tc.m)
		if g != tc.g || r != tc.r || j != tc.j || !names[name] {
			t.Errorf("%dx%dx%d: G=%d R=%d J=%d %s, want G=%d R=%d J=%d and a kernel of wave.cu", tc.m, tc.n, tc.k, g, r, j, name, tc.g, tc.r, tc.j)
		}
	}
}

// TestWaveGeometries runs every instantiation of wave.cu, including rows
// that take several rounds (J·G < chunks) and a last warp past N.
func TestWaveGeometries(t *testing.T) {
	needGPU(t)
	r := rand.New(rand.NewPCG(11, 12))
	for gr, caps := range waveCaps {
		for _, c := range caps {
			for _, s := range []struct{ n, k int }{{37, 1000}, {130, 256 * c * gr[0] / 4}, {5, 33000}} {
				t.Run(fmt.Sprintf("g%d_r%d_c%d/%dx%d", gr[0], gr[1], c, s.n, s.k), func(t *testing.T) {
					withLanes("wave", gr[0], gr[1], func() {
						gpu, ref := kerneltest.RunBoth(t, Backend{}, kerneltest.BitLinearProblem(r, 1, s.n, s.k, true))
						kerneltest.ExactF32(t, "Y", gpu.Y, ref.Y)
					})
				})
			}
		}
	}
}

// TestTCInstantiations runs every tc.cu instantiation on shapes that end
// mid-tile in rows and tokens, with K in one block, a partial block, fewer
// blocks than warps splitting K or than pipeline stages.
func TestTCInstantiations(t *testing.T) {
	needGPU(t)
	r := rand.New(rand.NewPCG(15, 16))
	var names []string
	for _, c := range tcConfigs {
		names = append(names, c.name())
	}
	for _, c := range tcsConfigs {
		names = append(names, c.name())
	}
	for _, c := range tcgConfigs {
		for _, split := range []int{1, 3} {
			names = append(names, tcgChoice{c, split}.name())
		}
	}
	d, err := getDevice()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tckConfigs {
		if c.S == 1 || d.clusters() {
			names = append(names, c.name())
		}
	}
	if d.wgmma() {
		names = append(names, tcwKernelNames()...)
	}
	for _, name := range names {
		for _, s := range []struct{ m, n, k int }{{1, 1, 1}, {9, 17, 300}, {8, 16, 256}, {33, 130, 1000}, {17, 65, 6912 + 100}, {64, 31, 2560}, {70, 200, 768}, {130, 129, 512}} {
			t.Run(fmt.Sprintf("%s/%dx%dx%d", name, s.m, s.n, s.k), func(t *testing.T) {
				withKernel(name, func() {
					gpu, ref := kerneltest.RunBoth(t, Backend{}, kerneltest.BitLinearProblem(r, s.m, s.n, s.k, true))
					kerneltest.ExactF32(t, "Y", gpu.Y, ref.Y)
				})
			})
		}
	}
}

// TestAutoTune: "auto" measures the candidates once per shape, names the
// kernel it bound (and the times) as the kernel's variant, is exact, and
// a second Prepare of the shape reuses the choice.
func TestAutoTune(t *testing.T) {
	needGPU(t)
	t.Setenv("BITNET_CUDA_TUNE", filepath.Join(t.TempDir(), "tune.json"))
	tunes.forget()
	defer tunes.forget()
	r := rand.New(rand.NewPCG(17, 18))
	var first string
	for i := range 2 {
		p := kerneltest.BitLinearProblem(r, 8, 2560, 2560, false)
		ref := kerneltest.Reference(t, p)
		k, err := Backend{}.Prepare(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Run(); err != nil {
			t.Fatal(err)
		}
		if err := k.Fetch(); err != nil {
			t.Fatal(err)
		}
		kerneltest.ExactF32(t, "Y", p.Y, ref.Y)
		v := k.(kernels.Variant).Variant()
		k.Close()
		t.Logf("Prepare %d: %s", i, v)
		if !strings.HasPrefix(v, "auto: bitlinear_") || !strings.Contains(v, "µs") {
			t.Fatalf("variant %q does not name a measured kernel", v)
		}
		if i == 0 {
			first = v
		} else if v != first {
			t.Errorf("second Prepare chose again: %q, then %q", first, v)
		}
	}
}

// TestRunN: n runs as one submission (graph replays and a remainder)
// give the reference's outputs, and the device time covers all of them.
func TestRunN(t *testing.T) {
	needGPU(t)
	r := rand.New(rand.NewPCG(19, 20))
	p := kerneltest.BitLinearProblem(r, 1, 2560, 2560, true)
	ref := kerneltest.Reference(t, p)
	k, err := Backend{}.Prepare(p)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if err := k.Run(); err != nil {
		t.Fatal(err)
	}
	one := k.(kernels.DeviceTimer).DeviceTime()
	for _, n := range []int{1, 5, repeatN, 3*repeatN + 7} {
		if err := k.(kernels.Repeater).RunN(n); err != nil {
			t.Fatal(err)
		}
		if err := k.Fetch(); err != nil {
			t.Fatal(err)
		}
		kerneltest.ExactF32(t, "Y", p.Y, ref.Y)
		t.Logf("RunN(%d): %v device time, %v a run (Run: %v)", n, k.(kernels.DeviceTimer).DeviceTime(), k.(kernels.DeviceTimer).DeviceTime()/time.Duration(n), one)
	}
	if err := k.(kernels.Repeater).RunN(0); err == nil {
		t.Error("RunN(0) succeeded")
	}
}

// withLanes runs f with a kernel forced, G lanes a row and R rows a lane
// group.
func withLanes(kern string, g, r int, f func()) {
	og, or := forceLanes, forceRows
	forceLanes, forceRows = g, r
	defer func() { forceLanes, forceRows = og, or }()
	withKernel(kern, f)
}

// TestWaveOverlap replays a graph of wave launches that overlap one
// another (programmatic stream serialisation): the result must not change.
func TestWaveOverlap(t *testing.T) {
	needGPU(t)
	d, _ := getDevice()
	if d.major < 9 || d.drv.cuLaunchKernelEx == nil {
		t.Skip("no programmatic dependent launch before sm_90 or without cuLaunchKernelEx")
	}
	r := rand.New(rand.NewPCG(13, 14))
	for _, gr := range [][2]int{{0, 0}, {8, 1}, {16, 4}} {
		withLanes("wave", gr[0], gr[1], func() {
			p := kerneltest.BitLinearProblem(r, 1, 13824, 2560, true)
			ref := kerneltest.Reference(t, p)
			k, err := Backend{}.Prepare(p)
			if err != nil {
				t.Fatal(err)
			}
			defer k.Close()
			l := k.(*kernel).launches[0]
			l.overlap = true
			s := newSeq(t, d, []*launch{l, l, l, l}, true)
			if _, err := s.run(3); err != nil {
				t.Fatal(err)
			}
			if err := k.Fetch(); err != nil {
				t.Fatal(err)
			}
			kerneltest.ExactF32(t, "Y", p.Y, ref.Y)
		})
	}
}

func floatInput(r *rand.Rand, n int, scale float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = scale * float32(r.NormFloat64())
	}
	return x
}

func TestQuantizeActivations(t *testing.T) {
	needGPU(t)
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range []struct{ m, k int }{{1, 1}, {1, 2560}, {3, 1000}, {8, 6912}, {33, 257}} {
		for _, scale := range []float32{0, 1e-7, 1, 1e4} {
			t.Run(fmt.Sprintf("%dx%d/scale=%g", s.m, s.k, scale), func(t *testing.T) {
				x := floatInput(r, s.m*s.k, scale)
				if s.k > 4 {
					x[1] = float32(math.NaN())
					x[2] = float32(math.Inf(-1)) // saturates the scale; every value rounds to 0 or -128
				}
				p := &kernels.Problem{Op: kernels.OpQuantizeActivations, M: s.m, K: s.k, X: x,
					YQ: make([]int8, s.m*s.k), YScales: make([]float32, s.m)}
				gpu, ref := kerneltest.RunBoth(t, Backend{}, p)
				kerneltest.ExactF32(t, "YScales", gpu.YScales, ref.YScales)
				bad := 0
				for i := range ref.YQ {
					if gpu.YQ[i] != ref.YQ[i] {
						if bad < 5 {
							t.Errorf("YQ[%d] = %d, reference %d (x = %v)", i, gpu.YQ[i], ref.YQ[i], x[i])
						}
						bad++
					}
				}
				if bad > 0 {
					t.Errorf("%d of %d codes differ", bad, len(ref.YQ))
				}
			})
		}
	}
}

// TestActivations: the GPU evaluates in double and rounds once, like the
// reference, so results may differ only where CUDA's double libm and Go's
// differ by an ulp of double right at a float32 rounding boundary: at most
// 1 ulp of float32, and rarely.
func TestActivations(t *testing.T) {
	needGPU(t)
	r := rand.New(rand.NewPCG(5, 6))
	for _, op := range kerneltest.Implemented(Backend{}, kernels.ActivationOps) {
		t.Run(string(op), func(t *testing.T) {
			m, k := 7, 100003
			x := floatInput(r, m*k, 4)
			for i, v := range []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 8, -8, 20, -20, 88, -88, 100, -100,
				float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32, -math.MaxFloat32, 1e-45} {
				x[i] = v
			}
			p := &kernels.Problem{Op: op, M: m, K: k, X: x, Y: make([]float32, m*k)}
			gpu, ref := kerneltest.RunBoth(t, Backend{}, p)
			var worst uint64
			off := 0
			for i := range ref.Y {
				d := ulp.Distance(gpu.Y[i], ref.Y[i])
				if d > 0 {
					off++
				}
				if d > worst {
					worst = d
				}
				if d > 1 {
					t.Errorf("%s(%v) = %v, reference %v (%d ulp)", op, x[i], gpu.Y[i], ref.Y[i], d)
					if off > 5 {
						t.FailNow()
					}
				}
			}
			t.Logf("%s: %d of %d values differ from the float64 reference, by at most %d ulp", op, off, len(ref.Y), worst)
		})
	}
}

// TestMatMul: f32 accumulation in a different order than the float64
// reference, so the bound is relative to Σ|x·w|.
func TestMatMul(t *testing.T) {
	needGPU(t)
	r := rand.New(rand.NewPCG(9, 10))
	for _, s := range []struct{ m, n, k int }{{1, 1, 1}, {1, 640, 2560}, {3, 33, 1000}, {8, 256, 6912}} {
		t.Run(fmt.Sprintf("%dx%dx%d", s.m, s.n, s.k), func(t *testing.T) {
			p := &kernels.Problem{Op: kernels.OpMatMul, M: s.m, N: s.n, K: s.k,
				X: floatInput(r, s.m*s.k, 1), W: floatInput(r, s.n*s.k, 1), Y: make([]float32, s.m*s.n)}
			gpu, ref := kerneltest.RunBoth(t, Backend{}, p)
			for m := 0; m < s.m; m++ {
				for n := 0; n < s.n; n++ {
					var mag float64
					for k := 0; k < s.k; k++ {
						mag += math.Abs(float64(p.X[m*s.k+k]) * float64(p.W[n*s.k+k]))
					}
					i := m*s.n + n
					// Each lane adds K/32 products, then 5 shuffle steps:
					// the classic bound (adds)·2⁻²⁴·Σ|x·w| on the error.
					bound := float64(s.k/32+6) * 0x1p-24 * mag
					if d := math.Abs(float64(gpu.Y[i] - ref.Y[i])); d > bound+1e-30 {
						t.Fatalf("Y[%d,%d] = %v, reference %v (|Σ|x·w|| = %v)", m, n, gpu.Y[i], ref.Y[i], mag)
					}
				}
			}
		})
	}
}

// TestConcurrent runs kernels from several goroutines at once: CUDA calls
// go through the one CUDA thread, so each must still see its own results.
func TestConcurrent(t *testing.T) {
	needGPU(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 99))
			p := kerneltest.BitLinearProblem(r, 1+g, 300+g, 1000+g, g%2 == 0)
			ref := kerneltest.Fresh(p)
			if err := kernels.RunReference(ref); err != nil {
				errs <- err
				return
			}
			k, err := Backend{}.Prepare(p)
			if err != nil {
				errs <- err
				return
			}
			defer k.Close()
			for range 20 {
				if err := k.Run(); err != nil {
					errs <- err
					return
				}
			}
			if err := k.Fetch(); err != nil {
				errs <- err
				return
			}
			for i := range ref.Y {
				if math.Float32bits(p.Y[i]) != math.Float32bits(ref.Y[i]) {
					errs <- fmt.Errorf("goroutine %d: Y[%d] = %v, reference %v", g, i, p.Y[i], ref.Y[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
