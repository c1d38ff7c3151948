package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// RooflineView is the roofline section: the machine's measured limits and
// the cases against them.
type RooflineView struct {
	Measured bool       // the file records limits
	Limits   []LimitRow // per CPU level
	Charts   []Chart
	// Skipped says which cases are not drawn and why; "" when all are.
	Skipped string
}

// LimitRow is one CPU level's measured ceilings.
type LimitRow struct {
	Level, Read, Peak, Ridge, Buffer string
}

func (p *Page) buildRoofline(f *results.File, pal palette) RooflineView {
	v := RooflineView{Measured: len(f.Roofline) > 0}
	for _, l := range f.Roofline {
		row := LimitRow{Level: l.Level, Read: dash, Peak: dash, Ridge: dash, Buffer: fmtBytes(uint64(max(l.BufferBytes, 0)))}
		if l.ReadGBps > 0 {
			row.Read = fmtRate(l.ReadGBps) + " GB/s"
		}
		switch {
		case l.Int8PeakGMACps > 0:
			row.Peak = fmtRate(l.Int8PeakGMACps) + " GMAC/s"
			if l.ReadGBps > 0 {
				row.Ridge = sig(l.Int8PeakGMACps/l.ReadGBps, 3) + " MAC/B"
			}
		case l.Int8Unavailable != "":
			row.Peak = "not measured: " + l.Int8Unavailable
		}
		v.Limits = append(v.Limits, row)
	}
	var macs, data []*results.Case
	skipped := 0
	for i := range f.Cases {
		c := &f.Cases[i]
		if !c.OK() {
			continue
		}
		switch {
		case c.MACsPerOp > 0 && c.BytesPerOp > 0 && c.GMACps > 0:
			macs = append(macs, c)
		case c.MACsPerOp == 0 && c.PctOfReadBW > 0:
			data = append(data, c)
		default:
			skipped++
		}
	}
	if len(macs) > 0 {
		spec, ch := rooflineChart("chart-roofline", f.Roofline, macs, pal)
		p.addChart(spec)
		v.Charts = append(v.Charts, ch)
	}
	if len(data) > 0 {
		spec, ch := bandwidthChart("chart-roofline-bandwidth", data, pal)
		p.addChart(spec)
		v.Charts = append(v.Charts, ch)
	}
	if skipped > 0 {
		why := "they record no MACs and their share of the read bandwidth was not measured"
		if !v.Measured {
			why = "they record no MACs, and without measured limits there is no bandwidth to compare them with"
		}
		v.Skipped = fmt.Sprintf("%s not drawn here: %s.", plural(skipped, "measured case is", "measured cases are"), why)
	}
	return v
}

// intensity is a case's arithmetic intensity in MACs per byte moved.
func intensity(c *results.Case) float64 {
	return float64(c.MACsPerOp) / float64(c.BytesPerOp)
}

