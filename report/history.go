package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/templates"
)

// Run is one results file of a history.
type Run struct {
	Name string // where it was read from, as given
	File *results.File
}

// HistoryInput is what a trend page is made of.
type HistoryInput struct {
	Runs   []Run // any order: the page orders them by date
	Title  string
	Theme  string
	Assets string
	// Options are the regression rules applied between consecutive runs,
	// as regression-check applies them; zero fields take its defaults.
	Options stats.Options
	// Warnings are shown on the page (files skipped while loading, ...).
	Warnings []string
	// CommitURL makes commits links: a URL with %s where the commit goes,
	// e.g. https://github.com/OWNER/REPO/commit/%s. Without it a point
	// links to its run's row in the runs table, which names the commit.
	CommitURL string
}

// CheckCommitURL checks a --commit-url template: an http(s) URL with one %s.
func CheckCommitURL(u string) error {
	if u == "" {
		return nil
	}
	if strings.Count(u, "%s") != 1 || strings.Count(u, "%") != 1 {
		return fmt.Errorf("%q: want a URL with one %%s where the commit goes, e.g. https://github.com/OWNER/REPO/commit/%%s", u)
	}
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return fmt.Errorf("%q: want an http:// or https:// URL", u)
	}
	return nil
}

// DefaultHistoryTitle is the trend page's title when none is given.
const DefaultHistoryTitle = "bitnet-bench history"

// maxTrendLines caps the cases of one trend chart; an op with more gets
// several charts. maxListedRegressions caps the page's regression list.
const (
	maxTrendLines        = 24
	maxListedRegressions = 100
)

// LoadHistory reads the results files that paths name: files, or
// directories searched recursively for *.json. A JSON file that is not a
// bitnet-bench results file (no "schema" field) is skipped with a warning
// when it was found in a directory; one named directly, or a results file
// that does not parse, is an error.
func LoadHistory(paths []string) ([]Run, []string, error) {
	var runs []Run
	var warnings []string
	seen := map[string]bool{}
	load := func(path string, explicit bool) error {
		abs, _ := filepath.Abs(path)
		if seen[abs] {
			return nil
		}
		seen[abs] = true
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var probe struct {
			Schema *string `json:"schema"`
		}
		if json.Unmarshal(data, &probe) != nil || probe.Schema == nil {
			if explicit {
				return fmt.Errorf("%s: not a bitnet-bench results file", path)
			}
			warnings = append(warnings, fmt.Sprintf("skipped %s: not a bitnet-bench results file", path))
			return nil
		}
		f, err := results.Parse(data, path)
		if err != nil {
			return err
		}
		runs = append(runs, Run{Name: path, File: f})
		return nil
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, err
		}
		if !st.IsDir() {
			if err := load(p, true); err != nil {
				return nil, nil, err
			}
			continue
		}
		var files []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".json") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		sort.Strings(files)
		for _, f := range files {
			if err := load(f, false); err != nil {
				return nil, nil, err
			}
		}
	}
	if len(runs) == 0 {
		return nil, warnings, fmt.Errorf("no bitnet-bench results files in %s", strings.Join(paths, ", "))
	}
	return runs, warnings, nil
}

// HistoryPage is the view model of the trend page.
type HistoryPage struct {
	Head
	Threshold       string
	Runs            []HistoryRun // oldest first
	Cases           int          // distinct cases measured in any run
	Families        []HistoryFamily
	Regressions     []HistoryRegression // between consecutive runs, newest first
	MoreRegressions int
	Warnings        []string
}

// HistoryRun is one run in the runs table.
type HistoryRun struct {
	Index                     int
	Label                     string // on the charts' axis
	Date, Commit, CommitFull  string
	Dirty                     bool
	File, CPU                 string
	OK, Total                 int
	Compared                  bool // against the run before
	Regressions, Improvements int
	Anchor                    string // the row's id
	Link                      string // the commit's page, "" without --commit-url
}

