// Package report renders a bitnet-bench results file, and optionally its
// comparison with a baseline, as one self-contained HTML page: styles, page
// script, chart options and, by default, ECharts itself are inline, so the
// file opens without a network. The charts' ECharts options are built with
// go-echarts.
//
// Build turns the input into a Page, a view model whose strings are already
// formatted; the templates in package templates only lay them out, and
// html/template escapes every value taken from the results. BuildHistory
// does the same for several runs of the same cases: trend lines per case
// with the regressions between consecutive runs marked.
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

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/templates"
)

// Input is what a report is made of.
type Input struct {
	Results *results.File // required
	// Comparison adds the regression section; nil leaves it out.
	Comparison *stats.Comparison
	// Baseline is the baseline side as the comparison read it: its samples
	// are drawn beside the current ones. BaselineResults is the baseline's
	// results file when it is one, for the machine diff. Both optional.
	Baseline        *input.Input
	BaselineResults *results.File
	Title           string // "" gives DefaultTitle
	Theme           string // "light" (also for "") or "dark"
	// Assets is how the page gets ECharts: AssetsInline (also for "")
	// embeds it, AssetsCDN loads it with one script tag.
	Assets string
}

// DefaultTitle is the page title when Input.Title is empty.
const DefaultTitle = "bitnet-bench report"

// How a page gets ECharts.
const (
	// AssetsInline embeds ECharts in the page: about 1 MB, and the page
	// needs no network.
	AssetsInline = "inline"
	// AssetsCDN loads ECharts from jsDelivr with one <script src> tag that
	// carries the file's integrity hash, so a browser runs that exact file
	// or none; the page is small but needs the network to draw charts.
	AssetsCDN = "cdn"
)

// ParseAssets checks an --assets value: "inline" (or "") or "cdn".
func ParseAssets(s string) (string, error) {
	switch a := strings.ToLower(strings.TrimSpace(s)); a {
	case "", AssetsInline:
		return AssetsInline, nil
	case AssetsCDN:
		return AssetsCDN, nil
	}
	return "", fmt.Errorf("unknown assets %q (want inline or cdn)", s)
}

// ParseTheme checks a --theme value: "light" (or "") or "dark".
func ParseTheme(s string) (string, error) {
	switch t := strings.ToLower(strings.TrimSpace(s)); t {
	case "", "light":
		return "light", nil
	case "dark":
		return "dark", nil
	}
	return "", fmt.Errorf("unknown theme %q (want light or dark)", s)
}

// Head is what every page carries besides its sections: title, theme, the
// inlined style and script, ECharts and the chart options.
type Head struct {
	Title string
	Theme string // "light" or "dark"
	Tool  string // name and version
	// RunID names the run the page shows, as results.json and results.txt
	// do; "" for pages of several runs.
	RunID string

	CSS     template.CSS
	Script  template.JS
	ECharts ECharts
	// ChartData is the JSON array of chart specs, HTML-safe; the page
	// script draws one chart per spec.
	ChartData template.JS
	// ChartCount is how many charts the page draws.
	ChartCount int

	charts []chartSpec
}

// ECharts is how the page loads the chart library: inline, or one script
// tag with its integrity hash.
type ECharts struct {
	Version   string
	Inline    template.JS
	Src       string
	Integrity string
}

func newHead(title, theme, assets string) (Head, error) {
	th, err := ParseTheme(theme)
	if err != nil {
		return Head{}, fmt.Errorf("report: %w", err)
	}
	as, err := ParseAssets(assets)
	if err != nil {
		return Head{}, fmt.Errorf("report: %w", err)
	}
	h := Head{
		Title:   title,
		Theme:   th,
		CSS:     template.CSS(templates.CSS),
		Script:  template.JS(templates.JS),
		ECharts: ECharts{Version: templates.EChartsVersion},
	}
	if as == AssetsInline {
		h.ECharts.Inline = template.JS(templates.EChartsJS)
	} else {
		h.ECharts.Src, h.ECharts.Integrity = templates.EChartsCDNURL, templates.EChartsSRI
	}
	return h, nil
}

func (h *Head) addChart(spec chartSpec) {
	h.charts = append(h.charts, spec)
}

// finishCharts encodes the chart specs for the page.
func (h *Head) finishCharts() error {
	if h.charts == nil {
		h.charts = []chartSpec{}
	}
	data, err := json.Marshal(h.charts) // escapes <, > and & so it is safe in a <script>
	if err != nil {
		return fmt.Errorf("report: chart options: %w", err)
	}
	h.ChartData = template.JS(data)
	h.ChartCount = len(h.charts)
	return nil
}

