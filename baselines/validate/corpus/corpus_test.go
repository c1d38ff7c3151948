package corpus

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"strings"
	"testing"
)

const benchSrc = `package p

import "testing"

func BenchmarkLeaf(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_ = i
	}
}

func BenchmarkOther(bb *testing.B) {
	bb.StopTimer()
	for i := 0; i < bb.N; i++ {
		bb.StartTimer()
		_ = i
		bb.StopTimer()
	}
}

func BenchmarkParent(b *testing.B) {
	b.Run("x", func(b *testing.B) {})
}
`

func TestInject(t *testing.T) {
	out, err := inject([]byte(benchSrc), "BenchmarkLeaf", 12.5, reports{})
	if err != nil {
		t.Fatal(err)
	}
	// The second case of the same file reuses the spin function.
	out, err = inject(out, "BenchmarkOther", 3, reports{})
	if err != nil {
		t.Fatal(err)
	}
	src := string(out)
	for _, want := range []string{
		"func BenchmarkLeaf(b *testing.B) {\n\tdefer func() { b.StartTimer(); bitnetInjectSpin(float64(b.N) * 12.5) }()",
		"func BenchmarkOther(bb *testing.B) {\n\tdefer func() { bb.StartTimer(); bitnetInjectSpin(float64(bb.N) * 3) }()",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("injected source lacks %q:\n%s", want, src)
		}
	}
	if n := strings.Count(src, "func bitnetInjectSpin("); n != 1 {
		t.Errorf("spin function declared %d times", n)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "", out, 0); err != nil {
		t.Errorf("injected source does not parse: %v", err)
	}
}

