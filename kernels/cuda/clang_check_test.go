package cuda

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/shaders"
)

// The CUDA sources are compiled by NVRTC at run time, so a syntax or type
// error in one shows only on a GPU machine. These tests parse and
// type-check every source as NVRTC gets it (kernelPrelude + file) with
// clang's CUDA front end in device-only mode, against
// testdata/nvrtc_builtins.h, declarations of the built-ins NVRTC provides.
// They check syntax, types, overloads, templates as instantiated, inline
// asm constraints and the #if branches of each architecture; not the PTX
// inside asm strings, register or shared memory limits, nor results: a GPU
// run still does that.

// envRequireClang, when set (CI sets it), makes a missing clang++ a
// failure instead of a skip, so the check cannot silently stop running.
const envRequireClang = "BITNET_TEST_REQUIRE_CLANG"

// minArch is the oldest architecture the backend runs on (driver.go: dp4a
// needs compute capability 6.1), as __CUDA_ARCH__.
const minArch = 610

// preludeVariants lists, per source, every kernelPrelude an environment
// switch can give it (model.go: BITNET_CUDA_MODEL_TRIGGER=0), so each
// compiled variant is checked whatever this process's environment is.
var preludeVariants = map[string][]string{
	"model.cu": {"", "#define MODEL_EARLY_TRIGGER 0\n"},
}

// needClang returns clang++'s path and testdata/nvrtc_builtins.h's, or
// skips the test when there is no clang++ or it cannot compile CUDA (a
// failure instead when envRequireClang is set).
func needClang(t *testing.T) (clang, stub string) {
	t.Helper()
	skip := func(format string, args ...any) {
		t.Helper()
		if os.Getenv(envRequireClang) != "" {
			t.Fatalf("%s is set, but "+format, append([]any{envRequireClang}, args...)...)
		}
		t.Skipf("skipping the CUDA sources' syntax check (Debian: apt-get install clang): "+format, args...)
	}
	clang, err := exec.LookPath("clang++")
	if err != nil {
		skip("clang++ is not installed: %v", err)
	}
	stub, err = filepath.Abs("testdata/nvrtc_builtins.h")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := clangCheck(clang, stub, "probe.cu", "__global__ void probe() {}\n", minArch); err != nil {
		skip("%s cannot compile CUDA device code: %v\n%s", clang, err, out)
	}
	return clang, stub
}

func TestCUDASourcesCompileWithClang(t *testing.T) {
	clang, stub := needClang(t)
	// Every file the backend compiles, and any other .cu in shaders/cuda.
	files := map[string]bool{}
	for f := range kernelFiles {
		files[f] = true
	}
	onDisk, err := filepath.Glob("../../shaders/cuda/*.cu")
	if err != nil || len(onDisk) == 0 {
		t.Fatalf("no ../../shaders/cuda/*.cu found from the package directory (%v)", err)
	}
	for _, p := range onDisk {
		files[filepath.Base(p)] = true
	}
	for _, file := range slices.Sorted(maps.Keys(files)) {
		src, err := shaders.CUDA(file)
		if err != nil {
			t.Fatal(err)
		}
		preludes := preludeVariants[file]
		if len(preludes) == 0 {
			preludes = []string{""}
		}
		if !slices.Contains(preludes, kernelPrelude[file]) {
			t.Errorf("%s: kernelPrelude %q is not among preludeVariants %q: add it there", file, kernelPrelude[file], preludes)
		}
		for _, prelude := range preludes {
			text := prelude + fmt.Sprintf("#line 1 \"shaders/cuda/%s\"\n", file) + src
			for _, arch := range archVariants(text) {
				name := fmt.Sprintf("%s/sm_%d", file, arch/10)
				if d := preludeName(prelude); d != "" {
					name += "/" + d
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					checkWithClang(t, clang, stub, file, text, arch)
				})
			}
		}
	}
	// The bodies shaders/common shares with Metal and C, after
	// prelude_cuda.h, in the order the Metal backend joins them: not yet
	// used by shaders/cuda, but the prelude says they stay in the subset
	// CUDA can compile, and this holds them to it.
	var common strings.Builder
	for _, part := range []string{"prelude_cuda.h", "activation_coeffs.h", "bitlinear_body.h", "model_body.h"} {
		src, err := shaders.Common(part)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&common, "#line 1 \"shaders/common/%s\"\n%s\n", part, src)
	}
	t.Run("common/prelude_cuda.h", func(t *testing.T) {
		t.Parallel()
		checkWithClang(t, clang, stub, "common.cu", common.String(), minArch)
	})
}

