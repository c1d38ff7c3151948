package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/bitnet-go/bitnet-bench/bench"
	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// writeSideBySide prints, for every problem (op, shape, batch) that ran on
// more than one target, the median time on each beside its ratio to the
// first target of the run (ours, when --devices starts with cpu): the
// table `compare --devices cpu,ext:...` is run for. Ratios come from one
// run, measured minutes apart at most, on one machine. Nothing is printed
// when every problem ran on one target.
func writeSideBySide(w io.Writer, cases []results.Case) {
	type cell struct {
		ns     float64
		status string
	}
	var problems, targets []string
	table := map[string]map[string]cell{}
	for _, c := range cases {
		if c.Family == results.FamilyWorkload {
			continue
		}
		parts := strings.Split(c.Name, "/")
		n := 3 // Op/shape/dtype/target...
		if c.Shape.M > 0 {
			n = 4 // Op/shape/bM/dtype/target...
		}
		if len(parts) <= n {
			continue
		}
		problem, target := strings.Join(parts[:n-1], "/"), strings.Join(parts[n:], "/")
		if table[problem] == nil {
			table[problem] = map[string]cell{}
			problems = append(problems, problem)
		}
		if !slices.Contains(targets, target) {
			targets = append(targets, target)
		}
		table[problem][target] = cell{c.MedianNs, c.Status}
	}
	var shown []string
	for _, p := range problems {
		if len(table[p]) > 1 {
			shown = append(shown, p)
		}
	}
	if len(shown) == 0 {
		return
	}
	base := targets[0]
	fmt.Fprintf(w, "\nside by side: median time per op, and (×) its ratio to %s's in this run; lower is faster\n", base)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "problem\t%s\n", strings.Join(targets, "\t"))
	for _, p := range shown {
		row := []string{p}
		b, hasBase := table[p][base]
		for _, t := range targets {
			c, ok := table[p][t]
			switch {
			case !ok:
				row = append(row, "-")
			case c.status != results.StatusOK:
				row = append(row, c.status)
			case t == base || !hasBase || b.status != results.StatusOK:
				row = append(row, bench.FormatNs(c.ns))
			default:
				row = append(row, fmt.Sprintf("%s (%.2f×)", bench.FormatNs(c.ns), c.ns/b.ns))
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
}