// Page is the view model of the report. Every field is display-ready.
type Page struct {
	Head

	Date       string // when the run was made, "" when the file has no date
	Commit     string // short commit of the code under test, "" when unknown
	CommitFull string
	Dirty      bool
	GoVersion  string
	Complete   bool
	Quick      bool

	Summary         Summary
	Recommendations []Recommendation
	Comparison      *ComparisonView // nil without a baseline
	Families        []Family
	Roofline        RooflineView
	Energy          TelemetrySection
	Memory          TelemetrySection
	Cases           []CaseRow // every case, in file order

	Machine     []Field
	Features    []string
	Unavailable []Field // machine facts that could not be read, with why
	Config      []Field
	Command     string // shell-quoted; "" when not recorded

	baseline map[string][]float64 // baseline samples per case, ns per op

	// TableData is the JSON of the paginated tables (all cases, the
	// regression table), HTML-safe; the page script shows one page of
	// rows at a time so the document stays small.
	TableData template.JS
}

// Field is one labelled value.
type Field struct{ Label, Value string }

// CaseRow is one case as the tables show it.
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
	Tokens              string // tokens/s of a model workload
	Roof, RoofTitle     string // share of the roofline bound
	Samples             int

	medianNs, tokens float64 // sort keys
}

// Family is the section of one operation family.
type Family struct {
	Name, Anchor string
	Total, OK    int
	Ops          []OpSection
	// NotCharted are the cases that produced no samples, with their reason;
	// they are listed, never drawn as zero.
	NotCharted []CaseRow
	// NoThroughput names ok cases that recorded neither bytes nor MACs, so
	// they appear in the box plot only.
	NoThroughput []string
	// Tokens is the llama-bench-style table of the model workloads.
	Tokens []TokenRow
	// Charts span the family's ops (the packings' compression against
	// decode speed).
	Charts []Chart
}

// OpSection is the charts of one operation. Only the first family's
// operations (or every one, on a short page) start open: a page of one
// chart set per op would otherwise run to tens of thousands of pixels.
type OpSection struct {
	Name, Anchor string
	Total, OK    int
	Charts       []Chart
	Open         bool
	Peek         string // the best result, shown while collapsed
}

// openCharts is how many charts a page may have and still start with
// every operation open.
const openCharts = 12

// Chart is one chart container on the page.
type Chart struct {
	ID, Title, Caption string
	Height             int // pixels
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
	head, err := newHead(in.Title, in.Theme, in.Assets)
	if err != nil {
		return nil, err
	}
	p := &Page{
		Head:      head,
		GoVersion: f.Tool.GoVersion,
		Dirty:     f.Tool.Dirty,
		Complete:  f.Complete,
		Quick:     f.Config.Quick,
		Command:   shellQuote(f.Command),
	}
	p.RunID = f.RunID
	p.Tool = strings.TrimSpace(f.Tool.Name + " " + f.Tool.Version)
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
		p.Commit = shortCommit(c)
	}

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

	pal := newPalette(f.Cases)
	fams := groupFamilies(f.Cases)
	// Charts are collected in page order: the comparison comes first.
	if in.Comparison != nil {
		p.Comparison = p.buildComparison(in.Comparison)
		p.Comparison.Machines = machineDiff(f, in.Baseline, in.BaselineResults)
	}
	p.baseline = baselineSamples(in.Baseline)
	for fi, g := range fams {
		p.Families = append(p.Families, p.buildFamily(fi, g, pal))
	}
	p.openFirst()
	p.Roofline = p.buildRoofline(f, pal)
	tel := telemetryOf(f)
	p.Energy = p.buildEnergy(tel)
	p.Memory = p.buildMemory(tel)
	p.summarize(f, fams, in.Comparison)
	p.Recommendations = recommend(f, opAnchors(p.Families))
	p.machine(f)
	p.config(f)

	if err := p.finishCharts(); err != nil {
		return nil, err
	}
	tables, err := p.tableData()
	if err != nil {
		return nil, err
	}
	p.TableData = tables
	return p, nil
}

// Render writes the page's HTML to w.
func (p *Page) Render(w io.Writer) error {
	return templates.Report.Execute(w, p)
}

