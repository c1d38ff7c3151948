//go:build unix

package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/templates"
)

// The browser tests load rendered pages in headless Chromium, with the
// network blocked, and read what the page script wrote on <body> when it
// finished: how many charts it drew of how many, the JavaScript errors it
// caught, and with #selfcheck which charts' canvases stayed blank. .ci/browser.sh
// installs Debian's chromium and runs them; elsewhere they skip.

const chromiumMissing = "chromium not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM=/path/to/chromium"

func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests take half a minute: run without -short (.ci/browser.sh does)")
	}
	if p := os.Getenv("CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("CHROMIUM=%s: %v", p, err)
		}
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip(chromiumMissing)
	return ""
}

const windowW, windowH, shotH = 1280, 2000, 8000

// browse runs headless Chromium on url with extra flags and returns its
// standard output.
func browse(t *testing.T, bin, url string, budgetMs int, extra ...string) string {
	return browseSized(t, bin, url, budgetMs, windowH, extra...)
}

func browseSized(t *testing.T, bin, url string, budgetMs, height int, extra ...string) string {
	t.Helper()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--no-first-run", "--no-default-browser-check", "--mute-audio",
		"--user-data-dir=" + t.TempDir(),
		"--host-resolver-rules=MAP * ~NOTFOUND", // no network: every host fails to resolve
		fmt.Sprintf("--window-size=%d,%d", windowW, height),
		"--hide-scrollbars",
		fmt.Sprintf("--virtual-time-budget=%d", budgetMs),
	}
	args = append(append(args, extra...), url)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) } // Chromium's helpers too
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("chromium %s: %v", filepath.Base(url), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, tail(stderr.String(), 3000))
	}
	return stdout.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// marker is what the page script wrote on <body>.
type marker struct {
	Ready           bool
	Expected, Drawn int
	Collapsed       int // charts in closed sections, drawn when opened
	// What the self-check did as a reader would: the tables it sorted and
	// any that came out of order, the charts whose tooltip did not show,
	// the legend entries whose colour is not their series'.
	SortChecked      int
	SortErrors       []string
	TipMissing       []string
	LegendMismatch   []string
	Errors, Blank    []string
	EChartsVersion   string
	ReadyMs          int // page time when the script finished
	LongestDrawMs    int // the longest single chart draw
	Rects            []chartRect
	DOM              string
	CaseRows         int
	ComparisonRows   int
	MissingMessages  int
	DOMElementsGuess int
}

type chartRect struct {
	ID         string
	X, Y, W, H int
}

var bodyTag = regexp.MustCompile(`<body\b[^>]*>`)
var attr = regexp.MustCompile(`([a-z-]+)="([^"]*)"`)

func readMarker(t *testing.T, dom string) marker {
	t.Helper()
	var m marker
	m.DOM = dom
	found := false
	// The inlined ECharts holds "<body" in strings; the page's own tag is
	// the one the script marked.
	for _, tag := range bodyTag.FindAllString(dom, -1) {
		if !strings.Contains(tag, "data-charts-expected") {
			continue
		}
		found = true
		for _, a := range attr.FindAllStringSubmatch(tag, -1) {
			v := html.UnescapeString(a[2])
			switch a[1] {
			case "data-report-ready":
				m.Ready = v == "1"
			case "data-charts-expected":
				fmt.Sscan(v, &m.Expected)
			case "data-charts-drawn":
				fmt.Sscan(v, &m.Drawn)
			case "data-charts-collapsed":
				fmt.Sscan(v, &m.Collapsed)
			case "data-sort-checked":
				fmt.Sscan(v, &m.SortChecked)
			case "data-sort-errors", "data-tip-missing", "data-legend-mismatch":
				dst := map[string]*[]string{"data-sort-errors": &m.SortErrors, "data-tip-missing": &m.TipMissing, "data-legend-mismatch": &m.LegendMismatch}[a[1]]
				if err := json.Unmarshal([]byte(v), dst); err != nil {
					t.Fatalf("%s %q: %v", a[1], v, err)
				}
			case "data-js-errors":
				if err := json.Unmarshal([]byte(v), &m.Errors); err != nil {
					t.Fatalf("data-js-errors %q: %v", v, err)
				}
			case "data-charts-blank":
				if err := json.Unmarshal([]byte(v), &m.Blank); err != nil {
					t.Fatalf("data-charts-blank %q: %v", v, err)
				}
			case "data-chart-rects":
				if err := json.Unmarshal([]byte(v), &m.Rects); err != nil {
					t.Fatalf("data-chart-rects %q: %v", v, err)
				}
			case "data-echarts-version":
				m.EChartsVersion = v
			case "data-ready-ms":
				fmt.Sscan(v, &m.ReadyMs)
			case "data-longest-draw-ms":
				fmt.Sscan(v, &m.LongestDrawMs)
			}
		}
	}
	if !found {
		t.Fatalf("the page script never marked <body>: it did not finish or did not run\n%s", tail(dom, 2000))
	}
	m.CaseRows = tbodyRows(dom, "case-table")
	m.ComparisonRows = tbodyRows(dom, "comparison-table")
	m.MissingMessages = strings.Count(dom, `class="chart chart-missing"`)
	m.DOMElementsGuess = strings.Count(dom, "<") - strings.Count(dom, "</")
	return m
}

