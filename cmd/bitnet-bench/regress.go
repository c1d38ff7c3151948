package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bitnet-go/bitnet-bench/baselines/abrun"
	"github.com/bitnet-go/bitnet-bench/baselines/ciout"
	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/baselines/store"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"golang.org/x/perf/benchunit"
)

const regressSynopsis = `regression-check --baseline FILE,... --current FILE,...     (files)
       regression-check --baseline-name NAME --current FILE,...   (the store's history)
       regression-check --against REF [--budget 2m]               (interleaved A/B; for CI)
       regression-check --calibrate [--current FILE,FILE,FILE,... | --runs 5 --count 10] [--write-config FILE]
       regression-check --validate [--package PKG --bench REGEX] [--pool DIR] [--duration 10m]
  common: [--threshold 5%] [--config FILE] [--metric sec/op] [--inconclusive fail|pass]
          [--alpha 0.05] [--strict] [--markdown FILE] [--junit FILE] [--json]

Compares a current run with a baseline, case by case. Inputs are
results.json files written by "bitnet-bench compare" or Go benchmark text
("go test -bench -count N" output, from any Go project); each file is one
run, and --baseline and --current take several (comma-separated or
repeated).

The run, not the sample, is the unit of replication: samples of one run
share its machine state. Each case gets one of four verdicts with a
one-line reason: regression or improvement (the ratio's interval lies
beyond the threshold and p < alpha), no change (the interval lies within
±threshold), or inconclusive (the evidence cannot tell a change of the
threshold's size from run-to-run noise). The interval accounts for the
variance between runs: paired rounds (--against: the signed-rank analysis
of the rounds' log ratios; with --budget, alpha spent over the looks),
Student's t on the run medians (several runs a side, or a stored history:
a prediction interval for one current run), or, with one run a side, a
bound from the controls (bench/controls) and the spread of all cases'
ratios; with none of these every case is inconclusive.

Each case is gated on one unit (--metric, sec/op by default); the others
are shown, not gated. Thresholds: --threshold for every case, or per case
by regular expression in a --config file:
  {"thresholds": [{"match": "^BitLinear/", "threshold": "3%"}], "default": "5%"}

Where the baseline comes from:
  --baseline FILE,...   files
  --baseline-name NAME  the store's history of NAME for the current run's
                        machine (see "bitnet-bench baseline"); another
                        machine's is used with a loud warning, or refused
                        with --strict
  --against REF         build and run the benchmarks at git REF (in a
                        temporary git worktree) and in the working tree,
                        interleaved A B, B A, ... for --samples rounds;
                        with --budget, sequentially: stop once every case
                        is decided, or before a round would overrun the
                        budget; --package and --bench select the benchmarks

--calibrate measures how far separate runs of unchanged code land apart
(the --current files, one run each, at least 3; or --runs separate runs of
--package's benchmarks at -test.count=--count, the samples a comparison of
two files has) and prints each case's between-run noise and the threshold
that noise alone crosses about 1% of the time; --write-config writes them
as a --config file (every case; none is dropped). --validate measures
regression-check itself on real benchmarks run as separate processes (the
built-in standard-library set, or --package and --bench): it builds them
unchanged and with real slowdowns injected (--slowdowns), runs them for
--duration into a pool (--pool keeps it), and reports how often A/A and
each slowdown are called a regression in file mode (one run a side, and a
5-run baseline history) and --against mode, with n and 95% intervals.

Outputs: a table (or --json) on stdout whose last line is the verdict,
the gate's decision on stderr, --markdown FILE for a CI step summary
(appended when FILE is $GITHUB_STEP_SUMMARY), --junit FILE with one
testcase per case (regressions and failures fail; inconclusive and
missing cases are skipped with the reason).

Exit status: 0 no regression and every case decided (or
--inconclusive=pass); 1 a regression, a failed case or a FAIL-ed run;
2 bad usage, bad input, nothing compared, a machine mismatch under
--strict, or a failed git/build/benchmark run; 3 an output that cannot
be written; 4 no regression, but some case inconclusive or missing in the
current run.`

