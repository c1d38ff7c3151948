package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// historyRun is a run of the given cases, made at day d, with each case's
// samples scaled by slow[name] (1 when absent).
func historyRun(t *testing.T, d int, commit string, names []string, slow map[string]float64) Run {
	t.Helper()
	f := synthetic()
	f.Complete = true
	f.Created = time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC)
	f.Tool.Commit = commit
	f.Cases = nil
	for i, n := range names {
		k := slow[n]
		if k == 0 {
			k = 1
		}
		c := okCase(n, "BitLinear", "bitlinear", "cpu", "avx2", results.Shape{M: 1, N: 256 * (i + 1), K: 2560}, 1e5*float64(i+1)*k, 1<<20, 1<<22)
		// Ten tight samples, so a 30% slowdown is significant.
		c.SamplesNs = nil
		for j := range 10 {
			c.SamplesNs = append(c.SamplesNs, c.MedianNs*(1+0.002*float64(j-5)))
		}
		c.CILowNs, c.CIHighNs = c.MedianNs*0.995, c.MedianNs*1.005
		f.Cases = append(f.Cases, c)
	}
	return Run{Name: fmt.Sprintf("run-%02d.json", d), File: f}
}

func TestHistory(t *testing.T) {
	names := []string{"BitLinear/a", "BitLinear/b"}
	runs := []Run{
		historyRun(t, 3, "cccccccccc", names, map[string]float64{"BitLinear/a": 1.3}), // newest, given first
		historyRun(t, 1, "aaaaaaaaaa", names, nil),
		historyRun(t, 2, "bbbbbbbbbb", names, nil),
	}
	p, err := BuildHistory(HistoryInput{Runs: runs})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range p.Runs {
		order = append(order, r.Commit)
	}
	if fmt.Sprint(order) != "[aaaaaaaaaa bbbbbbbbbb cccccccccc]" {
		t.Errorf("runs in order %v, want by date", order)
	}
	if r := p.Runs[2]; r.Label != "#3 2026-03-03 12:00 ccccccc" || !r.Compared || r.Regressions != 1 || p.Runs[1].Regressions != 0 || p.Runs[0].Compared {
		t.Errorf("runs = %+v", p.Runs)
	}
	if len(p.Regressions) != 1 || p.Regressions[0].Name != "BitLinear/a" || p.Regressions[0].Change != "+30.0%" || p.Regressions[0].Run != p.Runs[2].Label {
		t.Errorf("regressions = %+v", p.Regressions)
	}
	if p.Threshold != "5%" || p.Cases != 2 || p.ChartCount != 1 {
		t.Errorf("threshold %s, cases %d, charts %d", p.Threshold, p.Cases, p.ChartCount)
	}
	spec := p.charts[0]
	s := series(t, spec.Option)
	if len(s) != 6 {
		t.Fatalf("%d series, want 3 per case", len(s))
	}
	// Case a: base (CI low), band (CI width, stacked), median line.
	if s[0]["name"] != "a" || s[1]["stack"] != s[0]["stack"] || s[1]["areaStyle"] == nil || s[0]["silent"] != true {
		t.Errorf("band series = %v / %v", s[0], s[1])
	}
	med, _ := json.Marshal(s[2]["data"])
	if !strings.Contains(string(med), `"symbol":"triangle"`) || strings.Count(string(med), "triangle") != 1 {
		t.Errorf("median line %s: want one regression mark", med)
	}
	if strings.Contains(mustJSON(t, s[5]["data"]), "triangle") {
		t.Error("case b marked as regressed")
	}
	if tip := spec.STips[2][2]; !strings.Contains(strings.Join(tip, " "), "vs the run before: regression (+30.0%") {
		t.Errorf("tooltip = %v", tip)
	}

	var buf bytes.Buffer
	if err := p.Render(&buf); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	for _, want := range []string{"<title>bitnet-bench history</title>", "Regressions between consecutive runs", "run-03.json", `<code title="cccccccccc">cccccccccc</code>`} {
		if !strings.Contains(doc, want) {
			t.Errorf("history page lacks %q", want)
		}
	}
	checkBalanced(t, doc)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHistoryOneRun(t *testing.T) {
	p, err := BuildHistory(HistoryInput{Runs: []Run{historyRun(t, 1, "a", []string{"BitLinear/a"}, nil)}, Theme: "dark"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := p.Render(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "One run only") || !strings.Contains(buf.String(), `data-theme="dark"`) || p.ChartCount != 1 {
		t.Error("single run not handled")
	}
	if _, err := BuildHistory(HistoryInput{}); err == nil {
		t.Error("no runs: no error")
	}
}

// An op with more cases than maxTrendLines gets several charts, each of
// which shows the first maxShownLines cases, regressed ones first.
func TestHistoryCapsLines(t *testing.T) {
	var names []string
	for i := range 30 {
		names = append(names, fmt.Sprintf("BitLinear/%02d", i))
	}
	p, err := BuildHistory(HistoryInput{Runs: []Run{
		// Two runs before the change: one run against one other cannot
		// tell a change from the machine (baselines/stats).
		historyRun(t, 1, "a", names, nil),
		historyRun(t, 2, "b", names, nil),
		historyRun(t, 3, "c", names, map[string]float64{"BitLinear/20": 1.5}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if p.ChartCount != 2 || len(p.Families[0].Ops[0].Charts) != 2 || !strings.Contains(p.Families[0].Ops[0].Charts[1].Title, "part 2 of 2") {
		t.Fatalf("charts = %+v", p.Families[0].Ops[0].Charts)
	}
	sel := roundTrip(t, p.charts[0].Option)["legend"].(map[string]any)["selected"].(map[string]any)
	on := 0
	for _, v := range sel {
		if v == true {
			on++
		}
	}
	if len(sel) != maxTrendLines || on != maxShownLines || sel["20"] != true {
		t.Errorf("legend selection %v", sel)
	}
}

func TestLoadHistory(t *testing.T) {
	dir := t.TempDir()
	write := func(path string, data []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for d := 1; d <= 2; d++ {
		data, err := historyRun(t, d, "c", []string{"BitLinear/a"}, nil).File.Encode()
		if err != nil {
			t.Fatal(err)
		}
		write(filepath.Join(dir, fmt.Sprintf("run%d", d), "results.json"), data)
	}
	write(filepath.Join(dir, "comparison.json"), []byte(`{"baseline": "x"}`))
	write(filepath.Join(dir, "notes.txt"), []byte("not json"))

	runs, warnings, err := LoadHistory([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || len(warnings) != 1 || !strings.Contains(warnings[0], "comparison.json: not a bitnet-bench results file") {
		t.Errorf("runs %d, warnings %v", len(runs), warnings)
	}
	// Named twice (the directory and a file in it): read once.
	if runs, _, err := LoadHistory([]string{dir, filepath.Join(dir, "run1", "results.json")}); err != nil || len(runs) != 2 {
		t.Errorf("runs %d, err %v", len(runs), err)
	}
	// A file named directly must be a results file.
	if _, _, err := LoadHistory([]string{filepath.Join(dir, "comparison.json")}); err == nil {
		t.Error("explicit non-results file: no error")
	}
	// A results file that does not validate is an error, naming it.
	bad := filepath.Join(t.TempDir(), "bad.json")
	write(bad, []byte(`{"schema": "bitnet-bench/results/v1", "cases": [{"name": "x", "status": "ok"}]}`))
	if _, _, err := LoadHistory([]string{bad}); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("invalid results file: err %v", err)
	}
	if _, _, err := LoadHistory([]string{t.TempDir()}); err == nil {
		t.Error("empty directory: no error")
	}

	out := filepath.Join(t.TempDir(), "trend.html")
	if err := WriteHistoryFile(out, HistoryInput{Runs: runs, Warnings: warnings, Assets: "cdn"}); err != nil {
		t.Fatal(err)
	}
	doc, _ := os.ReadFile(out)
	if !strings.Contains(string(doc), "comparison.json: not a bitnet-bench results file") || !strings.HasSuffix(strings.TrimSpace(string(doc)), "</html>") {
		t.Error("trend page lacks the warning or is not whole")
	}
}

// A regression names the commits it came in with, each point links to its
// commit, and the legend's swatch is the median line's colour.
func TestHistoryLinksAndRanges(t *testing.T) {
	names := []string{"BitLinear/a", "BitLinear/b"}
	// Two runs before the change: one run against one other cannot tell
	// a change from the machine (baselines/stats).
	hp, err := BuildHistory(HistoryInput{Runs: []Run{
		historyRun(t, 1, "9999999999", names, nil),
		historyRun(t, 2, "aaaaaaaaaa", names, nil),
		historyRun(t, 3, "bbbbbbbbbb", names, map[string]float64{"BitLinear/b": 1.3}),
	}, CommitURL: "https://example.com/c/%s"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hp.Regressions) != 1 || hp.Regressions[0].Range != "aaaaaaa..bbbbbbb" {
		t.Fatalf("regressions %+v, want one in aaaaaaa..bbbbbbb", hp.Regressions)
	}
	if got := hp.Runs[2].Link; got != "https://example.com/c/bbbbbbbbbb" {
		t.Errorf("run link %q", got)
	}
	var buf strings.Builder
	if err := hp.Render(&buf); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	for _, want := range []string{`id="run-3"`, `href="https://example.com/c/bbbbbbbbbb"`, "aaaaaaa..bbbbbbb"} {
		if !strings.Contains(doc, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, spec := range hp.charts {
		if len(spec.Links) != 3 || spec.Links[1] != "https://example.com/c/aaaaaaaaaa" {
			t.Errorf("chart %s links %v", spec.ID, spec.Links)
		}
		ser := spec.Option["series"].([]any)
		areas := 0
		for i := 0; i < len(ser); i += 3 {
			var colour any
			for j := i; j < i+3; j++ {
				c := ser[j].(map[string]any)["itemStyle"].(map[string]any)["color"]
				if j > i && c != colour {
					t.Errorf("series %d: colour %v, the legend shows %v", j, c, colour)
				}
				colour = c
			}
			if ma, ok := ser[i+2].(map[string]any)["markArea"]; ok {
				areas += len(ma.(map[string]any)["data"].([]any))
			}
		}
		if areas != 1 {
			t.Errorf("%d regression ranges shaded, want 1", areas)
		}
	}
	if CheckCommitURL("https://x/%s") != nil || CheckCommitURL("https://x/") == nil || CheckCommitURL("file:///%s") == nil {
		t.Error("CheckCommitURL accepts or refuses the wrong templates")
	}
}