// HistoryFamily is the trend charts of one family.
type HistoryFamily struct {
	Name, Anchor string
	Ops          []OpSection
}

// HistoryRegression is one regression between consecutive runs. Range is
// where to look for its cause, as asv shows it: the commits after the
// previous run's up to this run's ("a1b2c3d..e4f5a6b", git log's syntax).
type HistoryRegression struct {
	Run, Previous string
	Name          string
	Ratio, Change string
	Interval, P   string
	Range         string
	From, To      HistoryRun // the two runs
}

// BuildHistory orders the runs by date, compares each with the one before
// by the regression-check rules (package baselines) and draws each case's
// median time per op over the runs with its interval as a band, regressions
// marked.
func BuildHistory(in HistoryInput) (*HistoryPage, error) {
	if len(in.Runs) == 0 {
		return nil, errors.New("report: no runs for the history")
	}
	for _, r := range in.Runs {
		if r.File == nil {
			return nil, fmt.Errorf("report: run %s has no results", r.Name)
		}
		if err := r.File.Validate(); err != nil {
			return nil, fmt.Errorf("report: %s: %w", r.Name, err)
		}
	}
	head, err := newHead(in.Title, in.Theme, in.Assets)
	if err != nil {
		return nil, err
	}
	p := &HistoryPage{Head: head, Warnings: append([]string(nil), in.Warnings...)}
	if p.Title == "" {
		p.Title = DefaultHistoryTitle
	}
	runs := append([]Run(nil), in.Runs...)
	// Oldest first; a run without a date keeps its place after the dated ones.
	sort.SliceStable(runs, func(a, b int) bool {
		ta, tb := runs[a].File.Created, runs[b].File.Created
		switch {
		case ta.IsZero() || tb.IsZero():
			return !ta.IsZero() && tb.IsZero()
		case !ta.Equal(tb):
			return ta.Before(tb)
		}
		return false
	})
	last := runs[len(runs)-1].File
	p.Tool = strings.TrimSpace(last.Tool.Name + " " + last.Tool.Version)
	if p.Tool == "" {
		p.Tool = "bitnet-bench"
	}

	verdicts, cmps, err := compareRuns(runs, in.Options)
	if err != nil {
		return nil, err
	}
	if len(cmps) > 0 {
		p.Threshold = fmtPct(cmps[0].Threshold)
	} else {
		opt := in.Options
		if opt.Threshold == 0 {
			opt.Threshold = stats.DefaultThreshold
		}
		p.Threshold = fmtPct(opt.Threshold)
	}
	warned := map[string]bool{}
	for _, w := range p.Warnings {
		warned[w] = true
	}
	for i, r := range runs {
		f := r.File
		hr := HistoryRun{Index: i + 1, File: r.Name, CPU: f.Machine.CPUModel, Total: len(f.Cases), Dirty: f.Tool.Dirty}
		for j := range f.Cases {
			if f.Cases[j].OK() {
				hr.OK++
			}
		}
		if !f.Created.IsZero() {
			hr.Date = f.Created.Format("2006-01-02 15:04 MST")
		}
		if c := f.Tool.Commit; c != "" {
			hr.CommitFull, hr.Commit = c, shortCommit(c)
		}
		hr.Label = runLabel(i, f)
		hr.Anchor = fmt.Sprintf("run-%d", i+1)
		if hr.CommitFull != "" && in.CommitURL != "" {
			hr.Link = fmt.Sprintf(in.CommitURL, hr.CommitFull)
		}
		if i > 0 {
			n := cmps[i-1].Counts()
			hr.Compared, hr.Regressions, hr.Improvements = true, n.Regressions, n.Improvements
			for _, w := range cmps[i-1].Warnings {
				w = fmt.Sprintf("run %d against run %d: %s", i+1, i, w)
				if !warned[w] {
					warned[w] = true
					p.Warnings = append(p.Warnings, w)
				}
			}
		}
		p.Runs = append(p.Runs, hr)
	}
	// Regressions, newest run first.
	var regs []HistoryRegression
	for i := len(runs) - 1; i >= 1; i-- {
		for _, r := range cmps[i-1].Rows {
			if r.Verdict != stats.Regression {
				continue
			}
			regs = append(regs, HistoryRegression{
				Run: p.Runs[i].Label, Previous: p.Runs[i-1].Label, Name: r.Name,
				Ratio: fmtRatio(r.Ratio), Change: change(r.Ratio), Interval: ratioInterval(r), P: fmtP(r.P),
				Range: commitRange(p.Runs[i-1], p.Runs[i]), From: p.Runs[i-1], To: p.Runs[i],
			})
		}
	}
	if len(regs) > maxListedRegressions {
		p.MoreRegressions = len(regs) - maxListedRegressions
		regs = regs[:maxListedRegressions]
	}
	p.Regressions = regs

	p.buildTrends(runs, verdicts)
	if err := p.finishCharts(); err != nil {
		return nil, err
	}
	return p, nil
}

