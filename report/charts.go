package report

import (
	"fmt"
	"html"
	"math"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/bitnet-go/bitnet-bench/baselines"
	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// chartSpec is what the page script needs to draw one chart. Option is the
// ECharts option object go-echarts builds; the page's JSON encoding of it
// escapes HTML, unlike go-echarts' own snippets, so a case name cannot close
// the <script> element that carries it.
type chartSpec struct {
	ID     string         `json:"id"`
	Kind   string         `json:"kind"` // throughput, samples or ratio
	Option map[string]any `json:"option"`
	// Tips holds the tooltip lines per category, HTML-escaped here because
	// ECharts puts tooltip text into the page as HTML.
	Tips [][]string `json:"tips,omitempty"`
}

// Layout of the horizontal charts: one row per case, so long case names read
// on the category axis. Past maxRows a slider scrolls the rows, keeping a
// family of hundreds of cases at a sane height.
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
		v := variant(&cs[i])
		if _, ok := p[v]; !ok {
			p[v] = paletteColors[len(p)%len(paletteColors)]
		}
	}
	return p
}

// Verdict colours; report.css uses the same ones for the table badges.
var verdictColors = map[baselines.Verdict]string{
	baselines.Regression:  "#d64545",
	baselines.Improvement: "#2f9e55",
	baselines.NoChange:    "#8d99ae",
}

const missingColor = "#e09f3e"

