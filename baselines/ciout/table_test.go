package ciout

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/internal/units"
)

func TestWriteTable(t *testing.T) {
	bf, cf := scenario()
	cmp := mustCompare(t, mustParse(t, jsonBytes(t, bf), "base.json"), mustParse(t, textBytes(t, cf), "cur.txt"), stats.Options{WithinRunOnly: true})
	var buf bytes.Buffer
	if err := Table(&buf, cmp); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")

	header := lines[0]
	for _, col := range []string{"case", "unit", "baseline", "current", "delta", "p", "verdict", "reason"} {
		if !strings.Contains(header, col) {
			t.Errorf("header %q lacks %q", header, col)
		}
	}
	// Columns line up by character, even with "µ" and "±" in cells.
	verdictCol := utf8.RuneCountInString(header[:strings.Index(header, "verdict")])
	rows := lines[1 : 1+len(cmp.Rows)]
	for i, line := range rows {
		r := cmp.Rows[i]
		at := strings.Index(line, string(r.Verdict))
		if at < 0 || utf8.RuneCountInString(line[:at]) != verdictCol {
			t.Errorf("verdict of %q not in column %d", line, verdictCol)
		}
		if strings.HasSuffix(line, " ") {
			t.Errorf("trailing blanks in %q", line)
		}
	}
	slow := rows[0]
	for _, want := range []string{"Slow", "sec/op", "ms ±", "+30.", "p=0.000 n=10", "regression"} {
		if !strings.Contains(slow, want) {
			t.Errorf("Slow row %q lacks %q", slow, want)
		}
	}
	if !strings.Contains(rows[1], "GB/s") {
		t.Errorf("B/s row %q: want binary-scaled bytes per second", rows[1])
	}
	if !strings.Contains(out, "\ngeomean sec/op ratio: ") || !strings.Contains(out, "over 4 cases\n") {
		t.Errorf("no geomean line in\n%s", out)
	}
	const last = "regression-check: 1 regression, 1 improvement, 2 unchanged, 0 inconclusive, 1 missing in the current run, 1 new (gating sec/op, threshold 5%, alpha 0.05; samples taken as independent)"
	if got := lines[len(lines)-1]; got != last {
		t.Errorf("last line\n%q, want\n%q", got, last)
	}
}

func TestWriteTableInconclusiveAndWarnings(t *testing.T) {
	base := "cpu: A\nBenchmarkA 1 1000 ns/op\nBenchmarkA 1 1010 ns/op\nBenchmarkA 1 990 ns/op\n"
	cur := "cpu: B\nBenchmarkA 1 1300 ns/op\nBenchmarkA 1 1310 ns/op\nBenchmarkA 1 1290 ns/op\n"
	cmp := compareText(t, base, cur, stats.Options{Threshold: 0.1, WithinRunOnly: true})
	var buf bytes.Buffer
	if err := Table(&buf, cmp); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"± ∞",
		"too few samples for significance",
		"\nwarning: MACHINE MISMATCH",
		"[0.000, ∞]",
		"regression-check: 0 regressions, 0 improvements, 0 unchanged, 1 inconclusive (gating sec/op, threshold 10%, alpha 0.05; samples taken as independent); MACHINE MISMATCH: CPU \"A\" vs \"B\"\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.HasSuffix(out, "independent); MACHINE MISMATCH: CPU \"A\" vs \"B\"\n") {
		t.Errorf("the verdict is not the last line:\n%s", out)
	}
}

