package main

import (
	"context"
	"fmt"

	"github.com/bitnet-go/bitnet-bench/baselines"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/report"
)

func runReport(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "report", `report --input results.json [--baseline FILE] --output report.html

Renders one HTML page from a results file: a summary, a table of every
case, throughput and sample charts per operation, the machine and the
command line. With --baseline, adds the regression table against it.`, `  bitnet-bench report --input out/results.json --output report.html
  bitnet-bench report --input out/results.json --baseline baseline.json --threshold 5% --output report.html
  bitnet-bench report --input results.json --theme dark --output report.html`)
	var (
		input     = fs.String("input", "", "results.json written by compare (required)")
		basePath  = fs.String("baseline", "", "optional baseline (results.json or Go benchmark text) to compare against")
		threshold = fs.String("threshold", "5%", "threshold for the regression table, fraction or percentage")
		output    = fs.String("output", "", "HTML file to write (required)")
		theme     = fs.String("theme", "light", "light or dark")
		title     = fs.String("title", "", "page title; default derived from the results")
	)
	if code, stop := parseFlags(e, fs, args); stop {
		return code
	}
	if *input == "" || *output == "" {
		return fail(e, "report", exitBadInput, "--input and --output are both required")
	}
	if *theme != "light" && *theme != "dark" {
		return fail(e, "report", exitBadInput, "--theme %q: want light or dark", *theme)
	}
	f, err := results.ReadFile(*input)
	if err != nil {
		return fail(e, "report", exitBadInput, "%v", err)
	}
	in := report.Input{Results: f, Title: *title, Theme: *theme}
	if *basePath != "" {
		th, err := baselines.ParseThreshold(*threshold)
		if err != nil {
			return fail(e, "report", exitBadInput, "--threshold: %v", err)
		}
		cmp, code := compareFiles(e, "report", *basePath, *input, baselines.Options{Threshold: th})
		if cmp == nil {
			return code
		}
		in.Comparison = cmp
	}
	if err := report.WriteFile(*output, in); err != nil {
		return fail(e, "report", exitFailure, "writing %s: %v", *output, err)
	}
	fmt.Fprintf(e.stderr, "wrote %s (%d cases)\n", *output, len(f.Cases))
	return exitOK
}
