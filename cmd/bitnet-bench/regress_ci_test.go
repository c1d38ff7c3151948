package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/validate/corpus"
)

// benchText writes Go benchmark text: one line per sample of each case,
// the samples spread by a fixed ±1% pattern around center.
func benchText(cpu string, cases map[string]float64, order ...string) string {
	var b strings.Builder
	if cpu != "" {
		fmt.Fprintf(&b, "goos: linux\ngoarch: amd64\ncpu: %s\n", cpu)
	}
	spread := []float64{-0.01, 0.004, 0.009, -0.006, 0, 0.01, -0.008, 0.002, -0.003, 0.006}
	for _, name := range order {
		for _, s := range spread {
			fmt.Fprintf(&b, "Benchmark%s-2\t100\t%.1f ns/op\n", name, cases[name]*(1+s))
		}
	}
	return b.String()
}

func writeTemp(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestRegressionCheckOutputs(t *testing.T) {
	dir := t.TempDir()
	// Two runs a side, so the run-level model decides.
	base := writeTemp(t, dir, "base.txt", benchText("X", map[string]float64{"Slow": 1000, "Same": 2000, "Gone": 3000}, "Slow", "Same", "Gone")) + "," +
		writeTemp(t, dir, "base2.txt", benchText("X", map[string]float64{"Slow": 1004, "Same": 2006, "Gone": 3010}, "Slow", "Same", "Gone"))
	cur := writeTemp(t, dir, "cur.txt", benchText("X", map[string]float64{"Slow": 1200, "Same": 2000}, "Slow", "Same")) + "," +
		writeTemp(t, dir, "cur2.txt", benchText("X", map[string]float64{"Slow": 1205, "Same": 2004}, "Slow", "Same"))
	md, junit := filepath.Join(dir, "summary.md"), filepath.Join(dir, "junit.xml")
	code, out, errOut := runCLI(t, "regression-check", "--baseline", base, "--current", cur, "--markdown", md, "--junit", junit)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitFailure, out, errOut)
	}
	const verdict = "regression-check: 1 regression, 0 improvements, 1 unchanged, 0 inconclusive, 1 missing in the current run (gating sec/op, threshold 5%, alpha 0.05; 2 and 2 runs, t interval on run medians)"
	if got := lastLine(out); got != verdict {
		t.Errorf("last line %q, want %q", got, verdict)
	}
	mdText, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(mdText), "### ❌ "+verdict) || !strings.Contains(string(mdText), "🔴 **regression** | `Slow`") {
		t.Errorf("markdown:\n%s", mdText)
	}
	xmlText, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
	}
	if err := xml.Unmarshal(xmlText, &doc); err != nil || doc.Tests != 3 || doc.Failures != 1 || doc.Skipped != 1 {
		t.Errorf("junit %+v (%v):\n%s", doc, err, xmlText)
	}

	// --json keeps stdout JSON; the verdict goes to stderr.
	code, out, errOut = runCLI(t, "regression-check", "--baseline", base, "--current", cur, "--json")
	if code != exitFailure || !json.Valid([]byte(out)) || !strings.HasPrefix(errOut, verdict+"\n") || lastLine(errOut) != "regression-check: 1 regression: Slow" {
		t.Errorf("--json: exit %d, stderr %q", code, errOut)
	}

	// The summary is appended to $GITHUB_STEP_SUMMARY, written elsewhere.
	summary := writeTemp(t, dir, "step-summary.md", "# earlier step\n")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	runCLI(t, "regression-check", "--baseline", base, "--current", cur, "--markdown", summary)
	if got, _ := os.ReadFile(summary); !strings.HasPrefix(string(got), "# earlier step\n### ❌") {
		t.Errorf("step summary not appended:\n%s", got)
	}
	runCLI(t, "regression-check", "--baseline", base, "--current", cur, "--markdown", md)
	if got, _ := os.ReadFile(md); strings.Count(string(got), "### ") != 1 {
		t.Errorf("--markdown FILE appended instead of replacing:\n%s", got)
	}
}

