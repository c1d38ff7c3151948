package ext_test

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cuda"
	"github.com/bitnet-go/bitnet-bench/kernels/ext"
)

// The plugins are testdata/example.c built with the machine's C compiler
// ($CC, else gcc or cc) under -D flags: the correct library, a wrong one
// and the broken ones of the failure paths. Without a compiler the tests
// skip.

var (
	pluginDir  string
	pluginMu   sync.Mutex
	pluginLibs = map[string]string{}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bitnet-ext-test")
	if err != nil {
		panic(err)
	}
	pluginDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func compiler() string {
	if cc := os.Getenv("CC"); cc != "" {
		return cc
	}
	for _, cc := range []string{"gcc", "cc"} {
		if _, err := exec.LookPath(cc); err == nil {
			return cc
		}
	}
	return ""
}

// plugin builds testdata/example.c with -D define (none when "") once per
// test binary and returns the library's path.
func plugin(t testing.TB, define string) string {
	t.Helper()
	cc := compiler()
	if cc == "" {
		t.Skip("no C compiler ($CC, gcc or cc) to build the test plugins")
	}
	pluginMu.Lock()
	defer pluginMu.Unlock()
	if p, ok := pluginLibs[define]; ok {
		return p
	}
	name := "libexample.so"
	args := []string{"-O2", "-Wall", "-Werror", "-shared", "-fPIC", "-I", "../../include"}
	if define != "" {
		name = "lib" + strings.ToLower(define) + ".so"
		args = append(args, "-D"+define)
	}
	out := filepath.Join(pluginDir, name)
	args = append(args, "-o", out, "testdata/example.c", "-lm")
	if b, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", cc, strings.Join(args, " "), err, b)
	}
	pluginLibs[define] = out
	return out
}

func open(t *testing.T, define string) []kernels.Backend {
	t.Helper()
	bs, err := kernels.LookupAll("ext:" + plugin(t, define))
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

func TestLoadAndNames(t *testing.T) {
	bs := open(t, "")
	var names []string
	for _, b := range bs {
		names = append(names, b.Name())
		if b.Level() != "cpu" || b.Available() != nil {
			t.Errorf("%s: Level %q, Available %v; want cpu, nil", b.Name(), b.Level(), b.Available())
		}
		kerneltest.NotImplemented(t, b, []kernels.Op{kernels.OpBitLinear})
	}
	if got := strings.Join(names, ","); got != "ext-example,ext-example-f32" {
		t.Fatalf("backends %s, want ext-example,ext-example-f32", got)
	}
	lib := bs[0].(*ext.Backend).Library()
	if lib.Name != "example" || lib.Version != "1.0" || len(lib.Kernels) != 2 {
		t.Errorf("library %+v", lib)
	}
	// The same library through BITNET_EXT_LIBS and a bare "ext".
	t.Setenv(ext.EnvLibs, plugin(t, "")+string(os.PathListSeparator)+plugin(t, "WRONG"))
	all, err := kernels.LookupAll("ext")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 || all[2].Name() != "ext-wrong" {
		t.Errorf("ext with %s: %d backends, third %q", ext.EnvLibs, len(all), all[2].Name())
	}
	t.Setenv(ext.EnvLibs, "")
	if _, err := kernels.LookupAll("ext"); err == nil || !strings.Contains(err.Error(), ext.EnvLibs) {
		t.Errorf("bare ext without %s: %v", ext.EnvLibs, err)
	}
}

// TestCorrect runs both kernels of the correct plugin beside the reference
// on random problems and edge shapes (one row, one input, K off every
// block, full-range activations, per-row scales).
func TestCorrect(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, b := range open(t, "") {
		for _, s := range [][3]int{{1, 1, 1}, {1, 17, 257}, {3, 64, 256}, {8, 40, 130}} {
			for _, rowScales := range []bool{false, true} {
				p := kerneltest.BitLinearProblem(r, s[0], s[1], s[2], rowScales)
				got, ref := kerneltest.RunBoth(t, b, p)
				tol := float32(1e-5)
				if strings.HasSuffix(b.Name(), "f32") {
					tol = 2e-2 // its own quantization of xq/xs may round a code off by one
				}
				for i, want := range ref.Y {
					scale := float32(0)
					for _, v := range ref.Y {
						scale = max(scale, abs(v))
					}
					if d := abs(got.Y[i] - want); d > tol*scale {
						t.Fatalf("%s %v: y[%d] = %v, reference %v", b.Name(), s, i, got.Y[i], want)
					}
				}
			}
		}
	}
}

func abs(v float32) float32 { return max(v, -v) }

// TestWrongIsReported: the wrong plugin is refused at Prepare with a
// WrongResultError that says where it disagrees.
func TestWrongIsReported(t *testing.T) {
	for _, b := range open(t, "WRONG") {
		p := kerneltest.BitLinearProblem(rand.New(rand.NewPCG(5, 6)), 2, 32, 256, false)
		k, err := b.Prepare(p)
		if k != nil || !kernels.IsWrongResult(err) {
			t.Fatalf("%s: Prepare = %v, %v; want a WrongResultError", b.Name(), k, err)
		}
		if !strings.Contains(err.Error(), "y[m=0, n=") || !strings.Contains(err.Error(), "outputs differ") {
			t.Errorf("error does not say where: %v", err)
		}
	}
}

// TestBadLibraries: every broken library gives an error that names the
// library and what is wrong, and the process survives a crashing one.
func TestBadLibraries(t *testing.T) {
	for _, c := range []struct{ define, want string }{
		{"BAD_ABI", "ABI version mismatch: the library was built for bitnet_bench.h ABI 99"},
		{"BAD_INFO_VERSION", "bitnet_bench_info says ABI 7"},
		{"MISSING_FREE", "missing symbol bitnet_bench_free"},
	} {
		path := plugin(t, c.define)
		_, err := kernels.LookupAll("ext:" + path)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v; want an error naming %s and %q", c.define, err, path, c.want)
		}
	}
	if _, err := kernels.LookupAll("ext:/nonexistent/libnone.so"); err == nil || !strings.Contains(err.Error(), "/nonexistent/libnone.so") {
		t.Errorf("missing file: %v", err)
	}
	for _, c := range []struct{ define, want string }{
		{"CRASH_PREPARE", "crashed in bitnet_bench_prepare"},
		{"FAIL_PREPARE", "returned 7: this build refuses every problem (N=16)"},
	} {
		bs := open(t, c.define)
		p := kerneltest.BitLinearProblem(rand.New(rand.NewPCG(1, 1)), 1, 16, 64, false)
		k, err := bs[0].Prepare(p)
		if k != nil || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Prepare = %v, %v; want %q", c.define, k, err, c.want)
		}
		t.Logf("%s: %v", c.define, err)
	}
}

