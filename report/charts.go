package report

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// chartSpec is what the page script needs to draw one chart. Option is the
// ECharts option object go-echarts builds, as plain JSON values so that the
// few options go-echarts has no field for can be set on it; the page's JSON
// encoding escapes HTML, unlike go-echarts' own snippets, so a case name
// cannot close the <script> element that carries it.
type chartSpec struct {
	ID     string         `json:"id"`
	Kind   string         `json:"kind"` // throughput, scaling, samples, ratio, roofline, bandwidth, trend, telemetry, timeline
	Option map[string]any `json:"option"`
	// Tips holds the tooltip lines per category (data index), and STips per
	// series and data index; both are HTML-escaped here because ECharts
	// puts tooltip text into the page as HTML.
	Tips  [][]string   `json:"tips,omitempty"`
	STips [][][]string `json:"stips,omitempty"`
	// Links are where a click on a point goes, per data index (the trend
	// page: a run's commit).
	Links []string `json:"links,omitempty"`
}

// Layout of the horizontal charts: one row per category, so long names read
// on the category axis. Past maxRows a slider scrolls the rows, keeping a
// chart of hundreds of rows at a sane height.
const (
	rowPx   = 26
	maxRows = 40
)

type metric struct {
	id, unit string
	value    func(*results.Case) float64
}

var (
	metricGMAC = metric{"gmacs", "GMAC/s", func(c *results.Case) float64 { return c.GMACps }}
	metricGB   = metric{"gbs", "GB/s", func(c *results.Case) float64 { return c.GBps }}
)

// palette gives each implementation variant (backend/level) one colour used
// in every chart of the page.
type palette map[string]string

var paletteColors = []string{
	"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2",
	"#edc948", "#9c755f", "#ff9da7", "#bab0ac", "#e15759",
}

func newPalette(cs []results.Case) palette {
	p := palette{}
	for i := range cs {
		p.add(variant(&cs[i]))
	}
	return p
}

func (p palette) add(v string) string {
	if c, ok := p[v]; ok {
		return c
	}
	c := paletteColors[len(p)%len(paletteColors)]
	p[v] = c
	return c
}

// Verdict colours; report.css uses the same ones for the table badges.
var verdictColors = map[stats.Verdict]string{
	stats.Regression:  "#d64545",
	stats.Improvement: "#2f9e55",
	stats.NoChange:    "#8d99ae",
}

const missingColor = "#e09f3e"

// baselineColor draws the baseline's samples beside the current run's.
const baselineColor = "#8d99ae"

func verdictColor(v stats.Verdict) string {
	if c, ok := verdictColors[v]; ok {
		return c
	}
	return missingColor
}

// rgba turns "#rrggbb" into a translucent fill.
func rgba(hex string, alpha float64) string {
	var r, g, b int
	if _, err := fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return hex
	}
	return fmt.Sprintf("rgba(%d,%d,%d,%g)", r, g, b, alpha)
}

// symbols tell series of one colour apart (sizes, batches).
var symbols = []string{"circle", "rect", "triangle", "diamond", "roundRect", "pin", "arrow"}

// maxChartPx caps the height of a horizontal chart's rows: with taller
// rows (grouped bars) fewer are shown at once, the slider scrolls the rest.
const maxChartPx = 1100

// visibleRows is how many rows of px pixels a chart shows at once.
func visibleRows(px int) int {
	return min(maxRows, max(10, maxChartPx/px))
}

func chartHeight(n int, legend bool, px int) int {
	rows := min(n, visibleRows(px))
	h := rows*px + 56 // value axis labels and name
	if legend {
		h += 32
	}
	return max(h, 150)
}

// Category names are set in a monospace font, as in the tables, which also
// lets the label gutter be sized from the longest name: ECharts'
// containLabel samples only some labels of a long category axis and then
// clips the others.
const (
	labelFont     = `ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace`
	labelFontSize = 11
	labelCharPx   = 0.62 * labelFontSize // monospace advance is about 0.6 em
)