// tbodyRows counts the rows the script put into a table.
func tbodyRows(dom, id string) int {
	i := strings.Index(dom, `id="`+id+`"`)
	if i < 0 {
		return -1
	}
	rest := dom[i:]
	end := strings.Index(rest, "</table>")
	if end < 0 {
		return -1
	}
	return strings.Count(rest[:end], "<tr") - 1 // less the header row
}

func writePage(t *testing.T, name string, render func(io.Writer) error) string {
	t.Helper()
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func reportPage(t *testing.T, in Input) (string, *Page) {
	t.Helper()
	p, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	return writePage(t, "report.html", p.Render), p
}

// richFile is the synthetic file with limits measured, so every kind of
// chart the report draws from results is on the page.
func richFile() *results.File {
	f := synthetic()
	f.Roofline = []results.Limit{
		{Level: "generic", ReadGBps: 10, BufferBytes: 256 << 20, Int8Unavailable: "no int8 dot product"},
		{Level: "avx2", ReadGBps: 12, BufferBytes: 256 << 20, Int8PeakGMACps: 36},
	}
	for i := range f.Cases {
		c := &f.Cases[i]
		if c.OK() && c.Backend == "cpu" {
			c.PctOfReadBW = c.GBps / 12
			if c.DType == "i2" && c.GMACps > 0 {
				c.PctOfInt8Peak = c.GMACps / 36
			}
		}
	}
	// Batch and size scaling lines for BitLinear.
	for _, m := range []int{8, 32} {
		for _, n := range []int{2560, 6912} {
			sh := results.Shape{M: m, N: n, K: 2560}
			f.Cases = append(f.Cases, okCase(fmt.Sprintf("BitLinear/%dx2560/b%d/i2/avx2", n, m), "BitLinear", "bitlinear", "cpu", "avx2", sh,
				float64(m*n)*40, int64(n*2560/4), int64(m*n*2560)))
		}
	}
	return f
}

func checkDrawn(t *testing.T, m marker, want int) {
	t.Helper()
	if !m.Ready {
		t.Error("page did not finish (no data-report-ready)")
	}
	if len(m.Errors) > 0 {
		t.Errorf("JavaScript errors: %q", m.Errors)
	}
	if m.Expected != want || m.Drawn != want {
		t.Errorf("charts drawn %d of %d expected, want all %d", m.Drawn, m.Expected, want)
	}
	if len(m.Blank) > 0 {
		t.Errorf("blank charts: %v", m.Blank)
	}
}

// checkReader checks what the self-check did as a reader would: every
// chart shows a tooltip, every table sorts by a header click, every legend
// swatch has its series' colour.
func checkReader(t *testing.T, m marker, tables int) {
	t.Helper()
	if m.SortChecked < tables {
		t.Errorf("%d tables sorted, want at least %d", m.SortChecked, tables)
	}
	for _, e := range m.SortErrors {
		t.Errorf("sort: %s", e)
	}
	if len(m.TipMissing) > 0 {
		t.Errorf("no tooltip on charts %v", m.TipMissing)
	}
	for _, e := range m.LegendMismatch {
		t.Errorf("legend colour: %s", e)
	}
}

func TestBrowserReport(t *testing.T) {
	bin := chromium(t)
	for _, tc := range []struct {
		name, theme string
		baseline    bool
	}{{"single-run", "light", false}, {"baseline-light", "light", true}, {"baseline-dark", "dark", true}} {
		t.Run(tc.name, func(t *testing.T) {
			in := Input{Results: richFile(), Theme: tc.theme}
			if tc.baseline {
				in.Comparison = syntheticComparison()
				base := richFile()
				base.Machine.Kernel = "6.1.0"
				data, err := base.Encode()
				if err != nil {
					t.Fatal(err)
				}
				if in.Baseline, err = input.ParseInput(data, "base.json"); err != nil {
					t.Fatal(err)
				}
				in.BaselineResults = base
			}
			path, p := reportPage(t, in)
			m := readMarker(t, browse(t, bin, "file://"+path+"#selfcheck", 5000, "--dump-dom"))
			checkDrawn(t, m, p.ChartCount)
			checkReader(t, m, 2)
			if !tc.baseline {
				if p.ChartCount < 10 || m.ComparisonRows != -1 {
					t.Errorf("%d charts, comparison table %d", p.ChartCount, m.ComparisonRows)
				}
				return
			}
			if p.ChartCount < 15 {
				t.Errorf("only %d charts on the page", p.ChartCount)
			}
			if m.EChartsVersion != templates.EChartsVersion {
				t.Errorf("ECharts %q ran, want the inlined %s", m.EChartsVersion, templates.EChartsVersion)
			}
			if m.CaseRows != len(p.Cases) || m.ComparisonRows != len(p.Comparison.Rows) {
				t.Errorf("tables hold %d case rows and %d comparison rows, want %d and %d", m.CaseRows, m.ComparisonRows, len(p.Cases), len(p.Comparison.Rows))
			}
			if len(m.Rects) != p.ChartCount {
				t.Fatalf("%d chart positions for %d charts", len(m.Rects), p.ChartCount)
			}
			if tc.theme == "light" {
				checkScreenshot(t, bin, path, m.Rects)
			}
		})
	}
}

// checkScreenshot takes a screenshot of the top of the page and checks that
// every chart in it has drawn something: many pixels that differ from the
// chart's background, in several colours.
func checkScreenshot(t *testing.T, bin, path string, rects []chartRect) {
	t.Helper()
	// A tall window, so that the screenshot holds many charts; the layout
	// depends on the width only, so the positions measured still hold.
	shot := filepath.Join(t.TempDir(), "shot.png")
	browseSized(t, bin, "file://"+path+"#selfcheck", 5000, shotH, "--screenshot="+shot)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, r := range rects {
		box := image.Rect(r.X, r.Y, r.X+r.W, r.Y+r.H)
		if !box.In(img.Bounds()) || r.W < 50 || r.H < 50 {
			continue
		}
		checked++
		bg := img.At(box.Min.X+2, box.Min.Y+2)
		colours := map[[3]uint32]bool{}
		differ, total := 0, 0
		for y := box.Min.Y; y < box.Max.Y; y += 2 {
			for x := box.Min.X; x < box.Max.X; x += 2 {
				c := img.At(x, y)
				r1, g1, b1, _ := c.RGBA()
				r0, g0, b0, _ := bg.RGBA()
				total++
				if r1 != r0 || g1 != g0 || b1 != b0 {
					differ++
				}
				if len(colours) < 64 {
					colours[[3]uint32{r1 >> 8, g1 >> 8, b1 >> 8}] = true
				}
			}
		}
		if frac := float64(differ) / float64(total); frac < 0.01 || len(colours) < 4 {
			t.Errorf("chart %s looks blank in the screenshot: %.2f%% of pixels drawn, %d colours", r.ID, 100*frac, len(colours))
		}
	}
	if checked == 0 {
		t.Errorf("no chart within the %dx%d screenshot", windowW, shotH)
	}
	t.Logf("screenshot: %d charts checked not blank", checked)
}

// A results file of 2,000 cases loads: the charts are drawn a few at a time
// without #selfcheck, as a reader gets them, and the case table shows one
// page of rows.
func TestBrowserLargeReport(t *testing.T) {
	bin := chromium(t)
	f := bigFile(2000)
	path, p := reportPage(t, Input{Results: f})
	m := readMarker(t, browse(t, bin, "file://"+path, 5000, "--dump-dom"))
	t.Logf("2,000 cases: %d charts drawn (%d more in collapsed sections) %d ms after the page started loading; the longest chart took %d ms", m.Drawn, m.Collapsed, m.ReadyMs, m.LongestDrawMs)
	if m.Collapsed == 0 || m.Drawn+m.Collapsed != p.ChartCount {
		t.Errorf("%d charts drawn and %d collapsed, want %d in all with some collapsed", m.Drawn, m.Collapsed, p.ChartCount)
	}
	m.Drawn += m.Collapsed
	checkDrawn(t, m, p.ChartCount)
	if m.CaseRows != 50 {
		t.Errorf("case table shows %d rows, want one page of 50", m.CaseRows)
	}
}

func TestBrowserHistory(t *testing.T) {
	bin := chromium(t)
	names := []string{"BitLinear/a", "BitLinear/b", "BitLinear/c"}
	hp, err := BuildHistory(HistoryInput{Runs: []Run{
		historyRun(t, 1, "aaaaaaa", names, nil),
		historyRun(t, 2, "bbbbbbb", names, map[string]float64{"BitLinear/b": 1.3}),
		historyRun(t, 3, "ccccccc", names, nil),
	}, Theme: "dark"})
	if err != nil {
		t.Fatal(err)
	}
	path := writePage(t, "trend.html", hp.Render)
	m := readMarker(t, browse(t, bin, "file://"+path+"#selfcheck", 5000, "--dump-dom"))
	checkDrawn(t, m, hp.ChartCount)
	checkReader(t, m, 1)
}

// A model run reads in tokens per second: its charts draw, the tokens
// table sorts.
func TestBrowserModelWorkload(t *testing.T) {
	bin := chromium(t)
	path, p := reportPage(t, Input{Results: workloadFile()})
	m := readMarker(t, browse(t, bin, "file://"+path+"#selfcheck", 5000, "--dump-dom"))
	checkDrawn(t, m, p.ChartCount)
	checkReader(t, m, 2)
	if !strings.Contains(m.DOM, "tg @ ctx128") {
		t.Error("no tokens table on the page")
	}
}

// TestBrowserPackings: the packing family's compression chart draws, with
// tooltips, beside the family's per-op charts.
func TestBrowserPackings(t *testing.T) {
	bin := chromium(t)
	path, p := reportPage(t, Input{Results: packingFile()})
	m := readMarker(t, browse(t, bin, "file://"+path+"#selfcheck", 5000, "--dump-dom"))
	checkDrawn(t, m, p.ChartCount)
	checkReader(t, m, 1)
	if !strings.Contains(m.DOM, "compression against decode speed") {
		t.Error("no packing chart on the page")
	}
}

func TestBrowserEnergy(t *testing.T) {
	bin := chromium(t)
	ep, err := BuildEnergy(EnergyInput{File: energyFile(), Theme: "dark"})
	if err != nil {
		t.Fatal(err)
	}
	path := writePage(t, "energy.html", ep.Render)
	m := readMarker(t, browse(t, bin, "file://"+path+"#selfcheck", 5000, "--dump-dom"))
	checkDrawn(t, m, ep.ChartCount)
	checkReader(t, m, 1)
}

// With --assets cdn and no network the page still loads: every chart's
// place says ECharts could not be loaded, and the tables are filled.
func TestBrowserCDNOffline(t *testing.T) {
	bin := chromium(t)
	path, p := reportPage(t, Input{Results: synthetic(), Assets: AssetsCDN})
	m := readMarker(t, browse(t, bin, "file://"+path, 5000, "--dump-dom"))
	if !m.Ready || m.Drawn != 0 || m.MissingMessages != p.ChartCount || m.CaseRows != len(p.Cases) {
		t.Errorf("offline CDN page: ready %v, drawn %d, %d of %d charts explained, %d case rows", m.Ready, m.Drawn, m.MissingMessages, p.ChartCount, m.CaseRows)
	}
	for _, e := range m.Errors {
		// The failed script load is the only error expected.
		if !strings.HasPrefix(e, "error") {
			t.Errorf("unexpected JavaScript error: %q", e)
		}
	}
}
