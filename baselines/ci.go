package baselines

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchunit"
)

// VerdictLine is the one-line summary that ends every text output:
// "regression-check: 1 regression, 0 improvements, 3 unchanged (threshold
// 5%, alpha 0.05)".
func (c *Comparison) VerdictLine() string { return c.verdictLine() }

// caseState is a case's worst outcome, as Counts ranks them.
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
	rows  []Row
	state caseState
}

// byCase groups rows by case, in row order, with each case's state.
func (c *Comparison) byCase() []caseRows {
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
		case r.Verdict == Regression:
			s = stateRegression
		case r.Verdict == MissingBaseline || r.Verdict == MissingCurrent:
			s = stateMissing
		case r.Verdict == Improvement:
			s = stateImprovement
		case r.Inconclusive:
			s = stateInconclusive
		}
		cr.state = min(cr.state, s)
	}
	return out
}

// WriteMarkdown writes the comparison for a CI step summary (GitHub's
// $GITHUB_STEP_SUMMARY, GitLab and others render the same Markdown): a
// heading with the verdict, a loud warning when the machines differ, one
// table row per case and unit with regressions first, then cases missing on
// a side, improvements, inconclusive and unchanged ones, a geomean row, and
// the warnings.
func (c *Comparison) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	mark := "✅"
	switch n := c.Counts(); {
	case n.Regressions > 0:
		mark = "❌"
	case n.Missing > 0 || n.Inconclusive > 0 || len(c.MachineMismatch) > 0 || n.Cases == 0:
		mark = "⚠️"
	}
	fmt.Fprintf(bw, "### %s %s\n\n", mark, mdEscape(c.verdictLine()))
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
	cases := c.byCase()
	slices.SortStableFunc(cases, func(a, b caseRows) int { return int(a.state) - int(b.state) })
	fmt.Fprintf(bw, "| verdict | case | unit | baseline | current | change | ratio %g%% CI | p | threshold | note |\n", c.Confidence*100)
	fmt.Fprintln(bw, "|---|---|---|---:|---:|---:|---|---:|---:|---|")
	for _, cr := range cases {
		for _, r := range cr.rows {
			sc := rowScaler(&r)
			change, ci, p := "", "", ""
			if r.Baseline != nil && r.Current != nil {
				change = formatDelta(r.Ratio)
				ci = formatInterval(r.RatioLo, r.RatioHi)
				p = fmt.Sprintf("%.3f", r.P)
			}
			verdict := string(r.Verdict)
			switch {
			case r.Verdict == Regression:
				verdict = "🔴 **regression**"
			case r.Verdict == Improvement:
				verdict = "🟢 improvement"
			case r.Verdict == MissingBaseline || r.Verdict == MissingCurrent:
				verdict = "⚠️ " + verdict
			case r.Inconclusive:
				verdict = "~ (too few samples)"
			}
			fmt.Fprintf(bw, "| %s | `%s` | %s | %s | %s | %s | %s | %s | %s | %s |\n",
				verdict, mdCode(r.Name), mdEscape(r.Unit),
				mdEscape(formatSummary(r.Baseline, sc, r.Unit)), mdEscape(formatSummary(r.Current, sc, r.Unit)),
				change, ci, p, pct(r.Threshold), mdEscape(r.Note))
		}
	}
	if c.GeomeanRatio > 0 {
		fmt.Fprintf(bw, "| | **geomean** | %s | | | %s | | | | ratio %.3f over %s |\n", UnitSecPerOp, formatDelta(c.GeomeanRatio), c.GeomeanRatio, plural(c.timedCases(), "case"))
	}
	if len(c.Warnings) > 0 {
		fmt.Fprintln(bw, "\n**Warnings**")
		fmt.Fprintln(bw)
		for _, warn := range c.Warnings {
			fmt.Fprintf(bw, "- %s\n", mdEscape(warn))
		}
	}
	fmt.Fprintf(bw, "\n%s\n", mdEscape(c.verdictLine()))
	return bw.Flush()
}

func (c *Comparison) timedCases() int {
	n := 0
	for _, r := range c.Rows {
		if r.Unit == UnitSecPerOp && r.Baseline != nil && r.Current != nil {
			n++
		}
	}
	return n
}

func rowScaler(r *Row) benchunit.Scaler {
	var centers []float64
	for _, s := range []*Summary{r.Baseline, r.Current} {
		if s != nil {
			centers = append(centers, s.Center)
		}
	}
	return benchunit.CommonScale(centers, benchunit.ClassOf(r.Unit))
}

