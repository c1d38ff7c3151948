package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/report"
)

func runReport(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "report", `report --input results.json [--baseline FILE] --output report.html
       report --history DIR_OR_FILES --output trend.html

Renders one self-contained HTML page from a results file: a summary with
recommendations drawn from the data, throughput, scaling and sample charts
per operation, a roofline chart, a table of every case, the machine and
the command line. With --baseline, adds the regression table against it.
With --history, renders instead the trend page of several results files
(comma-separated files or directories searched for *.json): each case's
median over the runs, by date, with the regressions between consecutive
runs (by the --threshold rules) marked.

ECharts is inlined by default, so the page opens without a network;
--assets cdn loads it from jsDelivr instead, for a much smaller file.`, `  bitnet-bench report --input out/results.json --output report.html
  bitnet-bench report --input out/results.json --baseline baseline.json --threshold 5% --output report.html
  bitnet-bench report --input results.json --theme dark --assets cdn --output report.html
  bitnet-bench report --history nightly/ --output trend.html`)
	var (
		input     = fs.String("input", "", "results.json written by compare (required)")
		basePath  = fs.String("baseline", "", "optional baseline (results.json or Go benchmark text) to compare against")
		threshold = fs.String("threshold", "5%", "threshold for the regression table, fraction or percentage")
		output    = fs.String("output", "", "HTML file to write (required)")
		theme     = fs.String("theme", "light", "light or dark")
		title     = fs.String("title", "", "page title; default derived from the results")
		assets    = fs.String("assets", report.AssetsInline, "how the page gets ECharts: inline (self-contained, about 1 MB more) or cdn (one script tag; drawing needs the network)")
		history   = fs.String("history", "", "comma-separated results files or directories: write the trend page over these runs instead of one report")
	)
	if code, stop := parseFlags(e, fs, args); stop {
		return code
	}
	mode, err := report.ParseAssets(*assets)
	if err != nil {
		return fail(e, "report", exitBadInput, "--assets: %v", err)
	}
	if *theme != "light" && *theme != "dark" {
		return fail(e, "report", exitBadInput, "--theme %q: want light or dark", *theme)
	}
	if *history != "" {
		if *input != "" || *basePath != "" {
			return fail(e, "report", exitBadInput, "--history writes the trend page: leave out --input and --baseline")
		}
		return runHistory(e, *history, *output, *threshold, *title, *theme, mode)
	}
	if *input == "" || *output == "" {
		return fail(e, "report", exitBadInput, "--input and --output are both required")
	}
	if code, stop := checkOutputs(e, "report", "output", *output); stop {
		return code
	}
	f, err := results.ReadFile(*input)
	if err != nil {
		return fail(e, "report", exitBadInput, "%v", err)
	}
	in := report.Input{Results: f, Title: *title, Theme: *theme, Assets: mode}
	if *basePath != "" {
		th, err := stats.ParseThreshold(*threshold)
		if err != nil {
			return fail(e, "report", exitBadInput, "--threshold: %v", err)
		}
		cmp, code := compareFiles(e, "report", *basePath, *input, stats.Options{Threshold: th})
		if cmp == nil {
			return code
		}
		in.Comparison = cmp
	}
	if err := report.WriteFile(*output, in); err != nil {
		return fail(e, "report", exitIO, "writing %s: %v", *output, err)
	}
	fmt.Fprintf(e.stderr, "wrote %s (%d cases)\n", *output, len(f.Cases))
	return exitOK
}

// runHistory writes the trend page of the runs that paths name.
func runHistory(e *env, paths, output, threshold, title, theme, assets string) int {
	if output == "" {
		return fail(e, "report", exitBadInput, "--output is required")
	}
	if code, stop := checkOutputs(e, "report", "output", output); stop {
		return code
	}
	th, err := stats.ParseThreshold(threshold)
	if err != nil {
		return fail(e, "report", exitBadInput, "--threshold: %v", err)
	}
	runs, warnings, err := report.LoadHistory(strings.Split(paths, ","))
	if err != nil {
		return fail(e, "report", exitBadInput, "--history: %v", err)
	}
	for _, w := range warnings {
		fmt.Fprintf(e.stderr, "bitnet-bench report: %s\n", w)
	}
	in := report.HistoryInput{Runs: runs, Title: title, Theme: theme, Assets: assets,
		Options: stats.Options{Threshold: th}, Warnings: warnings}
	if err := report.WriteHistoryFile(output, in); err != nil {
		return fail(e, "report", exitIO, "writing %s: %v", output, err)
	}
	fmt.Fprintf(e.stderr, "wrote %s (%d runs)\n", output, len(runs))
	return exitOK
}
