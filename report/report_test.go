package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// okCase is a measured case whose samples sit around med nanoseconds.
func okCase(name, op, family, backend, level string, sh results.Shape, med float64, bytes, macs int64) results.Case {
	s := []float64{med * 0.97, med * 1.01, med, med * 1.04, med * 0.99, med * 1.10, med * 1.02}
	c := results.Case{
		Name: name, Op: op, Family: family, Shape: sh, DType: "i2",
		Backend: backend, Level: level, Threads: 1,
		Status: results.StatusOK, Iterations: 50, SamplesNs: s,
		MedianNs: med, CILowNs: med * 0.99, CIHighNs: med * 1.02, Confidence: 0.95,
		BytesPerOp: bytes, MACsPerOp: macs,
		GBps: float64(bytes) / med,
	}
	if macs > 0 {
		c.GMACps = float64(macs) / med
	}
	return c
}

func synthetic() *results.File {
	f := &results.File{
		Schema:  results.Schema,
		Tool:    results.Tool{Name: "bitnet-bench", Version: "v0.1.0", GoVersion: "go1.26.8", Commit: "0123456789abcdef0123456789abcdef01234567"},
		Created: time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC),
		Command: []string{"bitnet-bench", "compare", "--ops", "bitlinear,matmul", "--out", "my results/r.json"},
		Machine: results.Machine{
			OS: "linux", Arch: "amd64", CPUModel: "Test CPU Model 9000 @ 3.00GHz", CPUVendor: "GenuineIntel",
			CPUFeatures:  []string{"avx2", "avx512f", "avx512vnni"},
			LogicalCores: 8, PhysicalCore: 4, GOMAXPROCS: 8,
			L1DBytes: 48 << 10, L2Bytes: 2 << 20, L3Bytes: 30 << 20, MemoryBytes: 64 << 30,
			Unavailable: map[string]string{"cpu_frequency": "not exposed"},
		},
		Config:   results.Config{Operations: []string{"bitlinear", "matmul"}, Samples: 7, Warmup: "100ms", SampleTime: "10ms", Threads: []int{1}, Seed: 1, Confidence: 0.95},
		Complete: false,
	}
	sh := results.Shape{M: 1, N: 2560, K: 2560}
	f.Cases = []results.Case{
		okCase("BitLinear/2560x2560/b1/i2/generic", "BitLinear", "bitlinear", "cpu", "generic", sh, 3.2e6, 1<<21, 2560*2560),
		okCase("BitLinear/2560x2560/b1/i2/avx2", "BitLinear", "bitlinear", "cpu", "avx2", sh, 7.4e5, 1<<21, 2560*2560),
		{Name: "BitLinear/2560x2560/b1/i2/cuda", Op: "BitLinear", Family: "bitlinear", Shape: sh, Backend: "cuda", Level: "sm_90",
			Status: results.StatusUnavailable, Error: "no CUDA device found"},
		okCase("MatMul/2560x2560/b1/i2/avx2", "MatMul", "matmul", "cpu", "avx2", sh, 8.1e5, 1<<21, 2560*2560),
		okCase("QuantizeWeights/4096/absmean/generic", "QuantizeWeights", "quantize", "cpu", "generic", results.Shape{K: 4096}, 3700, 4096*5, 0),
		{Name: "QuantizeActivations/4096/absmax/neon", Op: "QuantizeActivations", Family: "quantize", Shape: results.Shape{K: 4096},
			Backend: "cpu", Level: "neon", Status: results.StatusNotImplemented, Error: "no NEON kernel for QuantizeActivations yet"},
		okCase("Pack2Bit/4096/avx2", "Pack2Bit", "pack", "cpu", "avx2", results.Shape{K: 4096}, 205, 5120, 0),
		okCase("GELU/4096/f32/generic", "GELU", "activation", "cpu", "generic", results.Shape{K: 4096}, 8600, 4096*8, 0),
		{Name: "GELU/4096/f32/avx512", Op: "GELU", Family: "activation", Shape: results.Shape{K: 4096}, Backend: "cpu", Level: "avx512",
			Status: results.StatusError, Error: "result mismatch at index 17"},
		// A family with nothing measured gets a section and no chart.
		{Name: "Conv1D/3x4096/i2/generic", Op: "Conv1D", Family: "conv", Shape: results.Shape{K: 4096}, Backend: "cpu", Level: "generic",
			Status: results.StatusNotImplemented, Error: "Conv1D is not in the catalogue yet"},
	}
	return f
}

