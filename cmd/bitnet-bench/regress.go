package main

import (
	"context"
	"errors"

	"github.com/bitnet-go/bitnet-bench/baselines"
)

func runRegressionCheck(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "regression-check", `regression-check --baseline FILE --current FILE [--threshold 5%]

Compares a current run with a baseline. Each file is either a results.json
written by "bitnet-bench compare" or Go benchmark text ("go test -bench
-count N" output). Per case it prints the median of each side with its
confidence interval, the change, the Mann-Whitney p-value and a verdict. A
case is a regression only when the change is significant AND its interval
lies entirely beyond the threshold, so noise alone does not fail a build.

Exit status: 0 no regression, 1 regression found, 2 bad usage or bad input.`, `  bitnet-bench regression-check --baseline baseline.json --current out/results.json
  bitnet-bench regression-check --baseline old.txt --current new.txt --threshold 0.05
  go test -run '^$' -bench . -count 10 ./... > new.txt
  bitnet-bench regression-check --baseline old.txt --current new.txt --threshold 10%`)
	var (
		basePath  = fs.String("baseline", "", "baseline results: results.json or Go benchmark text (required)")
		curPath   = fs.String("current", "", "current results: results.json or Go benchmark text (required)")
		threshold = fs.String("threshold", "5%", "smallest change that counts, as a fraction (0.05) or a percentage (5%)")
		alpha     = fs.Float64("alpha", 0.05, "significance level of the Mann-Whitney U test")
		jsonOut   = fs.Bool("json", false, "print the comparison as JSON instead of a table")
	)
	if code, stop := parseFlags(e, fs, args); stop {
		return code
	}
	if *basePath == "" || *curPath == "" {
		return fail(e, "regression-check", exitBadInput, "--baseline and --current are both required")
	}
	th, err := baselines.ParseThreshold(*threshold)
	if err != nil {
		return fail(e, "regression-check", exitBadInput, "--threshold: %v", err)
	}
	if !(*alpha > 0 && *alpha < 1) {
		return fail(e, "regression-check", exitBadInput, "--alpha %v: want a value between 0 and 1", *alpha)
	}
	cmp, code := compareFiles(e, "regression-check", *basePath, *curPath, baselines.Options{Threshold: th, Alpha: *alpha})
	if cmp == nil {
		return code
	}
	if *jsonOut {
		err = cmp.WriteJSON(e.stdout)
	} else {
		err = cmp.WriteTable(e.stdout)
	}
	if err != nil {
		return fail(e, "regression-check", exitFailure, "%v", err)
	}
	if cmp.HasRegression() {
		return exitFailure
	}
	return exitOK
}

// compareFiles reads both inputs and compares them; on bad input it prints
// the error and returns a nil comparison with exit code 2.
func compareFiles(e *env, cmd, basePath, curPath string, opt baselines.Options) (*baselines.Comparison, int) {
	base, err := baselines.ReadInput(basePath)
	if err != nil {
		return nil, inputFailure(e, cmd, "baseline", err)
	}
	cur, err := baselines.ReadInput(curPath)
	if err != nil {
		return nil, inputFailure(e, cmd, "current", err)
	}
	cmp, err := baselines.Compare(base, cur, opt)
	if err != nil {
		return nil, inputFailure(e, cmd, "comparison", err)
	}
	return cmp, exitOK
}

func inputFailure(e *env, cmd, side string, err error) int {
	var ie *baselines.InputError
	if errors.As(err, &ie) {
		return fail(e, cmd, exitBadInput, "bad %s input: %v", side, err)
	}
	return fail(e, cmd, exitBadInput, "%s: %v", side, err)
}
