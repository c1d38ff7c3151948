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
	"golang.org/x/perf/benchunit"
)

// caseState is a case's worst outcome, as stats.Counts ranks them.
type caseState int

const (
	stateRegression caseState = iota
	stateMissing
	stateImprovement
	stateInconclusive
	stateUnchanged
)

type caseRows struct {
	name  string
	rows  []stats.Row
	state caseState
}

// byCase groups rows by case, in row order, with each case's state.
func byCase(c *stats.Comparison) []caseRows {
	var out []caseRows
	idx := map[string]int{}
	for _, r := range c.Rows {
		i, ok := idx[r.Name]
		if !ok {
			i = len(out)
			idx[r.Name] = i
			out = append(out, caseRows{name: r.Name, state: stateUnchanged})
		}
		cr := &out[i]
		cr.rows = append(cr.rows, r)
		s := stateUnchanged
		switch {
		case r.Verdict == stats.Regression:
			s = stateRegression
		case r.Verdict == stats.MissingBaseline || r.Verdict == stats.MissingCurrent:
			s = stateMissing
		case r.Verdict == stats.Improvement:
			s = stateImprovement
		case r.Inconclusive:
			s = stateInconclusive
		}
		cr.state = min(cr.state, s)
	}
	return out
}

// Markdown writes the comparison for a CI step summary (GitHub's
// $GITHUB_STEP_SUMMARY, GitLab and others render the same Markdown): a
// heading with the verdict, a loud warning when the machines differ, one
// table row per case and unit with regressions first, then cases missing on
// a side, improvements, inconclusive and unchanged ones, a geomean row, and
// the warnings.
func Markdown(w io.Writer, c *stats.Comparison) error {
	bw := bufio.NewWriter(w)
	mark := "✅"
	switch n := c.Counts(); {
	case n.Regressions > 0:
		mark = "❌"
	case n.Missing > 0 || n.Inconclusive > 0 || len(c.MachineMismatch) > 0 || n.Cases == 0:
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
	fmt.Fprintf(bw, "Baseline `%s`, current `%s`. A case regresses only when the Mann-Whitney p-value is below %v **and** the %g%% bootstrap interval%s of the ratio of medians lies entirely beyond its threshold.\n\n",
		mdCode(c.Baseline), mdCode(c.Current), c.Alpha, c.Confidence*100, paired)
	cases := byCase(c)
	slices.SortStableFunc(cases, func(a, b caseRows) int { return int(a.state) - int(b.state) })
	fmt.Fprintf(bw, "| verdict | case | unit | baseline | current | change | ratio %g%% CI | p | threshold | note |\n", c.Confidence*100)
	fmt.Fprintln(bw, "|---|---|---|---:|---:|---:|---|---:|---:|---|")
	for _, cr := range cases {
		for _, r := range cr.rows {
			sc := rowScaler(&r)
			change, ci, p := "", "", ""
			if r.Baseline != nil && r.Current != nil {
				change = textfmt.Delta(r.Ratio)
				ci = textfmt.Interval(r.RatioLo, r.RatioHi)
				p = fmt.Sprintf("%.3f", r.P)
			}
			verdict := string(r.Verdict)
			switch {
			case r.Verdict == stats.Regression:
				verdict = "🔴 **regression**"
			case r.Verdict == stats.Improvement:
				verdict = "🟢 improvement"
			case r.Verdict == stats.MissingBaseline || r.Verdict == stats.MissingCurrent:
				verdict = "⚠️ " + verdict
			case r.Inconclusive:
				verdict = "~ (too few samples)"
			}
			fmt.Fprintf(bw, "| %s | `%s` | %s | %s | %s | %s | %s | %s | %s | %s |\n",
				verdict, mdCode(r.Name), mdEscape(r.Unit),
				mdEscape(formatSummary(r.Baseline, sc, r.Unit)), mdEscape(formatSummary(r.Current, sc, r.Unit)),
				change, ci, p, textfmt.Pct(r.Threshold), mdEscape(r.Note))
		}
	}
	if c.GeomeanRatio > 0 {
		fmt.Fprintf(bw, "| | **geomean** | %s | | | %s | | | | ratio %.3f over %s |\n", input.UnitSecPerOp, textfmt.Delta(c.GeomeanRatio), c.GeomeanRatio, textfmt.Plural(timedCases(c), "case"))
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

func timedCases(c *stats.Comparison) int {
	n := 0
	for _, r := range c.Rows {
		if r.Unit == input.UnitSecPerOp && r.Baseline != nil && r.Current != nil {
			n++
		}
	}
	return n
}

func rowScaler(r *stats.Row) benchunit.Scaler {
	var centers []float64
	for _, s := range []*stats.Summary{r.Baseline, r.Current} {
		if s != nil {
			centers = append(centers, s.Center)
		}
	}
	return benchunit.CommonScale(centers, benchunit.ClassOf(r.Unit))
}

var mdReplacer = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;")

// mdEscape makes s safe inside a Markdown table cell.
func mdEscape(s string) string { return mdReplacer.Replace(s) }

// mdCode makes s safe inside a `code span` in a table cell.
func mdCode(s string) string {
	return strings.NewReplacer("|", `\|`, "`", "'", "\n", " ", "\r", " ").Replace(s)
}