func TestRegressionCheckMultipleFilesAndConfig(t *testing.T) {
	dir := t.TempDir()
	// Three baseline and three current runs (files), merged: 30 samples
	// a side, four degrees of freedom for the spread between runs.
	b1 := writeTemp(t, dir, "b1.txt", benchText("X", map[string]float64{"Kernel/A": 1000, "Other": 500}, "Kernel/A", "Other"))
	b2 := writeTemp(t, dir, "b2.txt", benchText("X", map[string]float64{"Kernel/A": 1001, "Other": 501}, "Kernel/A", "Other"))
	b3 := writeTemp(t, dir, "b3.txt", benchText("X", map[string]float64{"Kernel/A": 999, "Other": 499}, "Kernel/A", "Other"))
	c1 := writeTemp(t, dir, "c1.txt", benchText("X", map[string]float64{"Kernel/A": 1035, "Other": 540}, "Kernel/A", "Other"))
	c2 := writeTemp(t, dir, "c2.txt", benchText("X", map[string]float64{"Kernel/A": 1036, "Other": 541}, "Kernel/A", "Other"))
	c3 := writeTemp(t, dir, "c3.txt", benchText("X", map[string]float64{"Kernel/A": 1034, "Other": 539}, "Kernel/A", "Other"))
	cfg := writeTemp(t, dir, "cfg.json", `{"thresholds": [{"match": "^Kernel/", "threshold": "2%"}], "default": "10%"}`)

	// +3.5% and +8%: under the 5% default only Other regresses...
	code, out, errOut := runCLI(t, "regression-check", "--baseline", b1+","+b2+","+b3, "--current", c1, "--current", c2, "--current", c3)
	if code != exitFailure || !strings.Contains(out, "p=0.000 n=30") || !strings.Contains(lastLine(out), "1 regression, 0 improvements, 1 unchanged") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	// ...with the config only Kernel/A (2%) does; Other has 10%.
	code, out, _ = runCLI(t, "regression-check", "--baseline", b1+","+b2+","+b3, "--current", c1+","+c2+","+c3, "--config", cfg)
	if code != exitFailure || !strings.Contains(out, "threshold 2% (config)") || !strings.Contains(lastLine(out), "threshold 10%, 1 case with their own from the config") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Other") && !strings.Contains(l, "no change") || strings.HasPrefix(l, "Kernel/A") && !strings.Contains(l, "regression") {
			t.Errorf("row %q", l)
		}
	}
	// --threshold overrides the config's default.
	code, out, _ = runCLI(t, "regression-check", "--baseline", b1+","+b2+","+b3, "--current", c1+","+c2+","+c3, "--config", cfg, "--threshold", "5%")
	if code != exitFailure || !strings.Contains(lastLine(out), "2 regressions") {
		t.Errorf("--threshold with --config: exit %d\n%s", code, out)
	}
}

func TestRegressionCheckBadUsage(t *testing.T) {
	dir := t.TempDir()
	good := writeTemp(t, dir, "good.txt", benchText("X", map[string]float64{"A": 1000}, "A"))
	other := writeTemp(t, dir, "other.txt", benchText("Y", map[string]float64{"A": 1000}, "A"))
	badCfg := writeTemp(t, dir, "bad.json", `{"thresholds": [], "defualt": "5%"}`)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no mode", []string{}, "give exactly one of"},
		{"two modes", []string{"--baseline", good, "--against", "HEAD", "--current", good}, "give exactly one of"},
		{"no current", []string{"--baseline", good}, "--current is required"},
		{"same file twice", []string{"--baseline", good + "," + good, "--current", good}, "given twice"},
		{"two machines on one side", []string{"--baseline", good + "," + other, "--current", good}, "measured on another machine"},
		{"config unknown key", []string{"--baseline", good, "--current", good, "--config", badCfg}, `unknown key "defualt"`},
		{"config missing", []string{"--baseline", good, "--current", good, "--config", filepath.Join(dir, "none.json")}, "none.json"},
		{"strict mismatch", []string{"--baseline", other, "--current", good, "--strict"}, `--strict: the baseline`},
		{"write-config without calibrate", []string{"--baseline", good, "--current", good, "--write-config", "x.json"}, "--write-config goes with --calibrate"},
		{"samples", []string{"--against", "HEAD", "--samples", "1"}, "--samples 1"},
		{"against with current", []string{"--against", "HEAD", "--current", good}, "--current does not apply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"regression-check"}, tt.args...)...)
			if code != exitBadInput || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d (want %d), stderr %q, want %q\n%s", code, exitBadInput, errOut, tt.want, out)
			}
		})
	}
}

