// Package ciout writes a comparison for people and CI systems: an aligned
// terminal table, Markdown for a CI step summary, JUnit XML for test-report
// tools, and JSON. Every text output ends in the comparison's verdict line.
package ciout

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/internal/textfmt"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/internal/units"
)

// verdictText is a row's verdict, marked when the row does not gate.
func verdictText(r *stats.Row) string {
	if !r.Gated {
		return string(r.Verdict) + " (not gated)"
	}
	return string(r.Verdict)
}

// reasonText is the row's reason followed by its notes.
func reasonText(r *stats.Row) string {
	return strings.TrimPrefix(strings.TrimSuffix(r.Reason+"; "+r.Note, "; "), "; ")
}

// stateOrder sorts cases worst first for the reader.
func stateOrder(a, b stats.CaseRows) int { return int(a.State) - int(b.State) }

// Markdown writes the comparison for a CI step summary (GitHub's
// $GITHUB_STEP_SUMMARY, GitLab and others render the same Markdown): a
// heading with the verdict, a loud warning when the machines differ, one
// table row per case and unit with regressions first, then cases missing on
// a side, inconclusive ones, improvements and new cases, a geomean row, the
// unchanged cases folded in a <details>, and the warnings.
func Markdown(w io.Writer, c *stats.Comparison) error {
	bw := bufio.NewWriter(w)
	mark := "✅"
	switch o, _ := c.Gate(false); {
	case o == stats.Fail:
		mark = "❌"
	case o != stats.Pass || len(c.MachineMismatch) > 0:
		mark = "⚠️"
	}
	fmt.Fprintf(bw, "### %s %s\n\n", mark, mdEscape(c.VerdictLine()))
	if len(c.MachineMismatch) > 0 {
		fmt.Fprintf(bw, "> [!WARNING]\n> **Machine mismatch.** The baseline (%s) and the current run (%s) were measured on different machines: %s. Differences may come from the machine, not the code.\n\n",
			mdEscape(c.BaselineMachine.String()), mdEscape(c.CurrentMachine.String()), mdEscape(strings.Join(c.MachineMismatch, "; ")))
	}
	paired := ""
	if c.Paired {
		paired = " (resampling the interleaved rounds in pairs)"
	}
	_, gate := c.Gate(false)
	fmt.Fprintf(bw, "**Gate:** %s\n\n", mdEscape(gate))
	fmt.Fprintf(bw, "Baseline `%s` (%s), current `%s` (%s); between runs: %s. Each case is gated on %s: a regression (improvement) when the Mann-Whitney p-value is below %v **and** the %g%% interval%s of the ratio of medians lies entirely beyond its threshold, no change when it lies within ±threshold, inconclusive otherwise.\n\n",
		mdCode(c.Baseline), textfmt.Plural(c.BaselineRuns, "run"), mdCode(c.Current), textfmt.Plural(c.CurrentRuns, "run"), mdEscape(c.Model), mdEscape(c.Metric), c.Alpha, c.Confidence*100, paired)
	writeControlsMarkdown(bw, c)
	cases := c.ByCase()
	slices.SortStableFunc(cases, stateOrder)
	// The changed cases lead; the unchanged ones, most of a healthy run,
	// fold into a <details> after them.
	var changed, same []stats.CaseRows
	for _, cr := range cases {
		if cr.State == stats.StateUnchanged {
			same = append(same, cr)
		} else {
			changed = append(changed, cr)
		}
	}
	header := func() {
		fmt.Fprintf(bw, "| verdict | case | unit | baseline | current | change | ratio %g%% CI | p | threshold | reason |\n", c.Confidence*100)
		fmt.Fprintln(bw, "|---|---|---|---:|---:|---:|---|---:|---:|---|")
	}
	header()
	writeMarkdownRows(bw, changed)
	if c.GeomeanRatio > 0 {
		fmt.Fprintf(bw, "| | **geomean** | %s | | | %s | | | | ratio %.3f over %s |\n", input.UnitSecPerOp, textfmt.Delta(c.GeomeanRatio), c.GeomeanRatio, textfmt.Plural(timedCases(c), "case"))
	}
	if len(same) > 0 {
		fmt.Fprintf(bw, "\n<details><summary>%s unchanged</summary>\n\n", textfmt.Plural(len(same), "case"))
		header()
		writeMarkdownRows(bw, same)
		fmt.Fprintln(bw, "\n</details>")
	}
	if len(c.Warnings) > 0 {
		fmt.Fprintln(bw, "\n**Warnings**")
		fmt.Fprintln(bw)
		for _, warn := range c.Warnings {
			fmt.Fprintf(bw, "- %s\n", mdEscape(warn))
		}
	}
	fmt.Fprintf(bw, "\n%s\n", mdEscape(c.VerdictLine()))
	return bw.Flush()
}