func formatInterval(lo, hi float64) string {
	f := func(v float64) string {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return "∞"
		}
		return fmt.Sprintf("%.3f", v)
	}
	return "[" + f(lo) + ", " + f(hi) + "]"
}

var mdReplacer = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;")

// mdEscape makes s safe inside a Markdown table cell.
func mdEscape(s string) string { return mdReplacer.Replace(s) }

// mdCode makes s safe inside a `code span` in a table cell.
func mdCode(s string) string {
	return strings.NewReplacer("|", `\|`, "`", "'", "\n", " ", "\r", " ").Replace(s)
}

// JUnit XML, as Jenkins, GitLab and the GitHub test-report actions read it.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}

// WriteJUnit writes one JUnit testcase per case. A case that regressed in
// any unit is a failure whose message gives each regressed unit's change,
// ratio interval, p-value and threshold. A case missing on one side, or
// with too few samples to tell, is skipped with the reason as its message:
// it was not checked, which the report must show, but it is not a failure
// of the code under test (and the exit status is 0 for it). Improvements
// and unchanged cases pass, their numbers in system-out.
func (c *Comparison) WriteJUnit(w io.Writer) error {
	suite := junitSuite{
		Name: "regression-check", Time: "0",
		Properties: []junitProperty{
			{"baseline", c.Baseline}, {"current", c.Current},
			{"threshold", pct(c.Threshold)}, {"alpha", fmt.Sprint(c.Alpha)},
			{"confidence", fmt.Sprint(c.Confidence)},
			{"verdict", c.verdictLine()},
		},
	}
	if c.GeomeanRatio > 0 {
		suite.Properties = append(suite.Properties, junitProperty{"geomean_sec_per_op_ratio", fmt.Sprintf("%.4f", c.GeomeanRatio)})
	}
	if len(c.MachineMismatch) > 0 {
		suite.Properties = append(suite.Properties, junitProperty{"machine_mismatch", strings.Join(c.MachineMismatch, "; ")})
	}
	for _, cr := range c.byCase() {
		tc := junitCase{Name: cr.name, Classname: "regression-check", Time: "0"}
		var lines, msgs []string
		for _, r := range cr.rows {
			lines = append(lines, rowSentence(&r))
		}
		switch cr.state {
		case stateRegression:
			for _, r := range cr.rows {
				if r.Verdict == Regression {
					msgs = append(msgs, rowSentence(&r))
				}
			}
			tc.Failure = &junitMessage{Message: strings.Join(msgs, "; "), Type: "regression", Body: strings.Join(lines, "\n")}
			suite.Failures++
		case stateMissing, stateInconclusive:
			for _, r := range cr.rows {
				if r.Verdict == MissingBaseline || r.Verdict == MissingCurrent || r.Inconclusive {
					msgs = append(msgs, rowSentence(&r))
				}
			}
			tc.Skipped = &junitMessage{Message: strings.Join(msgs, "; ")}
			suite.Skipped++
		default:
			tc.SystemOut = strings.Join(lines, "\n")
		}
		suite.Cases = append(suite.Cases, tc)
	}
	suite.Tests = len(suite.Cases)
	var warn strings.Builder
	for _, w := range c.Warnings {
		fmt.Fprintf(&warn, "warning: %s\n", w)
	}
	suite.SystemOut = warn.String() + c.verdictLine() + "\n"
	doc := junitSuites{Name: "bitnet-bench", Tests: suite.Tests, Failures: suite.Failures, Skipped: suite.Skipped, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// rowSentence describes a row in one line: "sec/op: regression, +12.0%
// (ratio 1.120, 95% CI [1.080, 1.150], p=0.000, threshold 5%)".
func rowSentence(r *Row) string {
	v := string(r.Verdict)
	if r.Inconclusive {
		v = "too few samples to tell"
	}
	s := r.Unit + ": " + v
	if r.Baseline != nil && r.Current != nil {
		sc := rowScaler(r)
		s += fmt.Sprintf(", %s -> %s, %s (ratio %.3f, CI %s, p=%.3f, threshold %s)",
			formatSummary(r.Baseline, sc, r.Unit), formatSummary(r.Current, sc, r.Unit),
			formatDelta(r.Ratio), r.Ratio, formatInterval(r.RatioLo, r.RatioHi), r.P, pct(r.Threshold))
	}
	if r.Note != "" {
		s += "; " + r.Note
	}
	return s
}