// checkWithClang fails t with clang's diagnostics when text does not
// compile for arch.
func checkWithClang(t *testing.T, clang, stub, file, text string, arch int) {
	t.Helper()
	if out, err := clangCheck(clang, stub, file, text, arch); err != nil {
		t.Errorf("clang rejects %s as NVRTC would get it for sm_%d (%v); NVRTC would too, unless a built-in it uses "+
			"is missing from testdata/nvrtc_builtins.h:\n%s", file, arch/10, err, out)
	} else if out != "" {
		t.Logf("clang warnings:\n%s", out)
	}
}

// TestClangCheckCatchesBrokenSources holds the check to failing: a real
// source with one broken function appended must fail, naming the line.
func TestClangCheckCatchesBrokenSources(t *testing.T) {
	clang, stub := needClang(t)
	const file = "model.cu"
	src, err := shaders.CUDA(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, code, want string }{
		{"syntax", "__device__ int broken(int a) { return a + 1 }", "expected ';'"},
		{"undeclared", "__device__ int broken(int a) { return __no_such_intrinsic(a); }", "undeclared identifier"},
		{"overload", "__device__ float4 broken(float4 v) { return __shfl_xor_sync(0xffffffffu, v, 1); }", "no matching function"},
		{"type", "__device__ int4 broken(const float4* p) { return __ldg(p); }", "no viable conversion"},
		{"host call", "int host_only(int a);\n__device__ int broken(int a) { return host_only(a); }", "__host__ function"},
		{"asm constraint", `__device__ int broken(int a) { int d; asm("mov.b32 %0, %1;" : "=q"(d) : "r"(a)); return d; }`, "constraint"},
		{"instantiation", "template <class T> __device__ int broken(T v) { return v.w; }\n__device__ int use(int2 a) { return broken(a); }", "no member named 'w'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			broken := fmt.Sprintf("#line 1 \"shaders/cuda/%s\"\n%s\n%s\n", file, src, c.code)
			line := strings.Count(src, "\n") + 2 // the first appended line
			out, err := clangCheck(clang, stub, file, broken, 900)
			if err == nil {
				t.Fatalf("clang accepted %s with %q appended:\n%s", file, c.code, out)
			}
			if !strings.Contains(out, c.want) || !strings.Contains(out, fmt.Sprintf("shaders/cuda/%s:%d:", file, line)) &&
				!strings.Contains(out, fmt.Sprintf("shaders/cuda/%s:%d:", file, line+1)) {
				t.Errorf("clang's diagnostics do not say %q at shaders/cuda/%s:%d:\n%s", c.want, file, line, out)
			}
		})
	}
}

// archCompare finds the architecture tests in a source.
var archCompare = regexp.MustCompile(`__CUDA_ARCH__\s*(>=|<=|==|!=|>|<)\s*([0-9]+)`)

// archVariants returns the __CUDA_ARCH__ values that take every branch of
// src's architecture tests: the oldest supported architecture and, for
// each test against N, the first architecture on its other side.
func archVariants(src string) []int {
	archs := []int{minArch}
	for _, m := range archCompare.FindAllStringSubmatch(src, -1) {
		n, _ := strconv.Atoi(m[2])
		if m[1] == ">" || m[1] == "<=" {
			n += 10 // the next minor version
		}
		archs = append(archs, max(n, minArch))
	}
	slices.Sort(archs)
	return slices.Compact(archs)
}

// preludeName is a short name for a prelude's #defines ("A=0,B=1").
func preludeName(prelude string) string {
	var parts []string
	for _, l := range strings.Split(prelude, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "#define" {
			parts = append(parts, f[1]+"="+strings.Join(f[2:], ""))
		}
	}
	return strings.Join(parts, ",")
}

// clangCheck type-checks text as NVRTC would compile it (--std=c++17,
// device code only) for __CUDA_ARCH__ arch, and returns clang's
// diagnostics. text is written to a file named file; its #line directives
// name the sources in the diagnostics.
//
// clang's --cuda-gpu-arch is fixed at sm_80 (clang 14, Debian bookworm's,
// knows nothing past sm_86) and __CUDA_ARCH__ redefined: the sources' only
// use of the architecture is #if on that macro, their PTX being asm
// strings, which clang does not assemble here.
func clangCheck(clang, stub, file, text string, arch int) (string, error) {
	dir, err := os.MkdirTemp("", "cudacheck")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, clang, "-x", "cuda", "--cuda-device-only", "--cuda-gpu-arch=sm_80",
		"-nocudainc", "-nocudalib", "-std=c++17", "-fsyntax-only", "-fno-color-diagnostics", "-ferror-limit=50",
		"-U__CUDA_ARCH__", "-D__CUDA_ARCH__="+strconv.Itoa(arch), "-include", stub, path)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