// maxLabelPx caps the gutter; a longer name is cut on the axis and shown
// whole in its tooltip and in the tables.
const maxLabelPx = 400

// categoryLabels sizes the label gutter from the longest name and returns
// the grid's left edge with the label style.
func categoryLabels(names []string) (left int, label *opts.AxisLabel) {
	n := 0
	for _, s := range names {
		n = max(n, len([]rune(s)))
	}
	w := int(float64(n) * labelCharPx)
	label = &opts.AxisLabel{FontSize: labelFontSize, FontFamily: labelFont}
	if w > maxLabelPx {
		w = maxLabelPx
		label.Width, label.Overflow = maxLabelPx, "truncate"
	}
	return w + 16, label
}

func toolbox(file string) charts.GlobalOpts {
	return charts.WithToolboxOpts(opts.Toolbox{
		Show:  opts.Bool(true),
		Right: "0",
		Top:   "0",
		Feature: &opts.ToolBoxFeature{
			SaveAsImage: &opts.ToolBoxFeatureSaveAsImage{Show: opts.Bool(true), Title: "Save as PNG", Name: file},
		},
	})
}

// rowChart sets what every horizontal chart shares: names down the
// category axis, first at the top as in the tables, rows of px pixels, and
// past visibleRows a slider that scrolls the rows.
func rowChart(bc *charts.BaseConfiguration, file string, names []string, valueAxis opts.XAxis, legend bool, px int) {
	n := len(names)
	shown := visibleRows(px)
	top, right := 12, 64
	if legend {
		top = 44
	}
	if n > shown {
		top = max(top, 36) // room for the toolbox above the slider
		right = 100
	}
	left, label := categoryLabels(names)
	o := []charts.GlobalOpts{
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(legend), Type: "scroll", Top: "4", Left: "0", Width: "90%"}),
		charts.WithGridOpts(opts.Grid{
			Left:   strconv.Itoa(left),
			Right:  strconv.Itoa(right),
			Top:    strconv.Itoa(top),
			Bottom: "44",
		}),
		charts.WithXAxisOpts(valueAxis),
		charts.WithYAxisOpts(opts.YAxis{
			Type:      "category",
			Data:      names,
			Inverse:   opts.Bool(true),
			AxisLabel: label,
		}),
		toolbox(file),
		charts.WithAnimation(false), // a report is read, not watched
	}
	for _, f := range o {
		f(bc)
	}
	if n > shown {
		// opts.DataZoom has no position or value-based window; a visitor
		// adds the option as ECharts takes it.
		bc.Accept(extraOptions{set: map[string]any{"dataZoom": []map[string]any{{
			"type":        "slider",
			"yAxisIndex":  0,
			"startValue":  0,
			"endValue":    shown - 1,
			"top":         top,
			"bottom":      44,
			"right":       12,
			"width":       20,
			"showDetail":  false,
			"brushSelect": false,
		}, {
			// The wheel scrolls the rows too, but only with the pointer on
			// the chart, so the page still scrolls past it.
			"type":             "inside",
			"yAxisIndex":       0,
			"zoomOnMouseWheel": false,
			"moveOnMouseWheel": true,
			"moveOnMouseMove":  false,
		}}}})
	}
}

// extraOptions sets top-level ECharts options that go-echarts' structs lack.
type extraOptions struct {
	charts.BaseConfigurationVisitor
	set map[string]any
}

func (e extraOptions) Visit(option map[string]any) {
	for k, v := range e.set {
		option[k] = v
	}
}

func valueAxis(name string, log bool) opts.XAxis {
	ax := opts.XAxis{
		Type:         "value",
		Name:         name,
		NameLocation: "middle",
		NameGap:      26,
	}
	if log {
		ax.Type = "log"
	}
	return ax
}

type jsonOption interface{ JSON() map[string]any }