// writeMarkdownRows writes the table rows of cases, one per case and unit.
func writeMarkdownRows(bw *bufio.Writer, cases []stats.CaseRows) {
	for _, cr := range cases {
		for _, r := range cr.Rows {
			sc := rowScaler(&r)
			change, ci, p := "", "", ""
			if r.Baseline != nil && r.Current != nil {
				change = textfmt.Delta(r.Ratio)
				ci = textfmt.Interval(r.RatioLo, r.RatioHi)
				p = fmt.Sprintf("%.3f", r.P)
			}
			verdict := verdictText(&r)
			switch {
			case !r.Gated:
			case r.Verdict == stats.Regression || r.Verdict == stats.Failed:
				verdict = "🔴 **" + verdict + "**"
			case r.Verdict == stats.Improvement:
				verdict = "🟢 " + verdict
			case r.Verdict == stats.Inconclusive || r.Verdict == stats.MissingCurrent:
				verdict = "⚠️ " + verdict
			}
			fmt.Fprintf(bw, "| %s | `%s` | %s | %s | %s | %s | %s | %s | %s | %s |\n",
				verdict, mdCode(r.Name), mdEscape(r.Unit),
				mdEscape(formatSummary(r.Baseline, sc)), mdEscape(formatSummary(r.Current, sc)),
				change, ci, p, textfmt.Pct(r.Threshold), mdEscape(reasonText(&r)))
		}
	}
}

func timedCases(c *stats.Comparison) int {
	n := 0
	for _, r := range c.Rows {
		if r.Unit == input.UnitSecPerOp && r.Baseline != nil && r.Current != nil {
			n++
		}
	}
	return n
}

func rowScaler(r *stats.Row) units.Scale {
	var centers []float64
	for _, s := range []*stats.Summary{r.Baseline, r.Current} {
		if s != nil {
			centers = append(centers, s.Center)
		}
	}
	return units.ScaleFor(r.Unit, centers...)
}

var mdReplacer = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;")

// mdEscape makes s safe inside a Markdown table cell.
func mdEscape(s string) string { return mdReplacer.Replace(s) }

// mdCode makes s safe inside a `code span` in a table cell.
func mdCode(s string) string {
	return strings.NewReplacer("|", `\|`, "`", "'", "\n", " ", "\r", " ").Replace(s)
}

// writeControlsMarkdown lists the controls' shifts between the runs.
func writeControlsMarkdown(w io.Writer, c *stats.Comparison) {
	if len(c.Controls) == 0 {
		return
	}
	fmt.Fprintln(w, "| control | baseline | current | shift | 95% CI |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---|")
	for _, s := range c.Controls {
		sc := units.ScaleFor(input.UnitSecPerOp, s.Baseline.Center, s.Current.Center)
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", mdEscape(s.Name), sc.Format(s.Baseline.Center), sc.Format(s.Current.Center), textfmt.Delta(s.Ratio), textfmt.Interval(s.RatioLo, s.RatioHi))
	}
	fmt.Fprintln(w)
}