// commitRange is git's name for the commits that landed between two runs,
// or "" when either run does not record its commit.
func commitRange(from, to HistoryRun) string {
	if from.CommitFull == "" || to.CommitFull == "" {
		return ""
	}
	short := func(c string) string { return c[:min(len(c), 7)] }
	if from.CommitFull == to.CommitFull {
		return short(to.CommitFull) + " (same commit: the machine, not the code, changed)"
	}
	return short(from.CommitFull) + ".." + short(to.CommitFull)
}

func ratioInterval(r stats.Row) string {
	switch {
	case math.IsInf(r.RatioHi, 0):
		return "unbounded"
	case r.RatioLo > 0 || r.RatioHi > 0:
		return fmt.Sprintf("[%.3f, %.3f]", r.RatioLo, r.RatioHi)
	}
	return ""
}

func runLabel(i int, f *results.File) string {
	var parts []string
	if !f.Created.IsZero() {
		parts = append(parts, f.Created.Format("2006-01-02 15:04"))
	}
	if c := f.Tool.Commit; c != "" {
		parts = append(parts, c[:min(len(c), 7)])
	}
	if len(parts) == 0 {
		return fmt.Sprintf("run %d", i+1)
	}
	return fmt.Sprintf("#%d %s", i+1, strings.Join(parts, " "))
}

// historyRuns is how many runs before a run form its baseline: the run is
// the unit of replication, and several earlier runs give the spread
// between runs that one earlier run cannot (see baselines/stats).
const historyRuns = 5

// compareRuns compares each run in time per op, by stats.Compare, with the
// up to historyRuns runs before it merged as one baseline of several runs
// (with the run before alone when they cannot merge: another machine),
// and returns per run index and case name the row.
func compareRuns(runs []Run, opt stats.Options) ([]map[string]stats.Row, []*stats.Comparison, error) {
	inputs := make([]*input.Input, len(runs))
	for i, r := range runs {
		in, err := timeInput(r)
		if err != nil {
			return nil, nil, err
		}
		inputs[i] = in
	}
	verdicts := make([]map[string]stats.Row, len(runs))
	cmps := make([]*stats.Comparison, max(len(runs)-1, 0))
	errs := make([]error, len(cmps))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(runtime.GOMAXPROCS(0), 1))
	for i := 1; i < len(runs); i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			base, err := input.MergeInputs(inputs[max(0, i-historyRuns):i]...)
			if err != nil {
				base = inputs[i-1]
			}
			cmps[i-1], errs[i-1] = stats.Compare(base, inputs[i], opt)
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, nil, fmt.Errorf("report: comparing %s with %s: %w", runs[i+1].Name, runs[i].Name, err)
		}
	}
	for i := 1; i < len(runs); i++ {
		verdicts[i] = map[string]stats.Row{}
		for _, r := range cmps[i-1].Rows {
			if r.Unit == input.UnitSecPerOp {
				verdicts[i][r.Name] = r
			}
		}
	}
	return verdicts, cmps, nil
}

