// Package abrun runs A/B comparisons of Go benchmarks: the baseline built
// from a git ref (checked out in a temporary git worktree), the current
// side from the working tree, the two test binaries run interleaved so
// the machine's drift falls on both sides alike.
package abrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
)

// Config sets up an A/B run of a Go benchmark package: the baseline built
// from a git ref, the current side from the working tree.
type Config struct {
	// Dir is a directory of the working tree, where Package is resolved
	// ("." when empty). The same relative directory is used in the ref's
	// checkout.
	Dir string
	// Ref is the git ref of the baseline (a branch, tag, commit, HEAD~1).
	Ref string
	// Package is the package whose benchmarks run, as go test takes it
	// ("./bench/").
	Package string
	// Bench is the -test.bench regular expression (".").
	Bench string
	// BenchTime is -test.benchtime, the length of one sample ("" leaves go
	// test's 1s).
	BenchTime string
	// Rounds is the number of samples per side (stats.DefaultSamples): each
	// round runs both binaries once, A then B or B then A in turn. With
	// Decide it is the most rounds a sequential run takes.
	Rounds int
	// Decide, when not nil, makes the run sequential: after the rounds
	// Looks(MinRounds, Look.Planned) lists (but not after the last
	// round, which the caller judges from Result), it gets each side's
	// output so far and returns true to stop (every case decided).
	Decide func(look Look, base, cur []byte) (stop bool, err error)
	// MinRounds is the first look of a sequential run (10 when 0).
	MinRounds int
	// Budget, when not 0, stops a sequential run before a round that
	// would end after it (the rounds so far are kept).
	Budget time.Duration
	// Short passes -test.short.
	Short bool
	// Go is the go command ("go").
	Go string
	// Log gets progress lines; nil for none.
	Log io.Writer
	// Timeout bounds each run of a benchmark binary (10m).
	Timeout time.Duration
}

