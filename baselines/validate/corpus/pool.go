package corpus

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// A pool is a directory of runs of the corpus's binaries, each run a
// separate process, from which --validate forms its comparisons:
//
//	pool/file/<variant>/<seq>-<package>.txt         -test.count=FileCount: what a CI job's
//	                                                 "go test -bench -count N" writes
//	pool/interleaved/<variant>/<seq>-<package>.txt  -test.count=1: one round of --against
//	pool/runs.jsonl                                  one line per run: when, what, CPU time, load
//
// Rounds alternate between the two kinds so both see the same machine
// states. A file round runs every variant once per package and the
// unchanged build twice (for A/A pairs), in random order; an interleaved
// round runs the unchanged build twice (as "A" and "A2") and each slowdown
// once, a package's runs back to back in random order (packages in random
// order), so a window of consecutive interleaved rounds is
// one --against comparison of any two of them.

// PoolConfig sets up Collect.
type PoolConfig struct {
	Dir       string        // the pool directory (created)
	FileCount int           // -test.count of a file run (10)
	BenchTime string        // -test.benchtime of every run ("100ms")
	Duration  time.Duration // stop starting rounds after this long
	// FileRounds stops after this many file rounds (each with its
	// interleaved rounds) when above zero, whatever Duration says.
	FileRounds int
	// InterleavedPerFile is how many interleaved rounds follow each file
	// round (10).
	InterleavedPerFile int
	// FileVariants and InterleavedVariants name the slowdown variants each
	// kind of round runs (all of the corpus's when nil).
	FileVariants, InterleavedVariants []string
	Seed                              uint64
	Log                               func(format string, args ...any)
}

// RunRecord is one line of runs.jsonl.
type RunRecord struct {
	Kind     string    `json:"kind"` // "file" or "interleaved"
	Round    int       `json:"round"`
	Variant  string    `json:"variant"`
	Package  string    `json:"package"`
	File     string    `json:"file"` // relative to the pool directory
	Start    time.Time `json:"start"`
	Seconds  float64   `json:"seconds"`
	CPU      float64   `json:"cpu_seconds"`
	LoadAvg1 string    `json:"loadavg1,omitempty"`
}

// Collect runs rounds until cfg.Duration is spent or ctx is done, and
// appends to an existing pool (round numbers continue). It returns the
// number of runs written; ctx's cancellation is not an error.
func Collect(ctx context.Context, c *Corpus, cfg PoolConfig) (int, error) {
	if cfg.FileCount == 0 {
		cfg.FileCount = 10
	}
	if cfg.BenchTime == "" {
		cfg.BenchTime = "100ms"
	}
	if cfg.InterleavedPerFile == 0 {
		cfg.InterleavedPerFile = 10
	}
	var slow []string
	for _, v := range c.Variants {
		if v.Slowdown > 0 {
			slow = append(slow, v.Name)
		}
	}
	if cfg.FileVariants == nil {
		cfg.FileVariants = slow
	}
	if cfg.InterleavedVariants == nil {
		cfg.InterleavedVariants = slow
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return 0, err
	}
	logf, err := os.OpenFile(filepath.Join(cfg.Dir, "runs.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, err
	}
	defer logf.Close()
	round := map[string]int{"file": nextRound(cfg.Dir, "file"), "interleaved": nextRound(cfg.Dir, "interleaved")}
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(time.Now().UnixNano())))
	start := time.Now()
	runs := 0
	one := func(kind, label, variant, pkg string, count int) error {
		v := c.Variant(variant)
		if v == nil {
			return fmt.Errorf("corpus: no variant %q", variant)
		}
		rel := filepath.Join(kind, slug(label), fmt.Sprintf("%05d-%s.txt", round[kind], slug(pkg)))
		args := []string{"-test.run=^$", "-test.bench=" + BenchRegexp(c.Cases, pkg), fmt.Sprintf("-test.count=%d", count), "-test.benchtime=" + cfg.BenchTime}
		t0 := time.Now()
		out, cpu, err := Exec(ctx, v.Binaries[pkg], c.PkgDirs[pkg], args...)
		if err != nil {
			return err
		}
		path := filepath.Join(cfg.Dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path+".tmp", out, 0o644); err != nil {
			return err
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			return err
		}
		rec := RunRecord{Kind: kind, Round: round[kind], Variant: label, Package: pkg, File: rel, Start: t0.UTC(),
			Seconds: time.Since(t0).Seconds(), CPU: cpu.Seconds(), LoadAvg1: loadAvg1()}
		line, _ := json.Marshal(rec)
		if _, err := logf.Write(append(line, '\n')); err != nil {
			return err
		}
		runs++
		return nil
	}
	type job struct{ label, variant, pkg string }
	doRound := func(kind string, labels []string, count int) error {
		var jobs []job
		for _, p := range Packages(c.Cases) {
			for _, l := range labels {
				v := l
				if l == "A2" {
					v = "A"
				}
				jobs = append(jobs, job{l, v, p})
			}
		}
		if kind == "interleaved" {
			// As regression-check --against runs them: a package's
			// sides back to back (in random order), so the runs a
			// window pairs are moments apart, not a whole round.
			pkgs := Packages(c.Cases)
			rng.Shuffle(len(pkgs), func(i, j int) { pkgs[i], pkgs[j] = pkgs[j], pkgs[i] })
			jobs = jobs[:0]
			for _, p := range pkgs {
				ls := slices.Clone(labels)
				rng.Shuffle(len(ls), func(i, j int) { ls[i], ls[j] = ls[j], ls[i] })
				for _, l := range ls {
					v := l
					if l == "A2" {
						v = "A"
					}
					jobs = append(jobs, job{l, v, p})
				}
			}
		} else {
			rng.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })
		}
		for _, j := range jobs {
			if err := one(kind, j.label, j.variant, j.pkg, count); err != nil {
				return err
			}
		}
		round[kind]++
		return nil
	}
	fileLabels := append([]string{"A", "A2"}, cfg.FileVariants...)
	ilLabels := append([]string{"A", "A2"}, cfg.InterleavedVariants...)
	more := func(done int) bool {
		if cfg.FileRounds > 0 {
			return done < cfg.FileRounds
		}
		return time.Since(start) < cfg.Duration
	}
	for done := 0; more(done) && ctx.Err() == nil; done++ {
		if err := doRound("file", fileLabels, cfg.FileCount); err != nil {
			return runs, ignoreCancel(ctx, err)
		}
		for i := 0; i < cfg.InterleavedPerFile && (cfg.FileRounds > 0 || more(done)); i++ {
			if err := doRound("interleaved", ilLabels, 1); err != nil {
				return runs, ignoreCancel(ctx, err)
			}
		}
		if cfg.Log != nil {
			cfg.Log("corpus: %d file and %d interleaved rounds in %s, %d runs (%s)", round["file"], round["interleaved"], time.Since(start).Round(time.Second), runs, loadAvg1())
		}
	}
	return runs, nil
}