// timeInput reads a run as regression-check reads a results file, keeping
// time per op only: throughput restates it, and the trend is drawn in it.
func timeInput(r Run) (*input.Input, error) {
	data, err := r.File.Encode()
	if err != nil {
		return nil, fmt.Errorf("report: %s: %w", r.Name, err)
	}
	in, err := input.ParseInput(data, r.Name)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	for _, cd := range in.Cases {
		if s, ok := cd.Samples[input.UnitSecPerOp]; ok {
			cd.Samples = map[string][]float64{input.UnitSecPerOp: s}
			cd.Units = []string{input.UnitSecPerOp}
		}
	}
	return in, nil
}

// trendCase is one case across the runs: nil where a run did not measure it.
type trendCase struct {
	name, family, op string
	points           []*results.Case
	regressed        bool
}

func (p *HistoryPage) buildTrends(runs []Run, verdicts []map[string]stats.Row) {
	var order []*trendCase
	byName := map[string]*trendCase{}
	for i, r := range runs {
		for j := range r.File.Cases {
			c := &r.File.Cases[j]
			if !c.OK() {
				continue
			}
			tc := byName[c.Name]
			if tc == nil {
				tc = &trendCase{name: c.Name, points: make([]*results.Case, len(runs))}
				byName[c.Name] = tc
				order = append(order, tc)
			}
			tc.family, tc.op = familyName(c.Family), opName(c)
			tc.points[i] = c
			if v, ok := verdicts[i][c.Name]; ok && v.Verdict == stats.Regression {
				tc.regressed = true
			}
		}
	}
	p.Cases = len(order)
	labels := make([]string, len(runs))
	for i := range runs {
		labels[i] = p.Runs[i].Label
	}
	// Families and ops in the catalogue's order, cases in first-seen order.
	fams := map[string]*HistoryFamily{}
	var famOrder []string
	opCasesOf := map[string][]*trendCase{}
	var opOrder []string
	opFamily := map[string]string{}
	for _, tc := range order {
		if _, ok := fams[tc.family]; !ok {
			fams[tc.family] = &HistoryFamily{Name: tc.family}
			famOrder = append(famOrder, tc.family)
		}
		k := tc.family + "\x00" + tc.op
		if _, ok := opCasesOf[k]; !ok {
			opOrder = append(opOrder, k)
			opFamily[k] = tc.family
		}
		opCasesOf[k] = append(opCasesOf[k], tc)
	}
	rank := func(n string) int {
		for i, k := range familyOrder {
			if k == n {
				return i
			}
		}
		return len(familyOrder)
	}
	sort.SliceStable(famOrder, func(a, b int) bool {
		ra, rb := rank(famOrder[a]), rank(famOrder[b])
		if ra != rb {
			return ra < rb
		}
		return famOrder[a] < famOrder[b]
	})
	for fi, name := range famOrder {
		fams[name].Anchor = anchor("family-", fi, name)
	}
	for _, k := range opOrder {
		fam := fams[opFamily[k]]
		cs := opCasesOf[k]
		op := cs[0].op
		sec := OpSection{Name: op, Anchor: fmt.Sprintf("%s-op%d", fam.Anchor, len(fam.Ops)), Total: len(cs), OK: len(cs)}
		parts := (len(cs) + maxTrendLines - 1) / maxTrendLines
		for part := 0; part < parts; part++ {
			chunk := cs[part*maxTrendLines : min(len(cs), (part+1)*maxTrendLines)]
			id := fmt.Sprintf("chart-%s-trend-%d", sec.Anchor, part)
			title := op + ": time per op over the runs"
			if parts > 1 {
				title += fmt.Sprintf(" (part %d of %d)", part+1, parts)
			}
			spec, ch := trendChart(id, title, labels, chunk, verdicts)
			spec.Links = p.runLinks()
			p.addChart(spec)
			sec.Charts = append(sec.Charts, ch)
		}
		fam.Ops = append(fam.Ops, sec)
	}
	for _, name := range famOrder {
		p.Families = append(p.Families, *fams[name])
	}
}