func syntheticComparison() *stats.Comparison {
	sum := func(c float64) *stats.Summary {
		return &stats.Summary{Center: c, Lo: c * 0.98, Hi: c * 1.02, N: 7}
	}
	return &stats.Comparison{
		Baseline: "base.json", Current: "results.json", Threshold: 0.05, Alpha: 0.05, Confidence: 0.95,
		GeomeanRatio: 1.01, Warnings: []string{"different CPU model"},
		Rows: []stats.Row{
			{Name: "BitLinear/2560x2560/b1/i2/avx2", Unit: "sec/op", Baseline: sum(6.2e-4), Current: sum(7.4e-4),
				Ratio: 1.19, RatioLo: 1.15, RatioHi: 1.23, P: 0.0002, Verdict: stats.Regression, Gated: true},
			{Name: "MatMul/2560x2560/b1/i2/avx2", Unit: "sec/op", Baseline: sum(9e-4), Current: sum(8.1e-4),
				Ratio: 0.9, RatioLo: 0.88, RatioHi: 0.92, P: 0.0004, Verdict: stats.Improvement, Gated: true},
			{Name: "Pack2Bit/4096/avx2", Unit: "sec/op", Baseline: sum(2.04e-7), Current: sum(2.05e-7),
				Ratio: 1.005, RatioLo: 0.99, RatioHi: 1.02, P: 0.6, Verdict: stats.NoChange, Gated: true},
			{Name: "Pack2Bit/4096/avx2", Unit: "B/s", HigherIsBetter: true, Baseline: sum(2.5e10), Current: sum(2.49e10),
				Ratio: 0.996, RatioLo: 0.98, RatioHi: 1.01, P: 0.6, Verdict: stats.NoChange, Gated: true},
			{Name: "GELU/4096/f32/generic", Unit: "sec/op", Current: sum(8.6e-6), Verdict: stats.MissingBaseline, Note: "new case"},
		},
	}
}

func render(t *testing.T, in Input) (*Page, string) {
	t.Helper()
	p, err := Build(in)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	var buf bytes.Buffer
	if err := p.Render(&buf); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return p, buf.String()
}

// withoutScripts blanks script bodies, leaving what a reader sees as text.
func withoutScripts(doc string) string {
	var b strings.Builder
	for {
		i := strings.Index(doc, "<script")
		if i < 0 {
			b.WriteString(doc)
			return b.String()
		}
		j := strings.Index(doc[i:], ">")
		k := strings.Index(doc[i:], "</script>")
		if j < 0 || k < 0 || k < j {
			b.WriteString(doc)
			return b.String()
		}
		b.WriteString(doc[:i+j+1])
		doc = doc[i+k:]
		b.WriteString("</script>")
		doc = doc[len("</script>"):]
	}
}

// chartData decodes the chart specs the page carries.
func chartData(t *testing.T, doc string) []chartSpec {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="chart-data">(.*?)</script>`).FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("no chart-data script")
	}
	var specs []chartSpec
	if err := json.Unmarshal([]byte(m[1]), &specs); err != nil {
		t.Fatalf("chart data is not JSON: %v", err)
	}
	return specs
}

var chartDiv = regexp.MustCompile(`<div class="chart" id="([^"]+)"`)

