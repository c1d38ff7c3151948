package stats

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/bench/results"
)

func TestCompareFormats(t *testing.T) {
	for _, formats := range [][2]string{{"json", "json"}, {"text", "json"}, {"json", "text"}, {"text", "text"}} {
		t.Run(formats[0]+"-vs-"+formats[1], func(t *testing.T) {
			bf, cf := scenario()
			b := mustParse(t, encode(t, bf, formats[0]), "base."+formats[0])
			c := mustParse(t, encode(t, cf, formats[1]), "cur."+formats[1])
			cmp := mustCompare(t, b, c, Options{WithinRunOnly: true})

			if cmp.Threshold != DefaultThreshold || cmp.Alpha != DefaultAlpha || cmp.Confidence != DefaultConfidence {
				t.Errorf("defaults not applied: %+v", cmp)
			}
			want := []struct {
				name string
				v    Verdict
			}{
				{"Slow", Regression}, {"Same", NoChange}, {"Small", NoChange},
				{"Fast", Improvement}, {"Gone", MissingCurrent}, {"New", MissingBaseline},
			}
			var order []string
			for _, r := range cmp.Rows {
				if len(order) == 0 || order[len(order)-1] != r.Name {
					order = append(order, r.Name)
				}
			}
			if wantOrder := []string{"Slow", "Same", "Small", "Fast", "Gone", "New"}; !reflect.DeepEqual(order, wantOrder) {
				t.Errorf("row order %q, want %q", order, wantOrder)
			}
			for _, w := range want {
				// Time and the throughputs derived from it agree.
				for _, unit := range []string{input.UnitSecPerOp, input.UnitBps, input.UnitGMACps} {
					r := row(t, cmp, w.name, unit)
					if r.Verdict != w.v {
						t.Errorf("%s %s: verdict %q, want %q (ratio %.3f [%.3f, %.3f] p=%.4f note %q)",
							w.name, unit, r.Verdict, w.v, r.Ratio, r.RatioLo, r.RatioHi, r.P, r.Note)
					}
				}
			}
			slow := row(t, cmp, "Slow", input.UnitSecPerOp)
			if !closeTo(slow.Ratio, 1.3, 0.03) || slow.RatioLo <= 1.05 || slow.P >= 0.05 || slow.Baseline.N != 10 {
				t.Errorf("Slow: %+v", slow)
			}
			if gm := row(t, cmp, "Slow", input.UnitGMACps); !gm.HigherIsBetter || gm.Ratio >= 1 {
				t.Errorf("Slow GMAC/s: %+v, want higher-is-better with ratio < 1", gm)
			}
			if same := row(t, cmp, "Same", input.UnitSecPerOp); same.Ratio != 1 || same.P != 1 || same.Note != "" {
				t.Errorf("Same: %+v", same)
			}
			if gone := row(t, cmp, "Gone", input.UnitSecPerOp); gone.Baseline == nil || gone.Current != nil || gone.Ratio != 0 {
				t.Errorf("Gone: %+v", gone)
			}
			// The geomean covers the four cases timed on both sides.
			prod := 1.0
			for _, n := range []string{"Slow", "Same", "Small", "Fast"} {
				prod *= row(t, cmp, n, input.UnitSecPerOp).Ratio
			}
			if want := math.Pow(prod, 0.25); !closeTo(cmp.GeomeanRatio, want, 1e-12) {
				t.Errorf("GeomeanRatio = %v, want %v", cmp.GeomeanRatio, want)
			}
			if got := cmp.Counts(); got != (Counts{Cases: 6, Regressions: 1, Missing: 1, New: 1, Improvements: 1, Unchanged: 2}) {
				t.Errorf("Counts = %+v", got)
			}
			if !cmp.HasRegression() || cmp.Regressions() != 1 || cmp.Count(Regression) != 3 {
				t.Errorf("HasRegression %v Regressions %d Count %d", cmp.HasRegression(), cmp.Regressions(), cmp.Count(Regression))
			}
		})
	}
}

