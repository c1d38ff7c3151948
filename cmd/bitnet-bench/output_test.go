package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/internal/fileset"
)

var tinyCompare = []string{"compare", "--quiet", "--operations", "relu", "--sizes", "8x8", "--batch", "1",
	"--warmup", "1ms", "--sample-time", "1ms", "--roofline=false", "--energy=false"}

// runIDs reads the run id each of the three files in dir carries.
func runIDs(t *testing.T, dir string) (jsonID, txtID, htmlID string) {
	t.Helper()
	f, err := results.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	txt, err := os.ReadFile(filepath.Join(dir, "results.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?m)^` + results.RunLinePrefix + `(\S+)$`).FindSubmatch(txt); m != nil {
		txtID = string(m[1])
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`<meta name="bitnet-bench-run" content="([^"]+)">`).FindSubmatch(html); m != nil {
		htmlID = string(m[1])
	}
	return f.RunID, txtID, htmlID
}

// TestCompareOutputIsOneRun: the three files name the same run, a second
// run replaces all three, and a file of the user's beside them is kept.
func TestCompareOutputIsOneRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var first string
	for i := 0; i < 2; i++ {
		if code, _, errOut := runCLI(t, append(tinyCompare, "--output", dir)...); code != exitOK {
			t.Fatalf("compare: exit %d: %s", code, errOut)
		}
		j, x, h := runIDs(t, dir)
		if j == "" || j != x || j != h {
			t.Fatalf("run ids: results.json %q, results.txt %q, report.html %q; want one id", j, x, h)
		}
		if i == 0 {
			first = j
			os.WriteFile(filepath.Join(dir, "notes.md"), []byte("mine"), 0o644)
		} else if j == first {
			t.Fatalf("the second run kept the first run's id %s", j)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "notes.md")); err != nil || string(b) != "mine" {
		t.Fatalf("the user's file beside the results: %q, %v", b, err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm()&0o055 == 0 {
		t.Fatalf("output directory mode %v, %v: want it readable by others as mkdir makes it", fi.Mode(), err)
	}
}

// TestCompareWriteFailureKeepsTheRun: when the write fails after the run,
// the run is saved in a temporary directory that the error names (exit 3),
// and the previous set in the output is left whole.
func TestCompareWriteFailureKeepsTheRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if code, _, errOut := runCLI(t, append(tinyCompare, "--output", dir)...); code != exitOK {
		t.Fatalf("compare: exit %d: %s", code, errOut)
	}
	oldID, _, _ := runIDs(t, dir)
	commitOutput = func(*fileset.Writer, []fileset.File) error { return errors.New("no space left on device") }
	defer func() { commitOutput = (*fileset.Writer).Commit }()
	code, _, errOut := runCLI(t, append(tinyCompare, "--output", dir)...)
	if code != exitIO {
		t.Fatalf("exit %d, want %d: %s", code, exitIO, errOut)
	}
	m := regexp.MustCompile(`saved in (\S+) instead`).FindStringSubmatch(errOut)
	if m == nil || !strings.Contains(errOut, "no space left on device") {
		t.Fatalf("stderr does not say why and where the run went: %s", errOut)
	}
	defer os.RemoveAll(m[1])
	j, x, h := runIDs(t, m[1])
	if j == "" || j != x || j != h || j == oldID {
		t.Fatalf("saved set: run ids %q %q %q (old %q)", j, x, h, oldID)
	}
	if j, x, h := runIDs(t, dir); j != oldID || x != oldID || h != oldID {
		t.Fatalf("the old set was touched: %q %q %q, want %q", j, x, h, oldID)
	}
}

// TestCompareUnwritableOutputFailsFirst: an output that cannot be written
// is found before anything runs (exit 3); one that is not a directory is
// bad usage (exit 2).
func TestCompareUnwritableOutputFailsFirst(t *testing.T) {
	type outCase struct {
		output string
		code   int
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	cases := []outCase{{file, exitBadInput}, {filepath.Join(file, "out"), exitBadInput}}
	if _, err := os.Stat("/proc/self"); err == nil { // /proc takes no new entries, even from root
		cases = append(cases, outCase{"/proc/bitnet-bench-out", exitIO}, outCase{"/proc/bitnet-bench-out.json", exitIO})
	}
	if os.Geteuid() != 0 { // root writes through mode bits
		ro := filepath.Join(t.TempDir(), "ro")
		os.Mkdir(ro, 0o555)
		cases = append(cases, outCase{filepath.Join(ro, "out"), exitIO})
	}
	for _, tc := range cases {
		args := append([]string{"compare", "--quiet=false"}, tinyCompare[2:]...)
		code, _, errOut := runCLI(t, append(args, "--output", tc.output)...)
		ran := strings.Contains(errOut, "cases on")
		if code != tc.code || ran {
			t.Errorf("--output %s: exit %d (want %d), ran the cases: %v\n%s", tc.output, code, tc.code, ran, errOut)
		}
	}
}

// TestUnwritableOutputsAgree: every command refuses an output it cannot
// write the same way, before doing the work: exit 3 (exit 2 when a file
// stands where its directory should be).
func TestUnwritableOutputsAgree(t *testing.T) {
	if _, err := os.Stat("/proc/self"); err != nil {
		t.Skip("needs /proc, which takes no new files even from root")
	}
	dir := filepath.Join(t.TempDir(), "out")
	if code, _, errOut := runCLI(t, append(tinyCompare, "--output", dir)...); code != exitOK {
		t.Fatalf("compare: exit %d: %s", code, errOut)
	}
	res := filepath.Join(dir, "results.json")
	file := filepath.Join(dir, "results.txt") // a file, used as a directory below
	for _, out := range []struct {
		path string
		code int
	}{{"/proc/bitnet-bench-x", exitIO}, {filepath.Join(file, "x"), exitBadInput}} {
		for _, args := range [][]string{
			{"report", "--input", res, "--output", out.path + ".html"},
			{"report", "--history", res, "--output", out.path + ".html"},
			{"regression-check", "--baseline", res, "--current", res, "--junit", out.path + ".xml"},
			{"regression-check", "--baseline", res, "--current", res, "--markdown", out.path + ".md"},
			{"energy-analysis", "--duration", "1s", "--output", out.path + ".json"},
		} {
			code, stdout, errOut := runCLI(t, args...)
			if code != out.code || stdout != "" || !strings.Contains(errOut, out.path) {
				t.Errorf("%v: exit %d (want %d), stdout %q, stderr %q", args, code, out.code, stdout, errOut)
			}
		}
	}
}

// TestBOMReadAlike: report and regression-check take a results.json with a
// byte order mark alike (report refused it, regression-check read it).
func TestBOMReadAlike(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if code, _, errOut := runCLI(t, append(tinyCompare, "--output", dir)...); code != exitOK {
		t.Fatalf("compare: exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	bom := filepath.Join(t.TempDir(), "bom.json")
	os.WriteFile(bom, append([]byte(results.BOM), data...), 0o644)
	if code, _, errOut := runCLI(t, "report", "--input", bom, "--output", filepath.Join(t.TempDir(), "r.html")); code != exitOK {
		t.Errorf("report: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "regression-check", "--baseline", bom, "--current", bom); code != exitOK {
		t.Errorf("regression-check: exit %d: %s", code, errOut)
	}
}

// TestStoreThatIsAFile: --store naming a file is bad usage (exit 2) for
// every command that takes it (it was exit 1).
func TestStoreThatIsAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "store")
	os.WriteFile(file, []byte("not a store"), 0o644)
	in := filepath.Join("..", "..", "baselines", "input", "testdata", "gotest.txt")
	for _, args := range [][]string{
		{"baseline", "save", "--name", "main", "--store", file, in},
		{"baseline", "list", "--store", file},
		{"baseline", "show", "main", "--store", file},
		{"regression-check", "--baseline-name", "main", "--current", in, "--store", file},
	} {
		code, _, errOut := runCLI(t, args...)
		if code != exitBadInput || !strings.Contains(errOut, file+" is not a directory") {
			t.Errorf("%v: exit %d (want %d): %s", args, code, exitBadInput, errOut)
		}
	}
	t.Setenv("BITNET_BENCH_STORE", file)
	if code, _, errOut := runCLI(t, "baseline", "list"); code != exitBadInput || !strings.Contains(errOut, "BITNET_BENCH_STORE") {
		t.Errorf("$BITNET_BENCH_STORE a file: exit %d: %s", code, errOut)
	}
}
