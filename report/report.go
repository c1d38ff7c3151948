// Package report renders a bitnet-bench results file, and optionally its
// comparison with a baseline, as one HTML page: styles, script and chart
// data inline, interactive charts whose ECharts options go-echarts builds,
// and ECharts itself loaded by a single <script src> in the template.
//
// Build turns the input into a Page, a view model whose strings are already
// formatted; the template in package templates only lays them out, and
// html/template escapes every value taken from the results.
package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/bitnet-go/bitnet-bench/baselines"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/templates"
)

// Input is what a report is made of.
type Input struct {
	Results *results.File // required
	// Comparison adds the regression section; nil leaves it out.
	Comparison *baselines.Comparison
	Title      string // "" gives DefaultTitle
	Theme      string // "light" (also for "") or "dark"
}

// DefaultTitle is the page title when Input.Title is empty.
const DefaultTitle = "bitnet-bench report"

// Page is the view model the template renders. Every field is display-ready.
type Page struct {
	Title string
	Theme string // "light" or "dark"

	Date       string // when the run was made, "" when the file has no date
	Tool       string // name and version
	Commit     string // short commit of the code under test, "" when unknown
	CommitFull string
	Dirty      bool
	GoVersion  string
	Complete   bool
	Quick      bool

	Summary    Summary
	Comparison *ComparisonView // nil without a baseline
	Families   []Family
	Cases      []CaseRow // every case, in file order

	Machine     []Field
	Features    []string
	Unavailable []Field // machine facts that could not be read, with why
	Config      []Field
	Command     string // shell-quoted; "" when not recorded

	CSS       template.CSS
	Script    template.JS
	ChartData template.JS // JSON array of chart specs, HTML-safe

	charts []chartSpec
}

// Field is one labelled value.
type Field struct{ Label, Value string }

// Summary counts the cases and names the fastest per family.
type Summary struct {
	Total, OK, NotImplemented, Unavailable, Failed int
	Best                                           []Best
}

// Best is the highest throughput of one family.
type Best struct {
	Family, Anchor string
	Case, Variant  string
	Value, Unit    string
}

// CaseRow is one line of the table of all cases.
type CaseRow struct {
	Name, Family, Op    string
	Shape, DType        string
	Variant             string // backend/level
	Threads             string
	Status              string // results status value
	StatusLabel         string
	StatusClass         string // CSS class of the status badge
	Reason              string // why it did not run or failed
	Median, MedianTitle string
	CI, CITitle         string
	GBps, GMACps        string
	Samples             int
}

// Family is the section of one operation family.
type Family struct {
	Name, Anchor string
	Total, OK    int
	Charts       []Chart
	// NotCharted are the cases that produced no samples, with their reason;
	// they are listed, never drawn as zero.
	NotCharted []CaseRow
	// NoThroughput names ok cases that recorded neither bytes nor MACs, so
	// they appear in the box plot only.
	NoThroughput []string
}

// Chart is one chart container on the page.
type Chart struct {
	ID, Title, Caption string
	Height             int // pixels
}

// ComparisonView is the regression section.
type ComparisonView struct {
	Baseline, Current            string
	Threshold, Alpha, Confidence string
	Regressions, Improvements    int
	Unchanged, Missing           int
	Geomean                      string
	Warnings                     []string
	Rows                         []ComparisonRow
	Chart                        *Chart // nil when no row has a ratio
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
}