const regressExamples = `  bitnet-bench regression-check --baseline baseline.json --current out/results.json
  bitnet-bench regression-check --baseline old1.txt,old2.txt --current new.txt --threshold 3%
  bitnet-bench regression-check --baseline-name main --current out/results.json --strict --markdown "$GITHUB_STEP_SUMMARY" --junit junit.xml
  bitnet-bench regression-check --against origin/main --budget 2m --bench 'BitLinear/2560x2560' --benchtime 20ms
  bitnet-bench regression-check --calibrate --bench 'GELU' --benchtime 20ms --runs 5 --count 10 --write-config thresholds.json
  bitnet-bench regression-check --validate --duration 30m --pool validation/`

type regressFlags struct {
	base, cur                          fileList
	baseName, store, against           string
	pkg, bench, benchtime, raw         string
	samples                            int
	short                              bool
	threshold, config                  string
	alpha                              float64
	seed                               uint64
	strict, jsonOut                    bool
	metric, inconclusive               string
	ignoreControls                     bool
	markdown, junit                    string
	calibrate, validate                bool
	writeConfig                        string
	thresholdSet, alphaSet, samplesSet bool
	v                                  validateFlags
	budget                             time.Duration
	minSamples                         int
}

func runRegressionCheck(ctx context.Context, e *env, args []string) int {
	const cmd = "regression-check"
	fs := newFlagSet(e, cmd, regressSynopsis, regressExamples)
	var f regressFlags
	fs.Var(&f.base, "baseline", "baseline results: results.json or Go benchmark text; several files comma-separated or repeated")
	fs.Var(&f.cur, "current", "current results, as --baseline")
	fs.StringVar(&f.baseName, "baseline-name", "", "compare against the stored baseline NAME for this machine (see \"bitnet-bench baseline\")")
	fs.StringVar(&f.store, "store", "", "baseline store directory for --baseline-name (default $"+store.Env+", else $XDG_DATA_HOME/bitnet-bench/baselines, else .bitnet-bench/baselines)")
	fs.StringVar(&f.against, "against", "", "git ref to build and run as the baseline, against the working tree")
	fs.StringVar(&f.pkg, "package", "./bench/", "with --against/--calibrate/--validate: the package whose benchmarks run")
	fs.StringVar(&f.bench, "bench", ".", "with --against/--calibrate/--validate: -test.bench regular expression")
	fs.StringVar(&f.benchtime, "benchtime", "100ms", "with --against/--calibrate/--validate: -test.benchtime, the length of one sample (as compare's --sample-time)")
	fs.BoolVar(&f.short, "short", false, "with --against/--calibrate: pass -test.short (the quick catalogue of ./bench/)")
	fs.IntVar(&f.samples, "samples", stats.DefaultSamples, "with --against: samples per side (rounds)")
	fs.DurationVar(&f.budget, "budget", 0, "with --against: run sequentially, looking at the data after 10, 15, 23, ... rounds and stopping once every case is decided or before a round would overrun this time (e.g. 2m); --samples is then the most rounds (default 200)")
	fs.IntVar(&f.minSamples, "min-samples", 10, "with --budget: rounds before the first look")
	fs.StringVar(&f.raw, "raw", "", "with --against/--calibrate: write each side's Go benchmark text into this directory")
	fs.StringVar(&f.threshold, "threshold", "5%", "smallest change that counts, as a fraction (0.05) or a percentage (5%); overrides the config's default")
	fs.StringVar(&f.config, "config", "", "JSON file of per-case thresholds by regular expression")
	fs.Float64Var(&f.alpha, "alpha", 0.05, "significance level of the test (Mann-Whitney U; Wilcoxon signed-rank for --against, spent over the looks with --budget)")
	fs.Uint64Var(&f.seed, "seed", stats.DefaultSeed, "seed of the bootstrap (results are reproducible for a given seed)")
	fs.BoolVar(&f.ignoreControls, "ignore-controls", false, "judge as if the files carried no controls (bench/controls): to see what they change")
	fs.StringVar(&f.metric, "metric", "sec/op", "the unit that gates each case (as benchstat tidies it: sec/op, B/s, allocs/op, ...); the others are shown, not gated")
	fs.StringVar(&f.inconclusive, "inconclusive", "fail", "what an inconclusive or unchecked case does to the exit status: fail (exit 4) or pass (exit 0, still reported)")
	fs.BoolVar(&f.strict, "strict", false, "refuse (exit 2) to compare runs from different machines")
	fs.BoolVar(&f.jsonOut, "json", false, "print the comparison as JSON instead of a table (the verdict line then goes to stderr)")
	fs.StringVar(&f.markdown, "markdown", "", "also write a Markdown summary to FILE")
	fs.StringVar(&f.junit, "junit", "", "also write JUnit XML to FILE")
	fs.BoolVar(&f.calibrate, "calibrate", false, "measure the between-run noise of separate runs of unchanged code and recommend per-case thresholds")
	fs.StringVar(&f.writeConfig, "write-config", "", "with --calibrate: write the recommended thresholds as a --config file")
	fs.BoolVar(&f.validate, "validate", false, "measure false-positive and detection rates on real benchmarks (separate processes, injected slowdowns)")
	f.v.register(fs)
	if code, stop := parseFlags(e, fs, args); stop {
		return code
	}
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "threshold":
			f.thresholdSet = true
		case "alpha":
			f.alphaSet = true
		case "samples":
			f.samplesSet = true
		case "package", "bench":
			f.v.pkgSet = true
		}
	})
	th, err := stats.ParseThreshold(f.threshold)
	if err != nil {
		return fail(e, cmd, exitBadInput, "--threshold: %v", err)
	}
	if !(f.alpha > 0 && f.alpha < 1) {
		return fail(e, cmd, exitBadInput, "--alpha %v: want a value between 0 and 1", f.alpha)
	}
	if f.samples < 2 {
		return fail(e, cmd, exitBadInput, "--samples %d: want at least 2 (the default, %d, detects a 10%% change on a quiet machine)", f.samples, stats.DefaultSamples)
	}
	if f.budget < 0 || f.budget > 0 && f.against == "" {
		return fail(e, cmd, exitBadInput, "--budget %v: want a positive duration, with --against", f.budget)
	}
	if f.budget > 0 && !f.samplesSet {
		f.samples = 200
	}
	if f.minSamples < 2 {
		return fail(e, cmd, exitBadInput, "--min-samples %d: want at least 2", f.minSamples)
	}
	if f.inconclusive != "fail" && f.inconclusive != "pass" {
		return fail(e, cmd, exitBadInput, "--inconclusive %q: want fail or pass", f.inconclusive)
	}
	opt := stats.Options{Threshold: th, Alpha: f.alpha, Seed: f.seed, Metric: tidyUnit(f.metric), IgnoreControls: f.ignoreControls}
	if f.config != "" {
		cfg, err := stats.ReadConfig(f.config)
		if err != nil {
			return inputFailure(e, cmd, "config", err)
		}
		switch {
		case f.thresholdSet:
			cfg.Default = th // --threshold wins over the config's default
		case cfg.Default > 0:
			opt.Threshold = cfg.Default
		}
		opt.Config = cfg
	}

	if code, stop := checkOutputs(e, cmd, "markdown", f.markdown, "junit", f.junit, "write-config", f.writeConfig); stop {
		return code
	}
	modes := 0
	for _, on := range []bool{len(f.base) > 0, f.baseName != "", f.against != "", f.calibrate, f.validate} {
		if on {
			modes++
		}
	}
	switch {
	case modes != 1:
		return fail(e, cmd, exitBadInput, "give exactly one of --baseline, --baseline-name, --against, --calibrate or --validate")
	case f.validate:
		return runValidate(ctx, e, f, opt)
	case f.calibrate:
		return runCalibrate(ctx, e, f)
	case f.writeConfig != "":
		return fail(e, cmd, exitBadInput, "--write-config goes with --calibrate")
	}

	var base, cur *input.Input
	var storeMismatch []string
	var seq string
	switch {
	case f.against != "":
		if len(f.cur) > 0 {
			return fail(e, cmd, exitBadInput, "--against runs both sides; --current does not apply")
		}
		res, code := runAgainst(ctx, e, f, opt)
		if res == nil {
			return code
		}
		base, cur = res.Base, res.Current
		if f.budget > 0 {
			// The verdict is the sequential run's last look: at the level
			// of the look it stopped at, or, when the budget or the plan
			// ended it, with all the error rate the looks left.
			prev, n := lastLook(res)
			opt = opt.AtLook(prev, n, res.Planned)
			plan := fmt.Sprintf("%d planned in the %v budget, earlier looks after %s", res.Planned, f.budget, joinInts(res.Looks))
			switch {
			case len(res.Looks) == 0:
				plan = fmt.Sprintf("the %v budget ended before the first look, after %d", f.budget, min(f.minSamples, f.samples))
			case res.Looks[len(res.Looks)-1] == res.Rounds:
				plan = fmt.Sprintf("%d planned in the %v budget, looks after %s", res.Planned, f.budget, joinInts(res.Looks))
			}
			seq = fmt.Sprintf("sequential --against: verdict after %d rounds (%s); judged at alpha %.3g, %.4g%% intervals (O'Brien-Fleming spending of alpha %v over the looks)",
				res.Rounds, plan, opt.Alpha, 100*opt.Confidence, f.alpha)
		}
	default:
		if len(f.cur) == 0 {
			return fail(e, cmd, exitBadInput, "--current is required with --baseline and --baseline-name")
		}
		if cur, err = input.ReadInputs(f.cur); err != nil {
			return inputFailure(e, cmd, "current", err)
		}
		if f.baseName != "" {
			var code int
			base, storeMismatch, code = loadStored(e, f, cur)
			if base == nil {
				return code
			}
		} else if base, err = input.ReadInputs(f.base); err != nil {
			return inputFailure(e, cmd, "baseline", err)
		}
	}
	// An A/B run takes the i-th sample of each side in the same round.
	opt.Paired = f.against != ""
	cmp, err := stats.Compare(base, cur, opt)
	if err != nil {
		return inputFailure(e, cmd, "comparison", err)
	}
	if seq != "" {
		cmp.Warnings = append(cmp.Warnings, seq)
	}
	if len(storeMismatch) > 0 && len(cmp.MachineMismatch) == 0 {
		cmp.MachineMismatch = storeMismatch
		cmp.Warnings = append(cmp.Warnings, fmt.Sprintf("MACHINE MISMATCH: baseline %q was saved on another machine than this one (%s)", f.baseName, strings.Join(storeMismatch, "; ")))
	}
	if len(cmp.MachineMismatch) > 0 {
		msg := fmt.Sprintf("the baseline (%s) and the current run (%s) come from different machines: %s", cmp.BaselineMachine, cmp.CurrentMachine, strings.Join(cmp.MachineMismatch, "; "))
		if f.strict {
			return fail(e, cmd, exitBadInput, "--strict: %s", msg)
		}
		fmt.Fprintf(e.stderr, "\n*** WARNING: %s.\n*** Differences may come from the machine, not the code; --strict refuses such comparisons.\n\n", msg)
	}
	return writeComparison(e, f, cmp)
}

