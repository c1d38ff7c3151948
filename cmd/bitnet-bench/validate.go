package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/baselines/validate"
	"github.com/bitnet-go/bitnet-bench/baselines/validate/corpus"
	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// validateFlags are --validate's and --calibrate's own flags.
type validateFlags struct {
	pool      string
	duration  time.Duration
	count     int
	runs      int
	slowdowns string
	window    int
	allPairs  bool
	history   int
	perFile   int
	pkgSet    bool // --package or --bench was given: the user's benchmarks, not the built-in corpus
}

func (v *validateFlags) register(fs interface {
	StringVar(*string, string, string, string)
	DurationVar(*time.Duration, string, time.Duration, string)
	IntVar(*int, string, int, string)
	BoolVar(*bool, string, bool, string)
}) {
	fs.StringVar(&v.pool, "pool", "", "with --validate: keep the corpus and its pool of runs in DIR, and add to (or, with --duration 0, only evaluate) a pool already there")
	fs.DurationVar(&v.duration, "duration", 10*time.Minute, "with --validate: how long to collect runs")
	fs.IntVar(&v.count, "count", 10, "with --validate/--calibrate: -test.count of one run (the samples per side a file comparison has)")
	fs.IntVar(&v.runs, "runs", 5, "with --calibrate: separate runs of the benchmarks")
	fs.StringVar(&v.slowdowns, "slowdowns", "5%,10%,20%", "with --validate: the slowdowns injected into the benchmarks")
	fs.IntVar(&v.window, "window", stats.DefaultSamples, "with --validate: the most rounds per side of one --against comparison (judged sequentially, as --against --budget does: looks after --min-samples, then about 1.5 times as many rounds, ...)")
	fs.IntVar(&v.history, "history", validate.HistoryRuns, "with --validate: the runs of a baseline history in the history mode's comparisons")
	fs.IntVar(&v.perFile, "interleaved-per-file", 10, "with --validate: the interleaved rounds (one --against round each) collected after each file round; raise it to validate --against at its full --budget, which takes 150-250 rounds a package")
	fs.BoolVar(&v.allPairs, "all-pairs", false, "with --validate: compare every baseline run with every later current run (more comparisons, not independent)")
}

// runValidate measures regression-check's verdicts on real benchmarks: it
// builds the corpus (the built-in standard-library set, or --package and
// --bench), with real slowdowns injected, runs it as separate processes
// into a pool for --duration, and judges the comparisons the pool makes in
// each mode.
//
// With --metric cpu-sec/op (bench/cputime's cpu-ns/op as benchstat tidies
// it) every build of the corpus reports its CPU time per op.
const cpuMetric = "cpu-sec/op"