// Build checks the input and computes the page.
func Build(in Input) (*Page, error) {
	f := in.Results
	if f == nil {
		return nil, errors.New("report: no results")
	}
	// The report relies on the file's invariants (ok cases have positive
	// samples, names are unique); results.ReadFile checks them too, but a
	// caller may build the File in code.
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	theme := strings.ToLower(strings.TrimSpace(in.Theme))
	switch theme {
	case "":
		theme = "light"
	case "light", "dark":
	default:
		return nil, fmt.Errorf("report: unknown theme %q (want light or dark)", in.Theme)
	}
	p := &Page{
		Title:     in.Title,
		Theme:     theme,
		Tool:      strings.TrimSpace(f.Tool.Name + " " + f.Tool.Version),
		GoVersion: f.Tool.GoVersion,
		Dirty:     f.Tool.Dirty,
		Complete:  f.Complete,
		Quick:     f.Config.Quick,
		Command:   shellQuote(f.Command),
		CSS:       template.CSS(templates.CSS),
		Script:    template.JS(templates.JS),
	}
	if p.Title == "" {
		p.Title = DefaultTitle
	}
	if p.Tool == "" {
		p.Tool = "bitnet-bench"
	}
	if !f.Created.IsZero() {
		p.Date = f.Created.Format("2006-01-02 15:04:05 MST")
	}
	if c := f.Tool.Commit; c != "" {
		p.CommitFull = c
		p.Commit = c
		if len(c) > 12 {
			p.Commit = c[:12]
		}
	}

	pal := newPalette(f.Cases)
	for i := range f.Cases {
		c := &f.Cases[i]
		p.Cases = append(p.Cases, caseRow(c))
		p.Summary.Total++
		switch c.Status {
		case results.StatusOK:
			p.Summary.OK++
		case results.StatusNotImplemented:
			p.Summary.NotImplemented++
		case results.StatusUnavailable:
			p.Summary.Unavailable++
		default:
			p.Summary.Failed++
		}
	}
	// Charts are collected in page order: the comparison comes first.
	if in.Comparison != nil {
		p.Comparison = p.buildComparison(in.Comparison)
	}
	for fi, g := range groupFamilies(f.Cases) {
		p.Families = append(p.Families, p.buildFamily(fi, g, pal))
	}
	p.machine(f)
	p.config(f)

	data, err := json.Marshal(p.charts) // escapes <, > and & so it is safe in a <script>
	if err != nil {
		return nil, fmt.Errorf("report: chart options: %w", err)
	}
	p.ChartData = template.JS(data)
	return p, nil
}

// Render writes the page's HTML to w.
func (p *Page) Render(w io.Writer) error {
	return templates.Report.Execute(w, p)
}

// WriteFile builds the page and writes it to path atomically: a reader sees
// the old file or the whole new one, never half a page.
func WriteFile(path string, in Input) error {
	p, err := Build(in)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := p.Render(&buf); err != nil {
		return fmt.Errorf("report: render: %w", err)
	}
	return results.WriteFileAtomic(path, buf.Bytes(), 0o644)
}

func caseRow(c *results.Case) CaseRow {
	r := CaseRow{
		Name:    c.Name,
		Family:  familyName(c.Family),
		Op:      c.Op,
		Shape:   shapeString(c.Shape),
		DType:   c.DType,
		Variant: variant(c),
		Status:  c.Status,
		Reason:  c.Error,
		Samples: len(c.SamplesNs),
		Median:  dash,
		CI:      dash,
		GBps:    dash,
		GMACps:  dash,
	}
	switch {
	case c.Threads == 1:
		r.Threads = "1 thread"
	case c.Threads > 1:
		r.Threads = strconv.Itoa(c.Threads) + " threads"
	}
	switch c.Status {
	case results.StatusOK:
		r.StatusLabel, r.StatusClass = "ok", "s-ok"
	case results.StatusNotImplemented:
		r.StatusLabel, r.StatusClass = "not implemented", "s-ni"
	case results.StatusUnavailable:
		r.StatusLabel, r.StatusClass = "unavailable", "s-unavail"
	case results.StatusError:
		r.StatusLabel, r.StatusClass = "error", "s-error"
	default:
		r.StatusLabel, r.StatusClass = c.Status, "s-error"
	}
	if c.Status != results.StatusOK && r.Reason == "" {
		r.Reason = "no reason recorded"
	}
	if c.OK() {
		r.Median = fmtNs(c.MedianNs)
		r.MedianTitle = fmt.Sprintf("median of %d samples of %d ops", len(c.SamplesNs), c.Iterations)
		r.CI = fmtCI(c.MedianNs, c.CILowNs, c.CIHighNs)
		if r.CI != dash {
			r.CITitle = fmt.Sprintf("%s confidence interval: %s – %s",
				confLabel(c.Confidence), fmtNs(c.CILowNs), fmtNs(c.CIHighNs))
		}
		r.GBps = fmtRate(c.GBps)
		r.GMACps = fmtRate(c.GMACps)
	}
	return r
}