// optionOf returns the option a go-echarts chart built as plain JSON
// values. A chart that cannot be encoded (a bug: every value is finite)
// becomes a title that says so rather than a broken page.
func optionOf(c jsonOption) map[string]any {
	data, err := json.Marshal(c.JSON())
	var m map[string]any
	if err == nil {
		err = json.Unmarshal(data, &m)
	}
	if err != nil {
		return map[string]any{"title": map[string]any{"text": "chart not drawn: " + err.Error()}, "series": []any{}}
	}
	return m
}

// seriesAt returns the i-th series of an option as a map.
func seriesAt(opt map[string]any, i int) map[string]any {
	s, _ := opt["series"].([]any)
	if i < 0 || i >= len(s) {
		return map[string]any{}
	}
	m, _ := s[i].(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// axisAt returns the first axis of kind ("xAxis", "yAxis") as a map.
func axisAt(opt map[string]any, kind string) map[string]any {
	switch a := opt[kind].(type) {
	case []any:
		if len(a) > 0 {
			if m, ok := a[0].(map[string]any); ok {
				return m
			}
		}
	case map[string]any:
		return a
	}
	m := map[string]any{}
	opt[kind] = []any{m}
	return m
}

// finite turns NaN and infinities, which JSON cannot carry, into ECharts'
// "no value".
func finite(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	return v
}

// throughputChart draws an operation's throughput as grouped bars: one row
// per configuration (shape, batch, threads), one bar per implementation
// (backend/level), so levels compare side by side at each shape. Each
// implementation is its own series so the legend can hide one.
func throughputChart(id, op string, cs []*results.Case, m metric, pal palette) (chartSpec, Chart) {
	var cfgs, variants []string
	ci, vi := map[string]int{}, map[string]int{}
	for _, c := range cs {
		k := configLabel(c)
		if _, ok := ci[k]; !ok {
			ci[k] = len(cfgs)
			cfgs = append(cfgs, k)
		}
		v := variant(c)
		if _, ok := vi[v]; !ok {
			vi[v] = len(variants)
			variants = append(variants, v)
		}
	}
	grid := make([][]*results.Case, len(variants))
	for i := range grid {
		grid[i] = make([]*results.Case, len(cfgs))
	}
	for _, c := range cs {
		grid[vi[variant(c)]][ci[configLabel(c)]] = c
	}
	px := max(rowPx, 8+9*len(variants))
	bar := charts.NewBar()
	rowChart(&bar.BaseConfiguration, "bitnet-bench-"+op+"-"+m.id, cfgs, valueAxis(m.unit, false), true, px)
	bar.SetXAxis(cfgs).XYReversal()
	labels := len(variants) <= 4
	stips := make([][][]string, len(variants))
	for i, v := range variants {
		data := make([]opts.BarData, len(cfgs))
		stips[i] = make([][]string, len(cfgs))
		for j, c := range grid[i] {
			if c == nil {
				data[j] = opts.BarData{Value: "-"} // ECharts' "no value"
				continue
			}
			data[j] = opts.BarData{Value: round(m.value(c), 3)} // as in the table
			rate := fmtRate(m.value(c))
			if m.id == metricTokens.id {
				// Tokens/s is labelled with its spread, as llama-bench prints it.
				rate = tokensSpread(c)
				if labels {
					data[j].Label = &opts.Label{Show: opts.Bool(true), Position: "right", Formatter: rate, FontSize: 10}
				}
			}
			stips[i][j] = escapeAll(
				c.Name,
				"implementation: "+v,
				fmt.Sprintf("%s %s", rate, m.unit),
				"median: "+fmtNs(c.MedianNs)+" "+fmtCI(c.MedianNs, c.CILowNs, c.CIHighNs),
				"shape: "+shapeString(c.Shape)+"  "+c.DType,
			)
		}
		so := []charts.SeriesOpts{
			charts.WithSeriesOpts(func(s *charts.SingleSeries) {
				s.BarMaxWidth = "16"
				s.BarGap = "10%"
			}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: pal.add(v)}),
		}
		if labels {
			so = append(so, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right", Formatter: "{c}", FontSize: 10}))
		}
		bar.AddSeries(v, data, so...)
	}
	bar.Validate()
	return chartSpec{ID: id, Kind: "throughput", Option: optionOf(bar), STips: stips},
		Chart{
			ID:      id,
			Title:   fmt.Sprintf("%s throughput (%s) per implementation", op, m.unit),
			Caption: throughputCaption(cs[0], m),
			Height:  chartHeight(len(cfgs), true, px),
		}
}

func throughputCaption(c *results.Case, m metric) string {
	if m.id == metricTokens.id {
		return "Tokens per second at the median time per run ± the half-width of its confidence interval, one row per test (model, context or prompt, t: threads), one bar per backend/level; longer is faster."
	}
	if isWorkload(c) {
		return fmt.Sprintf("%s at the median time per run, one row per test (model, %s, t: threads), one bar per backend/level; longer is faster.", m.unit, strings.TrimSuffix(mLabel(c), strconv.Itoa(c.Shape.M)))
	}
	return fmt.Sprintf("%s at the median time per op, one row per shape (b: batch, t: threads), one bar per backend/level; longer is faster.", m.unit)
}

// scaleBy is one scaling chart: the x quantity and what a line holds fixed.
type scaleBy struct {
	id      string
	axis    func(*results.Case) string // the x axis' name
	logBase float64
	x       func(*results.Case) float64
	line    func(*results.Case) string // cases on one line share this
	symbol  func(*results.Case) string // what tells lines of one colour apart
	fixed   string                     // what symbol tells apart, for the caption
}

var (
	scaleBatch = scaleBy{
		id: "batch", axis: mAxis, logBase: 2, fixed: "size",
		x: func(c *results.Case) float64 { return float64(c.Shape.M) },
		line: func(c *results.Case) string {
			return strings.TrimSpace(shapeLabel(withoutM(c))+threadSuffix(c)) + " " + variant(c)
		},
		symbol: func(c *results.Case) string { return shapeLabel(withoutM(c)) },
	}
	// A line over size holds the batch and the input width K fixed: N×K
	// and K×N have the same number of weights, and one line through both
	// would be a vertical segment.
	scaleSize = scaleBy{
		id: "size", logBase: 10, fixed: "batch and input width K",
		axis: func(c *results.Case) string {
			if c.Shape.N > 0 {
				return "weights N×K (K fixed per line)"
			}
			return "width K"
		},
		x: func(c *results.Case) float64 {
			if c.Shape.N > 0 {
				return float64(c.Shape.N) * float64(c.Shape.K)
			}
			return float64(c.Shape.K)
		},
		line: func(c *results.Case) string {
			return strings.TrimSpace(sizeFixed(c)+" "+mLabel(c)+threadSuffix(c)) + " " + variant(c)
		},
		symbol: func(c *results.Case) string { return strings.TrimSpace(sizeFixed(c) + " " + mLabel(c)) },
	}
)

// sizeFixed is what a line over size holds fixed besides the batch: K for
// weights (N varies), nothing for a per-token op (K varies).
func sizeFixed(c *results.Case) string {
	if c.Shape.N > 0 {
		return "K=" + strconv.Itoa(c.Shape.K)
	}
	return ""
}

// withoutM is c with its batch cleared, for labels of what a line over
// batch holds fixed.
func withoutM(c *results.Case) *results.Case {
	d := *c
	d.Shape.M = 0
	return &d
}

func threadSuffix(c *results.Case) string {
	if c.Threads > 1 {
		return " t" + strconv.Itoa(c.Threads)
	}
	return ""
}

// maxShownLines is how many lines a scaling or trend chart shows at first;
// the legend shows the others.
const maxShownLines = 10

// scalingChart draws throughput against batch size or size, one line per
// implementation and fixed rest, for the lines with more than one point.
func scalingChart(id, op string, cs []*results.Case, m metric, by scaleBy, pal palette) (chartSpec, Chart, bool) {
	type scaleLine struct {
		name, variant, symbol string
		threads               int
		cases                 []*results.Case
	}
	var lines []*scaleLine
	idx := map[string]*scaleLine{}
	for _, c := range cs {
		if by.x(c) <= 0 {
			continue
		}
		k := by.line(c)
		l := idx[k]
		if l == nil {
			l = &scaleLine{name: k, variant: variant(c), symbol: by.symbol(c), threads: c.Threads}
			idx[k] = l
			lines = append(lines, l)
		}
		l.cases = append(l.cases, c)
	}
	var keep []*scaleLine
	for _, l := range lines {
		xs := map[float64]bool{}
		for _, c := range l.cases {
			xs[by.x(c)] = true
		}
		if len(xs) > 1 {
			sort.SliceStable(l.cases, func(a, b int) bool { return by.x(l.cases[a]) < by.x(l.cases[b]) })
			keep = append(keep, l)
		}
	}
	if len(keep) == 0 {
		return chartSpec{}, Chart{}, false
	}
	axisName := by.axis(keep[0].cases[0])
	// Symbols tell the fixed sizes (or batches) apart; colour is the level,
	// or, when every line is of one level, the line.
	variants := map[string]bool{}
	for _, l := range keep {
		variants[l.variant] = true
	}
	colourByLine := len(variants) == 1
	symIdx := map[string]int{}
	lo, hi := math.Inf(1), 0.0
	for _, l := range keep {
		if _, ok := symIdx[l.symbol]; !ok {
			symIdx[l.symbol] = len(symIdx)
		}
		for _, c := range l.cases {
			lo, hi = math.Min(lo, m.value(c)), math.Max(hi, m.value(c))
		}
	}
	line := charts.NewLine()
	yAxis := opts.YAxis{Type: "value", Name: m.unit, NameLocation: "end"}
	if hi/lo > 30 {
		yAxis.Type = "log"
	}
	line.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "4", Left: "0", Width: "90%"}),
		charts.WithGridOpts(opts.Grid{Left: "64", Right: "40", Top: "56", Bottom: "48"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "log", Name: axisName, NameLocation: "middle", NameGap: 28}),
		charts.WithYAxisOpts(yAxis),
		toolbox("bitnet-bench-"+op+"-scaling-"+by.id),
		charts.WithAnimation(false),
	)
	stips := make([][][]string, len(keep))
	for i, l := range keep {
		data := make([]opts.LineData, len(l.cases))
		stips[i] = make([][]string, len(l.cases))
		for j, c := range l.cases {
			data[j] = opts.LineData{Value: []float64{by.x(c), round(m.value(c), 3)}}
			stips[i][j] = escapeAll(
				c.Name,
				fmt.Sprintf("%s %s", fmtRate(m.value(c)), m.unit),
				"median: "+fmtNs(c.MedianNs)+" "+fmtCI(c.MedianNs, c.CILowNs, c.CIHighNs),
				"shape: "+shapeString(c.Shape),
			)
		}
		ls := opts.LineStyle{Width: 2}
		if l.threads > 1 {
			ls.Type = "dashed"
		}
		sym := symbols[symIdx[l.symbol]%len(symbols)]
		colour := pal.add(l.variant)
		if colourByLine {
			colour = paletteColors[i%len(paletteColors)]
		}
		line.AddSeries(l.name, data,
			charts.WithItemStyleOpts(opts.ItemStyle{Color: colour}),
			charts.WithLineStyleOpts(ls),
			charts.WithSeriesOpts(func(s *charts.SingleSeries) {
				s.Symbol = sym
				s.SymbolSize = 7
			}),
		)
	}
	line.Validate()
	opt := optionOf(line)
	axisAt(opt, "xAxis")["logBase"] = by.logBase
	axisAt(opt, "xAxis")["type"] = "log"
	if len(keep) > maxShownLines {
		// Show the lines of the fastest implementations first.
		opt["legend"].(map[string]any)["selected"] = firstLines(keep, maxShownLines, func(l *scaleLine) (string, float64) {
			s := 0.0
			for _, c := range l.cases {
				s += math.Log(m.value(c))
			}
			return l.name, s / float64(len(l.cases))
		})
	}
	colourIs := "colour is the backend/level, the symbol"
	if colourByLine {
		colourIs = "one backend/level (" + keep[0].variant + "); colour and symbol are"
	}
	caption := fmt.Sprintf("%s at the median against %s; %s the %s held fixed, dashed lines use more than one thread. Higher is faster.",
		m.unit, axisName, colourIs, by.fixed)
	if len(keep) > maxShownLines {
		caption += fmt.Sprintf(" %d lines: the legend shows the others.", len(keep))
	}
	return chartSpec{ID: id, Kind: "scaling", Option: opt, STips: stips},
		Chart{ID: id, Title: fmt.Sprintf("%s scaling over %s (%s)", op, strings.TrimSuffix(strings.Split(axisName, " (")[0], " M"), m.unit), Caption: caption, Height: 380},
		true
}

