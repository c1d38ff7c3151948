package report

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// workloadFile is a model run: decode and prefill on 1 and 2 threads, and
// attention over sequence lengths.
func workloadFile() *results.File {
	f := synthetic()
	f.Cases = nil
	add := func(name, op string, m, threads int, med float64, tokens int64, parts map[string]float64) {
		c := okCase(name, op, "workload", "cpu", "avx512vnni", results.Shape{M: m, N: 2560, K: 6912}, med, 1<<20, 1<<30)
		c.Threads = threads
		c.TokensPerOp = tokens
		if tokens > 0 {
			c.TokensPerS = float64(tokens) / med * 1e9
		}
		for p, v := range parts {
			if c.Extra == nil {
				c.Extra = map[string]float64{}
			}
			c.Extra["ns/token-"+p] = v
		}
		f.Cases = append(f.Cases, c)
	}
	parts := map[string]float64{"qkv": 2e6, "attention": 1e6, "lm_head": 5e6}
	add("Decode/2B4T/ctx128/avx512vnni", "Decode", 128, 1, 40e6, 1, parts)
	add("Decode/2B4T/ctx128/avx512vnni/t2", "Decode", 128, 2, 25e6, 1, parts)
	add("Prefill/2B4T/b128/avx512vnni", "Prefill", 128, 1, 900e6, 128, nil)
	add("Prefill/2B4T/b512/avx512vnni", "Prefill", 512, 1, 3400e6, 512, nil)
	for _, s := range []int{128, 512, 4096} {
		add("Attention/2B4T/gqa20x5/seq"+strconv.Itoa(s)+"/avx512vnni", "Attention", s, 1, float64(s)*100, 0, nil)
	}
	return f
}

