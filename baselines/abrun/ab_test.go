package abrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
)

// abRepo is a throwaway git repository holding a Go module with one
// benchmark whose cost is a constant changed between commits.
type abRepo struct {
	t   *testing.T
	dir string
}

func newABRepo(t *testing.T) *abRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	r := &abRepo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	r.write("go.mod", "module example.com/abtest\n\ngo 1.26\n")
	r.write("work/work_test.go", `package work

import "testing"

var sink uint64

func spin(n int) uint64 {
	x := uint64(n) | 1
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		x ^= x >> 29
	}
	return x
}

func BenchmarkSpin(b *testing.B) {
	for b.Loop() {
		sink += spin(steps)
	}
}

func BenchmarkFixed(b *testing.B) {
	for b.Loop() {
		sink += spin(1000)
	}
}
`)
	r.setSteps(2000)
	r.git("add", ".")
	r.commit("two thousand steps")
	return r
}

func (r *abRepo) write(name, body string) {
	r.t.Helper()
	p := filepath.Join(r.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *abRepo) setSteps(n int) {
	r.write("work/steps.go", fmt.Sprintf("package work\n\nconst steps = %d\n", n))
}

func (r *abRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *abRepo) commit(msg string) {
	r.git("-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-a", "-m", msg)
}

// worktrees counts the repository's worktrees, the main one included.
func (r *abRepo) worktrees() int {
	return strings.Count(r.git("worktree", "list", "--porcelain"), "worktree ")
}

func (r *abRepo) config(rounds int) Config {
	return Config{Dir: r.dir, Ref: "HEAD", Package: "./work/", BenchTime: "3ms", Rounds: rounds}
}

func TestRunAB(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two test binaries")
	}
	r := newABRepo(t)
	// The working tree does forty times the work: the test is of the
	// machinery, and must pass on a machine busy with other work.
	r.setSteps(80000)
	start := time.Now()
	res, err := Run(context.Background(), r.config(10))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Run took %v", time.Since(start))
	if r.worktrees() != 1 {
		t.Errorf("the worktree was not removed:\n%s", r.git("worktree", "list"))
	}
	if res.BaseCommit != r.git("rev-parse", "HEAD") {
		t.Errorf("BaseCommit %s", res.BaseCommit)
	}
	for _, in := range []*input.Input{res.Base, res.Current} {
		for _, name := range []string{"Spin", "Fixed"} {
			if cd := in.Cases[name]; cd == nil || len(cd.Samples[input.UnitSecPerOp]) != 10 {
				t.Fatalf("%s: case %s: %+v, want 10 samples", in.File, name, cd)
			}
		}
	}
	cmp, err := stats.Compare(res.Base, res.Current, stats.Options{Paired: true})
	if err != nil {
		t.Fatal(err)
	}
	spin := rowOf(t, cmp, "Spin", input.UnitSecPerOp)
	if spin.Verdict != stats.Regression || spin.Ratio < 5 {
		t.Errorf("Spin: %q ratio %.3f [%.3f, %.3f] p=%.4f, want a regression of about 40x", spin.Verdict, spin.Ratio, spin.RatioLo, spin.RatioHi, spin.P)
	}
	if fixed := rowOf(t, cmp, "Fixed", input.UnitSecPerOp); fixed.Verdict == stats.Regression || fixed.Verdict == stats.Improvement {
		// Possible, though rare, on a busy machine: report it.
		t.Logf("Fixed: %q ratio %.3f [%.3f, %.3f], want no change", fixed.Verdict, fixed.Ratio, fixed.RatioLo, fixed.RatioHi)
	}
	if d := cmp.MachineMismatch; len(d) > 0 {
		t.Errorf("both sides ran here, yet the machines differ: %q", d)
	}
}

