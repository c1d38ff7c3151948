package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/bench/results"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), &env{stdout: &out, stderr: &errb, argv: append([]string{"bitnet-bench"}, args...)}, args)
	return code, out.String(), errb.String()
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, c := range commands {
		if c.name == "version" {
			continue
		}
		code, out, _ := runCLI(t, c.name, "--help")
		if code != exitOK || !strings.Contains(out, "Usage: bitnet-bench "+c.name) || !strings.Contains(out, "Examples:") {
			t.Errorf("%s --help: exit %d, output:\n%s", c.name, code, out)
		}
	}
	if code, out, _ := runCLI(t, "help"); code != exitOK || !strings.Contains(out, "regression-check") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "frobnicate"); code != exitBadInput {
		t.Errorf("unknown command: exit %d, want %d", code, exitBadInput)
	}
}

func TestCompareBadUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"compare"}, // no --output
		{"compare", "--output", dir, "--operations", "softmax"},
		{"compare", "--output", dir, "--sizes", "12"},
		{"compare", "--output", dir, "--batch", "0"},
		{"compare", "--output", dir, "--samples", "3"},
		{"compare", "--output", dir, "--devices", "tpu"},
		{"compare", "--output", dir, "--packings", "zip"},
		{"compare", "--output", dir, "--conversions", "f32"},
		{"compare", "--output", dir, "--cleanup", "lru"},
		{"compare", "--output", dir, "--packings", "auto", "--sparsity", "1"},
		{"compare", "--output", dir, "--no-such-flag"},
		{"compare", "--output", dir, "stray"},
	} {
		if code, _, errOut := runCLI(t, args...); code != exitBadInput || errOut == "" {
			t.Errorf("%v: exit %d (want %d), stderr %q", args, code, exitBadInput, errOut)
		}
	}
}

