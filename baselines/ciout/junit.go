package ciout

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/bitnet-go/bitnet-bench/baselines/internal/textfmt"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
)

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

// JUnit writes one JUnit testcase per case. A case that failed or
// regressed in its gating metric is a failure whose message gives the
// change, ratio interval, p-value, threshold and reason. An inconclusive
// case, or one missing in the current run, is skipped with the reason as
// its message: it was not checked, which the report must show; the exit
// status (4 unless --inconclusive=pass) is what gates it. Improvements,
// unchanged and new cases pass, their numbers in system-out.
func JUnit(w io.Writer, c *stats.Comparison) error {
	suite := junitSuite{
		Name: "regression-check", Time: "0",
		Properties: []junitProperty{
			{"baseline", c.Baseline}, {"current", c.Current},
			{"threshold", textfmt.Pct(c.Threshold)}, {"alpha", fmt.Sprint(c.Alpha)},
			{"confidence", fmt.Sprint(c.Confidence)},
			{"verdict", c.VerdictLine()},
		},
	}
	if c.GeomeanRatio > 0 {
		suite.Properties = append(suite.Properties, junitProperty{"geomean_sec_per_op_ratio", fmt.Sprintf("%.4f", c.GeomeanRatio)})
	}
	if len(c.MachineMismatch) > 0 {
		suite.Properties = append(suite.Properties, junitProperty{"machine_mismatch", strings.Join(c.MachineMismatch, "; ")})
	}
	for _, cr := range c.ByCase() {
		tc := junitCase{Name: cr.Name, Classname: "regression-check", Time: "0"}
		var lines, msgs []string
		for _, r := range cr.Rows {
			lines = append(lines, rowSentence(&r))
			if r.Gated {
				msgs = append(msgs, rowSentence(&r))
			}
		}
		switch cr.State {
		case stats.StateFailed, stats.StateRegression:
			typ := "regression"
			if cr.State == stats.StateFailed {
				typ = "failed"
			}
			tc.Failure = &junitMessage{Message: strings.Join(msgs, "; "), Type: typ, Body: strings.Join(lines, "\n")}
			suite.Failures++
		case stats.StateMissing, stats.StateInconclusive:
			// Not checked: the exit status (4 unless
			// --inconclusive=pass) is what gates; here it is shown.
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
	suite.SystemOut = warn.String() + c.VerdictLine() + "\n"
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
func rowSentence(r *stats.Row) string {
	s := r.Unit + ": " + verdictText(r)
	if r.Baseline != nil && r.Current != nil {
		sc := rowScaler(r)
		s += fmt.Sprintf(", %s -> %s, %s (ratio %.3f, CI %s, p=%.3f, threshold %s)",
			formatSummary(r.Baseline, sc), formatSummary(r.Current, sc),
			textfmt.Delta(r.Ratio), r.Ratio, textfmt.Interval(r.RatioLo, r.RatioHi), r.P, textfmt.Pct(r.Threshold))
	}
	if t := reasonText(r); t != "" {
		s += "; " + t
	}
	return s
}