func TestFormatSummary(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		s    stats.Summary
		unit string
		want string
	}{
		{stats.Summary{Center: 1.5e-3, Lo: 1.49e-3, Hi: 1.52e-3}, input.UnitSecPerOp, "1.50 ms ± 1.3%"},
		{stats.Summary{Center: 12.5e-9, Lo: 12e-9, Hi: 13e-9}, input.UnitSecPerOp, "12.5 ns ± 4.0%"},
		{stats.Summary{Center: 3e-6, Lo: 2e-6, Hi: 4e-6}, input.UnitSecPerOp, "3.00 µs ± 33%"},
		{stats.Summary{Center: 2.5, Lo: 2.5, Hi: 2.5}, input.UnitSecPerOp, "2.50 s ± 0.0%"},
		{stats.Summary{Center: 2.5 * (1 << 30), Lo: 2.4 * (1 << 30), Hi: 2.5 * (1 << 30)}, input.UnitBps, "2.68 GB/s ± 4.0%"},
		{stats.Summary{Center: 4.363, Lo: 4.3, Hi: 4.4}, input.UnitGMACps, "4.36 GMAC/s ± 1.4%"},
		{stats.Summary{Center: 64, Lo: 64, Hi: 64}, "B/op", "64.0 B ± 0.0%"},
		{stats.Summary{Center: 1e-3, Lo: -inf, Hi: inf}, input.UnitSecPerOp, "1.00 ms ± ∞"},
		{stats.Summary{}, "allocs/op", "0 allocs/op ± 0%"},
	}
	for _, tt := range tests {
		if got := formatSummary(&tt.s, units.ScaleFor(tt.unit, tt.s.Center)); got != tt.want {
			t.Errorf("formatSummary(%+v, %s) = %q, want %q", tt.s, tt.unit, got, tt.want)
		}
	}
	if got := formatSummary(nil, units.ScaleFor(input.UnitSecPerOp)); got != "-" {
		t.Errorf("missing side = %q, want -", got)
	}
}

func TestWriteJSON(t *testing.T) {
	base := benchLines("", "ns/op 0 allocs/op", map[string][]float64{"A": tight(1000, 10), "B": {5, 6}}, "A", "B")
	cur := benchLines("", "ns/op 1 allocs/op", map[string][]float64{"A": tight(1000, 10), "B": {5, 6}}, "A", "B")
	cmp := compareText(t, base, cur, stats.Options{WithinRunOnly: true})
	var buf bytes.Buffer
	if err := JSON(&buf, cmp); err != nil {
		t.Fatal(err)
	}
	var got struct {
		stats.Comparison
		Counts stats.Counts `json:"counts"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("WriteJSON wrote invalid JSON: %v\n%s", err, buf.Bytes())
	}
	if got.Baseline != "base.txt" || len(got.Rows) != 4 || got.Threshold != 0.05 {
		t.Errorf("decoded %+v", got.Comparison)
	}
	if got.Counts != cmp.Counts() || got.Counts.Unchanged != 2 {
		t.Errorf("counts %+v, want %+v", got.Counts, cmp.Counts())
	}
	// 0 → 1 allocs/op has an infinite ratio, and 2 samples an unbounded
	// interval: both are written as null.
	var raw struct {
		Rows []map[string]json.RawMessage `json:"rows"`
	}
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	allocs := raw.Rows[1]
	if string(allocs["unit"]) != `"allocs/op"` || string(allocs["ratio"]) != "null" || string(allocs["verdict"]) != `"regression"` || string(allocs["gated"]) != "false" {
		t.Errorf("allocs/op row: %s", mapString(allocs))
	}
	var bSummary map[string]json.RawMessage
	if err := json.Unmarshal(raw.Rows[2]["baseline"], &bSummary); err != nil {
		t.Fatal(err)
	}
	if string(bSummary["lo"]) != "null" || string(bSummary["hi"]) != "null" || string(bSummary["n"]) != "2" {
		t.Errorf("B baseline summary: %s", mapString(bSummary))
	}
	if string(raw.Rows[2]["verdict"]) != `"no change"` || string(raw.Rows[2]["model"]) != `"same samples"` {
		t.Errorf("B row: %s", mapString(raw.Rows[2]))
	}
}

func mapString(m map[string]json.RawMessage) string {
	var b strings.Builder
	for k, v := range m {
		b.WriteString(k + "=" + string(v) + " ")
	}
	return b.String()
}