// tableData decodes the rows of the paginated tables the page carries.
func tableData(t *testing.T, doc string) map[string][]tableRow {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="table-data">(.*?)</script>`).FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("no table-data script")
	}
	var rows map[string][]tableRow
	if err := json.Unmarshal([]byte(m[1]), &rows); err != nil {
		t.Fatalf("table data is not JSON: %v", err)
	}
	return rows
}

func TestRenderContents(t *testing.T) {
	f := synthetic()
	p, doc := render(t, Input{Results: f, Comparison: syntheticComparison()})
	text := withoutScripts(doc)

	// Every case is a row of the case table, in file order.
	tables := tableData(t, doc)
	if len(tables["cases"]) != len(f.Cases) {
		t.Fatalf("case table has %d rows, want %d", len(tables["cases"]), len(f.Cases))
	}
	for i, c := range f.Cases {
		if got := tables["cases"][i].D[0].T; got != c.Name {
			t.Errorf("case row %d = %q, want %q", i, got, c.Name)
		}
	}
	for _, want := range []string{
		"<title>bitnet-bench report</title>",
		"no NEON kernel for QuantizeActivations yet", // not-implemented reason
		"Conv1D is not in the catalogue yet",
		`<section id="family-5-conv" class="family">`,
		"no CUDA device found",        // unavailable reason
		"result mismatch at index 17", // error text
		"Test CPU Model 9000 @ 3.00GHz",
		"avx512vnni",
		"bitnet-bench compare --ops bitlinear,matmul --out &#39;my results/r.json&#39;",
		"Incomplete run.",
		"2026-03-14 09:26:53 UTC",
		"0123456789ab", // short commit
		"different CPU model",
		"<strong>1.010× (&#43;1.0%)</strong>", // geometric mean; html/template escapes +
		`<section id="recommendations">`,
		`<section id="roofline">`,
		"Not recorded: this results file has no power, energy or temperature readings.",
		"Not recorded: this results file has no buffer pool or RSS readings.",
		"Not measured: this results file records no read bandwidth or int8 peak",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Not-measured cases are named in their family's section.
	for _, c := range f.Cases {
		if !c.OK() && !strings.Contains(text, c.Name) {
			t.Errorf("not-measured case %q missing from the page text", c.Name)
		}
	}

	// One container per chart, and one spec per container, in page order.
	want := []string{
		"chart-comparison-ratio",
		"chart-family-0-bitlinear-op0-gmacs", "chart-family-0-bitlinear-op0-samples",
		"chart-family-1-matmul-op0-gmacs", "chart-family-1-matmul-op0-samples",
		"chart-family-2-quantize-op0-gbs", "chart-family-2-quantize-op0-samples",
		"chart-family-3-pack-op0-gbs", "chart-family-3-pack-op0-samples",
		"chart-family-4-activation-op0-gbs", "chart-family-4-activation-op0-samples",
		"chart-roofline",
	}
	var got []string
	for _, m := range chartDiv.FindAllStringSubmatch(text, -1) {
		got = append(got, m[1])
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("chart containers\n got %v\nwant %v", got, want)
	}
	specs := chartData(t, doc)
	var ids []string
	for _, s := range specs {
		ids = append(ids, s.ID)
	}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Errorf("chart specs %v, want %v", ids, want)
	}
	if p.ChartCount != len(want) {
		t.Errorf("ChartCount = %d, want %d", p.ChartCount, len(want))
	}

	// Cases without samples are listed, never charted.
	for _, s := range specs {
		data, _ := json.Marshal(s)
		for _, c := range f.Cases {
			if !c.OK() && strings.Contains(string(data), c.Name) {
				t.Errorf("chart %s draws %s case %q", s.ID, c.Status, c.Name)
			}
		}
	}

	// Regression table: one row per case in the gating unit (Pack2Bit's
	// B/s row restates its sec/op row), what needs attention first, with
	// its verdict and colour class.
	rows := tables["comparison"]
	cmp := syntheticComparison()
	if len(rows) != len(cmp.Rows)-1 {
		t.Fatalf("regression table has %d rows, want %d (one per case)", len(rows), len(cmp.Rows)-1)
	}
	for _, r := range rows {
		if r.D[1].T != "sec/op" {
			t.Errorf("row %s in %s, want sec/op", r.D[0].T, r.D[1].T)
		}
	}
	wantRows := []struct{ class, name, verdict, ratio string }{
		{"v-regression", "BitLinear/2560x2560/b1/i2/avx2", "regression", "1.190×"},
		{"v-improvement", "MatMul/2560x2560/b1/i2/avx2", "improvement", "0.900×"},
		{"v-missing", "GELU/4096/f32/generic", "missing in baseline", "—"},
		{"v-same", "Pack2Bit/4096/avx2", "no change", "1.005×"},
	}
	for i, w := range wantRows {
		r := rows[i]
		if r.C != w.class || r.D[0].T != w.name || r.D[6].T != w.verdict || r.D[6].B != "verdict "+w.class || r.D[4].T != w.ratio {
			t.Errorf("regression row %d = %+v, want %+v", i, r, w)
		}
	}
	if r := rows[0]; r.D[4].S != "+19.0% [1.150, 1.230]" || r.D[5].T != "<0.001" {
		t.Errorf("regression row lacks the change, ratio interval or p-value: %+v", r)
	}
	// The summary lists the regression.
	if !strings.Contains(text, `<span class="verdict v-regression">&#43;19.0%</span> <code class="name">BitLinear/2560x2560/b1/i2/avx2</code>`) {
		t.Error("summary does not list the regression")
	}
}