func verdictColor(v baselines.Verdict) string {
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

func chartHeight(n int, legend bool) int {
	rows := min(n, maxRows)
	h := rows*rowPx + 56 // value axis labels and name
	if legend {
		h += 32
	}
	return max(h, 150)
}

// Case names on the category axis are set in a monospace font, as in the
// tables, which also lets the label gutter be sized from the longest name:
// ECharts' containLabel samples only some labels of a long category axis and
// then clips the others.
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

// rowChart sets what every horizontal chart shares: case names down the
// category axis, first case at the top as in the tables, and past maxRows a
// slider that scrolls the rows.
func rowChart(bc *charts.BaseConfiguration, file string, names []string, valueAxis opts.XAxis, legend bool) {
	n := len(names)
	top, right := 12, 64
	if legend {
		top = 44
	}
	if n > maxRows {
		top = max(top, 36) // room for the toolbox above the slider
		right = 100
	}
	left, label := categoryLabels(names)
	o := []charts.GlobalOpts{
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(legend), Type: "scroll", Top: "4", Left: "0", Right: "40"}),
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
		charts.WithToolboxOpts(opts.Toolbox{
			Show:  opts.Bool(true),
			Right: "0",
			Top:   "0",
			Feature: &opts.ToolBoxFeature{
				SaveAsImage: &opts.ToolBoxFeatureSaveAsImage{Show: opts.Bool(true), Title: "Save as PNG", Name: file},
			},
		}),
		charts.WithAnimation(false), // a report is read, not watched
	}
	for _, f := range o {
		f(bc)
	}
	if n > maxRows {
		// opts.DataZoom has no position or value-based window; a visitor
		// adds the option as ECharts takes it.
		bc.Accept(extraOptions{set: map[string]any{"dataZoom": []map[string]any{{
			"type":        "slider",
			"yAxisIndex":  0,
			"startValue":  0,
			"endValue":    maxRows - 1,
			"top":         top,
			"bottom":      44,
			"right":       12,
			"width":       20,
			"showDetail":  false,
			"brushSelect": false,
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

// throughputChart draws one bar per case. Each variant is its own series so
// the legend can hide one; the series share a stack, and a case has a value
// in its own variant's series only ("-" elsewhere), so every case keeps a
// single full-width bar.
func throughputChart(id, family string, cs []*results.Case, m metric, pal palette) (chartSpec, Chart) {
	names := make([]string, len(cs))
	var variants []string
	seen := map[string]bool{}
	tips := make([][]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
		v := variant(c)
		if !seen[v] {
			seen[v] = true
			variants = append(variants, v)
		}
		tips[i] = escapeAll(
			c.Name,
			"variant: "+v,
			fmt.Sprintf("%s %s", fmtRate(m.value(c)), m.unit),
			"median: "+fmtNs(c.MedianNs)+" "+fmtCI(c.MedianNs, c.CILowNs, c.CIHighNs),
			"shape: "+shapeString(c.Shape)+"  "+c.DType,
		)
	}
	bar := charts.NewBar()
	rowChart(&bar.BaseConfiguration, "bitnet-bench-"+family+"-"+m.id, names, valueAxis(m.unit, false), true)
	bar.SetXAxis(names).XYReversal()
	for _, v := range variants {
		data := make([]opts.BarData, len(cs))
		for i, c := range cs {
			if variant(c) == v {
				data[i] = opts.BarData{Value: round(m.value(c), 3)} // as in the table
			} else {
				data[i] = opts.BarData{Value: "-"} // ECharts' "no value"
			}
		}
		bar.AddSeries(v, data,
			charts.WithSeriesOpts(func(s *charts.SingleSeries) {
				s.Stack = "case"
				s.BarMaxWidth = "18"
			}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: pal[v]}),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right", Formatter: "{c}", FontSize: 11}),
		)
	}
	bar.Validate()
	return chartSpec{ID: id, Kind: "throughput", Option: bar.JSON(), Tips: tips},
		Chart{
			ID:      id,
			Title:   fmt.Sprintf("Throughput (%s)", m.unit),
			Caption: fmt.Sprintf("%s at the median time per op; longer is faster. Colour: backend/level.", m.unit),
			Height:  chartHeight(len(cs), true),
		}
}

// samplesChart draws the spread of each case's samples as a box plot:
// whiskers at the fastest and slowest sample, the box from q1 to q3.
func samplesChart(id, family string, cs []*results.Case, pal palette) (chartSpec, Chart) {
	scale, unit := 1e3, "µs"
	var maxNs float64
	minMed, maxMed := math.Inf(1), 0.0
	boxes := make([]box, len(cs))
	for i, c := range cs {
		b, _ := fiveNumbers(c.SamplesNs)
		boxes[i] = b
		maxNs = math.Max(maxNs, b.Max)
		minMed = math.Min(minMed, b.Median)
		maxMed = math.Max(maxMed, b.Median)
	}
	if maxNs >= 1e6 {
		scale, unit = 1e6, "ms"
	}
	// Sizes in one family span decades; on a linear axis the small cases
	// would shrink to dots, so switch to a log axis when medians differ a lot.
	logAxis := maxMed/minMed > 30

	names := make([]string, len(cs))
	data := make([]opts.BoxPlotData, len(cs))
	tips := make([][]string, len(cs))
	f := func(ns float64) float64 { return round(ns/scale, 4) }
	for i, c := range cs {
		b := boxes[i]
		names[i] = c.Name
		col := pal[variant(c)]
		data[i] = opts.BoxPlotData{
			Value:     []float64{f(b.Min), f(b.Q1), f(b.Median), f(b.Q3), f(b.Max)},
			ItemStyle: &opts.ItemStyle{Color: rgba(col, 0.25), BorderColor: col},
		}
		tips[i] = escapeAll(
			c.Name,
			"variant: "+variant(c),
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
	bp := charts.NewBoxPlot()
	rowChart(&bp.BaseConfiguration, "bitnet-bench-"+family+"-samples", names, axis, false)
	bp.AddSeries("time per op", data)
	bp.Validate()
	caption := "Samples of time per op: box from q1 to q3, line at the median, whiskers at min and max. Further left is faster."
	if logAxis {
		caption += " Log scale: the cases differ by more than 30×."
	}
	return chartSpec{ID: id, Kind: "samples", Option: bp.JSON(), Tips: tips},
		Chart{ID: id, Title: "Time per op, all samples (" + unit + ")", Caption: caption, Height: chartHeight(len(cs), false)}
}

// ratioChart draws current/baseline per case as bars that diverge from 1, so
// a slowdown and a speedup point different ways. Bar values are ratio-1; the
// page script labels the axis back in ratios. Only one unit is drawn: time
// per op when the comparison has it, since other units mostly restate it.
func ratioChart(id string, c *baselines.Comparison, rows []baselines.Row) (chartSpec, Chart, bool) {
	unit := ""
	for _, r := range rows {
		if r.Ratio > 0 && (unit == "" || r.Unit == "sec/op") {
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
		reach          = c.Threshold
		higherIsBetter bool
	)
	for _, r := range rows {
		if r.Unit != unit || r.Ratio <= 0 {
			continue
		}
		higherIsBetter = r.HigherIsBetter
		d := r.Ratio - 1
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
		if r.RatioLo > 0 || r.RatioHi > 0 {
			interval = fmt.Sprintf(" [%.3f, %.3f]", r.RatioLo, r.RatioHi)
		}
		verdict := string(r.Verdict)
		if r.Verdict == baselines.NoChange {
			verdict = "no change"
		}
		tips = append(tips, escapeAll(
			r.Name,
			fmt.Sprintf("ratio %.3f×%s (%s)", r.Ratio, interval, change(r.Ratio)),
			"baseline: "+summaryString(r.Baseline, unit),
			"current: "+summaryString(r.Current, unit),
			"p = "+fmtP(r.P),
			"verdict: "+verdict,
		))
	}
	// Symmetric limits keep 1.00× in the middle; extra room for the labels.
	lim := niceCeil(reach * 1.2)
	axis := valueAxis("current ÷ baseline ("+unit+")", false)
	axis.Min, axis.Max = -lim, lim
	// lim is 1, 2, 2.5 or 5 times a power of ten, so fifths are round ticks.
	axis.MinInterval, axis.MaxInterval = lim/5, lim/5
	bar := charts.NewBar()
	rowChart(&bar.BaseConfiguration, "bitnet-bench-ratio", names, axis, false)
	bar.SetXAxis(names).XYReversal()
	seriesOpts := []charts.SeriesOpts{
		charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.BarMaxWidth = "18" }),
	}
	if t := c.Threshold; t > 0 {
		seriesOpts = append(seriesOpts,
			charts.WithMarkAreaData([]opts.MarkAreaData{{XAxis: -t}, {XAxis: t}}),
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
	return chartSpec{ID: id, Kind: "ratio", Option: bar.JSON(), Tips: tips},
		Chart{ID: id, Title: "Ratio to baseline", Caption: caption, Height: chartHeight(len(names), false)},
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