func TestCompareIdentical(t *testing.T) {
	bf, _ := scenario()
	for _, format := range []string{"json", "text"} {
		data := encode(t, bf, format)
		cmp := mustCompare(t, mustParse(t, data, "a"), mustParse(t, data, "b"), Options{})
		if cmp.HasRegression() || cmp.Regressions() != 0 {
			t.Errorf("%s: identical inputs regressed", format)
		}
		for _, r := range cmp.Rows {
			if r.Verdict != NoChange || r.Ratio != 1 {
				t.Errorf("%s: %s %s: %q ratio %v", format, r.Name, r.Unit, r.Verdict, r.Ratio)
			}
		}
		if cmp.GeomeanRatio != 1 || len(cmp.Rows) != 15 {
			t.Errorf("%s: geomean %v, %d rows", format, cmp.GeomeanRatio, len(cmp.Rows))
		}
	}
}

// text compares two Go benchmark texts.
func compareText(t *testing.T, base, cur string, opt Options) *Comparison {
	t.Helper()
	return mustCompare(t, mustParse(t, []byte(base), "base.txt"), mustParse(t, []byte(cur), "cur.txt"), opt)
}

func TestCompareVerdictRules(t *testing.T) {
	const score = "Unit score better=higher\n"
	tests := []struct {
		name      string
		base, cur string
		opt       Options
		unit      string
		want      Verdict
		wantNote  string // substring of the reason and the note
	}{
		{
			name: "higher-is-better unit going down is a regression",
			base: score + benchLines("", "score", map[string][]float64{"A": noisy(100, 10, 0)}, "A"),
			cur:  score + benchLines("", "score", map[string][]float64{"A": noisy(70, 10, 4)}, "A"),
			unit: "score", want: Regression,
		},
		{
			name: "higher-is-better unit going up is an improvement",
			base: score + benchLines("", "score", map[string][]float64{"A": noisy(100, 10, 0)}, "A"),
			cur:  score + benchLines("", "score", map[string][]float64{"A": noisy(130, 10, 4)}, "A"),
			unit: "score", want: Improvement,
		},
		{
			name: "rate unit without metadata is higher-is-better",
			base: benchLines("", "widgets/s", map[string][]float64{"A": noisy(100, 10, 0)}, "A"),
			cur:  benchLines("", "widgets/s", map[string][]float64{"A": noisy(70, 10, 4)}, "A"),
			unit: "widgets/s", want: Regression,
		},
		{
			name: "8% slowdown regresses at a 5% threshold",
			base: benchLines("", "ns/op", map[string][]float64{"A": tight(1000, 10)}, "A"),
			cur:  benchLines("", "ns/op", map[string][]float64{"A": tight(1080, 10)}, "A"),
			unit: input.UnitSecPerOp, want: Regression,
		},
		{
			name: "8% slowdown is within a 10% threshold",
			base: benchLines("", "ns/op", map[string][]float64{"A": tight(1000, 10)}, "A"),
			cur:  benchLines("", "ns/op", map[string][]float64{"A": tight(1080, 10)}, "A"),
			opt:  Options{Threshold: 0.10},
			unit: input.UnitSecPerOp, want: NoChange, wantNote: "lies within ±10%",
		},
		{
			// The U test does see the shift; the interval keeps it under 5%.
			name: "2% change with noise is no change",
			base: benchLines("", "ns/op", map[string][]float64{"A": noisy(1000, 10, 0)}, "A"),
			cur:  benchLines("", "ns/op", map[string][]float64{"A": noisy(1020, 10, 6)}, "A"),
			unit: input.UnitSecPerOp, want: NoChange, wantNote: "lies within ±5%",
		},
		{
			name: "30% slowdown with 3 samples is inconclusive, not a pass",
			base: benchLines("", "ns/op", map[string][]float64{"A": noisy(1000, 3, 0)}, "A"),
			cur:  benchLines("", "ns/op", map[string][]float64{"A": noisy(1300, 3, 0)}, "A"),
			unit: input.UnitSecPerOp, want: Inconclusive, wantNote: "too few samples",
		},
		{
			// 5 samples reach p < 0.05 but not a 95% interval of the median.
			name: "30% slowdown with 5 samples is inconclusive",
			base: benchLines("", "ns/op", map[string][]float64{"A": noisy(1000, 5, 0)}, "A"),
			cur:  benchLines("", "ns/op", map[string][]float64{"A": noisy(1300, 5, 0)}, "A"),
			unit: input.UnitSecPerOp, want: Inconclusive, wantNote: "need >= 6 samples for confidence interval",
		},
		{
			name: "a short current run is inconclusive, naming its side",
			base: benchLines("", "ns/op", map[string][]float64{"A": noisy(1000, 10, 0)}, "A"),
			cur:  benchLines("", "ns/op", map[string][]float64{"A": noisy(1300, 3, 0)}, "A"),
			unit: input.UnitSecPerOp, want: Inconclusive, wantNote: "too few samples for significance: current: need >= 6 samples",
		},
		{
			name: "a stricter alpha needs more evidence",
			base: benchLines("", "ns/op", map[string][]float64{"A": noisy(1000, 6, 0)}, "A"),
			cur:  benchLines("", "ns/op", map[string][]float64{"A": noisy(1300, 6, 0)}, "A"),
			opt:  Options{Alpha: 0.001},
			unit: input.UnitSecPerOp, want: Inconclusive, wantNote: "need >= 7 samples to detect a difference",
		},
		{
			name: "allocs/op from 0 to 1 is a regression",
			base: benchLines("", "ns/op 0 allocs/op", map[string][]float64{"A": tight(1000, 10)}, "A"),
			cur:  benchLines("", "ns/op 1 allocs/op", map[string][]float64{"A": tight(1000, 10)}, "A"),
			unit: "allocs/op", want: Regression,
		},
		{
			name: "allocs/op staying 0 is no change",
			base: benchLines("", "ns/op 0 allocs/op", map[string][]float64{"A": tight(1000, 10)}, "A"),
			cur:  benchLines("", "ns/op 0 allocs/op", map[string][]float64{"A": tight(1000, 10)}, "A"),
			unit: "allocs/op", want: NoChange,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The rule itself, on samples taken as independent draws.
			opt := tt.opt
			opt.WithinRunOnly = true
			opt.Metric = tt.unit // the unit under test gates
			cmp := compareText(t, tt.base, tt.cur, opt)
			r := row(t, cmp, "A", tt.unit)
			if r.Verdict != tt.want {
				t.Errorf("verdict %q, want %q (ratio %.3f [%.3f, %.3f] p=%.4f reason %q note %q)", r.Verdict, tt.want, r.Ratio, r.RatioLo, r.RatioHi, r.P, r.Reason, r.Note)
			}
			if !strings.Contains(r.Reason+"; "+r.Note, tt.wantNote) || r.Reason == "" {
				t.Errorf("reason %q note %q, want %q", r.Reason, r.Note, tt.wantNote)
			}
			if got := cmp.HasRegression(); got != (tt.want == Regression) {
				t.Errorf("HasRegression = %v", got)
			}
		})
	}
}