func ignoreCancel(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// nextRound is one past the highest round number already in the pool.
func nextRound(dir, kind string) int {
	next := 0
	matches, _ := filepath.Glob(filepath.Join(dir, kind, "*", "*.txt"))
	for _, m := range matches {
		var n int
		if _, err := fmt.Sscanf(filepath.Base(m), "%05d-", &n); err == nil {
			next = max(next, n+1)
		}
	}
	return next
}

func loadAvg1() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return ""
}

// Run is one stored run of the pool.
type Run struct {
	Round int
	Path  string
}

// Runs lists the pool's runs of one kind, label ("A", "A2", "+5%") and
// package, by round.
func Runs(dir, kind, label, pkg string) ([]Run, error) {
	matches, err := filepath.Glob(filepath.Join(dir, kind, slug(label), "*-"+slug(pkg)+".txt"))
	if err != nil {
		return nil, err
	}
	var out []Run
	for _, m := range matches {
		var n int
		if _, err := fmt.Sscanf(filepath.Base(m), "%05d-", &n); err == nil && strings.TrimSuffix(filepath.Base(m)[6:], ".txt") == slug(pkg) {
			out = append(out, Run{n, m})
		}
	}
	slices.SortFunc(out, func(a, b Run) int { return a.Round - b.Round })
	return out, nil
}

// JoinedRuns returns one run per round of kind and label that has a run of
// every package in pkgs: the packages' outputs joined into one file, as a
// CI job's "go test -bench . ./pkg1 ./pkg2 ..." writes them (the joined
// files are written under dir/joined, and rewritten when missing). Rounds
// missing a package (an interrupted collection) are left out.
func JoinedRuns(dir, kind, label string, pkgs []string) ([]Run, error) {
	byRound := map[int][]string{}
	for _, p := range pkgs {
		runs, err := Runs(dir, kind, label, p)
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			byRound[r.Round] = append(byRound[r.Round], r.Path)
		}
	}
	out := []Run{}
	for round, paths := range byRound {
		if len(paths) != len(pkgs) {
			continue
		}
		path := filepath.Join(dir, "joined", kind, slug(label), fmt.Sprintf("%05d.txt", round))
		if _, err := os.Stat(path); err != nil {
			var joined []byte
			for _, p := range paths {
				b, err := os.ReadFile(p)
				if err != nil {
					return nil, err
				}
				joined = append(joined, b...)
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(path+".tmp", joined, 0o644); err != nil {
				return nil, err
			}
			if err := os.Rename(path+".tmp", path); err != nil {
				return nil, err
			}
		}
		out = append(out, Run{round, path})
	}
	slices.SortFunc(out, func(a, b Run) int { return a.Round - b.Round })
	return out, nil
}
