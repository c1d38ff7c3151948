package baselines

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchunit"
)

// WriteTable writes the comparison as an aligned text table, then the
// geomean of the time ratios, the warnings and a one-line verdict, last so a
// CI log shows it at the bottom.
func (c *Comparison) WriteTable(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tunit\tbaseline\tcurrent\tdelta\tratio CI\tp\tverdict\tnote")
	for i := range c.Rows {
		r := &c.Rows[i]
		var centers []float64
		for _, s := range []*Summary{r.Baseline, r.Current} {
			if s != nil {
				centers = append(centers, s.Center)
			}
		}
		// One scale per row so both sides read in the same prefix.
		sc := benchunit.CommonScale(centers, benchunit.ClassOf(r.Unit))
		delta, ci, p := "", "", ""
		if r.Baseline != nil && r.Current != nil {
			delta = formatDelta(r.Ratio)
			ci = formatInterval(r.RatioLo, r.RatioHi)
			p = fmt.Sprintf("p=%.3f n=%s", r.P, formatN(r.Baseline.N, r.Current.N))
		}
		note := r.Note
		if r.Threshold != c.Threshold && r.Threshold > 0 {
			note = strings.TrimPrefix(note+"; threshold "+pct(r.Threshold)+" (config)", "; ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Unit,
			formatSummary(r.Baseline, sc, r.Unit), formatSummary(r.Current, sc, r.Unit),
			delta, ci, p, r.Verdict, note)
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
		if r.Unit == UnitSecPerOp && r.Baseline != nil && r.Current != nil {
			timed++
		}
	}
	if c.GeomeanRatio > 0 {
		fmt.Fprintf(bw, "geomean %s ratio: %.3f (%s) over %s\n", UnitSecPerOp, c.GeomeanRatio, formatDelta(c.GeomeanRatio), plural(timed, "case"))
	} else {
		fmt.Fprintf(bw, "geomean %s ratio: none: no case has %s on both sides\n", UnitSecPerOp, UnitSecPerOp)
	}
	for _, warn := range c.Warnings {
		fmt.Fprintf(bw, "warning: %s\n", warn)
	}
	fmt.Fprintln(bw, c.verdictLine())
	return bw.Flush()
}

// verdictLine is the final line, counted by case (see Counts).
func (c *Comparison) verdictLine() string {
	n := c.Counts()
	parts := []string{
		plural(n.Regressions, "regression"),
		plural(n.Improvements, "improvement"),
		fmt.Sprintf("%d unchanged", n.Unchanged),
	}
	if n.Inconclusive > 0 {
		parts = append(parts, fmt.Sprintf("%d with too few samples to tell", n.Inconclusive))
	}
	if n.Missing > 0 {
		parts = append(parts, fmt.Sprintf("%d missing on one side", n.Missing))
	}
	th := "threshold " + pct(c.Threshold)
	if n := c.configuredCases(); n > 0 {
		th += fmt.Sprintf(", %s with their own from the config", plural(n, "case"))
	}
	line := fmt.Sprintf("regression-check: %s (%s, alpha %v)", strings.Join(parts, ", "), th, c.Alpha)
	if len(c.MachineMismatch) > 0 {
		line += "; MACHINE MISMATCH: " + strings.Join(c.MachineMismatch, "; ")
	}
	return line
}

// configuredCases counts the cases whose threshold is not the default.
func (c *Comparison) configuredCases() int {
	seen := map[string]bool{}
	for _, r := range c.Rows {
		if r.Threshold != c.Threshold && r.Threshold > 0 {
			seen[r.Name] = true
		}
	}
	return len(seen)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func formatN(b, k int) string {
	if b == k {
		return fmt.Sprint(b)
	}
	return fmt.Sprintf("%d+%d", b, k)
}

func formatDelta(ratio float64) string {
	if math.IsInf(ratio, 0) || math.IsNaN(ratio) {
		return "?"
	}
	return fmt.Sprintf("%+.1f%%", (ratio-1)*100)
}

// formatSummary renders "1.234ms ± 2%": the median scaled by sc and the
// half-width of its confidence interval relative to the median.
func formatSummary(s *Summary, sc benchunit.Scaler, unit string) string {
	if s == nil {
		return "-"
	}
	v := sc.Format(s.Center) + valueSuffix(unit)
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

// valueSuffix puts the base symbol after the scaled number so times read
// "1.23ms" and byte rates "1.50GiB/s"; other units show only the prefix
// ("12.3k"), the unit column naming them.
func valueSuffix(unit string) string {
	switch {
	case unit == UnitSecPerOp:
		return "s"
	case unit == "B/op":
		return "B"
	case strings.HasPrefix(unit, "B/"):
		return unit
	}
	return ""
}

// WriteJSON writes the comparison as indented JSON, with per-case counts.
// Infinite bounds (too few samples) are written as null.
func (c *Comparison) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		*Comparison
		Counts Counts `json:"counts"`
	}{c, c.Counts()})
}

// jsonNum is a float64 that encodes as null when not finite, which JSON
// cannot represent.
type jsonNum float64

func (f jsonNum) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

// MarshalJSON writes an unbounded interval's ends as null.
func (s Summary) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Center jsonNum `json:"center"`
		Lo     jsonNum `json:"lo"`
		Hi     jsonNum `json:"hi"`
		N      int     `json:"n"`
	}{jsonNum(s.Center), jsonNum(s.Lo), jsonNum(s.Hi), s.N})
}

// MarshalJSON writes infinite ratios (a zero baseline, an unbounded
// interval) as null.
func (r Row) MarshalJSON() ([]byte, error) {
	type plain Row // drops this method, so no recursion
	return json.Marshal(struct {
		plain
		// Shallower fields win over plain's of the same JSON name.
		Ratio   jsonNum `json:"ratio,omitempty"`
		RatioLo jsonNum `json:"ratio_lo,omitempty"`
		RatioHi jsonNum `json:"ratio_hi,omitempty"`
	}{plain(r), jsonNum(r.Ratio), jsonNum(r.RatioLo), jsonNum(r.RatioHi)})
}