// rooflineChart plots achieved GMAC/s against arithmetic intensity on
// log-log axes, with each level's roof: the bandwidth slope (read GB/s ×
// MAC/B) up to the int8 peak, flat after it. One thread's roofs are drawn;
// those of t threads (t× both limits, as the cases' percentages use) are
// in the legend, off at first.
func rooflineChart(id string, limits []results.Limit, cs []*results.Case, pal palette) (chartSpec, Chart) {
	var variants []string
	byVariant := map[string][]*results.Case{}
	threads := map[int]bool{}
	lo, hi := math.Inf(1), 0.0
	ylo, yhi := math.Inf(1), 0.0
	for _, c := range cs {
		v := variant(c)
		if _, ok := byVariant[v]; !ok {
			variants = append(variants, v)
		}
		byVariant[v] = append(byVariant[v], c)
		threads[max(c.Threads, 1)] = true
		lo, hi = math.Min(lo, intensity(c)), math.Max(hi, intensity(c))
		ylo, yhi = math.Min(ylo, c.GMACps), math.Max(yhi, c.GMACps)
	}
	for _, l := range limits {
		if l.ReadGBps > 0 && l.Int8PeakGMACps > 0 {
			r := l.Int8PeakGMACps / l.ReadGBps
			lo, hi = math.Min(lo, r), math.Max(hi, r)
		}
	}
	xMin, xMax := pow10Floor(lo/2), pow10Ceil(hi*2)

	sc := charts.NewScatter()
	sc.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "4", Left: "0", Width: "90%"}),
		charts.WithGridOpts(opts.Grid{Left: "64", Right: "40", Top: "64", Bottom: "48"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "log", Name: "arithmetic intensity (MAC per byte)", NameLocation: "middle", NameGap: 28, Min: xMin, Max: xMax}),
		charts.WithYAxisOpts(opts.YAxis{Type: "log", Name: "GMAC/s", NameLocation: "end"}),
		toolbox("bitnet-bench-roofline"),
		charts.WithAnimation(false),
	)
	var ts []int
	for t := range threads {
		ts = append(ts, t)
	}
	sort.Ints(ts)
	threadSymbol := map[int]string{}
	for i, t := range ts {
		threadSymbol[t] = symbols[i%len(symbols)]
	}
	stips := make([][][]string, len(variants))
	for i, v := range variants {
		data := make([]opts.ScatterData, len(byVariant[v]))
		stips[i] = make([][]string, len(byVariant[v]))
		for j, c := range byVariant[v] {
			data[j] = opts.ScatterData{Value: []float64{round(intensity(c), 4), round(c.GMACps, 4)}, Symbol: threadSymbol[max(c.Threads, 1)], SymbolSize: 9}
			lines := []string{
				c.Name,
				fmt.Sprintf("%s GMAC/s, %s GB/s", fmtRate(c.GMACps), fmtRate(c.GBps)),
				fmt.Sprintf("intensity %s MAC/B", sig(intensity(c), 3)),
				fmt.Sprintf("threads: %d", max(c.Threads, 1)),
			}
			if t := roofTitle(c); t != "" {
				lines = append(lines, t)
			}
			stips[i][j] = escapeAll(lines...)
		}
		sc.AddSeries(v, data, charts.WithItemStyleOpts(opts.ItemStyle{Color: pal.add(v), Opacity: opts.Float(0.85)}))
	}
	sc.Validate()
	opt := optionOf(sc)

	// Roofs, as line series added to the option.
	series, _ := opt["series"].([]any)
	selected := map[string]bool{}
	for _, t := range ts {
		for _, l := range limits {
			if l.ReadGBps <= 0 {
				continue
			}
			bw, peak := l.ReadGBps*float64(t), l.Int8PeakGMACps*float64(t)
			var pts [][]float64
			if peak > 0 {
				// The x range includes every ridge point.
				pts = [][]float64{{xMin, bw * xMin}, {peak / bw, peak}, {xMax, peak}}
			} else {
				pts = [][]float64{{xMin, bw * xMin}, {xMax, bw * xMax}}
			}
			name := fmt.Sprintf("roof %s: %s GB/s", l.Level, fmtRate(bw))
			if peak > 0 {
				name += fmt.Sprintf(", %s GMAC/s", fmtRate(peak))
			}
			style := "solid"
			if t > 1 {
				name += fmt.Sprintf(" (%d threads)", t)
				style = "dashed"
				selected[name] = false
			}
			col := pal.add("cpu/" + l.Level)
			for _, pt := range pts {
				ylo, yhi = math.Min(ylo, pt[1]), math.Max(yhi, pt[1])
			}
			series = append(series, map[string]any{
				"type": "line", "name": name, "data": pts,
				"showSymbol": false, "silent": true, "z": 1,
				"lineStyle": map[string]any{"color": col, "width": 1.5, "type": style},
				"itemStyle": map[string]any{"color": col},
			})
		}
	}
	opt["series"] = series
	if len(selected) > 0 {
		opt["legend"].(map[string]any)["selected"] = selected
	}
	axisAt(opt, "yAxis")["min"] = pow10Floor(ylo)
	axisAt(opt, "yAxis")["max"] = pow10Ceil(yhi)
	caption := "Achieved GMAC/s against arithmetic intensity (MACs per byte moved), log-log, one point per case coloured by backend/level. " +
		"Each level's roof rises with its measured read bandwidth and flattens at its int8 peak; a level without an int8 peak has the bandwidth slope only. " +
		"A point above its roof does less work than the MACs counted (ternary weights add instead of multiply) or reads from cache, not DRAM."
	if len(ts) > 1 {
		caption += " Symbols tell thread counts apart; the roofs of more threads are in the legend."
	}
	if len(limits) == 0 {
		caption = "Achieved GMAC/s against arithmetic intensity (MACs per byte moved), log-log. No roofs: this file records no measured limits."
	}
	return chartSpec{ID: id, Kind: "roofline", Option: opt, STips: stips},
		Chart{ID: id, Title: "Roofline: GMAC/s against arithmetic intensity", Caption: caption, Height: 460}
}