func runValidate(ctx context.Context, e *env, f regressFlags, opt stats.Options) int {
	const cmd = "regression-check"
	v := f.v
	if v.count < 2 || v.window < 2 || v.history < 2 || v.perFile < 1 || v.duration < 0 {
		return fail(e, cmd, exitBadInput, "--count %d, --window %d, --history %d, --interleaved-per-file %d, --duration %v: want counts of at least 2 (at least 1 interleaved round) and a duration >= 0", v.count, v.window, v.history, v.perFile, v.duration)
	}
	var slow []float64
	for _, s := range strings.Split(v.slowdowns, ",") {
		x, err := stats.ParseThreshold(s)
		if err != nil || x > 1 {
			return fail(e, cmd, exitBadInput, "--slowdowns %q: want percentages up to 100%% such as 5%%,10%%", v.slowdowns)
		}
		slow = append(slow, x)
	}
	dir := v.pool
	if dir == "" {
		tmp, err := os.MkdirTemp("", "bitnet-bench-validate-")
		if err != nil {
			return fail(e, cmd, exitFailure, "%v", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(e.stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	c, err := corpus.Load(dir)
	switch {
	case err == nil:
		logf("validate: reusing the corpus in %s (built %s)", dir, c.Built.Format(time.RFC3339))
	case os.IsNotExist(err):
		// Gating on CPU time needs every build to report it; the
		// controls let the checks that use them be validated.
		cfg := corpus.Config{Dir: dir, Slowdowns: slow, Log: e.stderr, CPUTime: opt.Metric == cpuMetric, Controls: true}
		if v.pkgSet {
			if cfg.Cases, err = corpus.ListBenchmarks(ctx, cfg, f.pkg, f.bench); err != nil {
				return validateFailure(ctx, e, err)
			}
		}
		if c, err = corpus.Build(ctx, cfg); err != nil {
			return validateFailure(ctx, e, err)
		}
	default:
		return fail(e, cmd, exitBadInput, "--pool: %v", err)
	}
	if opt.Metric == cpuMetric && !c.CPUTime {
		return fail(e, cmd, exitBadInput, "--metric %s: the corpus in %s was built without a CPU-time report; validate it in a new --pool directory", cpuMetric, dir)
	}
	poolDir := filepath.Join(dir, "pool")
	if v.duration > 0 {
		logf("validate: collecting runs for %v into %s (file runs: -test.count=%d; every run -test.benchtime=%s)", v.duration, poolDir, v.count, f.benchtime)
		if _, err := corpus.Collect(ctx, c, corpus.PoolConfig{Dir: poolDir, FileCount: v.count, BenchTime: f.benchtime, Duration: v.duration, InterleavedPerFile: v.perFile, Log: logf}); err != nil {
			return validateFailure(ctx, e, err)
		}
		if ctx.Err() != nil {
			return exitInterrupted
		}
	}
	o := opt
	o.Seed = f.seed
	cells, err := validate.EvaluatePool(c, poolDir, validate.FileJudge(o), validate.PoolOptions{Window: v.window, History: v.history, AllPairs: v.allPairs, Against: validate.SequentialJudge(o, f.minSamples)})
	if err != nil {
		return fail(e, cmd, exitBadInput, "%v", err)
	}
	achieved, err := validate.Achieved(c, poolDir, o.Metric)
	if err != nil {
		return fail(e, cmd, exitBadInput, "%v", err)
	}
	noise, err := validate.Noise(c, poolDir, o.Metric)
	if err != nil {
		return fail(e, cmd, exitBadInput, "%v", err)
	}
	if f.jsonOut {
		err = jsonEncode(e.stdout, map[string]any{"corpus": c, "achieved": achieved, "noise": noise, "pool": poolSummary(poolDir, v.window), "cells": cells})
		if err != nil {
			return fail(e, cmd, exitFailure, "%v", err)
		}
	} else {
		w := e.stdout
		fmt.Fprintf(w, "validation on real benchmarks, separate processes; gating %s, threshold %s, alpha %v\n", o.Metric, pctString(opt.Threshold), opt.Alpha)
		fmt.Fprintf(w, "pool: %s\n\n", poolSummary(poolDir, v.window))
		if err := validate.WriteCorpus(w, c, o.Metric, achieved, noise); err != nil {
			return fail(e, cmd, exitFailure, "%v", err)
		}
		fmt.Fprintln(w)
		if err := validate.WriteCells(w, cells); err != nil {
			return fail(e, cmd, exitFailure, "%v", err)
		}
		fmt.Fprintln(w)
	}
	var missed, unshown int
	for _, c := range cells {
		switch m := validate.Met(c); {
		case m == "MISSED":
			missed++
		case strings.HasPrefix(m, "not shown"):
			unshown++
		}
	}
	if countN(cells) == 0 {
		fmt.Fprintln(verdictWriter(e, f), "validate: no comparisons: the pool needs at least two file rounds (a longer --duration)")
		return exitFailure
	}
	fmt.Fprintf(verdictWriter(e, f), "validate: %d comparisons; %d targets missed, %d not shown either way (more runs narrow the intervals)\n", countN(cells), missed, unshown)
	if missed > 0 {
		return exitFailure
	}
	return exitOK
}

func verdictWriter(e *env, f regressFlags) io.Writer {
	if f.jsonOut {
		return e.stderr
	}
	return e.stdout
}

func countN(cells []*validate.Cell) int {
	n := 0
	for _, c := range cells {
		n += c.N
	}
	return n
}

func pctString(f float64) string { return strconv.FormatFloat(f*100, 'g', 4, 64) + "%" }

// poolSummary says how many runs the pool holds, over what time and load.
func poolSummary(dir string, window int) string {
	fh, err := os.Open(filepath.Join(dir, "runs.jsonl"))
	if err != nil {
		return "no runs (" + err.Error() + ")"
	}
	defer fh.Close()
	var first, last time.Time
	var loads, il []float64
	kinds := map[string]int{}
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		var r corpus.RunRecord
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			continue
		}
		kinds[r.Kind]++
		if r.Kind == "interleaved" {
			il = append(il, r.Seconds)
		}
		if first.IsZero() || r.Start.Before(first) {
			first = r.Start
		}
		if end := r.Start.Add(time.Duration(r.Seconds * float64(time.Second))); end.After(last) {
			last = end
		}
		if l, err := strconv.ParseFloat(r.LoadAvg1, 64); err == nil {
			loads = append(loads, l)
		}
	}
	s := fmt.Sprintf("%d file runs and %d interleaved runs, %s to %s UTC", kinds["file"], kinds["interleaved"], first.UTC().Format("15:04"), last.UTC().Format("15:04"))
	if len(loads) > 0 {
		slices.Sort(loads)
		s += fmt.Sprintf(", 1-minute load average %.1f to %.1f (median %.1f)", loads[0], loads[len(loads)-1], loads[len(loads)/2])
	}
	if len(il) > 0 {
		slices.Sort(il)
		s += fmt.Sprintf("; an interleaved run took %.2gs (median), so an --against comparison of %d rounds takes about %.0fs per package", il[len(il)/2], window, 2*float64(window)*il[len(il)/2])
	}
	return s
}

func validateFailure(ctx context.Context, e *env, err error) int {
	if ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "bitnet-bench regression-check: interrupted")
		return exitInterrupted
	}
	return fail(e, "regression-check", exitBadInput, "%v", err)
}

