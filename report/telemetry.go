package report

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// telemetry is what the energy, temperature and memory sections draw:
// per-case summaries and timelines over the run. telemetryOf reads it from
// a results file; every field is optional, and a section with nothing to
// draw says plainly that it was not recorded.
type telemetry struct {
	Cases     []caseTelemetry
	Timelines []timeline
}

// caseTelemetry is one case's readings while it ran; 0 means not recorded.
type caseTelemetry struct {
	Name, Variant string

	PowerMeanW, PowerMaxW float64 // package power
	EnergyJPerOp          float64
	TempMeanC, TempMaxC   float64 // CPU temperature

	RSSBytes      float64 // peak resident set size
	PoolLiveBytes float64 // buffer pool bytes in use at the end of the case
	PoolPeakBytes float64 // and at most
}

// timeline is one quantity sampled over the run: Points are (seconds since
// the run started, value) pairs.
type timeline struct {
	Name, Unit string
	Points     [][2]float64
}

// Units of the timelines the sections draw.
const (
	unitWatt    = "W"
	unitCelsius = "°C"
	unitJoule   = "J"
	unitBytes   = "B"
	unitMHz     = "MHz"
)

// telemetryOf reads the telemetry of a results file (results.Telemetry per
// case, results.File.Timelines). Energy, power and temperature are kept per
// channel (RAPL zone, GPU, IOReport cluster); a case with several channels
// gets one row per channel, named "case [channel]", since adding channels
// could count nested zones twice. Memory figures go on the case's first
// row only.
func telemetryOf(f *results.File) telemetry {
	var out telemetry
	for i := range f.Cases {
		c := &f.Cases[i]
		t := c.Telemetry
		if t == nil || !c.OK() {
			continue
		}
		chans := map[string]bool{}
		for _, m := range []map[string]float64{t.EnergyJPerOp, t.MeanPowerW, t.MaxTempC} {
			for ch := range m {
				chans[ch] = true
			}
		}
		names := slices.Sorted(maps.Keys(chans))
		if len(names) == 0 {
			names = []string{""}
		}
		for k, ch := range names {
			ct := caseTelemetry{Name: c.Name, Variant: variant(c)}
			if len(names) > 1 {
				ct.Name = c.Name + " [" + ch + "]"
			}
			if ch != "" {
				ct.Variant += ", " + ch
				ct.PowerMeanW, ct.EnergyJPerOp, ct.TempMaxC = t.MeanPowerW[ch], t.EnergyJPerOp[ch], t.MaxTempC[ch]
			}
			if k == 0 {
				ct.RSSBytes = float64(t.PeakRSSBytes)
				ct.PoolLiveBytes, ct.PoolPeakBytes = t.Pool["live_bytes"], t.Pool["peak_bytes"]
			}
			out.Cases = append(out.Cases, ct)
		}
	}
	for _, tl := range f.Timelines {
		out.Timelines = append(out.Timelines, timeline{tl.Name, tl.Unit, tl.Points})
	}
	return out
}

// TelemetrySection is the energy and temperature section, or the memory
// section.
type TelemetrySection struct {
	Recorded bool
	// Missing says what was not recorded, when Recorded is false or only
	// part of the section has data.
	Missing string
	Charts  []Chart
}

func (t telemetry) timelines(units ...string) []timeline {
	var out []timeline
	for _, tl := range t.Timelines {
		for _, u := range units {
			if tl.Unit == u && len(tl.Points) > 0 {
				out = append(out, tl)
				break
			}
		}
	}
	return out
}