// firstLines selects, for a legend, the n lines with the highest score.
func firstLines[T any](ls []T, n int, score func(T) (string, float64)) map[string]bool {
	type scored struct {
		name string
		s    float64
	}
	all := make([]scored, len(ls))
	for i, l := range ls {
		all[i].name, all[i].s = score(l)
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].s > all[b].s })
	sel := map[string]bool{}
	for i, s := range all {
		sel[s.name] = i < n
	}
	return sel
}

// samplesChart draws the spread of each case's samples as a box plot:
// whiskers at the fastest and slowest sample, the box from q1 to q3.
func samplesChart(id, op string, cs []*results.Case, pal palette, base map[string][]float64) (chartSpec, Chart) {
	scale, unit := 1e3, "µs"
	var maxNs float64
	minMed, maxMed := math.Inf(1), 0.0
	boxes := make([]box, len(cs))
	baseBoxes := make([]*box, len(cs)) // the baseline's samples, when compared
	for i, c := range cs {
		b, _ := fiveNumbers(c.SamplesNs)
		boxes[i] = b
		maxNs = math.Max(maxNs, b.Max)
		minMed = math.Min(minMed, b.Median)
		maxMed = math.Max(maxMed, b.Median)
		if bb, ok := fiveNumbers(base[c.Name]); ok {
			baseBoxes[i] = &bb
			maxNs = math.Max(maxNs, bb.Max)
			minMed = math.Min(minMed, bb.Median)
			maxMed = math.Max(maxMed, bb.Median)
		}
	}
	overlay := false
	for _, b := range baseBoxes {
		overlay = overlay || b != nil
	}
	if maxNs >= 1e6 {
		scale, unit = 1e6, "ms"
	}
	// Sizes in one op span decades; on a linear axis the small cases would
	// shrink to dots, so switch to a log axis when medians differ a lot.
	logAxis := maxMed/minMed > 30

	names := make([]string, len(cs))
	data := make([]opts.BoxPlotData, len(cs))
	tips := make([][]string, len(cs))
	f := func(ns float64) float64 { return round(ns/scale, 4) }
	for i, c := range cs {
		b := boxes[i]
		names[i] = configLabel(c) + " " + level(c)
		col := pal.add(variant(c))
		data[i] = opts.BoxPlotData{
			Value:     []float64{f(b.Min), f(b.Q1), f(b.Median), f(b.Q3), f(b.Max)},
			ItemStyle: &opts.ItemStyle{Color: rgba(col, 0.25), BorderColor: col},
		}
		tips[i] = escapeAll(
			c.Name,
			"implementation: "+variant(c),
			fmt.Sprintf("%d samples of %d ops", len(c.SamplesNs), c.Iterations),
			"max: "+fmtNs(b.Max),
			"q3: "+fmtNs(b.Q3),
			"median: "+fmtNs(b.Median),
			"q1: "+fmtNs(b.Q1),
			"min: "+fmtNs(b.Min),
		)
	}
	axis := valueAxis("time per op ("+unit+")", logAxis)
	axis.Scale = opts.Bool(true) // a box plot shows spread; zero need not be on the axis
	px := rowPx
	if overlay {
		px = 2 * rowPx
	}
	bp := charts.NewBoxPlot()
	rowChart(&bp.BaseConfiguration, "bitnet-bench-"+op+"-samples", names, axis, overlay, px)
	var stips [][][]string
	if overlay {
		// Before and after, as criterion overlays them: the baseline's box
		// in grey above the current one.
		bdata := make([]opts.BoxPlotData, len(cs))
		btips := make([][]string, len(cs))
		for i, c := range cs {
			b := baseBoxes[i]
			if b == nil {
				bdata[i] = opts.BoxPlotData{Value: []any{"-", "-", "-", "-", "-"}} // no baseline: nothing drawn
				continue
			}
			bdata[i] = opts.BoxPlotData{
				Value:     []float64{f(b.Min), f(b.Q1), f(b.Median), f(b.Q3), f(b.Max)},
				ItemStyle: &opts.ItemStyle{Color: rgba(baselineColor, 0.25), BorderColor: baselineColor},
			}
			btips[i] = escapeAll(
				c.Name+" (baseline)",
				fmt.Sprintf("%d samples", len(base[c.Name])),
				"max: "+fmtNs(b.Max), "q3: "+fmtNs(b.Q3), "median: "+fmtNs(b.Median), "q1: "+fmtNs(b.Q1), "min: "+fmtNs(b.Min),
			)
		}
		bp.AddSeries("baseline", bdata, charts.WithItemStyleOpts(opts.ItemStyle{Color: rgba(baselineColor, 0.25), BorderColor: baselineColor}))
		stips = append(stips, btips)
	}
	bp.AddSeries("current", data)
	stips = append(stips, tips)
	bp.Validate()
	caption := "Samples of time per op, one row per case (shape, b: batch, t: threads, level): box from q1 to q3, line at the median, whiskers at min and max. Further left is faster."
	if overlay {
		caption = "Samples of time per op, one row per case (shape, b: batch, t: threads, level), the baseline's (grey) above the current run's: box from q1 to q3, line at the median, whiskers at min and max. Further left is faster."
	}
	if logAxis {
		caption += " Log scale: the cases differ by more than 30×."
	}
	spec := chartSpec{ID: id, Kind: "samples", Option: optionOf(bp), Tips: tips}
	title := op + " time per op, all samples (" + unit + ")"
	if overlay {
		spec.Tips, spec.STips = nil, stips
		title = op + " time per op, baseline and current samples (" + unit + ")"
	}
	return spec, Chart{ID: id, Title: title, Caption: caption, Height: chartHeight(len(cs), overlay, px)}
}