// TestRunABSequentialPlan: with a budget, the first look plans the rounds
// the budget holds at the pace so far, every look is told that plan and
// the previous look, and the run ends within the plan.
func TestRunABSequentialPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two test binaries")
	}
	r := newABRepo(t)
	cfg := r.config(100000)
	cfg.Bench = "Fixed"
	cfg.MinRounds, cfg.Budget = 4, 3*time.Second
	var looks []Look
	cfg.Decide = func(l Look, base, cur []byte) (bool, error) {
		looks = append(looks, l)
		if got := bytes.Count(base, []byte("BenchmarkFixed")); got != l.Rounds {
			t.Errorf("look after %d rounds got %d baseline samples", l.Rounds, got)
		}
		return false, nil
	}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Planned >= cfg.Rounds || res.Planned < 5 || res.Rounds > res.Planned {
		t.Fatalf("planned %d of %d rounds, ran %d: want a plan from the budget's pace", res.Planned, cfg.Rounds, res.Rounds)
	}
	if len(looks) == 0 || looks[0].Rounds != 4 || looks[0].Prev != 0 {
		t.Fatalf("looks %+v: want the first after 4 rounds", looks)
	}
	want := Looks(4, res.Planned)
	for i, l := range looks {
		if l.Planned != res.Planned || l.Rounds != want[i] || l.Rounds != res.Looks[i] || i > 0 && l.Prev != looks[i-1].Rounds {
			t.Errorf("look %d: %+v; plan %d, looks %v, result's looks %v", i, l, res.Planned, want, res.Looks)
		}
	}
}

func TestRunABErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("builds test binaries")
	}
	r := newABRepo(t)
	r.write("work/steps.go", "package work\n\nconst steps = \n") // does not compile
	r.commit("broken")
	r.setSteps(2000)
	tests := []struct {
		name string
		cfg  func(*Config)
		want []string
	}{
		{"unknown ref", func(c *Config) { c.Ref = "no-such-branch" }, []string{`git ref "no-such-branch"`, "not a commit"}},
		{"ref does not build", func(c *Config) {}, []string{"baseline (HEAD at", "go test -c", "steps.go"}},
		{"working tree does not build", func(c *Config) {
			c.Ref = "HEAD~1"
			r.write("work/steps.go", "package work\n\nconst steps = x\n")
		}, []string{"working tree", "go test -c", "undefined: x"}},
		{"no benchmark matches", func(c *Config) { c.Ref = "HEAD~1"; r.setSteps(2000); c.Bench = "NoSuch" }, []string{"no benchmark matched -test.bench=NoSuch"}},
		{"no such package", func(c *Config) { c.Ref = "HEAD~1"; c.Package = "./nope/" }, []string{"go test -c", "nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := r.config(2)
			tt.cfg(&cfg)
			_, err := Run(context.Background(), cfg)
			if err == nil {
				t.Fatal("no error")
			}
			var ae *Error
			if !errors.As(err, &ae) {
				t.Errorf("error %v (%T) is not an *Error", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
			if n := r.worktrees(); n != 1 {
				t.Errorf("%d worktrees left", n)
			}
		})
	}
}

// TestRunABInterrupted cancels the run while the binaries are running: the
// worktree must still be removed.
func TestRunABInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds test binaries")
	}
	r := newABRepo(t)
	cfg := r.config(1000)
	cfg.BenchTime = "50ms"
	ctx, cancel := context.WithCancel(context.Background())
	logged := make(chan struct{}, 1)
	cfg.Log = logFunc(func(line string) {
		if strings.Contains(line, "round 1/") {
			select {
			case logged <- struct{}{}:
			default:
			}
		}
	})
	go func() { <-logged; cancel() }()
	_, err := Run(ctx, cfg)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if n := r.worktrees(); n != 1 {
		t.Errorf("%d worktrees left after the interrupt:\n%s", n, r.git("worktree", "list"))
	}
}

type logFunc func(string)

func (f logFunc) Write(p []byte) (int, error) { f(string(p)); return len(p), nil }

func TestRunAA(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a test binary")
	}
	r := newABRepo(t)
	a, b, err := RunAA(context.Background(), Config{Dir: r.dir, Package: "./work/", Bench: "Spin", BenchTime: "2ms", Rounds: 6})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []*input.Input{a, b} {
		if cd := in.Cases["Spin"]; cd == nil || len(cd.Samples[input.UnitSecPerOp]) != 6 {
			t.Errorf("%s: Spin samples %+v, want 6 sec/op", in.File, cd)
		}
	}
}

func rowOf(t *testing.T, c *stats.Comparison, name, unit string) stats.Row {
	t.Helper()
	for _, r := range c.Rows {
		if r.Name == name && r.Unit == unit {
			return r
		}
	}
	t.Fatalf("no row %s %s", name, unit)
	return stats.Row{}
}

func TestLooks(t *testing.T) {
	if got := Looks(10, 60); !slices.Equal(got, []int{10, 15, 23, 35, 53, 60}) {
		t.Errorf("Looks(10, 60) = %v", got)
	}
	if got := Looks(10, 10); !slices.Equal(got, []int{10}) {
		t.Errorf("Looks(10, 10) = %v", got)
	}
}
