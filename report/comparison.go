package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/bitnet-go/bitnet-bench/baselines/stats"
)

// ComparisonView is the regression section.
type ComparisonView struct {
	Baseline, Current            string
	Threshold, Alpha, Confidence string
	// Counts are per case: a case counts once, as its worst unit.
	Regressions, Improvements int
	Unchanged, Missing        int
	Inconclusive              int
	Geomean                   string
	Warnings                  []string
	Rows                      []ComparisonRow // every row, what needs attention first
	Chart                     *Chart          // nil when no row has a ratio
}

// ComparisonRow is one line of the regression table.
type ComparisonRow struct {
	Name, Unit                  string
	Baseline, Current           string
	BaselineTitle, CurrentTitle string
	Ratio, RatioCI, Change      string
	P                           string
	Verdict, VerdictClass       string
	Note                        string

	baseline, current, p float64 // sort keys
}

// verdictOrder puts what needs attention first in the regression table.
var verdictOrder = map[stats.Verdict]int{
	stats.Regression:      0,
	stats.Improvement:     1,
	stats.MissingCurrent:  2,
	stats.MissingBaseline: 3,
	stats.NoChange:        4,
}

func verdictClass(v stats.Verdict) string {
	switch v {
	case stats.Regression:
		return "v-regression"
	case stats.Improvement:
		return "v-improvement"
	case stats.NoChange:
		return "v-same"
	}
	return "v-missing"
}

func verdictLabel(v stats.Verdict) string {
	if v == stats.NoChange {
		return "no change"
	}
	return string(v)
}

func (p *Page) buildComparison(c *stats.Comparison) *ComparisonView {
	n := c.Counts()
	v := &ComparisonView{
		Baseline:     c.Baseline,
		Current:      c.Current,
		Threshold:    fmtPct(c.Threshold),
		Alpha:        strconv.FormatFloat(c.Alpha, 'g', -1, 64),
		Confidence:   dash,
		Regressions:  n.Regressions,
		Improvements: n.Improvements,
		Unchanged:    n.Unchanged,
		Missing:      n.Missing,
		Inconclusive: n.Inconclusive,
		Warnings:     c.Warnings,
		Geomean:      dash,
	}
	if c.Confidence > 0 {
		v.Confidence = fmtPct(c.Confidence)
	}
	if c.GeomeanRatio > 0 {
		v.Geomean = fmt.Sprintf("%.3f× (%s)", c.GeomeanRatio, change(c.GeomeanRatio))
	}
	rows := append([]stats.Row(nil), c.Rows...)
	sort.SliceStable(rows, func(a, b int) bool {
		return rank(verdictOrder, rows[a].Verdict) < rank(verdictOrder, rows[b].Verdict)
	})
	for _, r := range rows {
		v.Rows = append(v.Rows, comparisonRow(r))
	}
	if spec, ch, ok := ratioChart("chart-comparison-ratio", c, rows); ok {
		p.addChart(spec)
		v.Chart = &ch
	}
	return v
}

func comparisonRow(r stats.Row) ComparisonRow {
	cr := ComparisonRow{
		Name:          r.Name,
		Unit:          r.Unit,
		Baseline:      summaryString(r.Baseline, r.Unit),
		Current:       summaryString(r.Current, r.Unit),
		BaselineTitle: summaryTitle(r.Baseline, r.Unit),
		CurrentTitle:  summaryTitle(r.Current, r.Unit),
		Ratio:         dash,
		P:             fmtP(r.P),
		Verdict:       verdictLabel(r.Verdict),
		VerdictClass:  verdictClass(r.Verdict),
		Note:          r.Note,
		p:             r.P,
	}
	if r.Baseline != nil {
		cr.baseline = r.Baseline.Center
	}
	if r.Current != nil {
		cr.current = r.Current.Center
	}
	if r.Ratio > 0 && !math.IsInf(r.Ratio, 0) {
		cr.Ratio = fmt.Sprintf("%.3f×", r.Ratio)
		cr.Change = change(r.Ratio)
		switch {
		case math.IsInf(r.RatioHi, 0):
			cr.RatioCI = "[unbounded: too few samples]"
		case r.RatioLo > 0 || r.RatioHi > 0:
			cr.RatioCI = fmt.Sprintf("[%.3f, %.3f]", r.RatioLo, r.RatioHi)
		}
	}
	return cr
}

func rank(m map[stats.Verdict]int, v stats.Verdict) int {
	if r, ok := m[v]; ok {
		return r
	}
	return len(m)
}

// change expresses a ratio as a signed percentage: 1.034 -> "+3.4%".
func change(ratio float64) string {
	return fmt.Sprintf("%+.1f%%", (ratio-1)*100)
}

func summaryString(s *stats.Summary, unit string) string {
	if s == nil {
		return dash
	}
	out := fmtUnit(s.Center, unit)
	if !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) {
		if ci := fmtCI(s.Center, s.Lo, s.Hi); ci != dash {
			out += " " + ci
		}
	}
	return out
}

func summaryTitle(s *stats.Summary, unit string) string {
	if s == nil {
		return ""
	}
	if math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0) {
		return fmt.Sprintf("n=%d, too few samples for an interval", s.N)
	}
	return fmt.Sprintf("n=%d, interval %s – %s", s.N, fmtUnit(s.Lo, unit), fmtUnit(s.Hi, unit))
}
