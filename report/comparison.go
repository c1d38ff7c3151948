package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/bench/results"

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
	Rows                      []ComparisonRow // one per case, in the gating unit; what needs attention first
	Unit                      string          // the gating unit the table shows
	OtherUnits                int             // rows in other units, left out of the table
	Chart                     *Chart          // nil when no row has a ratio
	// Machines compares the two sides' machines and settings, differing
	// rows first; nil when the baseline names nothing about its machine.
	Machines []MachineRow
	// Controls are the control workloads' shifts between the runs: how far
	// the machine itself moved; ControlNote says what the check made of it.
	Controls    []ControlRow
	ControlNote string
}

// ControlRow is one control workload in both runs.
type ControlRow struct {
	Name, Baseline, Current, Ratio, Interval, Change string
}

// controlRows lists the controls' shifts and what they did to the check.
func controlRows(c *stats.Comparison) ([]ControlRow, string) {
	var out []ControlRow
	for _, s := range c.Controls {
		r := ControlRow{Name: s.Name, Baseline: fmtUnit(s.Baseline.Center, input.UnitSecPerOp), Current: fmtUnit(s.Current.Center, input.UnitSecPerOp), Ratio: dash}
		if s.Ratio > 0 {
			r.Ratio, r.Change = fmt.Sprintf("%.3f×", s.Ratio), change(s.Ratio)
		}
		if s.RatioLo > 0 && s.RatioHi > 0 && !math.IsInf(s.RatioHi, 0) {
			r.Interval = fmt.Sprintf("[%.3f, %.3f]", s.RatioLo, s.RatioHi)
		}
		out = append(out, r)
	}
	var notes []string
	if c.ControlMargin > 0 {
		notes = append(notes, fmt.Sprintf("the machine may have moved by up to ±%.1f%% between the runs, so every case's interval is widened by that much", 100*c.ControlMargin))
	}
	if c.CaseShift != 0 || c.CaseSpread > 0 {
		notes = append(notes, fmt.Sprintf("all cases together moved by %s (median), with a spread of %.1f%%", change(1+c.CaseShift), 100*c.CaseSpread))
	}
	return out, strings.Join(notes, "; ")
}

// MachineRow is one fact of the two machines.
type MachineRow struct {
	Label, Baseline, Current string
	Differs                  bool
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
	stats.Failed:          1,
	stats.Inconclusive:    2,
	stats.Improvement:     3,
	stats.MissingCurrent:  4,
	stats.MissingBaseline: 5,
	stats.NoChange:        6,
}

func verdictClass(v stats.Verdict) string {
	switch v {
	case stats.Regression:
		return "v-regression"
	case stats.Improvement:
		return "v-improvement"
	case stats.NoChange:
		return "v-same"
	case stats.Failed:
		return "v-regression"
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
	v.Unit = c.Metric
	if v.Unit == "" {
		v.Unit = input.UnitSecPerOp
	}
	v.Controls, v.ControlNote = controlRows(c)
	for _, r := range gatingRows(rows, v.Unit) {
		v.Rows = append(v.Rows, comparisonRow(r))
	}
	v.OtherUnits = len(rows) - len(v.Rows)
	if spec, ch, ok := ratioChart("chart-comparison-ratio", c, rows); ok {
		p.addChart(spec)
		v.Chart = &ch
	}
	return v
}

// gatingRows keeps one row per case: its row in the gating unit, or, for
// a case measured in other units only, its first row. Throughput restates
// time per op, so a row per unit would list each case two or three times.
func gatingRows(rows []stats.Row, unit string) []stats.Row {
	has := map[string]bool{}
	for _, r := range rows {
		if r.Unit == unit {
			has[r.Name] = true
		}
	}
	seen := map[string]bool{}
	var out []stats.Row
	for _, r := range rows {
		if seen[r.Name] || (has[r.Name] && r.Unit != unit) {
			continue
		}
		seen[r.Name] = true
		out = append(out, r)
	}
	return out
}

// baselineSamples are the baseline's time samples per case in ns per op.
func baselineSamples(in *input.Input) map[string][]float64 {
	if in == nil {
		return nil
	}
	out := map[string][]float64{}
	for name, cd := range in.Cases {
		for _, s := range cd.Samples[input.UnitSecPerOp] {
			out[name] = append(out[name], s*1e9)
		}
	}
	return out
}

// machineDiff sets the two machines side by side: what the baseline's
// results file records, or what its benchmark text names.
func machineDiff(cur *results.File, base *input.Input, baseFile *results.File) []MachineRow {
	if base == nil && baseFile == nil {
		return nil
	}
	facts := func(f *results.File) map[string]string {
		m := f.Machine
		cpu := m.CPUModel
		out := map[string]string{
			"CPU":        cpu,
			"Cores":      countOrEmpty(m.LogicalCores),
			"GOMAXPROCS": countOrEmpty(m.GOMAXPROCS),
			"OS/arch":    strings.Trim(m.OS+"/"+m.Arch, "/"),
			"Kernel":     m.Kernel,
			"Go":         f.Tool.GoVersion,
			"Governor":   m.Governor,
			"THP":        m.HugePages,
			"Commit":     shortCommit(f.Tool.Commit),
		}
		if m.MemoryBytes > 0 {
			out["Memory"] = fmtBytes(m.MemoryBytes)
		}
		// A run that measured the roofline records its huge-page mode
		// there; older files have it nowhere else.
		if out["THP"] == "" && len(f.Roofline) > 0 {
			out["THP"] = f.Roofline[0].HugePages
		}
		return out
	}
	b := map[string]string{}
	if baseFile != nil {
		b = facts(baseFile)
	} else {
		b["CPU"], b["GOMAXPROCS"], b["Commit"] = base.CPU, countOrEmpty(base.GOMAXPROCS), shortCommit(base.Commit)
		b["OS/arch"] = strings.Trim(base.Machine.OS+"/"+base.Machine.Arch, "/")
	}
	c := facts(cur)
	var same, differ []MachineRow
	for _, k := range []string{"CPU", "Cores", "Memory", "OS/arch", "Kernel", "Governor", "THP", "Go", "GOMAXPROCS", "Commit"} {
		bv, cv := b[k], c[k]
		if bv == "" && cv == "" {
			continue
		}
		r := MachineRow{Label: k, Baseline: bv, Current: cv, Differs: bv != cv}
		if bv == "" {
			r.Baseline, r.Differs = "not recorded", false
		}
		if cv == "" {
			r.Current, r.Differs = "not recorded", false
		}
		if r.Differs {
			differ = append(differ, r)
		} else {
			same = append(same, r)
		}
	}
	return append(differ, same...)
}

func countOrEmpty(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
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
