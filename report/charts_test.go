package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/bench/results"
)

func ptrs(cs []results.Case) []*results.Case {
	out := make([]*results.Case, len(cs))
	for i := range cs {
		out[i] = &cs[i]
	}
	return out
}

// roundTrip gives an option as the page gets it: JSON values only.
func roundTrip(t *testing.T, opt map[string]any) map[string]any {
	t.Helper()
	data, err := json.Marshal(opt)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func series(t *testing.T, opt map[string]any) []map[string]any {
	t.Helper()
	s, ok := roundTrip(t, opt)["series"].([]any)
	if !ok {
		t.Fatalf("option has no series: %v", opt)
	}
	out := make([]map[string]any, len(s))
	for i := range s {
		out[i] = s[i].(map[string]any)
	}
	return out
}

// Throughput bars: a row per configuration, a series per level, "-" where
// a level did not run the configuration.
func TestThroughputChartGroups(t *testing.T) {
	cs := ptrs([]results.Case{
		rcase("BitLinear", "generic", shape(1, 2560), 1, 400e3, 0.01),
		rcase("BitLinear", "avx2", shape(1, 2560), 1, 100e3, 0.01),
		rcase("BitLinear", "avx2", shape(8, 2560), 2, 300e3, 0.01),
	})
	spec, ch := throughputChart("id", "BitLinear", cs, metricGMAC, palette{})
	cats, _ := json.Marshal(axisAt(spec.Option, "yAxis")["data"])
	if string(cats) != `["2560x2560 b1","2560x2560 b8 t2"]` {
		t.Errorf("categories = %s", cats)
	}
	s := series(t, spec.Option)
	if len(s) != 2 || s[0]["name"] != "cpu/generic" || s[1]["name"] != "cpu/avx2" {
		t.Fatalf("series = %v", s)
	}
	data, _ := json.Marshal(s[0]["data"])
	if !strings.Contains(string(data), `{"value":"-"}`) {
		t.Errorf("generic series %s: want no value for the configuration it did not run", data)
	}
	if spec.STips[1][1][0] != cs[2].Name || spec.STips[0][1] != nil {
		t.Errorf("tooltips = %v", spec.STips)
	}
	if !strings.Contains(ch.Title, "GMAC/s") {
		t.Errorf("title %q", ch.Title)
	}
}

func TestScalingChart(t *testing.T) {
	var cs []results.Case
	for _, m := range []int{1, 8, 32} {
		cs = append(cs, rcase("BitLinear", "avx2", shape(m, 2560), 1, float64(m)*50e3, 0.01))
	}
	cs = append(cs, rcase("BitLinear", "avx2", shape(1, 6912), 1, 150e3, 0.01))
	spec, ch, ok := scalingChart("id", "BitLinear", ptrs(cs), metricGMAC, scaleBatch, palette{})
	if !ok {
		t.Fatal("no batch scaling chart for three batch sizes")
	}
	s := series(t, spec.Option)
	// 6912x2560 has one batch size: no line.
	if len(s) != 1 || s[0]["name"] != "2560x2560 cpu/avx2" {
		t.Fatalf("series = %v", s)
	}
	if pts := s[0]["data"].([]any); len(pts) != 3 {
		t.Errorf("line has %d points, want 3", len(pts))
	}
	if x := axisAt(spec.Option, "xAxis"); x["type"] != "log" || x["logBase"] != 2.0 {
		t.Errorf("x axis = %v", x)
	}
	if !strings.Contains(ch.Title, "batch") {
		t.Errorf("title %q", ch.Title)
	}
	// Over size: 2560x2560 and 6912x2560 at b1 make a line.
	if _, _, ok := scalingChart("id", "BitLinear", ptrs(cs), metricGMAC, scaleSize, palette{}); !ok {
		t.Error("no size scaling chart for two sizes at b1")
	}
	// One point per line: no chart.
	if _, _, ok := scalingChart("id", "BitLinear", ptrs(cs[:1]), metricGMAC, scaleBatch, palette{}); ok {
		t.Error("scaling chart for a single point")
	}
}

// Past maxShownLines, the legend starts with the fastest lines only.
func TestScalingChartLegendCap(t *testing.T) {
	var cs []results.Case
	for n := 1; n <= 15; n++ {
		for _, m := range []int{1, 8} {
			cs = append(cs, rcase("BitLinear", "avx2", shape(m, 256*n), 1, 1e5/float64(n), 0.01))
		}
	}
	spec, _, ok := scalingChart("id", "BitLinear", ptrs(cs), metricGMAC, scaleBatch, palette{})
	if !ok {
		t.Fatal("no chart")
	}
	sel, _ := roundTrip(t, spec.Option)["legend"].(map[string]any)["selected"].(map[string]any)
	on := 0
	for _, v := range sel {
		if v == true {
			on++
		}
	}
	if len(sel) != 15 || on != maxShownLines {
		t.Errorf("legend selects %d of %d lines, want %d of 15", on, len(sel), maxShownLines)
	}
}

func TestRooflineChart(t *testing.T) {
	f := synthetic()
	f.Roofline = []results.Limit{
		{Level: "generic", ReadGBps: 10, BufferBytes: 256 << 20, Int8Unavailable: "no int8 dot product"},
		{Level: "avx2", ReadGBps: 12, BufferBytes: 256 << 20, Int8PeakGMACps: 36},
	}
	f.Cases[1].PctOfInt8Peak, f.Cases[1].PctOfReadBW = 0.25, 0.1 // BitLinear avx2
	f.Cases[6].PctOfReadBW = 0.5                                 // Pack2Bit avx2, data only
	p, doc := render(t, Input{Results: f})
	v := p.Roofline
	if !v.Measured || len(v.Limits) != 2 || v.Limits[1].Ridge != "3.00 MAC/B" || !strings.Contains(v.Limits[0].Peak, "no int8 dot product") {
		t.Errorf("limits = %+v", v.Limits)
	}
	if len(v.Charts) != 2 || v.Charts[0].ID != "chart-roofline" || v.Charts[1].ID != "chart-roofline-bandwidth" {
		t.Fatalf("charts = %+v", v.Charts)
	}
	if !strings.Contains(v.Skipped, "2 measured cases are not drawn here") { // QuantizeWeights and GELU: no MACs, no share
		t.Errorf("skipped = %q", v.Skipped)
	}
	var roof chartSpec
	for _, s := range chartData(t, doc) {
		if s.ID == "chart-roofline" {
			roof = s
		}
	}
	if axisAt(roof.Option, "xAxis")["type"] != "log" || axisAt(roof.Option, "yAxis")["type"] != "log" {
		t.Error("roofline axes are not log-log")
	}
	var points, roofs []string
	for _, s := range series(t, roof.Option) {
		if s["type"] == "line" {
			roofs = append(roofs, fmt.Sprintf("%v %d", s["name"], len(s["data"].([]any))))
		} else {
			points = append(points, fmt.Sprintf("%v %d", s["name"], len(s["data"].([]any))))
		}
	}
	// The generic roof is the bandwidth slope alone; avx2 bends at its peak.
	if fmt.Sprint(points) != "[cpu/generic 1 cpu/avx2 2]" || fmt.Sprint(roofs) != "[roof generic: 10.0 GB/s 2 roof avx2: 12.0 GB/s, 36.0 GMAC/s 3]" {
		t.Errorf("points %v, roofs %v", points, roofs)
	}
	// Without limits there are no roofs, and the page says so.
	f.Roofline = nil
	p, doc = render(t, Input{Results: f})
	if p.Roofline.Measured || !strings.Contains(doc, "Not measured: this results file records no read bandwidth") {
		t.Error("missing limits not stated")
	}
}

// The x axis reaches the ridge point, so every roof bends on the chart.
func TestRoofBendsAtRidge(t *testing.T) {
	c := rcase("BitLinear", "avx2", shape(8, 2560), 1, 100e3, 0.01)
	c.BytesPerOp = 1000
	spec, _ := rooflineChart("id", []results.Limit{{Level: "avx2", ReadGBps: 1000, Int8PeakGMACps: 1}}, ptrs([]results.Case{c}), palette{})
	s := series(t, spec.Option)
	pts, _ := json.Marshal(s[len(s)-1]["data"])
	if string(pts) != "[[0.0001,0.1],[0.001,1],[1000000,1]]" {
		t.Errorf("roof = %s, want the slope to the ridge at 0.001 MAC/B, then flat", pts)
	}
}

func TestTelemetrySections(t *testing.T) {
	// Nothing recorded: plain statements, no charts.
	p := &Page{}
	e, m := p.buildEnergy(telemetry{}), p.buildMemory(telemetry{})
	if e.Recorded || m.Recorded || e.Missing == "" || m.Missing == "" || len(p.charts) != 0 {
		t.Errorf("empty telemetry: energy %+v, memory %+v, %d charts", e, m, len(p.charts))
	}
	tel := telemetry{
		Cases: []caseTelemetry{
			{Name: "A", Variant: "cpu/avx2", PowerMeanW: 30, PowerMaxW: 41, EnergyJPerOp: 2.5e-4, TempMeanC: 60, TempMaxC: 71, RSSBytes: 300 << 20, PoolLiveBytes: 1 << 20, PoolPeakBytes: 4 << 20},
			{Name: "B", Variant: "cpu/avx2", EnergyJPerOp: 1e-4},
		},
		Timelines: []timeline{
			{Name: "package power", Unit: "W", Points: [][2]float64{{0, 20}, {0.5, 31}, {1, math.NaN()}}},
			{Name: "core temperature", Unit: "°C", Points: [][2]float64{{0, 50}, {1, 61}}},
			{Name: "RSS", Unit: "B", Points: [][2]float64{{0, 1 << 20}, {1, 2 << 20}}},
			{Name: "ignored", Unit: "Hz", Points: [][2]float64{{0, 1}}},
		},
	}
	p = &Page{}
	e, m = p.buildEnergy(tel), p.buildMemory(tel)
	var ids []string
	for _, c := range append(e.Charts, m.Charts...) {
		ids = append(ids, c.ID)
	}
	want := "[chart-energy-per-op chart-energy-power chart-energy-temperature chart-energy-timeline-0 chart-energy-timeline-1 chart-memory-pool chart-memory-rss chart-memory-timeline]"
	if fmt.Sprint(ids) != want || !e.Recorded || !m.Recorded {
		t.Errorf("charts %v, want %s", ids, want)
	}
	if e.Charts[0].Title != "Energy per operation (µJ/op)" {
		t.Errorf("energy title %q", e.Charts[0].Title)
	}
	// Power bars: only A has power, so B is not drawn there.
	cats, _ := json.Marshal(axisAt(p.charts[1].Option, "yAxis")["data"])
	if string(cats) != `["A"]` {
		t.Errorf("power chart rows %s", cats)
	}
	// A NaN in a timeline becomes "no value", so the option still encodes.
	if err := p.finishCharts(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(p.ChartData), `"-"`) {
		t.Error("NaN point not turned into no value")
	}
}

func TestAssets(t *testing.T) {
	_, inline := render(t, Input{Results: synthetic()})
	_, cdn := render(t, Input{Results: synthetic(), Assets: "cdn"})
	if !strings.Contains(inline, `<script id="echarts-lib" data-version="5.4.3">`) || strings.Contains(inline, "<script src=") || strings.Contains(inline, "cdn.jsdelivr.net") {
		t.Error("inline page does not carry ECharts itself, or loads a script")
	}
	if len(inline) < 1_000_000 {
		t.Errorf("inline page is %d bytes: ECharts is about 1 MB", len(inline))
	}
	want := `<script id="echarts-lib" data-version="5.4.3" src="https://cdn.jsdelivr.net/npm/echarts@5.4.3/dist/echarts.min.js" integrity="sha384-`
	if !strings.Contains(cdn, want) || len(cdn) > 400_000 {
		t.Errorf("cdn page lacks %q or is %d bytes", want, len(cdn))
	}
	for _, bad := range []string{"", "inline", "cdn", "CDN"} {
		if _, err := ParseAssets(bad); err != nil {
			t.Errorf("ParseAssets(%q): %v", bad, err)
		}
	}
	if _, err := ParseAssets("local"); err == nil {
		t.Error(`ParseAssets("local"): no error`)
	}
	if _, err := Build(Input{Results: synthetic(), Assets: "local"}); err == nil {
		t.Error("Build with unknown assets: no error")
	}
}

// bigFile is a results file of n cases over 10 ops, 10 sizes, 5 batch sizes
// and 4 levels, with some cases not measured.
func bigFile(n int) *results.File {
	f := synthetic()
	f.Complete = true
	f.Cases = nil
	f.Roofline = []results.Limit{{Level: "generic", ReadGBps: 10}, {Level: "avx2", ReadGBps: 12, Int8PeakGMACps: 36}, {Level: "avx512", ReadGBps: 12, Int8PeakGMACps: 140}, {Level: "avx512vnni", ReadGBps: 12, Int8PeakGMACps: 170}}
	ops := []struct{ op, fam string }{
		{"BitLinear", "bitlinear"}, {"MatMul", "matmul"}, {"QuantizeActivations", "quantize"}, {"Unpack2Bit", "pack"},
		{"GELU", "activation"}, {"SiLU", "activation"}, {"ReLU", "activation"}, {"Tanh", "activation"}, {"F32ToF16", "convert"}, {"F16ToF32", "convert"},
	}
	levels := []string{"generic", "avx2", "avx512", "avx512vnni"}
	for i := 0; len(f.Cases) < n; i++ {
		o := ops[i/200%len(ops)]
		size := 512 * (1 + i/20%10)
		m := []int{1, 2, 4, 8, 16}[i/4%5]
		lvl := levels[i%4]
		sh := results.Shape{M: m, N: size, K: 2560}
		name := fmt.Sprintf("%s/%dx2560/b%d/%s/%d", o.op, size, m, lvl, i)
		macs := int64(0)
		if o.fam == "bitlinear" || o.fam == "matmul" {
			macs = int64(m * size * 2560)
		}
		med := float64(size*m) * (4 - float64(i%4)) * (1 + 0.1*float64(i%7))
		c := okCase(name, o.op, o.fam, "cpu", lvl, sh, med, int64(size*2560/4), macs)
		c.PctOfReadBW = c.GBps / 12
		if macs > 0 && o.op == "BitLinear" {
			c.PctOfInt8Peak = c.GMACps / 100
		}
		if i%97 == 0 {
			c = results.Case{Name: name, Op: o.op, Family: o.fam, Shape: sh, Backend: "cpu", Level: lvl, Status: results.StatusNotImplemented, Error: "not here"}
		}
		f.Cases = append(f.Cases, c)
	}
	return f
}

// A results file of 2,000 cases renders, and the page stays usable: charts
// are per operation with scrolling rows, the tables travel as data rather
// than rows of HTML. The time is logged, not asserted (no test asserts a
// wall-clock time: under -race on a shared 2-core machine it took 8-12 s);
// BenchmarkLargeInput measures it.
func TestLargeInput(t *testing.T) {
	f := bigFile(2000)
	cmp := bigComparison(f)
	start := time.Now()
	p, doc := render(t, Input{Results: f, Comparison: cmp})
	elapsed := time.Since(start)
	t.Logf("2,000 cases with a comparison: built and rendered in %v, %d charts, %.1f MB", elapsed, p.ChartCount, float64(len(doc))/1e6)
	if p.ChartCount > 60 {
		t.Errorf("%d charts for 2,000 cases", p.ChartCount)
	}
	for _, s := range chartData(t, doc) {
		opt, _ := json.Marshal(s.Option["yAxis"])
		if s.Kind == "samples" && !strings.Contains(string(s.ID), "samples") {
			t.Errorf("odd chart %s", s.ID)
		}
		if (s.Kind == "samples" || s.Kind == "bandwidth") && s.Option["dataZoom"] == nil {
			t.Errorf("chart %s of many rows has no slider (%d bytes of axis)", s.ID, len(opt))
		}
	}
	// Rows of HTML: only the first of each table's page, filled by script.
	if n := strings.Count(withoutScripts(doc), "<tr"); n > 400 {
		t.Errorf("page has %d table rows of HTML", n)
	}
	checkBalanced(t, doc)
}

// bigComparison is a comparison of f with a run in which every tenth case
// is 20% slower: one row per case in time per op, built directly (the
// statistics are baselines' business, and slow under -race).
func bigComparison(f *results.File) *stats.Comparison {
	cmp := &stats.Comparison{Baseline: "base.json", Current: "results.json", Threshold: 0.05, Alpha: 0.05, Confidence: 0.95, GeomeanRatio: 1.02}
	for i := range f.Cases {
		c := &f.Cases[i]
		if !c.OK() {
			continue
		}
		k, v := 1.0, stats.NoChange
		if i%10 == 0 {
			k, v = 1.2, stats.Regression
		}
		sum := func(x float64) *stats.Summary {
			return &stats.Summary{Center: c.MedianNs * x / 1e9, Lo: c.CILowNs * x / 1e9, Hi: c.CIHighNs * x / 1e9, N: len(c.SamplesNs)}
		}
		cmp.Rows = append(cmp.Rows, stats.Row{Name: c.Name, Unit: input.UnitSecPerOp, Baseline: sum(1), Current: sum(k),
			Ratio: k, RatioLo: k * 0.98, RatioHi: k * 1.02, P: 0.01, Verdict: v, Gated: true})
	}
	return cmp
}

// An op whose cases record neither bytes nor MACs is drawn as samples only,
// ranked by time, and named as such.
func TestOpWithoutThroughput(t *testing.T) {
	f := synthetic()
	a := okCase("Noop/1/generic", "Noop", "misc", "cpu", "generic", results.Shape{K: 1}, 50, 0, 0)
	b := okCase("Noop/1/avx2", "Noop", "misc", "cpu", "avx2", results.Shape{K: 1}, 20, 0, 0)
	a.GBps, b.GBps = 0, 0
	f.Cases = []results.Case{a, b}
	p, doc := render(t, Input{Results: f})
	fam := p.Families[0]
	if len(fam.Ops[0].Charts) != 1 || fam.Ops[0].Charts[0].ID != "chart-family-0-misc-op0-samples" || len(fam.NoThroughput) != 2 {
		t.Errorf("family = %+v", fam)
	}
	if b := p.Summary.BestOps[0]; b.Variant != "cpu/avx2" || b.Value != "20.0 ns" || b.Unit != "per op" || b.Lead != "2.50× cpu/generic" {
		t.Errorf("best = %+v", b)
	}
	if len(p.Roofline.Charts) != 0 || !strings.Contains(p.Roofline.Skipped, "2 measured cases are not drawn here") {
		t.Errorf("roofline = %+v", p.Roofline)
	}
	if !strings.Contains(doc, "No throughput recorded") {
		t.Error("page does not say the op has no throughput")
	}
}

func BenchmarkLargeInput(b *testing.B) {
	f := bigFile(2000)
	cmp := bigComparison(f)
	for b.Loop() {
		p, err := Build(Input{Results: f, Comparison: cmp})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Render(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