// tight returns n samples within ±0.1% of center.
func tight(center float64, n int) []float64 {
	s := noisy(center, n, 0)
	for i := range s {
		s[i] = center + (s[i]-center)/20
	}
	return s
}

func TestCompareMixedUnits(t *testing.T) {
	// The same case timed in ms/op (which benchfmt does not tidy) against
	// ns/op: nothing comparable, so both rows are missing, with a note.
	base := benchLines("", "ms/op", map[string][]float64{"A": noisy(1, 10, 0)}, "A")
	cur := benchLines("", "ns/op", map[string][]float64{"A": noisy(1e6, 10, 0)}, "A")
	cmp := compareText(t, base, cur, Options{})
	if len(cmp.Rows) != 2 {
		t.Fatalf("%d rows, want 2: %+v", len(cmp.Rows), cmp.Rows)
	}
	ms, sec := row(t, cmp, "A", "ms/op"), row(t, cmp, "A", input.UnitSecPerOp)
	if ms.Verdict != Inconclusive || ms.Gated || !strings.Contains(ms.Reason, "unit mismatch: baseline has ms/op, current has sec/op") {
		t.Errorf("ms/op row: %q %q", ms.Verdict, ms.Reason)
	}
	if sec.Verdict != Inconclusive || !sec.Gated || !strings.Contains(sec.Reason, "--metric") {
		t.Errorf("sec/op row: %q %q", sec.Verdict, sec.Reason)
	}
	if n := cmp.Counts(); n.Inconclusive != 1 || n.Unchanged != 0 {
		t.Errorf("Counts = %+v: a unit mismatch must not count as unchanged", n)
	}
	if o, msg := cmp.Gate(false); o != NothingCompared {
		t.Errorf("gate %v %q, want NothingCompared", o, msg)
	}
}