// TestThroughTheRunner: the catalogue names external cases like ours and
// the runner times the correct kernel, reports the wrong one "wrong" with
// no samples, and a crashing one as an error. The correct and the wrong
// library are loaded into one process and each calls its own example_row,
// which only holds if libraries are opened RTLD_LOCAL.
func TestThroughTheRunner(t *testing.T) {
	cfg := bench.QuickConfig()
	cfg.Ops = []kernels.Op{kernels.OpBitLinear}
	cfg.Sizes = []bench.Size{{N: 64, K: 256}}
	cfg.Batches = []int{1, 4}
	cfg.Devices = []string{"cpu", "ext:" + plugin(t, ""), "ext:" + plugin(t, "WRONG"), "ext:" + plugin(t, "CRASH_PREPARE")}
	cfg.Samples, cfg.Warmup, cfg.SampleTime = 3, 0, 0
	cases, err := bench.Catalogue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*bench.Case{}
	for i := range cases {
		byName[cases[i].Name] = &cases[i]
	}
	run := func(name string) results.Case {
		t.Helper()
		c, ok := byName[name]
		if !ok {
			t.Fatalf("no case %s in the catalogue", name)
		}
		r := bench.Runner{Config: cfg}
		rc, err := r.RunCase(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		return rc
	}
	for _, m := range []string{"b1", "b4"} {
		rc := run("BitLinear/64x256/" + m + "/i2/ext-example")
		if rc.Status != results.StatusOK || len(rc.SamplesNs) != 3 || rc.Backend != "ext-example" || rc.Level != "cpu" {
			t.Errorf("%s: status %s (%s), %d samples, backend %s level %s", rc.Name, rc.Status, rc.Error, len(rc.SamplesNs), rc.Backend, rc.Level)
		}
		if rc.Extra["device-ns/op"] <= 0 {
			t.Errorf("%s: no device-ns/op from bitnet_bench_last_run_ns: %v", rc.Name, rc.Extra)
		}
		rc = run("BitLinear/64x256/" + m + "/i2/ext-wrong")
		if rc.Status != results.StatusWrong || len(rc.SamplesNs) != 0 || !strings.Contains(rc.Error, "disagrees with the reference") {
			t.Errorf("%s: status %s, %d samples, error %q; want wrong, none", rc.Name, rc.Status, len(rc.SamplesNs), rc.Error)
		}
		rc = run("BitLinear/64x256/" + m + "/i2/ext-example-f32")
		if rc.Status != results.StatusOK {
			t.Errorf("%s: %s %s", rc.Name, rc.Status, rc.Error)
		}
	}
	rc := run("BitLinear/64x256/b1/i2/ext-example")
	f := results.File{Schema: results.Schema, Cases: []results.Case{rc, run("BitLinear/64x256/b1/i2/ext-wrong")}}
	if err := f.Validate(); err != nil {
		t.Errorf("results with an ext case: %v", err)
	}
}

// TestCUDAKernelWithoutGPU: a library's CUDA kernel where there is no CUDA
// device is unavailable, says why, and Prepare returns that reason. (The
// CUDA path itself needs a GPU and a CUDA plugin; neither is in CI.)
func TestCUDAKernelWithoutGPU(t *testing.T) {
	b := open(t, "CUDA_KERNEL")[0]
	err := kerneltest.UnavailablePrepare(t, b)
	if !strings.Contains(err.Error(), "ext-example is a CUDA kernel") {
		t.Errorf("Available: %v", err)
	}
}

// cudaPlugin builds testdata/example_cuda.cu with nvcc under -D define
// (none when "") once per test binary, or skips where there is no nvcc
// ($NVCC, on the PATH or /usr/local/cuda/bin) or no CUDA device.
func cudaPlugin(t *testing.T, define string) string {
	t.Helper()
	if err := (cuda.Backend{}).Available(); err != nil {
		t.Skipf("no usable CUDA device: %v", err)
	}
	nvcc := os.Getenv("NVCC")
	if nvcc == "" {
		if p, err := exec.LookPath("nvcc"); err == nil {
			nvcc = p
		} else if _, err := os.Stat("/usr/local/cuda/bin/nvcc"); err == nil {
			nvcc = "/usr/local/cuda/bin/nvcc"
		}
	}
	if nvcc == "" {
		t.Skip("no nvcc ($NVCC, PATH or /usr/local/cuda/bin) to build the CUDA test plugin")
	}
	pluginMu.Lock()
	defer pluginMu.Unlock()
	key := "cuda:" + define
	if p, ok := pluginLibs[key]; ok {
		return p
	}
	name := "libexcuda.so"
	args := []string{"-O2", "-shared", "-Xcompiler", "-fPIC", "-I", "../../include"}
	if define != "" {
		name = "libexcuda_" + strings.ToLower(define) + ".so"
		args = append(args, "-D"+define)
	}
	out := filepath.Join(pluginDir, name)
	args = append(args, "-o", out, "testdata/example_cuda.cu")
	if b, err := exec.Command(nvcc, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", nvcc, strings.Join(args, " "), err, b)
	}
	pluginLibs[key] = out
	return out
}

// TestCUDAPlugin: a user's CUDA kernel (testdata/example_cuda.cu) works on
// device copies of the operands and the stream it is handed, is checked
// against the reference on random problems and edge shapes, is timed with
// CUDA events, and its wrong build is refused before any timing.
func TestCUDAPlugin(t *testing.T) {
	bs, err := kernels.LookupAll("ext:" + cudaPlugin(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || bs[0].Name() != "ext-excuda" || bs[0].Level() != "cuda" || bs[0].Available() != nil {
		t.Fatalf("backends %v: want one ext-excuda at level cuda, available", bs)
	}
	b := bs[0]
	r := rand.New(rand.NewPCG(9, 10))
	for _, s := range [][3]int{{1, 1, 4}, {1, 17, 256}, {3, 64, 1000}, {8, 2560, 2560}, {128, 640, 2560}} {
		for _, rowScales := range []bool{false, true} {
			got, ref := kerneltest.RunBoth(t, b, kerneltest.BitLinearProblem(r, s[0], s[1], s[2], rowScales))
			scale := float32(0)
			for _, v := range ref.Y {
				scale = max(scale, abs(v))
			}
			for i, want := range ref.Y {
				if d := abs(got.Y[i] - want); d > 1e-5*scale {
					t.Fatalf("%v rowscales=%v: y[%d] = %v, reference %v", s, rowScales, i, got.Y[i], want)
				}
			}
		}
	}
	k, err := b.Prepare(kerneltest.BitLinearProblem(r, 8, 2560, 2560, false))
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	for range 3 {
		if err := k.Run(); err != nil {
			t.Fatal(err)
		}
	}
	dt := k.(kernels.DeviceTimer).DeviceTime()
	if dt <= 0 || dt > time.Second {
		t.Errorf("device time %v of an 8x2560x2560 run", dt)
	}
	t.Logf("ext-excuda 8x2560x2560: %v a run (CUDA events)", dt)

	wrong, err := kernels.LookupAll("ext:" + cudaPlugin(t, "WRONG"))
	if err != nil {
		t.Fatal(err)
	}
	k, err = wrong[0].Prepare(kerneltest.BitLinearProblem(r, 2, 32, 256, false))
	if k != nil || !kernels.IsWrongResult(err) {
		t.Fatalf("%s: Prepare = %v, %v; want a WrongResultError", wrong[0].Name(), k, err)
	}
}