// Error is a failure of the A/B machinery: git, the build or a benchmark
// binary. It names the side, the command and what it printed.
type Error struct {
	Side    string // "baseline (REF)", "working tree", "git"
	Command string
	Dir     string
	Stderr  string
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Side, e.Command)
	if e.Dir != "" {
		fmt.Fprintf(&b, " (in %s)", e.Dir)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	if s := strings.TrimSpace(e.Stderr); s != "" {
		if len(s) > 4000 {
			s = "..." + s[len(s)-4000:]
		}
		b.WriteString("\n" + s)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Look is where a sequential run stands when Decide is called.
type Look struct {
	Rounds int // rounds run so far
	Prev   int // rounds at the previous look (0 at the first)
	// Planned is the most rounds the run will take: Config.Rounds, or,
	// with a Budget, as many as the first look's pace says the budget
	// holds. It is fixed at the first look, from timing alone, so that
	// an error rate can be spent over the looks (stats.LookAlpha).
	Planned int
}

// Result is the output of an A/B run.
type Result struct {
	Base, Current         *input.Input
	BaseText, CurrentText []byte // the raw Go benchmark text of each side
	BaseCommit            string // the commit Ref resolved to
	Rounds                int    // rounds run (fewer than Config.Rounds when a sequential run stopped early)
	// Looks lists the rounds at which Decide was called, and Planned
	// the most rounds the sequential run planned (Look.Planned);
	// Rounds above the last look means the run ended on the budget or
	// the plan and the caller's verdict is one more look.
	Looks   []int
	Planned int
}

func (c *Config) defaults() {
	if c.Dir == "" {
		c.Dir = "."
	}
	if c.Package == "" {
		c.Package = "./bench/"
	}
	if c.Bench == "" {
		c.Bench = "."
	}
	if c.Rounds == 0 {
		c.Rounds = stats.DefaultSamples
	}
	if c.Go == "" {
		c.Go = "go"
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Minute
	}
	if c.MinRounds == 0 {
		c.MinRounds = min(10, c.Rounds)
	}
}

// Looks lists the round counts at which a sequential run of at most max
// rounds looks at its data: first, then each about 1.5 times the last,
// and max. Few looks keep the correction for looking several times small
// (see regression-check --budget).
func Looks(first, max int) []int {
	var out []int
	for n := first; n < max; n = int(math.Ceil(float64(n) * 1.5)) {
		out = append(out, n)
	}
	return append(out, max)
}

func (c *Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

// Run builds the benchmark package at Ref (checked out with git worktree
// add --detach into a temporary directory) and in the working tree, runs the
// two test binaries alternately for Rounds rounds, one sample of every
// selected benchmark per run, and parses each side's output. The worktree
// and the binaries are removed before it returns, also when ctx is
// cancelled (an interrupt).
func Run(ctx context.Context, cfg Config) (res *Result, err error) {
	cfg.defaults()
	if cfg.Ref == "" {
		return nil, errors.New("Run: no ref")
	}
	if cfg.Rounds < 2 {
		return nil, fmt.Errorf("Run: %d rounds: want at least 2", cfg.Rounds)
	}
	top, err := gitOut(ctx, cfg.Dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if real, err := filepath.EvalSymlinks(top); err == nil {
		top = real
	}
	rel, err := filepath.Rel(top, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("%s is not inside the git work tree %s", cfg.Dir, top)
	}
	commit, err := gitOut(ctx, top, "rev-parse", "--verify", "--quiet", cfg.Ref+"^{commit}")
	if err != nil {
		var ae *Error
		if errors.As(err, &ae) {
			ae.Side = fmt.Sprintf("git ref %q", cfg.Ref)
			ae.Err = fmt.Errorf("not a commit in %s: %w", top, ae.Err)
		}
		return nil, err
	}

	tmp, err := os.MkdirTemp("", "bitnet-bench-ab-")
	if err != nil {
		return nil, err
	}
	tree := filepath.Join(tmp, "ref")
	defer func() {
		// Clean up even after an interrupt: ctx is done then, so use a
		// fresh one.
		cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, statErr := os.Stat(tree); statErr == nil {
			if _, rmErr := gitOut(cctx, top, "worktree", "remove", "--force", tree); rmErr != nil && err == nil {
				err = rmErr
			}
		}
		os.RemoveAll(tmp)
		gitOut(cctx, top, "worktree", "prune")
	}()
	cfg.logf("regression-check: checking out %s (%s) in %s", cfg.Ref, short(commit), tree)
	if _, err := gitOut(ctx, top, "worktree", "add", "--detach", tree, commit); err != nil {
		return nil, err
	}

	baseSide := fmt.Sprintf("baseline (%s at %s)", cfg.Ref, short(commit))
	bins := [2]string{filepath.Join(tmp, "base.test"), filepath.Join(tmp, "current.test")}
	dirs := [2]string{filepath.Join(tree, rel), abs}
	sides := [2]string{baseSide, "working tree"}
	for i := range bins {
		cfg.logf("regression-check: building %s of the %s", cfg.Package, sides[i])
		if err := buildTest(ctx, cfg, sides[i], dirs[i], bins[i]); err != nil {
			return nil, err
		}
	}
	// The binaries run in their package's directory, as go test runs them.
	pkgDirs := [2]string{}
	for i := range pkgDirs {
		d, err := packageDir(ctx, cfg, sides[i], dirs[i])
		if err != nil {
			return nil, err
		}
		pkgDirs[i] = d
	}
	seq, err := runInterleaved(ctx, cfg, bins, pkgDirs, sides)
	if err != nil {
		return nil, err
	}
	res = &Result{BaseText: seq.out[0], CurrentText: seq.out[1], BaseCommit: commit, Rounds: seq.rounds, Looks: seq.looks, Planned: seq.planned}
	if res.Base, err = input.ParseInput(seq.out[0], baseSide); err != nil {
		return nil, err
	}
	if res.Current, err = input.ParseInput(seq.out[1], "working tree"); err != nil {
		return nil, err
	}
	return res, nil
}

// RunAA builds the working tree's benchmark package once and runs it
// 2×Rounds times, assigning the runs alternately to A and B, for
// calibration.
func RunAA(ctx context.Context, cfg Config) (a, b *input.Input, err error) {
	cfg.defaults()
	abs, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, nil, err
	}
	tmp, err := os.MkdirTemp("", "bitnet-bench-aa-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "aa.test")
	cfg.logf("regression-check: building %s of the working tree", cfg.Package)
	if err := buildTest(ctx, cfg, "working tree", abs, bin); err != nil {
		return nil, nil, err
	}
	dir, err := packageDir(ctx, cfg, "working tree", abs)
	if err != nil {
		return nil, nil, err
	}
	seq, err := runInterleaved(ctx, cfg, [2]string{bin, bin}, [2]string{dir, dir}, [2]string{"A", "B"})
	if err != nil {
		return nil, nil, err
	}
	if a, err = input.ParseInput(seq.out[0], "A"); err != nil {
		return nil, nil, err
	}
	if b, err = input.ParseInput(seq.out[1], "B"); err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

// sequence is what runInterleaved ran: each side's concatenated output,
// the rounds, the rounds at each look and the rounds planned.
type sequence struct {
	out     [2][]byte
	rounds  int
	looks   []int
	planned int
}

// runInterleaved runs the two binaries Rounds times each, A B in even
// rounds and B A in odd ones, so a drift of the machine falls on both sides
// alike. With cfg.Decide it stops early: at a look where Decide says so, or
// before a round that would overrun cfg.Budget. With a Budget, the first
// look fixes the plan (Look.Planned): Rounds, or the rounds the budget
// holds at the pace of the rounds so far, whichever is fewer.
func runInterleaved(ctx context.Context, cfg Config, bins, dirs, sides [2]string) (seq sequence, err error) {
	args := []string{"-test.run=^$", "-test.bench=" + cfg.Bench, "-test.count=1"}
	if cfg.BenchTime != "" {
		args = append(args, "-test.benchtime="+cfg.BenchTime)
	}
	if cfg.Short {
		args = append(args, "-test.short")
	}
	seq.planned = cfg.Rounds
	looks := lookSet(cfg.MinRounds, seq.planned, cfg.Decide != nil)
	start := time.Now()
	var last time.Duration
	for r := 0; r < seq.planned; r++ {
		seq.rounds = r
		if cfg.Decide != nil && cfg.Budget > 0 && r >= 2 && time.Since(start)+last > cfg.Budget {
			cfg.logf("regression-check: stopping after %d rounds: another would overrun the %v budget", r, cfg.Budget)
			return seq, nil
		}
		roundStart := time.Now()
		order := [2]int{0, 1}
		if r%2 == 1 {
			order = [2]int{1, 0}
		}
		for _, i := range order {
			if err := ctx.Err(); err != nil {
				return seq, err
			}
			text, err := runBench(ctx, cfg, sides[i], bins[i], dirs[i], args)
			if err != nil {
				return seq, err
			}
			seq.out[i] = append(seq.out[i], text...)
		}
		last = time.Since(roundStart)
		seq.rounds = r + 1
		cfg.logf("regression-check: round %d/%d done (%.0fs)", r+1, seq.planned, time.Since(start).Seconds())
		if !looks[r+1] || r+1 >= seq.planned {
			continue
		}
		if len(seq.looks) == 0 && cfg.Budget > 0 {
			// The first look: plan from the pace so far.
			elapsed := time.Since(start)
			fit := r + 1 + int(float64(cfg.Budget-elapsed)/(float64(elapsed)/float64(r+1)))
			if fit < seq.planned {
				seq.planned = max(fit, r+2)
				looks = lookSet(cfg.MinRounds, seq.planned, true)
				cfg.logf("regression-check: at this pace the %v budget holds about %d rounds; planning %d", cfg.Budget, fit, seq.planned)
			}
		}
		look := Look{Rounds: r + 1, Planned: seq.planned}
		if n := len(seq.looks); n > 0 {
			look.Prev = seq.looks[n-1]
		}
		seq.looks = append(seq.looks, r+1)
		stop, err := cfg.Decide(look, seq.out[0], seq.out[1])
		if err != nil {
			return seq, err
		}
		if stop {
			cfg.logf("regression-check: every case decided after %d rounds", r+1)
			return seq, nil
		}
	}
	return seq, nil
}

// lookSet is the set of rounds at which a sequential run looks.
func lookSet(first, planned int, on bool) map[int]bool {
	looks := map[int]bool{}
	if on {
		for _, n := range Looks(first, planned) {
			looks[n] = true
		}
	}
	return looks
}

func runBench(ctx context.Context, cfg Config, side, bin, dir string, args []string) ([]byte, error) {
	rctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	cmd := exec.CommandContext(rctx, bin, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	cmdline := filepath.Base(bin) + " " + strings.Join(args, " ")
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		// A failing benchmark prints its failure on stdout.
		return nil, &Error{Side: side, Command: cmdline, Dir: dir, Stderr: stdout.String() + stderr.String(), Err: err}
	}
	if !bytes.Contains(stdout.Bytes(), []byte("\nBenchmark")) && !bytes.HasPrefix(stdout.Bytes(), []byte("Benchmark")) {
		return nil, &Error{Side: side, Command: cmdline, Dir: dir, Stderr: stdout.String() + stderr.String(),
			Err: fmt.Errorf("no benchmark matched -test.bench=%s", cfg.Bench)}
	}
	return stdout.Bytes(), nil
}

// buildTest compiles the package's test binary into bin.
func buildTest(ctx context.Context, cfg Config, side, dir, bin string) error {
	args := []string{"test", "-c", "-o", bin, cfg.Package}
	cmd := exec.CommandContext(ctx, cfg.Go, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	cmdline := cfg.Go + " " + strings.Join(args, " ")
	if err != nil {
		return &Error{Side: side, Command: cmdline, Dir: dir, Stderr: out.String(), Err: err}
	}
	if _, statErr := os.Stat(bin); statErr != nil {
		// go test -c writes nothing for a package without test files.
		return &Error{Side: side, Command: cmdline, Dir: dir, Stderr: out.String(), Err: errors.New("no test binary was written: the package has no test files")}
	}
	return nil
}

// packageDir resolves the package's directory.
func packageDir(ctx context.Context, cfg Config, side, dir string) (string, error) {
	args := []string{"list", "-f", "{{.Dir}}", cfg.Package}
	cmd := exec.CommandContext(ctx, cfg.Go, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", &Error{Side: side, Command: cfg.Go + " " + strings.Join(args, " "), Dir: dir, Stderr: stderr.String(), Err: err}
	}
	return strings.TrimSpace(stdout.String()), nil
}

func gitOut(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", &Error{Side: "git", Command: "git " + strings.Join(args, " "), Dir: dir, Stderr: stderr.String(), Err: err}
	}
	return strings.TrimSpace(stdout.String()), nil
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