// Render builds the page and returns its HTML.
func Render(in Input) ([]byte, error) {
	p, err := Build(in)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := p.Render(&buf); err != nil {
		return nil, fmt.Errorf("report: render: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteFile builds the page and writes it to path atomically: a reader sees
// the old file or the whole new one, never half a page.
func WriteFile(path string, in Input) error {
	html, err := Render(in)
	if err != nil {
		return err
	}
	return results.WriteFileAtomic(path, html, 0o644)
}

// writeRendered renders a whole page into memory, then writes it
// atomically, so a render error leaves the old file untouched.
func writeRendered(path string, render func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return fmt.Errorf("report: render: %w", err)
	}
	return results.WriteFileAtomic(path, buf.Bytes(), 0o644)
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
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
		Tokens:  dash,
		Roof:    dash,
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
	case results.StatusWrong:
		r.StatusLabel, r.StatusClass = "wrong result", "s-error"
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
		r.medianNs, r.tokens = c.MedianNs, c.TokensPerS
		if c.TokensPerS > 0 {
			r.Tokens = tokensSpread(c)
		}
		if b := roofShare(c); b > 0 {
			r.Roof = fmtShare(b)
			r.RoofTitle = roofTitle(c)
		}
		workloadCells(c, &r)
	}
	return r
}

// workloadCells adds a model step's figures to its row: J per token
// beside the shape, and on a GPU the share of the HBM bound (the bytes a
// token reads at the measured read rate) as its roofline.
func workloadCells(c *results.Case, r *CaseRow) {
	if c.Family != results.FamilyWorkload || c.Extra == nil {
		return
	}
	var notes []string
	for k, v := range c.Extra {
		if strings.HasPrefix(k, "J/token-") && v > 0 {
			notes = append(notes, sig(v, 3)+" J/token ("+strings.TrimPrefix(k, "J/token-")+")")
		}
	}
	if len(notes) > 0 {
		sort.Strings(notes)
		r.Shape = strings.Join(append([]string{r.Shape}, notes...), " · ")
	}
	if v := c.Extra["pct-of-hbm-bound"]; v > 0 && r.Roof == dash {
		r.Roof = fmtShare(v / 100)
		r.RoofTitle = fmt.Sprintf("of the HBM bound: %d bytes a token at the measured read rate of %s GB/s", c.BytesPerOp, sig(c.Extra["read-GB/s"], 4))
	}
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

func opName(c *results.Case) string {
	if c.Op == "" {
		return familyName(c.Family)
	}
	return c.Op
}

// familyOrder is the order of the catalogue: the model workloads, the op
// table's families (kernels.Specs), the packings, the conversions, the cleanup; families it does not
// know follow, sorted by name.
var familyOrder = append(append([]string{results.FamilyWorkload}, kernels.Families()...),
	results.FamilyPacking, results.FamilyConversion, results.FamilyCleanup)

type familyGroup struct {
	name  string
	cases []*results.Case
	ops   []opGroup // in order of first appearance
}

type opGroup struct {
	name  string
	cases []*results.Case
}

// ok returns the cases of the op that produced samples.
func (g *opGroup) ok() []*results.Case {
	var out []*results.Case
	for _, c := range g.cases {
		if c.OK() {
			out = append(out, c)
		}
	}
	return out
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
	for gi := range gs {
		oi := map[string]int{}
		for _, c := range gs[gi].cases {
			n := opName(c)
			j, ok := oi[n]
			if !ok {
				j = len(gs[gi].ops)
				oi[n] = j
				gs[gi].ops = append(gs[gi].ops, opGroup{name: n})
			}
			gs[gi].ops[j].cases = append(gs[gi].ops[j].cases, c)
		}
	}
	return gs
}

// anchor makes an HTML id from a name; the index keeps two names that clean
// to the same letters apart.
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

// opAnchors maps each operation to its section's anchor.
func opAnchors(fams []Family) map[string]string {
	m := map[string]string{}
	for _, f := range fams {
		for _, o := range f.Ops {
			m[o.Name] = o.Anchor
		}
	}
	return m
}

func (p *Page) buildFamily(fi int, g familyGroup, pal palette) Family {
	fam := Family{Name: g.name, Anchor: anchor("family-", fi, g.name), Total: len(g.cases), Tokens: tokenRows(g.cases)}
	for _, c := range g.cases {
		if !c.OK() {
			fam.NotCharted = append(fam.NotCharted, caseRow(c))
			continue
		}
		fam.OK++
		if c.GMACps <= 0 && c.GBps <= 0 && c.TokensPerS <= 0 {
			fam.NoThroughput = append(fam.NoThroughput, c.Name)
		}
	}
	if g.name == results.FamilyPacking {
		if spec, ch, ok := compressionChart("chart-"+fam.Anchor+"-compression", g.cases, pal); ok {
			p.addChart(spec)
			fam.Charts = append(fam.Charts, ch)
		}
	}
	for oi := range g.ops {
		og := &g.ops[oi]
		sec := OpSection{
			Name:   og.name,
			Anchor: fmt.Sprintf("%s-op%d", fam.Anchor, oi),
			Total:  len(og.cases),
		}
		ok := og.ok()
		sec.OK = len(ok)
		if len(ok) > 0 {
			sec.Charts = p.opCharts(sec.Anchor, og.name, ok, pal)
		}
		if b, ok := bestOp(og); ok {
			sec.Peek = fmt.Sprintf("best %s %s, %s", b.Value, b.Unit, b.Variant)
		}
		fam.Ops = append(fam.Ops, sec)
	}
	return fam
}

// opCharts draws one operation: throughput per configuration and
// implementation, scaling over batch and size where the data has more than
// one point, and the samples.
func (p *Page) opCharts(anchor, op string, ok []*results.Case, pal palette) []Chart {
	var out []Chart
	add := func(spec chartSpec, ch Chart) {
		p.addChart(spec)
		out = append(out, ch)
	}
	// A model workload that handles tokens is ranked in tokens/s; an op
	// that does arithmetic in GMAC/s, one that only moves data in GB/s; an
	// op with several kinds of cases gets a chart per unit.
	var tokens, mac, bytesOnly []*results.Case
	for _, c := range ok {
		switch {
		case c.TokensPerS > 0:
			tokens = append(tokens, c)
		case c.GMACps > 0:
			mac = append(mac, c)
		case c.GBps > 0:
			bytesOnly = append(bytesOnly, c)
		}
	}
	for _, m := range []struct {
		cases []*results.Case
		met   metric
	}{{tokens, metricTokens}, {mac, metricGMAC}, {bytesOnly, metricGB}} {
		if len(m.cases) == 0 {
			continue
		}
		id := fmt.Sprintf("chart-%s-%s", anchor, m.met.id)
		add(throughputChart(id, op, m.cases, m.met, pal))
		if m.met.id == metricTokens.id {
			if spec, ch, ok := partsChart(id+"-parts", op, m.cases, pal); ok {
				add(spec, ch)
			}
		}
		for _, by := range []scaleBy{scaleBatch, scaleSize} {
			if spec, ch, ok := scalingChart(fmt.Sprintf("%s-%s", id, by.id), op, m.cases, m.met, by, pal); ok {
				add(spec, ch)
			}
		}
	}
	add(samplesChart(fmt.Sprintf("chart-%s-samples", anchor), op, ok, pal, p.baseline))
	return out
}

// machineFields are the facts the Machine section lists.
func machineFields(m results.Machine, goVersion string) []Field {
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
	return []Field{
		{"CPU", orDash(cpu)},
		{"Cores", fmt.Sprintf("%s logical, %s physical", count(m.LogicalCores), count(m.PhysicalCore))},
		{"GOMAXPROCS", count(m.GOMAXPROCS)},
		{"L1d cache", fmtBytes(uint64(max(m.L1DBytes, 0)))},
		{"L2 cache", fmtBytes(uint64(max(m.L2Bytes, 0)))},
		{"L3 cache", fmtBytes(uint64(max(m.L3Bytes, 0)))},
		{"Memory", fmtBytes(m.MemoryBytes)},
		{"OS/arch", orDash(strings.Trim(m.OS+"/"+m.Arch, "/"))},
		{"Go", orDash(goVersion)},
	}
}

// openFirst opens the first family's operations, or all of them when the
// page has few charts.
func (p *Page) openFirst() {
	n := 0
	for _, f := range p.Families {
		for _, o := range f.Ops {
			n += len(o.Charts)
		}
	}
	for fi := range p.Families {
		for oi := range p.Families[fi].Ops {
			p.Families[fi].Ops[oi].Open = fi == 0 || n <= openCharts
		}
	}
}

func (p *Page) machine(f *results.File) {
	m := f.Machine
	p.Machine = machineFields(m, f.Tool.GoVersion)
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