// bandwidthChart draws the data-movement cases (no MACs) as their share of
// the read bandwidth measured for their level and thread count.
func bandwidthChart(id string, cs []*results.Case, pal palette) (chartSpec, Chart) {
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
			fmt.Sprintf("%s GB/s of %s GB/s read bandwidth (%d thread%s)", fmtRate(c.GBps), fmtRate(c.GBps/c.PctOfReadBW), max(c.Threads, 1), map[bool]string{true: "s"}[c.Threads > 1]),
			"share: "+fmtShare(c.PctOfReadBW),
			"median: "+fmtNs(c.MedianNs),
		)
	}
	bar := charts.NewBar()
	rowChart(&bar.BaseConfiguration, "bitnet-bench-bandwidth", names, valueAxis("% of read bandwidth", false), true, rowPx)
	bar.SetXAxis(names).XYReversal()
	for vi, v := range variants {
		data := make([]opts.BarData, len(cs))
		for i, c := range cs {
			if variant(c) == v {
				data[i] = opts.BarData{Value: round(c.PctOfReadBW*100, 3)}
			} else {
				data[i] = opts.BarData{Value: "-"}
			}
		}
		so := []charts.SeriesOpts{
			charts.WithSeriesOpts(func(s *charts.SingleSeries) {
				s.Stack = "case"
				s.BarMaxWidth = "18"
			}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: pal.add(v)}),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right", Formatter: "{c}%", FontSize: 10}),
		}
		if vi == 0 {
			so = append(so,
				charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: "read bandwidth", XAxis: 100}),
				charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
					Symbol:    []string{"none", "none"},
					LineStyle: &opts.LineStyle{Color: "#d64545", Type: "dashed", Width: 1.5},
					Label:     &opts.Label{Show: opts.Bool(true), Formatter: "100%", Position: "start"},
				}),
			)
		}
		bar.AddSeries(v, data, so...)
	}
	bar.Validate()
	return chartSpec{ID: id, Kind: "bandwidth", Option: optionOf(bar), Tips: tips},
		Chart{
			ID:    id,
			Title: "Data-movement cases against the read bandwidth",
			Caption: "Achieved GB/s as a share of the read bandwidth measured for the case's level, times its threads (the dashed line is 100%). " +
				"Cases with no MACs have no compute roof; data that fits in cache can exceed the DRAM figure.",
			Height: chartHeight(len(cs), true, rowPx),
		}
}

func pow10Floor(x float64) float64 {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return 1e-3
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(math.Pow(10, math.Floor(math.Log10(x))), 'g', 6, 64), 64)
	return v
}

func pow10Ceil(x float64) float64 {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return 1
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(math.Pow(10, math.Ceil(math.Log10(x))), 'g', 6, 64), 64)
	return v
}