// casesWith returns the cases where any of the fields is recorded.
func (t telemetry) casesWith(fields ...func(caseTelemetry) float64) []caseTelemetry {
	var out []caseTelemetry
	for _, c := range t.Cases {
		for _, f := range fields {
			if v := f(c); v > 0 && !math.IsInf(v, 0) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

func (p *Page) buildEnergy(t telemetry) TelemetrySection {
	var s TelemetrySection
	add := func(spec chartSpec, ch Chart) {
		p.addChart(spec)
		s.Charts = append(s.Charts, ch)
	}
	energy := func(c caseTelemetry) float64 { return c.EnergyJPerOp }
	pMean := func(c caseTelemetry) float64 { return c.PowerMeanW }
	pMax := func(c caseTelemetry) float64 { return c.PowerMaxW }
	tMean := func(c caseTelemetry) float64 { return c.TempMeanC }
	tMax := func(c caseTelemetry) float64 { return c.TempMaxC }
	if cs := t.casesWith(energy); len(cs) > 0 {
		scale, unit := energyScale(cs)
		add(caseBars("chart-energy-per-op", "Energy per operation ("+unit+")", unit,
			"Energy per operation while the case ran: package energy over the run of its samples, divided by the operations. Shorter is better.",
			cs, []barMetric{{"energy", func(c caseTelemetry) float64 { return c.EnergyJPerOp * scale }}}))
	}
	if cs := t.casesWith(pMean, pMax); len(cs) > 0 {
		add(caseBars("chart-energy-power", "Package power (W)", "W",
			"Mean and highest package power while the case ran.",
			cs, []barMetric{{"mean", pMean}, {"max", pMax}}))
	}
	if cs := t.casesWith(tMean, tMax); len(cs) > 0 {
		add(caseBars("chart-energy-temperature", "CPU temperature (°C)", "°C",
			"Mean and highest CPU temperature while the case ran; a rising maximum over the run hints at thermal throttling.",
			cs, []barMetric{{"mean", tMean}, {"max", tMax}}))
	}
	for i, u := range []string{unitWatt, unitCelsius, unitJoule} {
		if tls := t.timelines(u); len(tls) > 0 {
			add(timelineChart(fmt.Sprintf("chart-energy-timeline-%d", i), tls, u))
		}
	}
	s.Recorded = len(s.Charts) > 0
	if !s.Recorded {
		s.Missing = "Not recorded: this results file has no power, energy or temperature readings."
	}
	return s
}

func (p *Page) buildMemory(t telemetry) TelemetrySection {
	var s TelemetrySection
	add := func(spec chartSpec, ch Chart) {
		p.addChart(spec)
		s.Charts = append(s.Charts, ch)
	}
	const mib = 1 << 20
	rss := func(c caseTelemetry) float64 { return c.RSSBytes / mib }
	live := func(c caseTelemetry) float64 { return c.PoolLiveBytes / mib }
	peak := func(c caseTelemetry) float64 { return c.PoolPeakBytes / mib }
	if cs := t.casesWith(live, peak); len(cs) > 0 {
		add(caseBars("chart-memory-pool", "Buffer pool (MiB)", "MiB",
			"Bytes the buffer pool held: in use at the end of the case, and at most while it ran.",
			cs, []barMetric{{"live", live}, {"peak", peak}}))
	}
	if cs := t.casesWith(rss); len(cs) > 0 {
		add(caseBars("chart-memory-rss", "Resident set size (MiB)", "MiB",
			"Peak resident set size of the process while the case ran.",
			cs, []barMetric{{"RSS", rss}}))
	}
	if tls := t.timelines(unitBytes); len(tls) > 0 {
		add(timelineChart("chart-memory-timeline", tls, unitBytes))
	}
	s.Recorded = len(s.Charts) > 0
	if !s.Recorded {
		s.Missing = "Not recorded: this results file has no buffer pool or RSS readings."
	}
	return s
}

// energyScale picks J, mJ, µJ or nJ for the energies of cs.
func energyScale(cs []caseTelemetry) (float64, string) {
	hi := 0.0
	for _, c := range cs {
		hi = math.Max(hi, c.EnergyJPerOp)
	}
	switch {
	case hi >= 1:
		return 1, "J/op"
	case hi >= 1e-3:
		return 1e3, "mJ/op"
	case hi >= 1e-6:
		return 1e6, "µJ/op"
	}
	return 1e9, "nJ/op"
}

type barMetric struct {
	name  string
	value func(caseTelemetry) float64
}

// caseBars draws one or more readings per case as grouped horizontal bars.
func caseBars(id, title, unit, caption string, cs []caseTelemetry, ms []barMetric) (chartSpec, Chart) {
	names := make([]string, len(cs))
	tips := make([][]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
		lines := []string{c.Name, "implementation: " + c.Variant}
		for _, m := range ms {
			if v := m.value(c); v > 0 {
				lines = append(lines, fmt.Sprintf("%s: %s %s", m.name, sig(v, 3), unit))
			}
		}
		tips[i] = escapeAll(lines...)
	}
	px := max(rowPx, 8+9*len(ms))
	bar := charts.NewBar()
	rowChart(&bar.BaseConfiguration, "bitnet-bench-"+id, names, valueAxis(unit, false), len(ms) > 1, px)
	bar.SetXAxis(names).XYReversal()
	for i, m := range ms {
		data := make([]opts.BarData, len(cs))
		for j, c := range cs {
			if v := m.value(c); v > 0 && !math.IsInf(v, 0) {
				data[j] = opts.BarData{Value: round(v, 4)}
			} else {
				data[j] = opts.BarData{Value: "-"}
			}
		}
		bar.AddSeries(m.name, data,
			charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.BarMaxWidth = "16" }),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: paletteColors[i%len(paletteColors)]}),
		)
	}
	bar.Validate()
	return chartSpec{ID: id, Kind: "telemetry", Option: optionOf(bar), Tips: tips},
		Chart{ID: id, Title: title, Caption: caption, Height: chartHeight(len(cs), len(ms) > 1, px)}
}