// writeComparison writes the requested outputs and returns the exit status:
// 1 on a regression, 0 otherwise.
func writeComparison(e *env, f regressFlags, cmp *stats.Comparison) int {
	const cmd = "regression-check"
	// The table and verdict first: an output file that cannot be written
	// must not cost the comparison itself.
	var err error
	if f.jsonOut {
		err = ciout.JSON(e.stdout, cmp)
		fmt.Fprintln(e.stderr, cmp.VerdictLine())
	} else {
		err = ciout.Table(e.stdout, cmp)
	}
	if err != nil {
		return fail(e, cmd, exitFailure, "%v", err)
	}
	if f.markdown != "" {
		var buf bytes.Buffer
		if err := ciout.Markdown(&buf, cmp); err != nil {
			return fail(e, cmd, exitFailure, "%v", err)
		}
		if err := writeSummary(f.markdown, buf.Bytes()); err != nil {
			return fail(e, cmd, exitIO, "--markdown: %v", err)
		}
	}
	if f.junit != "" {
		var buf bytes.Buffer
		if err := ciout.JUnit(&buf, cmp); err != nil {
			return fail(e, cmd, exitFailure, "%v", err)
		}
		if err := results.WriteFileAtomic(f.junit, buf.Bytes(), 0o644); err != nil {
			return fail(e, cmd, exitIO, "--junit: %v", err)
		}
	}
	outcome, msg := cmp.Gate(f.inconclusive == "pass")
	fmt.Fprintf(e.stderr, "regression-check: %s\n", msg)
	switch outcome {
	case stats.Fail:
		return exitFailure
	case stats.NothingCompared:
		return exitBadInput
	case stats.Undecided:
		return exitInconclusive
	}
	return exitOK
}

