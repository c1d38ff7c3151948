package ciout

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/internal/textfmt"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/internal/units"
)

// Table writes the comparison as an aligned text table, then the
// geomean of the time ratios, the warnings and a one-line verdict, last so a
// CI log shows it at the bottom.
func Table(w io.Writer, c *stats.Comparison) error {
	bw := bufio.NewWriter(w)
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tunit\tbaseline\tcurrent\tdelta\tratio CI\tp\tverdict\treason")
	for i := range c.Rows {
		r := &c.Rows[i]
		var centers []float64
		for _, s := range []*stats.Summary{r.Baseline, r.Current} {
			if s != nil {
				centers = append(centers, s.Center)
			}
		}
		// One scale per row so both sides read in the same prefix.
		sc := units.ScaleFor(r.Unit, centers...)
		delta, ci, p := "", "", ""
		if r.Baseline != nil && r.Current != nil {
			delta = textfmt.Delta(r.Ratio)
			ci = textfmt.Interval(r.RatioLo, r.RatioHi)
			p = fmt.Sprintf("p=%.3f n=%s", r.P, formatN(r.Baseline.N, r.Current.N))
		}
		note := reasonText(r)
		if r.Threshold != c.Threshold && r.Threshold > 0 {
			note = strings.TrimPrefix(note+"; threshold "+textfmt.Pct(r.Threshold)+" (config)", "; ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Unit,
			formatSummary(r.Baseline, sc), formatSummary(r.Current, sc),
			delta, ci, p, verdictText(r), note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// tabwriter pads empty last cells; trailing blanks only clutter diffs.
	for line := range strings.Lines(table.String()) {
		fmt.Fprintln(bw, strings.TrimRight(line, " \n"))
	}

	fmt.Fprintln(bw)
	timed := 0
	for _, r := range c.Rows {
		if r.Unit == input.UnitSecPerOp && r.Baseline != nil && r.Current != nil {
			timed++
		}
	}
	if c.GeomeanRatio > 0 {
		fmt.Fprintf(bw, "geomean %s ratio: %.3f (%s) over %s\n", input.UnitSecPerOp, c.GeomeanRatio, textfmt.Delta(c.GeomeanRatio), textfmt.Plural(timed, "case"))
	} else {
		fmt.Fprintf(bw, "geomean %s ratio: none: no case has %s on both sides\n", input.UnitSecPerOp, input.UnitSecPerOp)
	}
	for _, s := range c.Controls {
		fmt.Fprintf(bw, "control %s: %s (ratio %.3f, CI %s): how far the machine moved between the runs\n", s.Name, textfmt.Delta(s.Ratio), s.Ratio, textfmt.Interval(s.RatioLo, s.RatioHi))
	}
	if c.Model == stats.ModelBounded {
		by := "by the controls"
		switch {
		case c.CasesBound && len(c.Controls) > 0:
			by = fmt.Sprintf("by the controls and the spread of the cases (median %s, robust sd %s)", textfmt.Delta(1+c.CaseShift), textfmt.Pct(c.CaseSpread))
		case c.CasesBound:
			by = fmt.Sprintf("by the spread of the cases (median %s, robust sd %s)", textfmt.Delta(1+c.CaseShift), textfmt.Pct(c.CaseSpread))
		}
		fmt.Fprintf(bw, "one run per side: %s, the machine may have moved ±%s between the runs; the intervals are widened by that much\n", by, textfmt.Pct(c.ControlMargin))
	}
	for _, warn := range c.Warnings {
		fmt.Fprintf(bw, "warning: %s\n", warn)
	}
	fmt.Fprintln(bw, c.VerdictLine())
	return bw.Flush()
}

func formatN(b, k int) string {
	if b == k {
		return fmt.Sprint(b)
	}
	return fmt.Sprintf("%d+%d", b, k)
}

// formatSummary renders "1.23 ms ± 2%": the median at scale sc (the
// project's one unit convention, internal/units) and the half-width of its
// confidence interval relative to the median.
func formatSummary(s *stats.Summary, sc units.Scale) string {
	if s == nil {
		return "-"
	}
	v := sc.Format(s.Center)
	switch {
	case math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0):
		return v + " ± ∞"
	case s.Center == 0:
		return v + " ± 0%"
	}
	r := 100 * math.Max(s.Hi/s.Center-1, 1-s.Lo/s.Center)
	if r < 10 {
		return fmt.Sprintf("%s ± %.1f%%", v, r)
	}
	return fmt.Sprintf("%s ± %.0f%%", v, r)
}

// JSON writes the comparison as indented JSON, with per-case counts.
// Infinite bounds (too few samples) are written as null.
func JSON(w io.Writer, c *stats.Comparison) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		*stats.Comparison
		Counts stats.Counts `json:"counts"`
	}{c, c.Counts()})
}