func confLabel(c float64) string {
	if c <= 0 || c >= 1 {
		return "the"
	}
	return fmtPct(c)
}

func shapeString(s results.Shape) string {
	var parts []string
	if s.M > 0 {
		parts = append(parts, "M="+strconv.Itoa(s.M))
	}
	if s.N > 0 {
		parts = append(parts, "N="+strconv.Itoa(s.N))
	}
	if s.K > 0 {
		parts = append(parts, "K="+strconv.Itoa(s.K))
	}
	return strings.Join(parts, " ")
}

// variant names the implementation a case ran: backend and ISA level.
func variant(c *results.Case) string {
	switch {
	case c.Backend != "" && c.Level != "" && c.Backend != c.Level:
		return c.Backend + "/" + c.Level
	case c.Backend != "":
		return c.Backend
	case c.Level != "":
		return c.Level
	}
	return dash
}

func familyName(f string) string {
	if f == "" {
		return "other"
	}
	return f
}

// familyOrder is the order of the catalogue; families it does not know
// follow, sorted by name.
var familyOrder = []string{"bitlinear", "matmul", "quantize", "pack", "activation"}

type familyGroup struct {
	name  string
	cases []*results.Case
}

func groupFamilies(cs []results.Case) []familyGroup {
	idx := map[string]int{}
	var gs []familyGroup
	for i := range cs {
		name := familyName(cs[i].Family)
		j, ok := idx[name]
		if !ok {
			j = len(gs)
			idx[name] = j
			gs = append(gs, familyGroup{name: name})
		}
		gs[j].cases = append(gs[j].cases, &cs[i])
	}
	rank := func(n string) int {
		for i, k := range familyOrder {
			if k == n {
				return i
			}
		}
		return len(familyOrder)
	}
	sort.SliceStable(gs, func(a, b int) bool {
		ra, rb := rank(gs[a].name), rank(gs[b].name)
		if ra != rb {
			return ra < rb
		}
		return gs[a].name < gs[b].name
	})
	return gs
}

// anchor makes an HTML id from a family name; the index keeps two names that
// clean to the same letters apart.
func anchor(prefix string, i int, name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	return fmt.Sprintf("%s%d-%s", prefix, i, strings.Trim(b.String(), "-"))
}

func (p *Page) buildFamily(fi int, g familyGroup, pal palette) Family {
	fam := Family{Name: g.name, Anchor: anchor("family-", fi, g.name), Total: len(g.cases)}
	var mac, bytesOnly, sampled []*results.Case
	for _, c := range g.cases {
		if !c.OK() {
			fam.NotCharted = append(fam.NotCharted, caseRow(c))
			continue
		}
		fam.OK++
		sampled = append(sampled, c)
		switch {
		case c.GMACps > 0:
			mac = append(mac, c)
		case c.GBps > 0:
			bytesOnly = append(bytesOnly, c)
		default:
			fam.NoThroughput = append(fam.NoThroughput, c.Name)
		}
	}
	// A family whose ops do arithmetic is ranked in GMAC/s; one that only
	// moves data (pack, most activations) in GB/s. A family with both gets a
	// chart per unit rather than one chart with two scales.
	ranked := false
	for _, m := range []struct {
		cases []*results.Case
		met   metric
	}{{mac, metricGMAC}, {bytesOnly, metricGB}} {
		if len(m.cases) == 0 {
			continue
		}
		id := fmt.Sprintf("chart-%s-%s", fam.Anchor, m.met.id)
		spec, ch := throughputChart(id, g.name, m.cases, m.met, pal)
		p.charts = append(p.charts, spec)
		fam.Charts = append(fam.Charts, ch)
		if !ranked { // the first unit is the family's headline figure
			ranked = true
			b := bestOf(m.cases, m.met)
			b.Family, b.Anchor = g.name, fam.Anchor
			p.Summary.Best = append(p.Summary.Best, b)
		}
	}
	if len(sampled) > 0 {
		id := fmt.Sprintf("chart-%s-samples", fam.Anchor)
		spec, ch := samplesChart(id, g.name, sampled, pal)
		p.charts = append(p.charts, spec)
		fam.Charts = append(fam.Charts, ch)
	}
	return fam
}