func TestSummary(t *testing.T) {
	p, err := Build(Input{Results: synthetic()})
	if err != nil {
		t.Fatal(err)
	}
	s := p.Summary
	if s.Total != 10 || s.OK != 6 || s.NotImplemented != 2 || s.Unavailable != 1 || s.Failed != 1 {
		t.Errorf("counts = %+v", s)
	}
	best := map[string]BestOp{}
	for _, b := range s.BestOps {
		best[b.Op] = b
	}
	if b := best["BitLinear"]; b.Variant != "cpu/avx2" || b.Unit != "GMAC/s" || b.Value != "8.86" || b.Wins != 1 || b.Configs != 1 || b.Lead != "4.32× cpu/generic" {
		t.Errorf("best BitLinear = %+v", b)
	}
	if b := best["Pack2Bit"]; b.Case != "Pack2Bit/4096/avx2" || b.Unit != "GB/s" || b.Lead != "" {
		t.Errorf("best Pack2Bit = %+v", b)
	}
	if len(s.BestOps) != 5 {
		t.Errorf("best has %d ops, want 5 (the measured ones)", len(s.BestOps))
	}
	if s.Compared || p.Comparison != nil {
		t.Error("comparison section without a comparison")
	}
	var labels []string
	for _, h := range s.Headline {
		labels = append(labels, h.Value+" "+h.Unit+" "+h.Label)
	}
	if fmt.Sprint(labels) != "[8.86 GMAC/s peak arithmetic throughput 25.0 GB/s peak data throughput]" {
		t.Errorf("headline = %v", labels)
	}

	p, err = Build(Input{Results: synthetic(), Comparison: syntheticComparison()})
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Summary; !s.Compared || s.Regressions != 1 || len(s.Regressed) != 1 || s.Regressed[0].Change != "+19.0%" || s.Headline[0].Label != "regressions" {
		t.Errorf("summary with a comparison = %+v", s)
	}
}

func TestCompleteRunHasNoBanner(t *testing.T) {
	f := synthetic()
	f.Complete = true
	_, doc := render(t, Input{Results: f, Title: "Nightly <run>"})
	if strings.Contains(doc, "Incomplete run.") || !strings.Contains(doc, "complete run") {
		t.Error("complete run flagged as incomplete")
	}
	if !strings.Contains(doc, "<h1>Nightly &lt;run&gt;</h1>") {
		t.Error("title not escaped into the header")
	}
	if strings.Contains(doc, `id="comparison"`) {
		t.Error("regression section without a comparison")
	}
}

func TestBuildErrors(t *testing.T) {
	if _, err := Build(Input{}); err == nil {
		t.Error("Build with nil Results: no error")
	}
	bad := synthetic()
	bad.Cases[0].SamplesNs = nil // an ok case without samples
	if _, err := Build(Input{Results: bad}); err == nil {
		t.Error("Build with invalid results: no error")
	}
	if _, err := Build(Input{Results: synthetic(), Theme: "solarized"}); err == nil {
		t.Error("Build with an unknown theme: no error")
	}
}

func TestThemes(t *testing.T) {
	for theme, want := range map[string]string{"": "light", "light": "light", "dark": "dark", "Dark": "dark"} {
		_, doc := render(t, Input{Results: synthetic(), Theme: theme})
		if !strings.Contains(doc, `<html lang="en" data-theme="`+want+`">`) {
			t.Errorf("theme %q: page not marked %s", theme, want)
		}
	}
}