// TestRegressionCheckMachineMismatch: across machines the comparison runs
// with a loud warning on stderr, in the table and in the Markdown.
func TestRegressionCheckMachineMismatch(t *testing.T) {
	dir := t.TempDir()
	base := writeTemp(t, dir, "base.txt", benchText("CPU One", map[string]float64{"A": 1000}, "A"))
	cur := writeTemp(t, dir, "cur.txt", benchText("CPU Two", map[string]float64{"A": 1000}, "A"))
	md := filepath.Join(dir, "s.md")
	code, out, errOut := runCLI(t, "regression-check", "--baseline", base, "--current", cur, "--markdown", md)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "*** WARNING:") || !strings.Contains(errOut, `CPU "CPU One" vs "CPU Two"`) {
		t.Errorf("stderr lacks the warning:\n%s", errOut)
	}
	if !strings.Contains(out, "warning: MACHINE MISMATCH") || !strings.Contains(lastLine(out), "MACHINE MISMATCH") {
		t.Errorf("stdout:\n%s", out)
	}
	if got, _ := os.ReadFile(md); !strings.Contains(string(got), "> [!WARNING]") {
		t.Errorf("markdown lacks the warning:\n%s", got)
	}
}

func TestRegressionCheckCalibrateFiles(t *testing.T) {
	dir := t.TempDir()
	// Four runs: Quiet's medians agree within 0.2%; Drifty's move by up
	// to 3x between runs, which no threshold below 100% covers; such a
	// recommendation is written too, not dropped.
	var files []string
	for r := 0; r < 4; r++ {
		var b strings.Builder
		fmt.Fprintf(&b, "cpu: X\n")
		for i := 0; i < 10; i++ {
			fmt.Fprintf(&b, "BenchmarkQuiet-2 100 %d ns/op\n", 1000+r+i%3)
			fmt.Fprintf(&b, "BenchmarkDrifty-2 100 %d ns/op\n", []int{1000, 3000, 1200, 900}[r]+i)
		}
		files = append(files, writeTemp(t, dir, fmt.Sprintf("run%d.txt", r), b.String()))
	}
	cfgPath := filepath.Join(dir, "thresholds.json")
	code, out, errOut := runCLI(t, "regression-check", "--calibrate", "--current", strings.Join(files, ","), "--write-config", cfgPath)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "between-run sd") || !strings.HasPrefix(lastLine(out), "calibrate: 2 rows from separate runs; largest recommendation") {
		t.Errorf("output:\n%s", out)
	}
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Thresholds []struct{ Match, Threshold string }
		Default    string
	}
	if err := json.Unmarshal(data, &cfg); err != nil || cfg.Default != "5%" || len(cfg.Thresholds) != 2 ||
		cfg.Thresholds[0].Match != "^Quiet$" || cfg.Thresholds[0].Threshold != "1%" ||
		cfg.Thresholds[1].Match != "^Drifty$" || !strings.HasSuffix(cfg.Thresholds[1].Threshold, "%") {
		t.Fatalf("config %+v (%v):\n%s", cfg, err, data)
	}
	if th, _ := strconv.ParseFloat(strings.TrimSuffix(cfg.Thresholds[1].Threshold, "%"), 64); th < 100 {
		t.Errorf("Drifty's recommendation %s%%: want >= 100%%", cfg.Thresholds[1].Threshold)
	}
	// The written config is accepted by --config.
	if code, _, errOut := runCLI(t, "regression-check", "--baseline", files[0], "--current", files[1], "--config", cfgPath); code == exitBadInput {
		t.Errorf("--config with the written file: exit %d: %s", code, errOut)
	}
	// One file is one run: it cannot show between-run noise.
	code, _, errOut = runCLI(t, "regression-check", "--calibrate", "--current", files[0])
	if code != exitBadInput || !strings.Contains(errOut, "at least 3 files") {
		t.Errorf("one file: exit %d: %s", code, errOut)
	}
}