func bestOf(cs []*results.Case, m metric) Best {
	best := cs[0]
	for _, c := range cs[1:] {
		if m.value(c) > m.value(best) {
			best = c
		}
	}
	return Best{Case: best.Name, Variant: variant(best), Value: fmtRate(m.value(best)), Unit: m.unit}
}

// verdictOrder puts what needs attention first in the regression table.
var verdictOrder = map[baselines.Verdict]int{
	baselines.Regression:      0,
	baselines.Improvement:     1,
	baselines.MissingCurrent:  2,
	baselines.MissingBaseline: 3,
	baselines.NoChange:        4,
}

func verdictClass(v baselines.Verdict) string {
	switch v {
	case baselines.Regression:
		return "v-regression"
	case baselines.Improvement:
		return "v-improvement"
	case baselines.NoChange:
		return "v-same"
	}
	return "v-missing"
}

func (p *Page) buildComparison(c *baselines.Comparison) *ComparisonView {
	v := &ComparisonView{
		Baseline:     c.Baseline,
		Current:      c.Current,
		Threshold:    fmtPct(c.Threshold),
		Alpha:        strconv.FormatFloat(c.Alpha, 'g', -1, 64),
		Confidence:   dash,
		Regressions:  c.Count(baselines.Regression),
		Improvements: c.Count(baselines.Improvement),
		Unchanged:    c.Count(baselines.NoChange),
		Missing:      c.Count(baselines.MissingBaseline) + c.Count(baselines.MissingCurrent),
		Warnings:     c.Warnings,
		Geomean:      dash,
	}
	if c.Confidence > 0 {
		v.Confidence = fmtPct(c.Confidence)
	}
	if c.GeomeanRatio > 0 {
		v.Geomean = fmt.Sprintf("%.3f× (%s)", c.GeomeanRatio, change(c.GeomeanRatio))
	}
	rows := append([]baselines.Row(nil), c.Rows...)
	sort.SliceStable(rows, func(a, b int) bool {
		return rank(verdictOrder, rows[a].Verdict) < rank(verdictOrder, rows[b].Verdict)
	})
	for _, r := range rows {
		cr := ComparisonRow{
			Name:         r.Name,
			Unit:         r.Unit,
			Baseline:     summaryString(r.Baseline, r.Unit),
			Current:      summaryString(r.Current, r.Unit),
			Ratio:        dash,
			P:            fmtP(r.P),
			Verdict:      string(r.Verdict),
			VerdictClass: verdictClass(r.Verdict),
			Note:         r.Note,
		}
		if r.Verdict == baselines.NoChange {
			cr.Verdict = "no change"
		}
		cr.BaselineTitle = summaryTitle(r.Baseline, r.Unit)
		cr.CurrentTitle = summaryTitle(r.Current, r.Unit)
		if r.Ratio > 0 {
			cr.Ratio = fmt.Sprintf("%.3f×", r.Ratio)
			cr.Change = change(r.Ratio)
			if r.RatioLo > 0 || r.RatioHi > 0 {
				cr.RatioCI = fmt.Sprintf("[%.3f, %.3f]", r.RatioLo, r.RatioHi)
			}
		}
		v.Rows = append(v.Rows, cr)
	}
	if spec, ch, ok := ratioChart("chart-comparison-ratio", c, rows); ok {
		p.charts = append(p.charts, spec)
		v.Chart = &ch
	}
	return v
}