// TestCompareEndToEnd runs a tiny compare, then checks the run against
// itself and renders a report from it.
func TestCompareEndToEnd(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "compare", "--quick", "--quiet", "--operations", "bitlinear,gelu,quantize,pack",
		"--sizes", "64x128", "--batch", "1,2", "--warmup", "1ms", "--sample-time", "1ms", "--output", dir)
	if code != exitOK {
		t.Fatalf("compare: exit %d: %s", code, errOut)
	}
	f, err := results.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Complete || len(f.Cases) == 0 || f.Machine.OS == "" || len(f.Command) == 0 {
		t.Fatalf("results: complete=%v cases=%d machine=%+v", f.Complete, len(f.Cases), f.Machine)
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	txt, err := os.ReadFile(filepath.Join(dir, "results.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Cases {
		if !strings.Contains(string(html), c.Name) {
			t.Errorf("report.html does not name %s", c.Name)
		}
		if !strings.Contains(string(txt), "Benchmark"+c.Name) {
			t.Errorf("results.txt lacks %s", c.Name)
		}
	}
	js := filepath.Join(dir, "results.json")
	if code, out, errOut := runCLI(t, "regression-check", "--baseline", js, "--current", js); code != exitOK {
		t.Fatalf("self-comparison: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "regression-check", "--baseline", js, "--current", filepath.Join(dir, "results.txt"), "--threshold", "0.05"); code != exitOK {
		t.Fatalf("json vs text: exit %d: %s", code, errOut)
	}
	rep := filepath.Join(dir, "again.html")
	if code, _, errOut := runCLI(t, "report", "--input", js, "--baseline", js, "--output", rep); code != exitOK {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	// A .json --output writes its .txt and .html siblings.
	if code, _, errOut := runCLI(t, "compare", "--quiet", "--operations", "relu", "--sizes", "8x8", "--batch", "1",
		"--warmup", "1ms", "--sample-time", "1ms", "--output", filepath.Join(dir, "r.json")); code != exitOK {
		t.Fatalf("compare to .json: exit %d: %s", code, errOut)
	}
	for _, name := range []string{"r.json", "r.txt", "r.html"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
}

// TestRegressionCheckBadInput: every malformed input exits 2 and names the
// file (and the line, where there is one).
func TestRegressionCheckBadInput(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("good.txt", "BenchmarkX-2 10 100 ns/op\nBenchmarkX-2 10 101 ns/op\n")
	cases := []struct {
		name, path string
		want       []string
	}{
		{"missing", filepath.Join(dir, "nope.json"), []string{"nope.json"}},
		{"empty", write("empty.json", ""), []string{"empty.json", "empty"}},
		{"truncated", write("trunc.json", `{"schema": "bitnet-bench/results/v1", "cases": [`), []string{"trunc.json", "truncated"}},
		{"malformed line", write("bad.txt", "BenchmarkX-2 10 100 ns/op\nBenchmarkX-2 ten 100 ns/op\n"), []string{"bad.txt:2"}},
	}
	for _, c := range cases {
		code, _, errOut := runCLI(t, "regression-check", "--baseline", good, "--current", c.path)
		if code != exitBadInput {
			t.Errorf("%s: exit %d, want %d (%s)", c.name, code, exitBadInput, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s: error %q does not mention %q", c.name, errOut, w)
			}
		}
	}
	for _, args := range [][]string{
		{"regression-check", "--baseline", good},
		{"regression-check", "--baseline", good, "--current", good, "--threshold", "abc"},
		{"regression-check", "--baseline", good, "--current", good, "--alpha", "2"},
	} {
		if code, _, _ := runCLI(t, args...); code != exitBadInput {
			t.Errorf("%v: exit %d, want %d", args, code, exitBadInput)
		}
	}
}

// TestRegressionCheckFindsRegression: a clear 30% slowdown between one run
// per side is inconclusive (exit 3: the variance between runs is unknown),
// passes only when asked to, and exits 1 once each side has several runs.
func TestRegressionCheckFindsRegression(t *testing.T) {
	dir := t.TempDir()
	// run writes one run's file: 10 samples around center, shifted by the
	// run's own machine state.
	run := func(name string, center, shift int) string {
		var b strings.Builder
		for i := 0; i < 10; i++ {
			b.WriteString("BenchmarkKernel-2 100 " + itoa(center+shift+i) + " ns/op\n")
		}
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(b.String()), 0o644)
		return p
	}
	bp, cp := run("base.txt", 1000, 0), run("cur.txt", 1300, 0)
	code, out, errOut := runCLI(t, "regression-check", "--baseline", bp, "--current", cp, "--threshold", "5%")
	if code != exitInconclusive || !strings.Contains(out, "one run per side and no controls") || !strings.Contains(errOut, "1 inconclusive") {
		t.Fatalf("one run per side: exit %d, want %d:\n%s\n%s", code, exitInconclusive, out, errOut)
	}
	if code, _, errOut := runCLI(t, "regression-check", "--baseline", bp, "--current", cp, "--inconclusive", "pass"); code != exitOK || !strings.Contains(errOut, "passed as asked") {
		t.Fatalf("--inconclusive=pass: exit %d, want 0: %s", code, errOut)
	}
	bases := strings.Join([]string{bp, run("base2.txt", 1000, 20), run("base3.txt", 1000, -15)}, ",")
	curs := strings.Join([]string{cp, run("cur2.txt", 1300, 25), run("cur3.txt", 1300, -10)}, ",")
	code, out, _ = runCLI(t, "regression-check", "--baseline", bases, "--current", curs)
	if code != exitFailure || !strings.Contains(out, "regression") || !strings.Contains(out, "3 and 3 runs") {
		t.Fatalf("three runs a side: exit %d, want %d:\n%s", code, exitFailure, out)
	}
	if code, out, _ := runCLI(t, "regression-check", "--baseline", curs, "--current", bases); code != exitOK {
		t.Fatalf("an improvement exits %d, want 0:\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "regression-check", "--baseline", bp, "--current", cp, "--inconclusive", "maybe"); code != exitBadInput || !strings.Contains(errOut, "want fail or pass") {
		t.Fatalf("--inconclusive maybe: exit %d: %s", code, errOut)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestHelpPrintsOnceToStdout(t *testing.T) {
	for _, c := range commands {
		if c.name == "version" {
			continue
		}
		code, out, errOut := runCLI(t, c.name, "--help")
		if code != exitOK || errOut != "" || strings.Count(out, "Usage: bitnet-bench") != 1 {
			t.Errorf("%s --help: exit %d, usage printed %d times on stdout, stderr %q", c.name, code, strings.Count(out, "Usage: bitnet-bench"), errOut)
		}
	}
}

// A mistyped flag or command gets one line with the nearest name, not the
// help; --help is printed once.
func TestDidYouMean(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"compare", "--thread", "2"}, "unknown flag --thread; did you mean --threads?"},
		{[]string{"report", "--histroy", "x"}, "unknown flag --histroy; did you mean --history?"},
		{[]string{"comprae"}, `unknown command "comprae"; did you mean "compare"?`},
		{[]string{"baseline", "save", "--nmae", "x", "f.json"}, "did you mean --name?"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), &env{stdout: &stdout, stderr: &stderr}, tc.args)
		if code != exitBadInput || !strings.Contains(stderr.String(), tc.want) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line with %q", tc.args, code, stderr.String(), tc.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), &env{stdout: &stdout, stderr: &stderr}, []string{"baseline", "save", "--help"}); code != exitOK ||
		strings.Count(stdout.String()+stderr.String(), "Usage:") != 1 {
		t.Errorf("baseline save --help: exit %d, usage printed %d times", code, strings.Count(stdout.String()+stderr.String(), "Usage:"))
	}
}