// Case names and errors come from files; none of them may open an element.
func TestEscaping(t *testing.T) {
	f := synthetic()
	f.Cases[0].Name = `Evil/</script><script>alert(1)</script>`
	f.Cases[2].Error = `<img src=x onerror=alert(2)>`
	f.Machine.CPUModel = `<b>cpu</b>`
	_, doc := render(t, Input{Results: f})
	for _, bad := range []string{"<script>alert(1)", "<img src=x", "<b>cpu</b>"} {
		if strings.Contains(doc, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	chartData(t, doc) // the JSON still parses: nothing closed its <script>
	checkBalanced(t, doc)
}

func TestWellFormed(t *testing.T) {
	_, doc := render(t, Input{Results: synthetic(), Comparison: syntheticComparison()})
	checkBalanced(t, doc)
}

var tagRE = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>`)

// checkBalanced fails the test unless the page is balanced.
func checkBalanced(t *testing.T, doc string) {
	t.Helper()
	if err := balanced(doc); err != nil {
		t.Fatal(err)
	}
}

// balanced checks that every script is closed and, outside scripts, every
// non-void element is closed in order.
func balanced(doc string) error {
	if o, c := strings.Count(doc, "<script"), strings.Count(doc, "</script>"); o != c {
		return fmt.Errorf("%d <script> but %d </script>", o, c)
	}
	text := withoutScripts(doc)
	if o, c := strings.Count(text, "<div"), strings.Count(text, "</div>"); o != c {
		return fmt.Errorf("%d <div> but %d </div>", o, c)
	}
	void := map[string]bool{"meta": true, "link": true, "br": true, "hr": true, "img": true, "input": true, "wbr": true}
	var stack []string
	for _, m := range tagRE.FindAllStringSubmatch(text, -1) {
		name := strings.ToLower(m[2])
		switch {
		case void[name] || m[3] == "/":
		case m[1] == "":
			stack = append(stack, name)
		case len(stack) == 0 || stack[len(stack)-1] != name:
			return fmt.Errorf("</%s> closes %v", name, stack)
		default:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		return fmt.Errorf("unclosed elements: %v", stack)
	}
	return nil
}

func TestBalancedCatchesBrokenPages(t *testing.T) {
	for _, doc := range []string{
		"<div><span></div></span>",
		"<section><div></div>",
		"<script>var x = 1;",
		"<div><script>'</div>'</script>",
	} {
		if balanced(doc) == nil {
			t.Errorf("balanced(%q) = nil", doc)
		}
	}
	if err := balanced(`<div><p>a<br>b</p><script>"<b>"</script><input type="search"></div>`); err != nil {
		t.Error(err)
	}
}

func TestFiveNumbers(t *testing.T) {
	xs := []float64{9, 1, 8, 2, 7, 3, 6, 4, 5}
	b, ok := fiveNumbers(xs)
	if !ok || b != (box{Min: 1, Q1: 3, Median: 5, Q3: 7, Max: 9}) {
		t.Errorf("fiveNumbers(1..9) = %+v", b)
	}
	if xs[0] != 9 {
		t.Error("fiveNumbers sorted its input")
	}
	// Even count: type-7 interpolation between order statistics.
	b, _ = fiveNumbers([]float64{4, 3, 2, 1})
	if b != (box{Min: 1, Q1: 1.75, Median: 2.5, Q3: 3.25, Max: 4}) {
		t.Errorf("fiveNumbers(1..4) = %+v", b)
	}
	b, _ = fiveNumbers([]float64{42})
	if b != (box{42, 42, 42, 42, 42}) {
		t.Errorf("fiveNumbers(42) = %+v", b)
	}
	if _, ok := fiveNumbers(nil); ok {
		t.Error("fiveNumbers(nil) reported a box")
	}
}

func TestSamplesChartQuartiles(t *testing.T) {
	c := okCase("X/1", "X", "x", "cpu", "generic", results.Shape{K: 1}, 2000, 8, 0)
	c.SamplesNs = []float64{1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000}
	spec, ch := samplesChart("id", "x", []*results.Case{&c}, palette{"cpu/generic": "#4e79a7"}, nil)
	if !strings.Contains(ch.Title, "(µs)") {
		t.Errorf("title %q: want µs", ch.Title)
	}
	data, _ := json.Marshal(spec.Option["series"])
	if !strings.Contains(string(data), `"value":[1,3,5,7,9]`) {
		t.Errorf("box plot series = %s, want value [1,3,5,7,9] µs", data)
	}
}

func TestManyCasesScroll(t *testing.T) {
	f := synthetic()
	f.Cases = nil
	for i := range 300 {
		f.Cases = append(f.Cases, okCase(fmt.Sprintf("MatMul/%dx256/b1/i2/avx2", 128*(i+1)), "MatMul", "matmul", "cpu", "avx2",
			results.Shape{M: 1, N: 128 * (i + 1), K: 256}, float64(128*(i+1)*256)/9, int64(128*(i+1)*64), int64(128*(i+1)*256)))
	}
	p, doc := render(t, Input{Results: f})
	if len(p.Families) != 1 || len(p.Families[0].Ops) != 1 {
		t.Fatalf("families = %d: want one family with one op", len(p.Families))
	}
	for _, ch := range p.Families[0].Ops[0].Charts {
		if ch.Height > maxChartPx+200 {
			t.Errorf("chart %s is %d px high", ch.ID, ch.Height)
		}
	}
	for _, s := range chartData(t, doc) {
		if s.Kind != "throughput" && s.Kind != "samples" {
			continue
		}
		if _, ok := s.Option["dataZoom"]; !ok {
			t.Errorf("chart %s of 300 cases has no slider", s.ID)
		}
	}
	checkBalanced(t, doc)
}

// An op with arithmetic and data-movement cases gets one chart per unit.
func TestMixedUnitsOp(t *testing.T) {
	f := synthetic()
	f.Cases = []results.Case{
		okCase("A/1", "A", "mixed", "cpu", "generic", results.Shape{K: 1}, 100, 100, 100),
		okCase("A/2", "A", "mixed", "cpu", "generic", results.Shape{K: 2}, 100, 100, 0),
	}
	p, err := Build(Input{Results: f})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ch := range p.Families[0].Ops[0].Charts {
		ids = append(ids, ch.ID)
	}
	want := "[chart-family-0-mixed-op0-gmacs chart-family-0-mixed-op0-gbs chart-family-0-mixed-op0-samples]"
	if fmt.Sprint(ids) != want {
		t.Errorf("charts = %v, want %s", ids, want)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := Input{Results: synthetic(), Comparison: syntheticComparison()}

	// A failed build leaves the old file alone.
	if err := WriteFile(path, Input{}); err == nil {
		t.Fatal("WriteFile with nil Results: no error")
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Fatalf("failed WriteFile changed the file to %q", got)
	}

	if err := WriteFile(path, in); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, want := render(t, in)
	if string(got) != want {
		t.Error("file differs from Render's output")
	}
	if !strings.HasPrefix(want, "<!DOCTYPE html>") || !strings.HasSuffix(strings.TrimSpace(want), "</html>") {
		t.Error("page is not a whole HTML document")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v: a temporary file was left behind", names)
	}
}

func TestFormatting(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{fmtNs(205), "205 ns"},
		{fmtNs(8600), "8.60 µs"},
		{fmtNs(3.2e6), "3.20 ms"},
		{fmtNs(1.5e9), "1.50 s"},
		{fmtNs(0), "—"},
		{fmtCI(100, 99, 102), "±2.0%"},
		{fmtCI(100, 80, 101), "±20%"},
		{fmtCI(100, 0, 0), "—"},
		{fmtRate(8.8642), "8.86"},
		{fmtRate(0.05752), "0.0575"},
		{fmtRate(0), "—"},
		{fmtBytes(48 << 10), "48 KiB"},
		{fmtBytes(64 << 30), "64 GiB"},
		{fmtUnit(7.4e-4, "sec/op"), "740 µs"},
		{fmtUnit(2.5e10, "B/s"), "25.0 GB/s"},
		{fmtP(0.0002), "<0.001"},
		{fmtP(0.6), "0.600"},
		{fmtP(0), "—"},
		{shellQuote([]string{"bitnet-bench", "--out", "a b", "it's", ""}), `bitnet-bench --out 'a b' 'it'\''s' ''`},
		{fmt.Sprint(niceCeil(0.243)), "0.25"},
		{fmt.Sprint(niceCeil(0.6)), "1"},
		{fmtRatio(2.1034), "2.10×"},
		{fmtShare(0.371), "37%"},
		{fmtShare(0.029), "2.9%"},
		{fmtShare(2.13), "213%"},
		{fmtShare(0), "—"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