// writeSummary writes a Markdown summary: appended to $GITHUB_STEP_SUMMARY
// (other steps write there too), written atomically anywhere else.
func writeSummary(path string, data []byte) error {
	if s := os.Getenv("GITHUB_STEP_SUMMARY"); s != "" && filepath.Clean(s) == filepath.Clean(path) {
		fh, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		if _, err := fh.Write(data); err != nil {
			fh.Close()
			return err
		}
		return fh.Close()
	}
	return results.WriteFileAtomic(path, data, 0o644)
}

// loadStored reads the baseline NAME saved for the current run's machine.
func loadStored(e *env, f regressFlags, cur *input.Input) (*input.Input, []string, int) {
	const cmd = "regression-check"
	st, code, ok := openStore(e, cmd, f.store)
	if !ok {
		return nil, nil, code
	}
	fp := lookupFingerprint(cur)
	found, err := st.Find(f.baseName, fp)
	if err != nil {
		return nil, nil, fail(e, cmd, exitBadInput, "--baseline-name: %v", err)
	}
	b := found.Baseline
	if len(found.Mismatch) > 0 {
		msg := fmt.Sprintf("no baseline %q for this machine (%s); the closest was saved on %s: %s", f.baseName, fp, b.Fingerprint, strings.Join(found.Mismatch, "; "))
		if f.strict {
			return nil, nil, fail(e, cmd, exitBadInput, "--strict: %s", msg)
		}
		fmt.Fprintf(e.stderr, "\n*** WARNING: %s.\n\n", msg)
	}
	in, err := found.Input()
	if err != nil {
		return nil, nil, inputFailure(e, cmd, "stored baseline", err)
	}
	in.File = fmt.Sprintf("baseline %q (%s, %s, newest of %d)", b.Name, b.Key, b.Created.Format(time.RFC3339), len(found.Runs))
	return in, found.Mismatch, exitOK
}