func rank(m map[baselines.Verdict]int, v baselines.Verdict) int {
	if r, ok := m[v]; ok {
		return r
	}
	return len(m)
}

// change expresses a ratio as a signed percentage: 1.034 -> "+3.4%".
func change(ratio float64) string {
	return fmt.Sprintf("%+.1f%%", (ratio-1)*100)
}

func summaryString(s *baselines.Summary, unit string) string {
	if s == nil {
		return dash
	}
	out := fmtUnit(s.Center, unit)
	if ci := fmtCI(s.Center, s.Lo, s.Hi); ci != dash {
		out += " " + ci
	}
	return out
}

func summaryTitle(s *baselines.Summary, unit string) string {
	if s == nil {
		return ""
	}
	return fmt.Sprintf("n=%d, interval %s – %s", s.N, fmtUnit(s.Lo, unit), fmtUnit(s.Hi, unit))
}

func (p *Page) machine(f *results.File) {
	m := f.Machine
	orDash := func(s string) string {
		if s == "" {
			return dash
		}
		return s
	}
	count := func(n int) string {
		if n <= 0 {
			return dash
		}
		return strconv.Itoa(n)
	}
	cpu := m.CPUModel
	if m.CPUVendor != "" && !strings.Contains(strings.ToLower(cpu), strings.ToLower(m.CPUVendor)) {
		cpu = strings.TrimSpace(cpu + " (" + m.CPUVendor + ")")
	}
	p.Machine = []Field{
		{"CPU", orDash(cpu)},
		{"Cores", fmt.Sprintf("%s logical, %s physical", count(m.LogicalCores), count(m.PhysicalCore))},
		{"GOMAXPROCS", count(m.GOMAXPROCS)},
		{"L1d cache", fmtBytes(uint64(max(m.L1DBytes, 0)))},
		{"L2 cache", fmtBytes(uint64(max(m.L2Bytes, 0)))},
		{"L3 cache", fmtBytes(uint64(max(m.L3Bytes, 0)))},
		{"Memory", fmtBytes(m.MemoryBytes)},
		{"OS/arch", orDash(strings.Trim(m.OS+"/"+m.Arch, "/"))},
		{"Go", orDash(f.Tool.GoVersion)},
	}
	p.Features = m.CPUFeatures
	keys := make([]string, 0, len(m.Unavailable))
	for k := range m.Unavailable {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p.Unavailable = append(p.Unavailable, Field{k, m.Unavailable[k]})
	}
}

func (p *Page) config(f *results.File) {
	c := f.Config
	list := func(xs []string) string {
		if len(xs) == 0 {
			return dash
		}
		return strings.Join(xs, ", ")
	}
	ints := func(xs []int) []string {
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = strconv.Itoa(x)
		}
		return out
	}
	batches, threads := ints(c.Batches), ints(c.Threads)
	levels := "each backend's fastest"
	if len(c.Levels) > 0 {
		levels = list(c.Levels)
	}
	yes := map[bool]string{true: "yes", false: "no"}
	confidence := dash
	if c.Confidence > 0 {
		confidence = fmtPct(c.Confidence)
	}
	p.Config = []Field{
		{"Operations", list(c.Operations)},
		{"Sizes", list(c.Sizes)},
		{"Batches", list(batches)},
		{"Devices", list(c.Devices)},
		{"Samples", strconv.Itoa(c.Samples)},
		{"Warm-up", c.Warmup},
		{"Sample time", c.SampleTime},
		{"ISA levels", levels},
		{"Threads", list(threads)},
		{"Seed", strconv.FormatInt(c.Seed, 10)},
		{"Quick", yes[c.Quick]},
		{"Confidence", confidence},
	}
}