func TestWorkloadReadsInTokens(t *testing.T) {
	f := workloadFile()
	p, doc := render(t, Input{Results: f})
	if len(p.Families) == 0 || p.Families[0].Name != "workload" {
		t.Fatalf("families %+v: want the workloads first", p.Families)
	}
	fam := p.Families[0]
	if len(fam.Tokens) != 4 {
		t.Fatalf("tokens table has %d rows, want 4 (decode and prefill only)", len(fam.Tokens))
	}
	r := fam.Tokens[0]
	// 1 token in 40 ms is 25 tokens/s; the interval 39.6-40.8 ms is
	// 24.5-25.3 tokens/s, ± the larger half-width (25 - 1/0.0408).
	if r.Test != "tg @ ctx128" || r.Threads != "1" || r.Tokens != "25.0 ± 0.490" {
		t.Errorf("decode row %+v", r)
	}
	if got := fam.Tokens[2].Test; got != "pp128" {
		t.Errorf("prefill test %q, want pp128", got)
	}
	for _, want := range []string{"Tokens per second", "peak decode (token generation)", "tokens/s"} {
		if !strings.Contains(doc, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	specs := chartData(t, doc)
	kinds := map[string]int{}
	for _, s := range specs {
		kinds[s.Kind]++
		js := mustJSON(t, s.Option)
		if strings.Contains(js, "b128") || strings.Contains(js, "batch size") {
			t.Errorf("chart %s labels a workload's context or sequence as a batch: %s", s.ID, js)
		}
	}
	if kinds["parts"] != 1 {
		t.Errorf("%d stacked parts charts, want 1 (decode)", kinds["parts"])
	}
	var attn map[string]any
	for _, s := range specs {
		if s.Kind == "scaling" && strings.Contains(s.ID, "op2") {
			attn = s.Option
		}
	}
	if attn == nil {
		t.Fatal("no scaling chart for Attention")
	}
	if name := axisAt(attn, "xAxis")["name"]; name != "sequence length (tokens)" {
		t.Errorf("attention's x axis is %q", name)
	}
	// The parts stack: one series per part, biggest first.
	for _, s := range specs {
		if s.Kind != "parts" {
			continue
		}
		ser := series(t, s.Option)
		if len(ser) != 3 || ser[0]["name"] != "lm_head" || ser[0]["stack"] != "parts" {
			t.Errorf("parts series %v", ser)
		}
	}
}

func TestTokensInterval(t *testing.T) {
	c := results.Case{TokensPerOp: 512, MedianNs: 2e9, CILowNs: 1e9, CIHighNs: 4e9}
	lo, hi := c.TokensInterval()
	if lo != 128 || hi != 512 {
		t.Errorf("interval %v–%v, want 128–512", lo, hi)
	}
}

// The ratio axis is log2: a halving and a doubling are bars of one
// length, on either side of 1×.
func TestRatioChartIsLogCentredOnOne(t *testing.T) {
	cmp := syntheticComparison()
	spec, _, ok := ratioChart("r", cmp, cmp.Rows)
	if !ok {
		t.Fatal("no ratio chart")
	}
	ax := axisAt(spec.Option, "xAxis")
	lo, hi := ax["min"].(float64), ax["max"].(float64)
	if lo != -hi {
		t.Errorf("axis %v..%v is not centred on 1×", lo, hi)
	}
	data := seriesAt(spec.Option, 0)["data"].([]any)
	i := 0
	for _, r := range cmp.Rows {
		if r.Unit != "sec/op" || r.Ratio <= 0 || math.IsInf(r.Ratio, 0) {
			continue
		}
		v := data[i].(map[string]any)["value"].(float64)
		if math.Abs(v-math.Log2(r.Ratio)) > 1e-5 {
			t.Errorf("%s: bar %v, want log2(%v)", r.Name, v, r.Ratio)
		}
		if v < lo || v > hi {
			t.Errorf("%s: bar %v outside the axis", r.Name, v)
		}
		i++
	}
}

// Over size, N×K and K×N have the same number of weights: they must not
// be joined into a vertical segment, and lines of one level get their own
// colours.
func TestScalingOverSizeKeepsShapesApart(t *testing.T) {
	var cs []results.Case
	for _, nk := range [][2]int{{2560, 2560}, {6912, 2560}, {2560, 6912}, {13824, 2560}} {
		sh := results.Shape{M: 1, N: nk[0], K: nk[1]}
		cs = append(cs, okCase("BitLinear/x", "BitLinear", "bitlinear", "cpu", "avx2", sh, float64(nk[0]*nk[1])/10, int64(nk[0]*nk[1]/4), int64(nk[0]*nk[1])))
	}
	cs = append(cs, okCase("BitLinear/y", "BitLinear", "bitlinear", "cpu", "avx2", results.Shape{M: 8, N: 2560, K: 2560}, 1e5, 1e6, 1e7))
	cs = append(cs, okCase("BitLinear/z", "BitLinear", "bitlinear", "cpu", "avx2", results.Shape{M: 8, N: 6912, K: 2560}, 3e5, 1e6, 1e7))
	spec, _, ok := scalingChart("s", "BitLinear", ptrs(cs), metricGMAC, scaleSize, newPalette(cs))
	if !ok {
		t.Fatal("no chart")
	}
	colours := map[any]bool{}
	for _, s := range series(t, spec.Option) {
		xs := map[float64]bool{}
		for _, d := range s["data"].([]any) {
			x := d.(map[string]any)["value"].([]any)[0].(float64)
			if xs[x] {
				t.Errorf("line %v has two points at x=%v", s["name"], x)
			}
			xs[x] = true
		}
		colours[s["itemStyle"].(map[string]any)["color"]] = true
	}
	if n := len(series(t, spec.Option)); len(colours) != n {
		t.Errorf("%d colours for %d lines of one level", len(colours), n)
	}
}

// An op without a batch is never labelled b0.
func TestNoBatchLabel(t *testing.T) {
	c := okCase("QuantizeWeights/2560x2560/f32/generic", "QuantizeWeights", "quantize", "cpu", "generic", results.Shape{N: 2560, K: 2560}, 1e5, 1e6, 0)
	if l := configLabel(&c); l != "2560x2560" {
		t.Errorf("label %q", l)
	}
	if l := scaleSize.line(&c); strings.Contains(l, "b0") {
		t.Errorf("line %q", l)
	}
}

// The best-implementation table is left out when every op ran one
// implementation: each row would say only that.
func TestBestOpsHiddenWithOneImplementation(t *testing.T) {
	f := synthetic()
	var keep []results.Case
	for _, c := range f.Cases {
		if c.Backend == "cpu" && c.Level == "avx2" {
			keep = append(keep, c)
		}
	}
	f.Cases = keep
	p, doc := render(t, Input{Results: f})
	if len(p.Summary.BestOps) != 0 || strings.Contains(doc, "Best implementation per operation") {
		t.Errorf("best-implementation table shown with one implementation: %+v", p.Summary.BestOps)
	}
	p, _ = render(t, Input{Results: synthetic()})
	if len(p.Summary.BestOps) == 0 {
		t.Error("best-implementation table missing where implementations competed")
	}
}

// Against a baseline, each case's samples are drawn beside the baseline's,
// and the machines are set side by side, differences first.
func TestComparisonOverlayAndMachineDiff(t *testing.T) {
	cur := synthetic()
	cur.Machine.Kernel, cur.Machine.Governor, cur.Machine.HugePages = "6.18.0", "performance", "madvise"
	base := synthetic()
	base.Machine.Kernel, base.Machine.Governor, base.Machine.HugePages = "6.1.0", "performance", "never"
	for i := range base.Cases {
		for j := range base.Cases[i].SamplesNs {
			base.Cases[i].SamplesNs[j] *= 0.9
		}
	}
	data, err := base.Encode()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := input.ParseInput(data, "base.json")
	if err != nil {
		t.Fatal(err)
	}
	p, doc := render(t, Input{Results: cur, Comparison: syntheticComparison(), Baseline: bin, BaselineResults: base})
	m := p.Comparison.Machines
	if len(m) < 2 || m[0].Label != "Kernel" || !m[0].Differs || m[1].Label != "THP" || !m[1].Differs {
		t.Errorf("machine diff %+v: want Kernel and THP first, differing", m)
	}
	for _, r := range m[2:] {
		if r.Differs {
			t.Errorf("%s differs: %+v", r.Label, r)
		}
	}
	overlays := 0
	for _, s := range chartData(t, doc) {
		if s.Kind != "samples" {
			continue
		}
		ser := series(t, s.Option)
		if len(ser) != 2 || ser[0]["name"] != "baseline" || ser[1]["name"] != "current" {
			t.Errorf("%s: series %v, want baseline and current", s.ID, ser)
			continue
		}
		overlays++
	}
	if overlays == 0 {
		t.Error("no samples chart shows the baseline")
	}
}

// The table shows the unit the check gates on, and the controls' shift is
// on the page.
func TestComparisonGatingMetricAndControls(t *testing.T) {
	cmp := syntheticComparison()
	cmp.Metric = "B/s"
	cmp.ControlMargin, cmp.CaseShift, cmp.CaseSpread = 0.031, 0.012, 0.02
	cmp.Controls = []stats.ControlShift{{Name: "control/cycle-walk", Baseline: stats.Summary{Center: 1e-3}, Current: stats.Summary{Center: 1.03e-3}, Ratio: 1.03, RatioLo: 1.01, RatioHi: 1.05}}
	p, doc := render(t, Input{Results: synthetic(), Comparison: cmp})
	v := p.Comparison
	if v.Unit != "B/s" {
		t.Errorf("table unit %q, want the gating metric B/s", v.Unit)
	}
	for _, r := range v.Rows {
		if r.Name == "Pack2Bit/4096/avx2" && r.Unit != "B/s" {
			t.Errorf("Pack2Bit shown in %s, want B/s", r.Unit)
		}
	}
	if len(v.Controls) != 1 || v.Controls[0].Ratio != "1.030×" || v.Controls[0].Interval != "[1.010, 1.050]" {
		t.Errorf("controls %+v", v.Controls)
	}
	for _, want := range []string{"control/cycle-walk", "±3.1% between the runs", "1.2% (median), with a spread of 2.0%"} {
		if !strings.Contains(doc, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