// trendChart draws each case's median time per op over the runs, its
// confidence interval as a band (a transparent base plus a stacked band of
// the interval's width, both named as the case so the legend switches the
// three together), and the runs where the change from the run before is a
// regression as red triangles, improvements as green diamonds.
func trendChart(id, title string, labels []string, cs []*trendCase, verdicts []map[string]stats.Row) (chartSpec, Chart) {
	maxNs, minNs := 0.0, math.Inf(1)
	for _, tc := range cs {
		for _, c := range tc.points {
			if c != nil {
				maxNs, minNs = math.Max(maxNs, math.Max(c.MedianNs, c.CIHighNs)), math.Min(minNs, c.MedianNs)
			}
		}
	}
	scale, unit := timeScale(maxNs)
	logAxis := maxNs/minNs > 30
	pal := palette{}
	line := charts.NewLine()
	yAxis := opts.YAxis{Type: "value", Name: "time per op (" + unit + ")", NameLocation: "end", Scale: opts.Bool(true)}
	if logAxis {
		yAxis.Type = "log"
	}
	line.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "4", Left: "0", Width: "90%"}),
		charts.WithGridOpts(opts.Grid{Left: "72", Right: "40", Top: "56", Bottom: "64"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{FontSize: 10, Interval: "auto", HideOverlap: opts.Bool(true)}}),
		charts.WithYAxisOpts(yAxis),
		toolbox("bitnet-bench-trend"),
		charts.WithAnimation(false),
	)
	line.SetXAxis(labels)
	v := func(ns float64) any { return finite(round(ns/scale, 5)) }
	stips := make([][][]string, 0, 3*len(cs))
	for _, tc := range cs {
		col := pal.add(tc.name)
		base := make([]opts.LineData, len(labels))
		band := make([]opts.LineData, len(labels))
		med := make([]map[string]any, len(labels))
		tips := make([][]string, len(labels))
		var ranges [][2]string // regression ranges: the run before to the run
		for i, c := range tc.points {
			if c == nil {
				base[i], band[i] = opts.LineData{Value: "-"}, opts.LineData{Value: "-"}
				med[i] = map[string]any{"value": "-"}
				continue
			}
			lo, hi := c.CILowNs, c.CIHighNs
			if lo <= 0 || hi <= 0 {
				lo, hi = c.MedianNs, c.MedianNs
			}
			base[i] = opts.LineData{Value: v(lo)}
			band[i] = opts.LineData{Value: finite(round((hi-lo)/scale, 5))}
			item := map[string]any{"value": v(c.MedianNs)}
			lines := []string{tc.name, labels[i], "median " + fmtNs(c.MedianNs) + " " + fmtCI(c.MedianNs, c.CILowNs, c.CIHighNs)}
			if r, ok := verdicts[i][tc.name]; ok {
				if r.Verdict == stats.Regression && i > 0 {
					ranges = append(ranges, [2]string{labels[i-1], labels[i]})
				}
				desc := fmt.Sprintf("vs the run before: %s (%s", verdictLabel(r.Verdict), change(r.Ratio))
				if iv := ratioInterval(r); iv != "" {
					desc += ", ratio " + iv
				}
				desc += ", p = " + fmtP(r.P) + ")"
				lines = append(lines, desc)
				switch r.Verdict {
				case stats.Regression:
					item["symbol"], item["symbolSize"] = "triangle", 14
					item["itemStyle"] = map[string]any{"color": verdictColors[stats.Regression], "borderColor": "#ffffff", "borderWidth": 1}
				case stats.Improvement:
					item["symbol"], item["symbolSize"] = "diamond", 11
					item["itemStyle"] = map[string]any{"color": verdictColors[stats.Improvement]}
				}
			}
			med[i] = item
			tips[i] = escapeAll(lines...)
		}
		// Within an op's chart the op is known: the legend names the rest.
		label := strings.TrimPrefix(tc.name, tc.op+"/")
		stack := "ci-" + tc.name
		// The legend takes a name's swatch from its first series: every
		// series of a case carries the median line's colour.
		line.AddSeries(label, base,
			charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.Stack = stack }),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: col}),
		)
		line.AddSeries(label, band,
			charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.Stack = stack }),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: col}),
			charts.WithAreaStyleOpts(opts.AreaStyle{Color: rgba(col, 0.18)}),
		)
		medOpts := []charts.SeriesOpts{
			charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.Data = med }),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: col}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: col, Width: 2}),
		}
		if len(ranges) > 0 {
			// asv's regression range: the stretch between the last good run
			// and the first bad one, where the cause landed.
			var areas [][]opts.MarkAreaData
			for _, r := range ranges {
				areas = append(areas, []opts.MarkAreaData{{XAxis: r[0]}, {XAxis: r[1]}})
			}
			medOpts = append(medOpts,
				charts.WithMarkAreaData(areas...),
				charts.WithMarkAreaStyleOpts(opts.MarkAreaStyle{ItemStyle: &opts.ItemStyle{Color: "rgba(214,69,69,0.08)"}}))
		}
		line.AddSeries(label, nil, medOpts...)
		stips = append(stips, nil, nil, tips)
	}
	line.Validate()
	opt := optionOf(line)
	for i := range cs {
		for _, si := range []int{3 * i, 3*i + 1} {
			s := seriesAt(opt, si)
			s["lineStyle"] = map[string]any{"opacity": 0}
			s["symbol"] = "none"
			s["silent"] = true
			s["tooltip"] = map[string]any{"show": false}
			s["z"] = 1
		}
		s := seriesAt(opt, 3*i+2)
		s["symbolSize"] = 6
		s["z"] = 3
	}
	if len(cs) > maxShownLines {
		opt["legend"].(map[string]any)["selected"] = firstLines(cs, maxShownLines, func(tc *trendCase) (string, float64) {
			label := strings.TrimPrefix(tc.name, tc.op+"/")
			if tc.regressed {
				return label, 1
			}
			return label, 0
		})
	}
	caption := "Median time per op of each case in each run, oldest left, with its confidence interval as a band; lower is faster. " +
		"Red triangles: a regression against the run before (the regression-check rules), the shaded stretch before it the range of commits where it came in; green diamonds: an improvement. " +
		"Click a point to open its run's commit."
	if logAxis {
		caption += " Log scale: the cases differ by more than 30×."
	}
	if len(cs) > maxShownLines {
		caption += fmt.Sprintf(" %d cases: the legend shows the others (cases with a regression first).", len(cs))
	}
	return chartSpec{ID: id, Kind: "trend", Option: opt, STips: stips},
		Chart{ID: id, Title: title, Caption: caption, Height: 420}
}

// runLinks is where a click on a run's point goes: its commit's page, or
// its row in the runs table.
func (p *HistoryPage) runLinks() []string {
	out := make([]string, len(p.Runs))
	for i, r := range p.Runs {
		out[i] = "#" + r.Anchor
		if r.Link != "" {
			out[i] = r.Link
		}
	}
	return out
}

// timeScale picks the unit of a time axis from its largest value in ns.
func timeScale(maxNs float64) (float64, string) {
	switch {
	case maxNs >= 1e9:
		return 1e9, "s"
	case maxNs >= 1e6:
		return 1e6, "ms"
	case maxNs >= 1e3:
		return 1e3, "µs"
	}
	return 1, "ns"
}

// Render writes the trend page's HTML to w.
func (p *HistoryPage) Render(w io.Writer) error {
	return templates.History.Execute(w, p)
}

// WriteHistoryFile builds the trend page and writes it to path atomically.
func WriteHistoryFile(path string, in HistoryInput) error {
	p, err := BuildHistory(in)
	if err != nil {
		return err
	}
	return writeRendered(path, p.Render)
}