// TestRegressionCheckValidatePool evaluates a small hand-made pool: a
// corpus of one case whose unchanged runs sit near 1000 ns/op and whose
// +50% runs near 1500, so no A/A comparison is a regression and every +50%
// one is, where the mode can tell (not one run a side of one case).
func TestRegressionCheckValidatePool(t *testing.T) {
	dir := t.TempDir()
	c := corpus.Corpus{Dir: dir, Cases: []corpus.Case{{Package: "example.com/p", Bench: "BenchmarkX"}},
		NsPerOp: map[string]float64{"example.com/p.BenchmarkX": 1000},
		Variants: []corpus.Variant{{Name: "A"}, {Name: "+50%", Slowdown: 0.5,
			Injected: map[string]float64{"example.com/p.BenchmarkX": 0.5}, InjectedSpread: map[string]float64{"example.com/p.BenchmarkX": 0.01}}}}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	writeTemp(t, dir, "corpus.json", string(data))
	run := func(kind, label string, round, count int, ns float64) {
		var b strings.Builder
		for i := 0; i < count; i++ {
			fmt.Fprintf(&b, "BenchmarkX-2 100 %.0f ns/op\n", ns+float64(i%5))
		}
		d := filepath.Join(dir, "pool", kind, label)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		writeTemp(t, d, fmt.Sprintf("%05d-example_com_p.txt", round), b.String())
	}
	for r := 0; r < 12; r++ {
		run("file", "A", r, 10, 1000)
		run("file", "A2", r, 10, 1001)
		run("file", "p50pct", r, 10, 1500)
	}
	for r := 0; r < 12; r++ {
		run("interleaved", "A", r, 1, 1000+float64(r))
		run("interleaved", "A2", r, 1, 1001+float64(r))
		run("interleaved", "p50pct", r, 1, 1500+float64(r))
	}
	code, out, errOut := runCLI(t, "regression-check", "--validate", "--pool", dir, "--duration", "0", "--window", "6")
	if code != exitOK && code != exitFailure {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		`file mode, one run per side +A/A +0.0% \(0/11\)`,
		// One case, one run a side, no controls: nothing bounds how far
		// the machine moved between the runs, so +50% is inconclusive,
		// not a regression (baselines/stats); the history and --against
		// decide it.
		`file mode, one run per side +\+50% +0.0% \(0/11\)`,
		`file mode, baseline history of 5 runs +\+50% +100.0% \(2/2\)`,
		`file mode, baseline history of 5 runs +A/A +0.0% \(0/2\)`,
		`--against +A/A +0.0% \(0/2\)`,
		`--against +\+50% +100.0% \(2/2\)`,
		`\+50%: in the pool \(sec/op\)`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if l := lastLine(out); !strings.HasPrefix(l, "validate: ") {
		t.Errorf("last line %q", l)
	}
	if code, _, _ := runCLI(t, "regression-check", "--validate", "--window", "1"); code != exitBadInput {
		t.Errorf("--window 1: exit %d", code)
	}
}