// timelineChart draws timelines of one unit over the run.
func timelineChart(id string, tls []timeline, unit string) (chartSpec, Chart) {
	scale, shown := 1.0, unit
	if unit == unitBytes {
		scale, shown = 1.0/(1<<20), "MiB"
	}
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "4", Left: "0", Width: "90%"}),
		charts.WithGridOpts(opts.Grid{Left: "64", Right: "40", Top: "56", Bottom: "80"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "seconds since the run started", NameLocation: "middle", NameGap: 26}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: shown, NameLocation: "end", Scale: opts.Bool(true)}),
		charts.WithDataZoomOpts(opts.DataZoom{Type: "slider", XAxisIndex: []int{0}}, opts.DataZoom{Type: "inside", XAxisIndex: []int{0}}),
		toolbox("bitnet-bench-"+id),
		charts.WithAnimation(false),
	)
	for i, tl := range tls {
		data := make([]opts.LineData, len(tl.Points))
		for j, pt := range tl.Points {
			data[j] = opts.LineData{Value: []any{finite(pt[0]), finite(round(pt[1]*scale, 5))}}
		}
		line.AddSeries(tl.Name, data,
			charts.WithItemStyleOpts(opts.ItemStyle{Color: paletteColors[i%len(paletteColors)]}),
			charts.WithSeriesOpts(func(s *charts.SingleSeries) {
				s.ShowSymbol = opts.Bool(false)
				s.Symbol = "none"
			}),
		)
	}
	line.Validate()
	opt := optionOf(line)
	for i := range tls {
		seriesAt(opt, i)["sampling"] = "lttb" // long timelines stay quick to draw
	}
	// The slider sits below the axis name, not on it.
	if dz, ok := opt["dataZoom"].([]any); ok && len(dz) > 0 {
		if m, ok := dz[0].(map[string]any); ok {
			m["bottom"], m["height"] = 6, 20
		}
	}
	names := map[string]string{unitWatt: "Power", unitCelsius: "Temperature", unitJoule: "Energy", unitBytes: "Memory", unitMHz: "Clock"}
	return chartSpec{ID: id, Kind: "timeline", Option: opt},
		Chart{ID: id, Title: names[unit] + " over the run (" + shown + ")", Caption: "Sampled over the whole run; drag the slider or scroll on the chart to zoom.", Height: 340}
}
