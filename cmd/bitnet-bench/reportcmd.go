package main

import (
	"context"
	"fmt"
	"strings"

	baselineinput "github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/report"
)

func runReport(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "report", `report --input results.json [--baseline FILE] --output report.html
       report --history DIR_OR_FILES [--commit-url URL] --output trend.html
       report --energy energy.json --output energy.html

Renders one self-contained HTML page from a results file: a summary with
recommendations drawn from the data, throughput, scaling and sample charts
per operation, a roofline chart, a table of every case, the machine and
the command line. With --baseline, adds the regression table against it.
With --history, renders instead the trend page of several results files
(comma-separated files or directories searched for *.json): each case's
median over the runs, by date, with the regressions between consecutive
runs (by the --threshold rules) marked and the range of commits each came
in with; --commit-url makes every point and commit a link to its commit.
With --energy, renders the file energy-analysis wrote: energy per
operation per channel and the power, temperature and clock timelines.

ECharts is inlined by default, so the page opens without a network;
--assets cdn loads it from jsDelivr instead, for a much smaller file.`, `  bitnet-bench report --input out/results.json --output report.html
  bitnet-bench report --input out/results.json --baseline baseline.json --threshold 5% --output report.html
  bitnet-bench report --input results.json --theme dark --assets cdn --output report.html
  bitnet-bench report --history nightly/ --output trend.html
  bitnet-bench report --energy energy.json --output energy.html
  bitnet-bench report --history nightly/ --commit-url https://github.com/OWNER/REPO/commit/%s --output trend.html`)
	var (
		input     = fs.String("input", "", "results.json written by compare (required)")
		basePath  = fs.String("baseline", "", "optional baseline (results.json or Go benchmark text) to compare against")
		threshold = fs.String("threshold", "5%", "threshold for the regression table, fraction or percentage")
		output    = fs.String("output", "", "HTML file to write (required)")
		theme     = fs.String("theme", "light", "light or dark")
		title     = fs.String("title", "", "page title; default derived from the results")
		assets    = fs.String("assets", report.AssetsInline, "how the page gets ECharts: inline (self-contained, about 1 MB more) or cdn (one script tag; drawing needs the network)")
		history   = fs.String("history", "", "comma-separated results files or directories: write the trend page over these runs instead of one report")
		energy    = fs.String("energy", "", "energy.json written by energy-analysis: write its page (power, temperature and clock timelines) instead of a report")
		commitURL = fs.String("commit-url", "", "with --history: link each run's commit, a URL with %s for the commit (https://github.com/OWNER/REPO/commit/%s)")
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
	if *energy != "" {
		if *input != "" || *basePath != "" || *history != "" {
			return fail(e, "report", exitBadInput, "--energy writes the energy page of one energy-analysis file: leave out --input, --baseline and --history")
		}
		return runEnergyReport(e, *energy, *output, *title, *theme, mode)
	}
	if *history != "" {
		if *input != "" || *basePath != "" {
			return fail(e, "report", exitBadInput, "--history writes the trend page: leave out --input and --baseline")
		}
		if err := report.CheckCommitURL(*commitURL); err != nil {
			return fail(e, "report", exitBadInput, "--commit-url %v", err)
		}
		return runHistory(e, *history, *output, *threshold, *title, *theme, mode, *commitURL)
	}
	if *commitURL != "" {
		return fail(e, "report", exitBadInput, "--commit-url links the commits of a --history page: add --history")
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
		// The baseline's samples and machine, drawn beside the current
		// run's; compareFiles has already read them without error.
		if base, err := baselineinput.ReadInput(*basePath); err == nil {
			in.Baseline = base
		}
		if bf, err := results.ReadFile(*basePath); err == nil {
			in.BaselineResults = bf
		}
	}
	if err := report.WriteFile(*output, in); err != nil {
		return fail(e, "report", exitIO, "writing %s: %v", *output, err)
	}
	fmt.Fprintf(e.stderr, "wrote %s (%d cases)\n", *output, len(f.Cases))
	return exitOK
}

// runEnergyReport writes the page of an energy-analysis file.
func runEnergyReport(e *env, path, output, title, theme, assets string) int {
	if output == "" {
		return fail(e, "report", exitBadInput, "--output is required")
	}
	if code, stop := checkOutputs(e, "report", "output", output); stop {
		return code
	}
	f, err := results.ReadEnergyFile(path)
	if err != nil {
		return fail(e, "report", exitBadInput, "--energy: %v", err)
	}
	if err := report.WriteEnergyFile(output, report.EnergyInput{File: f, Title: title, Theme: theme, Assets: assets}); err != nil {
		return fail(e, "report", exitIO, "writing %s: %v", output, err)
	}
	fmt.Fprintf(e.stderr, "wrote %s (%s, %d timelines)\n", output, f.Workload, len(f.Timelines))
	return exitOK
}

// runHistory writes the trend page of the runs that paths name.
func runHistory(e *env, paths, output, threshold, title, theme, assets, commitURL string) int {
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
		Options: stats.Options{Threshold: th}, Warnings: warnings, CommitURL: commitURL}
	if err := report.WriteHistoryFile(output, in); err != nil {
		return fail(e, "report", exitIO, "writing %s: %v", output, err)
	}
	fmt.Fprintf(e.stderr, "wrote %s (%d runs)\n", output, len(runs))
	return exitOK
}
