package ciout

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/stats"
)

func scenarioComparison(t *testing.T) *stats.Comparison {
	t.Helper()
	bf, cf := scenario()
	return mustCompare(t, mustParse(t, jsonBytes(t, bf), "base.json"), mustParse(t, textBytes(t, cf), "cur.txt"), stats.Options{WithinRunOnly: true})
}

func TestWriteMarkdown(t *testing.T) {
	cmp := scenarioComparison(t)
	var buf bytes.Buffer
	if err := Markdown(&buf, cmp); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[0], "### ❌ regression-check: 1 regression, 1 improvement, 2 unchanged, 0 inconclusive, 1 missing in the current run, 1 new") {
		t.Errorf("heading %q", lines[0])
	}
	if lines[len(lines)-1] != cmp.VerdictLine() {
		t.Errorf("last line %q, want the verdict", lines[len(lines)-1])
	}
	// Table rows: regressions first, then missing, improvements, unchanged.
	var order []string
	for _, l := range lines {
		if !strings.HasPrefix(l, "| ") || strings.HasPrefix(l, "| verdict") {
			continue
		}
		cells := strings.Split(l, " | ")
		if len(cells) < 3 {
			continue
		}
		name := strings.Trim(cells[1], "`* ")
		if len(order) == 0 || order[len(order)-1] != name {
			order = append(order, name)
		}
	}
	// The unchanged cases come last, folded in a <details>.
	want := []string{"Slow", "Gone", "Fast", "New", "geomean", "Same", "Small"}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("row order %q, want %q", order, want)
	}
	for _, w := range []string{"🔴 **regression**", "| +30.0% |", "🟢 improvement", "⚠️ missing in current", "| **geomean** | sec/op |", "<details><summary>2 cases unchanged</summary>"} {
		if !strings.Contains(out, w) {
			t.Errorf("markdown lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "Machine mismatch") {
		t.Error("warns of a machine mismatch that is not there")
	}
}

func TestWriteMarkdownMismatchAndEscaping(t *testing.T) {
	base := "cpu: A\n" + benchLines("", "ns/op", map[string][]float64{"A|B<x>": tight(1000, 10)}, "A|B<x>")
	cur := "cpu: B\n" + benchLines("", "ns/op", map[string][]float64{"A|B<x>": tight(1000, 10)}, "A|B<x>")
	cmp := compareText(t, base, cur, stats.Options{WithinRunOnly: true})
	var buf bytes.Buffer
	if err := Markdown(&buf, cmp); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, w := range []string{"### ⚠️", "> [!WARNING]", "**Machine mismatch.**", `CPU "A" vs "B"`, "`A\\|B<x>`"} {
		if !strings.Contains(out, w) {
			t.Errorf("markdown lacks %q:\n%s", w, out)
		}
	}
	// Every table row has the header's number of cells.
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "| ") && strings.Count(strings.ReplaceAll(l, `\|`, ""), "|") != 11 {
			t.Errorf("row with a stray cell separator: %q", l)
		}
	}
}

func TestWriteJUnit(t *testing.T) {
	cmp := scenarioComparison(t)
	var buf bytes.Buffer
	if err := JUnit(&buf, cmp); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("invalid XML: %v\n%s", err, buf.String())
	}
	if doc.Tests != 6 || doc.Failures != 1 || doc.Skipped != 1 || doc.Errors != 0 || len(doc.Suites) != 1 {
		t.Fatalf("totals %+v", doc)
	}
	s := doc.Suites[0]
	if s.Tests != 6 || s.Failures != 1 || s.Skipped != 1 || len(s.Cases) != 6 {
		t.Errorf("suite totals %d/%d/%d, %d cases", s.Tests, s.Failures, s.Skipped, len(s.Cases))
	}
	byName := map[string]junitCase{}
	for _, c := range s.Cases {
		byName[c.Name] = c
	}
	slow := byName["Slow"]
	if slow.Failure == nil || slow.Failure.Type != "regression" {
		t.Fatalf("Slow: %+v", slow)
	}
	for _, w := range []string{"sec/op: regression", "+30.", "CI [1.", "p=0.000", "threshold 5%", "lies beyond the 5% threshold"} {
		if !strings.Contains(slow.Failure.Message, w) {
			t.Errorf("failure message %q lacks %q", slow.Failure.Message, w)
		}
	}
	if g := byName["Gone"]; g.Skipped == nil || !strings.Contains(g.Skipped.Message, "missing in current") {
		t.Errorf("Gone: %+v", g)
	}
	// A new case has nothing to be compared with: shown, not skipped.
	if n := byName["New"]; n.Skipped != nil || n.Failure != nil || !strings.Contains(n.SystemOut, "new: not in the baseline") {
		t.Errorf("New: %+v", n)
	}
	if !strings.Contains(slow.Failure.Body, "GMAC/s: regression (not gated)") {
		t.Errorf("failure body %q lacks the ungated units", slow.Failure.Body)
	}
	for _, name := range []string{"Fast", "Same", "Small"} {
		if c := byName[name]; c.Failure != nil || c.Skipped != nil || c.SystemOut == "" {
			t.Errorf("%s: %+v, want a pass with its numbers", name, c)
		}
	}
	if !strings.Contains(s.SystemOut, cmp.VerdictLine()) {
		t.Errorf("system-out %q lacks the verdict", s.SystemOut)
	}
}

func TestWriteJUnitInconclusive(t *testing.T) {
	cmp := compareText(t, "BenchmarkA 1 1000 ns/op\nBenchmarkA 1 1010 ns/op\n", "BenchmarkA 1 1300 ns/op\nBenchmarkA 1 1310 ns/op\n", stats.Options{WithinRunOnly: true})
	var buf bytes.Buffer
	if err := JUnit(&buf, cmp); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if c := doc.Suites[0].Cases[0]; c.Skipped == nil || !strings.Contains(c.Skipped.Message, "too few samples") {
		t.Errorf("inconclusive case: %+v", c)
	}
}
