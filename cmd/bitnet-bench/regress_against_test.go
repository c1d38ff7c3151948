package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitRepo makes a throwaway module in a git repository with one benchmark
// whose cost is the constant steps, committed at 2000.
func gitRepo(t *testing.T) (dir string, setSteps func(int), git func(...string) string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir = t.TempDir()
	git = func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	setSteps = func(n int) { write("bench/steps.go", fmt.Sprintf("package bench\n\nconst steps = %d\n", n)) }
	git("init", "-q", "-b", "main")
	write("go.mod", "module example.com/against\n\ngo 1.26\n")
	write("bench/bench_test.go", `package bench

import "testing"

var sink uint64

func BenchmarkSpin(b *testing.B) {
	for b.Loop() {
		x := uint64(steps) | 1
		for i := 0; i < steps; i++ {
			x = x*6364136223846793005 + 1442695040888963407
			x ^= x >> 29
		}
		sink += x
	}
}
`)
	setSteps(2000)
	git("add", ".")
	git("commit", "-q", "-m", "init")
	return dir, setSteps, git
}

// TestRegressionCheckAgainst runs --against HEAD in a throwaway repository
// (its ./bench/ is the default package): the working tree's benchmark does
// forty times the work (so a machine as busy as a load of 12 on 2 cores,
// where one 3 ms sample can take 2.6 times another, still cannot hide it),
// which must exit 1; the worktree must be gone after.
func TestRegressionCheckAgainst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs test binaries (about 10s)")
	}
	dir, setSteps, git := gitRepo(t)
	t.Chdir(dir)
	setSteps(80000)
	raw := filepath.Join(t.TempDir(), "raw")
	md := filepath.Join(t.TempDir(), "s.md")
	code, out, errOut := runCLI(t, "regression-check", "--against", "HEAD", "--samples", "8", "--benchtime", "3ms", "--raw", raw, "--markdown", md)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitFailure, out, errOut)
	}
	if !strings.Contains(out, "Spin") || !strings.Contains(out, "regression") || !strings.HasPrefix(lastLine(out), "regression-check: 1 regression") {
		t.Errorf("output:\n%s", out)
	}
	if !strings.Contains(errOut, "round 8/8") {
		t.Errorf("no progress on stderr:\n%s", errOut)
	}
	for _, f := range []string{"baseline.txt", "current.txt"} {
		data, err := os.ReadFile(filepath.Join(raw, f))
		if err != nil || strings.Count(string(data), "BenchmarkSpin") != 8 {
			t.Errorf("%s: %v, %d samples", f, err, strings.Count(string(data), "BenchmarkSpin"))
		}
	}
	if wt := git("worktree", "list"); strings.Count(wt, "\n") != 1 {
		t.Errorf("worktrees left:\n%s", wt)
	}
	if got, _ := os.ReadFile(md); !strings.Contains(string(got), "🔴 **regression**") {
		t.Errorf("markdown:\n%s", got)
	}

	// Unchanged code, sequentially: never a regression. Whether the
	// rounds put the ratio within ±20% before the budget runs out depends
	// on the machine (a CI runner shared with 8 other jobs ran at a load
	// average of 30, ±60% per sample, and could not), so no change (0) and
	// inconclusive (3) are both honest; anything else is not.
	setSteps(2000)
	code, out, errOut = runCLI(t, "regression-check", "--against", "HEAD", "--budget", "20s", "--samples", "40", "--min-samples", "6", "--benchtime", "3ms", "--threshold", "20%")
	switch {
	case code == exitOK && strings.Contains(lastLine(out), "1 unchanged"):
	case code == exitInconclusive && strings.Contains(lastLine(out), "1 inconclusive") && strings.Contains(out, "overlaps the 20% threshold"):
	default:
		t.Errorf("unchanged: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "sequential --against") || !strings.Contains(errOut, "after 6 of ") {
		t.Errorf("not sequential:\n%s\n%s", out, errOut)
	}
}

func TestRegressionCheckAgainstErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("builds test binaries")
	}
	dir, setSteps, _ := gitRepo(t)
	t.Chdir(dir)
	tests := []struct {
		name  string
		setup func()
		args  []string
		want  []string
	}{
		{"unknown ref", func() {}, []string{"--against", "v9.9.9"}, []string{`--against v9.9.9: git ref "v9.9.9"`, "not a commit"}},
		{"working tree does not build", func() {
			os.WriteFile(filepath.Join(dir, "bench", "steps.go"), []byte("package bench\n\nconst steps = oops\n"), 0o644)
		}, []string{"--against", "HEAD"}, []string{"working tree: go test -c", "undefined: oops"}},
		{"no benchmark matches", func() { setSteps(2000) }, []string{"--against", "HEAD", "--bench", "Nothing"}, []string{"no benchmark matched -test.bench=Nothing"}},
		{"other package", func() {}, []string{"--against", "HEAD", "--package", "./none/"}, []string{"go test -c", "none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup()
			args := append([]string{"regression-check", "--samples", "2", "--benchtime", "1x"}, tt.args...)
			code, _, errOut := runCLI(t, args...)
			if code != exitBadInput {
				t.Errorf("exit %d, want %d: %s", code, exitBadInput, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, errOut)
				}
			}
		})
	}
}