func abConfig(e *env, f regressFlags) abrun.Config {
	return abrun.Config{
		Ref: f.against, Package: f.pkg, Bench: f.bench, BenchTime: f.benchtime,
		Rounds: f.samples, Short: f.short, Log: e.stderr,
	}
}

func runAgainst(ctx context.Context, e *env, f regressFlags, opt stats.Options) (*abrun.Result, int) {
	const cmd = "regression-check"
	cfg := abConfig(e, f)
	if f.budget > 0 {
		cfg.Budget, cfg.MinRounds = f.budget, min(f.minSamples, f.samples)
		opt.Paired = true
		cfg.Decide = func(look abrun.Look, base, cur []byte) (bool, error) {
			b, err := input.ParseInput(base, "baseline")
			if err != nil {
				return false, err
			}
			c, err := input.ParseInput(cur, "working tree")
			if err != nil {
				return false, err
			}
			// Each look spends its share of the error rate, so that
			// looking several times does not give a false alarm several
			// chances.
			lo := opt.AtLook(look.Prev, look.Rounds, look.Planned)
			cmp, err := stats.Compare(b, c, lo)
			if err != nil {
				return false, err
			}
			n := cmp.Counts()
			fmt.Fprintf(e.stderr, "regression-check: after %d of %d rounds (alpha %.3g): %s\n", look.Rounds, look.Planned, lo.Alpha, cmp.VerdictLine())
			return n.Inconclusive == 0 && n.Missing == 0, nil
		}
	}
	res, err := abrun.Run(ctx, cfg)
	if err != nil {
		return nil, abFailure(ctx, e, fmt.Sprintf("--against %s", f.against), err)
	}
	if f.raw != "" {
		if err := writeRaw(f.raw, map[string][]byte{"baseline.txt": res.BaseText, "current.txt": res.CurrentText}); err != nil {
			return nil, fail(e, cmd, exitIO, "--raw: %v", err)
		}
	}
	return res, exitOK
}