func TestCompareNotMeasured(t *testing.T) {
	bf := resultsFile(2, okCase("A", noisy(1e6, 10, 0)), results.Case{Name: "B", Status: results.StatusNotImplemented})
	cf := resultsFile(2, results.Case{Name: "A", Status: results.StatusError, Error: "kernel panicked"}, results.Case{Name: "B", Status: results.StatusNotImplemented})
	cmp := mustCompare(t, mustParse(t, jsonBytes(t, bf), "b.json"), mustParse(t, jsonBytes(t, cf), "c.json"), Options{})
	// B was measured on neither side: no row. A failed: one gated row.
	if len(cmp.Rows) != 1 {
		t.Fatalf("%d rows, want 1 (A failed)", len(cmp.Rows))
	}
	if r := cmp.Rows[0]; r.Name != "A" || r.Verdict != Failed || !r.Gated || r.Reason != "failed in the current run: error: kernel panicked" {
		t.Errorf("row %s %s: %q %q", r.Name, r.Unit, r.Verdict, r.Reason)
	}
	if o, msg := cmp.Gate(true); o != Fail || !strings.Contains(msg, "1 case failed in the current run: A") {
		t.Errorf("gate %v %q, want Fail naming A", o, msg)
	}
	if !slices.ContainsFunc(cmp.Warnings, func(w string) bool { return strings.HasPrefix(w, "nothing was compared") }) {
		t.Errorf("warnings %q: want one saying nothing was compared", cmp.Warnings)
	}
}

func TestCompareWarnings(t *testing.T) {
	bf, cf := scenario()
	bf.Machine.GOMAXPROCS = 8
	cf.Machine.CPUModel = "Other CPU"
	cmp := mustCompare(t, mustParse(t, jsonBytes(t, bf), "b.json"), mustParse(t, textBytes(t, cf), "c.txt"), Options{WithinRunOnly: true})
	joined := strings.Join(cmp.Warnings, "\n")
	for _, want := range []string{"GOMAXPROCS differs: baseline 8, current 2", `MACHINE MISMATCH: the baseline and the current run were measured on different machines (CPU "Test CPU" vs "Other CPU"; GOMAXPROCS 8 vs 2)`} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings %q lack %q", cmp.Warnings, want)
		}
	}
	// The -8/-2 suffixes did not stop the names from matching.
	if row(t, cmp, "Slow", input.UnitSecPerOp).Verdict != Regression {
		t.Error("Slow did not match across GOMAXPROCS")
	}
}

func TestCompareOptions(t *testing.T) {
	in := mustParse(t, []byte("BenchmarkA 1 1 ns/op\n"), "a.txt")
	bad := []Options{
		{Threshold: -0.05}, {Threshold: math.NaN()}, {Threshold: math.Inf(1)},
		{Alpha: 1}, {Alpha: -0.1}, {Alpha: math.NaN()},
		{Confidence: 1.5}, {Confidence: -1},
	}
	for _, opt := range bad {
		if _, err := Compare(in, in, opt); err == nil {
			t.Errorf("Compare with %+v succeeded, want an error", opt)
		}
	}
	if _, err := Compare(nil, in, Options{}); err == nil {
		t.Error("Compare(nil, ...) succeeded")
	}
	cmp := mustCompare(t, in, in, Options{Threshold: 0.1, Alpha: 0.01, Confidence: 0.99})
	if cmp.Threshold != 0.1 || cmp.Alpha != 0.01 || cmp.Confidence != 0.99 {
		t.Errorf("options not kept: %+v", cmp)
	}
	// A file compared with itself holds the same samples: no change.
	if r := cmp.Rows[0]; r.Verdict != NoChange || r.Model != ModelSame {
		t.Errorf("same file: %+v", r)
	}
	// One sample a side can never show a difference: inconclusive.
	other := mustParse(t, []byte("BenchmarkA 1 2 ns/op\n"), "b.txt")
	if r := mustCompare(t, in, other, Options{WithinRunOnly: true}).Rows[0]; r.Verdict != Inconclusive || !strings.Contains(r.Reason, "too few samples") {
		t.Errorf("1 sample: %+v", r)
	}
}