func TestInjectRefuses(t *testing.T) {
	for fn, want := range map[string]string{
		"BenchmarkParent":  "only leaf benchmarks",
		"BenchmarkMissing": "no func BenchmarkMissing",
	} {
		_, err := inject([]byte(benchSrc), fn, 1, reports{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("inject %s: got %v, want an error containing %q", fn, err, want)
		}
	}
}

func TestBenchRegexp(t *testing.T) {
	cases := []Case{{"a", "BenchmarkX"}, {"b", "BenchmarkY"}, {"a", "BenchmarkZ.1"}}
	if got, want := BenchRegexp(cases, "a"), `^(BenchmarkX|BenchmarkZ\.1)$`; got != want {
		t.Errorf("BenchRegexp = %q, want %q", got, want)
	}
	if got := Packages(cases); strings.Join(got, ",") != "a,b" {
		t.Errorf("Packages = %v", got)
	}
}

// TestBuildAndCollect builds the smoke package with one injected slowdown
// and collects one round of each kind: the binaries build through the
// overlay, run, and land in the pool where Runs finds them. (Whether the
// slowdown has the intended size is a measurement, printed by Build and
// checked in the validation runs, not here.)
func TestBuildAndCollect(t *testing.T) {
	if testing.Short() {
		t.Skip("builds test binaries")
	}
	dir := t.TempDir()
	c, err := Build(t.Context(), Config{Dir: dir, Cases: []Case{{"./testdata/smoke", "BenchmarkHash"}}, Slowdowns: []float64{0.5}, CPUTime: true, Controls: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Variants) != 2 || c.Variants[1].Name != "+50%" || c.Variants[1].Steps[c.Cases[0].Key()] <= 0 {
		t.Fatalf("variants %+v", c.Variants)
	}
	loaded, err := Load(dir)
	if err != nil || len(loaded.Variants) != 2 {
		t.Fatalf("Load: %v, %+v", err, loaded)
	}
	pool := dir + "/pool"
	n, err := Collect(t.Context(), c, PoolConfig{Dir: pool, FileCount: 2, BenchTime: "2x", FileRounds: 1, InterleavedPerFile: 1})
	if err != nil {
		t.Fatal(err)
	}
	// A file round (A, A2, +50%) then an interleaved round (the same).
	if n != 6 {
		t.Errorf("Collect wrote %d runs, want 6", n)
	}
	for _, kind := range []string{"file", "interleaved"} {
		for _, label := range []string{"A", "A2", "+50%"} {
			runs, err := Runs(pool, kind, label, "./testdata/smoke")
			if err != nil || len(runs) != 1 || runs[0].Round != 0 {
				t.Errorf("Runs(%s, %s) = %v, %v", kind, label, runs, err)
				continue
			}
			// Every build reports its CPU time and the controls on each
			// result line.
			out, err := os.ReadFile(runs[0].Path)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(out), "\n") {
				if !strings.HasPrefix(line, "BenchmarkHash") {
					continue
				}
				for _, unit := range []string{"cpu-ns/op", "ctl-compute-ns", "ctl-memory-ns"} {
					if !strings.Contains(line, unit) {
						t.Errorf("%s %s: result line lacks %s: %q", kind, label, unit, line)
					}
				}
			}
		}
	}
}

// TestInjectCPUTime: every build can carry a CPU-time report; the
// unchanged one (no steps) gets no spin, and the report is deferred
// before the spin so it runs after it.
func TestInjectCPUTime(t *testing.T) {
	out, err := inject([]byte(benchSrc), "BenchmarkLeaf", 0, reports{cpu: true})
	if err != nil {
		t.Fatal(err)
	}
	src := string(out)
	if strings.Contains(src, "bitnetInjectSpin") || !strings.Contains(src, "func BenchmarkLeaf(b *testing.B) {\n\tdefer bitnetCPUTrack(b, func() int { return b.N })()") ||
		!strings.Contains(src, `import bitnetSyscall "syscall"`) {
		t.Errorf("unchanged build with CPU time:\n%s", src)
	}
	out, err = inject([]byte(benchSrc), "BenchmarkLeaf", 7, reports{cpu: true})
	if err != nil {
		t.Fatal(err)
	}
	out, err = inject(out, "BenchmarkOther", 3, reports{cpu: true})
	if err != nil {
		t.Fatal(err)
	}
	src = string(out)
	track := strings.Index(src, "defer bitnetCPUTrack(b,")
	spin := strings.Index(src, "bitnetInjectSpin(float64(b.N) * 7)")
	if track < 0 || spin < 0 || track > spin || strings.Count(src, "func bitnetCPUTrack(") != 1 || strings.Count(src, "bitnetSyscall \"syscall\"") != 1 {
		t.Errorf("slowdown build with CPU time:\n%s", src)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "", out, 0); err != nil {
		t.Errorf("injected source does not parse: %v", err)
	}
}

// TestInjectControls: the controls are deferred first, so they run after
// the CPU-time report, and their functions and imports come once a file.
func TestInjectControls(t *testing.T) {
	rep := reports{cpu: true, controls: true}
	out, err := inject([]byte(benchSrc), "BenchmarkLeaf", 7, rep)
	if err != nil {
		t.Fatal(err)
	}
	out, err = inject(out, "BenchmarkOther", 3, rep)
	if err != nil {
		t.Fatal(err)
	}
	src := string(out)
	ctl := strings.Index(src, "func BenchmarkLeaf(b *testing.B) {\n\tdefer bitnetControlsReport(b)\n\tdefer bitnetCPUTrack(b,")
	if ctl < 0 || !strings.Contains(src, "func BenchmarkOther(bb *testing.B) {\n\tdefer bitnetControlsReport(bb)\n") ||
		strings.Count(src, "func bitnetControlsReport(") != 1 || strings.Count(src, `bitnetTime "time"`) != 1 {
		t.Errorf("injected controls:\n%s", src)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "", out, 0); err != nil {
		t.Errorf("injected source does not parse: %v", err)
	}
}

// TestInjectedControlsMatchPackage holds the injected copy of the control
// loops to bench/controls' own, so that what --validate measures is what
// users record.
func TestInjectedControlsMatchPackage(t *testing.T) {
	pkg, err := parser.ParseFile(token.NewFileSet(), "../../../bench/controls/controls.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	injected, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+controlsFunc, 0)
	if err != nil {
		t.Fatal(err)
	}
	body := func(f *ast.File, name string) string {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == name {
				var buf bytes.Buffer
				printer.Fprint(&buf, token.NewFileSet(), fd.Type)
				printer.Fprint(&buf, token.NewFileSet(), fd.Body)
				return buf.String()
			}
		}
		t.Fatalf("no func %s", name)
		return ""
	}
	for pkgName, injName := range map[string]string{"compute": "bitnetControlsCompute", "memory": "bitnetControlsMemory", "chaseCycle": "bitnetControlsCycle"} {
		if a, b := body(pkg, pkgName), body(injected, injName); a != b {
			t.Errorf("bench/controls.%s and the injected %s differ:\n%s\n%s", pkgName, injName, a, b)
		}
	}
	for _, size := range []string{"chaseCycle(chaseBytes, 2*chaseHops)", "computeSteps = 1 << 16", "chaseBytes   = 64 << 20", "chaseHops    = 1 << 12", "repeats      = 3"} {
		src, _ := os.ReadFile("../../../bench/controls/controls.go")
		if !bytes.Contains(src, []byte(size)) {
			t.Errorf("bench/controls no longer has %q: update controlsFunc's sizes to match", size)
		}
	}
}

// TestMetric: a case's value in a unit is read from its own result lines
// only, the smallest of several, and its absence is reported.
func TestMetric(t *testing.T) {
	out := []byte("goos: linux\nBenchmarkEncode-2 \t 100\t 9000 ns/op\t 8249 cpu-ns/op\t 112684 ctl-compute-ns\n" +
		"BenchmarkEncode-2 \t 100\t 8000 ns/op\t 8500 cpu-ns/op\nBenchmarkOther-2 \t 1\t 5 ns/op\t 1 cpu-ns/op\nPASS\n")
	cs := Case{"encoding/base64", "BenchmarkEncode"}
	if v, ok := metric(out, cs, "cpu-ns/op"); !ok || v != 8249 {
		t.Errorf("cpu-ns/op = %v, %v; want 8249", v, ok)
	}
	if v, err := minNsPerOp(out, "x.test", cs); err != nil || v != 8000 {
		t.Errorf("ns/op = %v, %v; want 8000", v, err)
	}
	if _, ok := metric(out, cs, "B/op"); ok {
		t.Error("a unit the case did not print was found")
	}
	if _, err := minNsPerOp([]byte("PASS\n"), "x.test", cs); err == nil {
		t.Error("no result line gave no error")
	}
}