// ratioChart draws current/baseline per case as bars that diverge from 1, so
// a slowdown and a speedup point different ways. Bar values are
// log2(ratio), so the axis is logarithmic and centred on 1×; the page
// script labels it back in ratios. Only one unit is drawn: time
// per op when the comparison has it, since other units mostly restate it.
func ratioChart(id string, c *stats.Comparison, rows []stats.Row) (chartSpec, Chart, bool) {
	unit := ""
	for _, r := range rows {
		if r.Ratio > 0 && !math.IsInf(r.Ratio, 0) && (unit == "" || r.Unit == input.UnitSecPerOp) {
			unit = r.Unit
		}
	}
	if unit == "" {
		return chartSpec{}, Chart{}, false
	}
	var (
		names          []string
		data           []opts.BarData
		tips           [][]string
		reach          = math.Log2(1 + c.Threshold)
		higherIsBetter bool
	)
	for _, r := range rows {
		if r.Unit != unit || r.Ratio <= 0 || math.IsInf(r.Ratio, 0) {
			continue
		}
		higherIsBetter = r.HigherIsBetter
		d := math.Log2(r.Ratio)
		pos := "right"
		if d < 0 {
			pos = "left"
		}
		names = append(names, r.Name)
		data = append(data, opts.BarData{
			Value:     round(d, 6),
			ItemStyle: &opts.ItemStyle{Color: verdictColor(r.Verdict)},
			Label:     &opts.Label{Show: opts.Bool(true), Position: pos, Formatter: fmt.Sprintf("%.3f×", r.Ratio), FontSize: 11},
		})
		// The axis follows the bars and the threshold, not the intervals: one
		// noisy case's wide interval would squash every bar to a hairline.
		// Intervals are in the tooltip and the table.
		reach = math.Max(reach, math.Abs(d))
		interval := ""
		if r.RatioLo > 0 || (r.RatioHi > 0 && !math.IsInf(r.RatioHi, 0)) {
			interval = fmt.Sprintf(" [%.3f, %.3f]", r.RatioLo, r.RatioHi)
		}
		tips = append(tips, escapeAll(
			r.Name,
			fmt.Sprintf("ratio %.3f×%s (%s)", r.Ratio, interval, change(r.Ratio)),
			"baseline: "+summaryString(r.Baseline, unit),
			"current: "+summaryString(r.Current, unit),
			"p = "+fmtP(r.P),
			"verdict: "+verdictLabel(r.Verdict),
		))
	}
	// Symmetric limits in log2 keep 1.00× in the middle, a halving as long
	// as a doubling; extra room for the labels.
	lim := niceCeil(reach * 1.2)
	axis := valueAxis("current ÷ baseline ("+unit+", log scale)", false)
	axis.Min, axis.Max = -lim, lim
	// lim is 1, 2, 2.5 or 5 times a power of ten, so fifths are round ticks.
	axis.MinInterval, axis.MaxInterval = lim/5, lim/5
	bar := charts.NewBar()
	rowChart(&bar.BaseConfiguration, "bitnet-bench-ratio", names, axis, false, rowPx)
	bar.SetXAxis(names).XYReversal()
	seriesOpts := []charts.SeriesOpts{
		charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.BarMaxWidth = "18" }),
	}
	if t := c.Threshold; t > 0 && t < 1 {
		seriesOpts = append(seriesOpts,
			charts.WithMarkAreaData([]opts.MarkAreaData{{XAxis: round(math.Log2(1-t), 6)}, {XAxis: round(math.Log2(1+t), 6)}}),
			charts.WithMarkAreaStyleOpts(opts.MarkAreaStyle{
				ItemStyle: &opts.ItemStyle{Color: "rgba(141,153,174,0.16)"},
			}),
		)
	}
	bar.AddSeries("ratio", data, seriesOpts...)
	bar.Validate()
	worse := "right of 1.00× is slower"
	if higherIsBetter {
		worse = "left of 1.00× is slower"
	}
	caption := fmt.Sprintf("Current ÷ baseline in %s, %s; colour is the verdict.", unit, worse)
	if c.Threshold > 0 {
		caption += " The shaded band is the ±" + fmtPct(c.Threshold) + " threshold."
	}
	return chartSpec{ID: id, Kind: "ratio", Option: optionOf(bar), Tips: tips},
		Chart{ID: id, Title: "Ratio to baseline", Caption: caption, Height: chartHeight(len(names), false, rowPx)},
		true
}

// niceCeil rounds x up to 1, 2, 2.5 or 5 times a power of ten, so the ratio
// axis gets round tick values.
func niceCeil(x float64) float64 {
	if x <= 0 {
		return 0.1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= x*(1-1e-12) {
			v, _ := strconv.ParseFloat(strconv.FormatFloat(m*p, 'g', 6, 64), 64)
			return v
		}
	}
	return 10 * p
}

func escapeAll(lines ...string) []string {
	for i, l := range lines {
		lines[i] = html.EscapeString(l)
	}
	return lines
}