func abFailure(ctx context.Context, e *env, what string, err error) int {
	const cmd = "regression-check"
	if ctx.Err() != nil {
		fmt.Fprintf(e.stderr, "bitnet-bench %s: interrupted; the temporary worktree was removed\n", cmd)
		return exitInterrupted
	}
	var ie *input.InputError
	if errors.As(err, &ie) {
		return fail(e, cmd, exitBadInput, "%s: the benchmark output could not be read: %v", what, err)
	}
	return fail(e, cmd, exitBadInput, "%s: %v", what, err)
}

func writeRaw(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, data := range files {
		if err := results.WriteFileAtomic(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func inputFailure(e *env, cmd, side string, err error) int {
	var ie *input.InputError
	if errors.As(err, &ie) {
		return fail(e, cmd, exitBadInput, "bad %s input: %v", side, err)
	}
	return fail(e, cmd, exitBadInput, "%s: %v", side, err)
}

// compareFiles reads both inputs and compares them; on bad input it prints
// the error and returns a nil comparison with exit code 2.
func compareFiles(e *env, cmd, basePath, curPath string, opt stats.Options) (*stats.Comparison, int) {
	base, err := input.ReadInput(basePath)
	if err != nil {
		return nil, inputFailure(e, cmd, "baseline", err)
	}
	cur, err := input.ReadInput(curPath)
	if err != nil {
		return nil, inputFailure(e, cmd, "current", err)
	}
	cmp, err := stats.Compare(base, cur, opt)
	if err != nil {
		return nil, inputFailure(e, cmd, "comparison", err)
	}
	return cmp, exitOK
}

// tidyUnit names a unit as the inputs store it ("ns/op" is "sec/op",
// "MB/s" is "B/s").
func tidyUnit(u string) string {
	_, t := benchunit.Tidy(1, strings.TrimSpace(u))
	return t
}

// lastLook is the look a sequential --against run's verdict is: the one it
// stopped at, or, when the budget or the plan ended it after its last
// look, a final one that uses what the looks left (n = Planned).
func lastLook(res *abrun.Result) (prev, n int) {
	k := len(res.Looks)
	if k > 0 && res.Looks[k-1] == res.Rounds {
		if k > 1 {
			prev = res.Looks[k-2]
		}
		return prev, res.Rounds
	}
	if k > 0 {
		prev = res.Looks[k-1]
	}
	return prev, max(res.Planned, res.Rounds)
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