// runCalibrate measures the between-run noise of each case and recommends
// thresholds: from the --current files, one run each, or from --runs
// separate runs of the package's benchmarks at -test.count=--count (the
// samples a comparison of two files has).
func runCalibrate(ctx context.Context, e *env, f regressFlags) int {
	const cmd = "regression-check"
	v := f.v
	paths := slices.Clone([]string(f.cur))
	if len(paths) == 0 {
		if v.runs < validate.MinCalibrationRuns || v.count < 2 {
			return fail(e, cmd, exitBadInput, "--runs %d --count %d: want at least %d runs of at least 2 samples", v.runs, v.count, validate.MinCalibrationRuns)
		}
		tmp, err := os.MkdirTemp("", "bitnet-bench-calibrate-")
		if err != nil {
			return fail(e, cmd, exitFailure, "%v", err)
		}
		defer os.RemoveAll(tmp)
		bin := filepath.Join(tmp, "cal.test")
		fmt.Fprintf(e.stderr, "regression-check: building %s\n", f.pkg)
		dir, err := corpus.BuildPlain(ctx, corpus.Config{}, f.pkg, bin)
		if err != nil {
			return validateFailure(ctx, e, err)
		}
		args := []string{"-test.run=^$", "-test.bench=" + f.bench, fmt.Sprintf("-test.count=%d", v.count), "-test.benchtime=" + f.benchtime}
		if f.short {
			args = append(args, "-test.short")
		}
		raw := map[string][]byte{}
		for i := 0; i < v.runs; i++ {
			out, _, err := corpus.Exec(ctx, bin, dir, args...)
			if err != nil {
				return validateFailure(ctx, e, err)
			}
			p := filepath.Join(tmp, fmt.Sprintf("run%d.txt", i+1))
			if err := os.WriteFile(p, out, 0o644); err != nil {
				return fail(e, cmd, exitFailure, "%v", err)
			}
			raw[filepath.Base(p)] = out
			paths = append(paths, p)
			fmt.Fprintf(e.stderr, "regression-check: run %d/%d done\n", i+1, v.runs)
		}
		if f.raw != "" {
			if err := writeRaw(f.raw, raw); err != nil {
				return fail(e, cmd, exitIO, "--raw: %v", err)
			}
		}
	} else if len(paths) < validate.MinCalibrationRuns {
		return fail(e, cmd, exitBadInput, "--calibrate --current: %d file(s): give at least %d files, each one separate run of unchanged code (one run's samples share its machine state, so they cannot show how far separate runs land apart)", len(paths), validate.MinCalibrationRuns)
	}
	var names []string
	units := map[string][]string{}
	var runs []map[string]map[string][]float64
	for _, p := range paths {
		ns, us, s, err := validate.RunSamples(p)
		if err != nil {
			return inputFailure(e, cmd, "current", err)
		}
		for _, n := range ns {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
			for _, u := range us[n] {
				if !slices.Contains(units[n], u) {
					units[n] = append(units[n], u)
				}
			}
		}
		runs = append(runs, s)
	}
	cal := validate.CalibrateRuns(names, units, runs)
	if f.writeConfig != "" {
		order, th, missing := cal.Recommendations(false)
		def, _ := stats.ParseThreshold(f.threshold)
		cfg := &stats.Config{Default: def}
		for _, n := range order {
			rule, err := stats.NewThresholdRule("^"+regexp.QuoteMeta(n)+"$", th[n])
			if err != nil {
				return fail(e, cmd, exitFailure, "--write-config: case %s: %v", n, err)
			}
			cfg.Rules = append(cfg.Rules, rule)
		}
		data, err := cfg.MarshalJSON()
		if err != nil {
			return fail(e, cmd, exitFailure, "%v", err)
		}
		var pretty bytes.Buffer
		if err := jsonIndent(&pretty, data); err != nil {
			return fail(e, cmd, exitFailure, "%v", err)
		}
		if err := results.WriteFileAtomic(f.writeConfig, pretty.Bytes(), 0o644); err != nil {
			return fail(e, cmd, exitIO, "--write-config: %v", err)
		}
		fmt.Fprintf(e.stderr, "wrote %d recommended thresholds (one run a side) to %s\n", len(order), f.writeConfig)
		for _, m := range missing {
			fmt.Fprintf(e.stderr, "warning: no recommendation for %s: it takes the default %s\n", m, pctString(def))
		}
	}
	if f.jsonOut {
		if err := jsonEncode(e.stdout, cal); err != nil {
			return fail(e, cmd, exitFailure, "%v", err)
		}
		return exitOK
	}
	if err := cal.WriteTable(e.stdout); err != nil {
		return fail(e, cmd, exitFailure, "%v", err)
	}
	return exitOK
}
