package stats

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// gateOf compares two Go benchmark texts (or results files) and gates.
func gateOf(t *testing.T, base, cur string, opt Options) (*Comparison, Outcome, string) {
	t.Helper()
	cmp := compareText(t, base, cur, opt)
	o, msg := cmp.Gate(false)
	return cmp, o, msg
}

// TestGateNeverPassesSilently: each way the gate used to exit 0 without
// having checked anything (issue 15's list) is now a non-zero outcome
// with a message that says why.
func TestGateNeverPassesSilently(t *testing.T) {
	ten := func(name, suffix string, center float64) string {
		return benchLines(suffix, "ns/op", map[string][]float64{name: noisy(center, 10, 0)}, name)
	}
	tests := []struct {
		name      string
		base, cur string
		opt       Options
		want      Outcome
		wantMsg   string
	}{
		{"no common case", ten("A", "", 1000), ten("B", "", 1000), Options{}, NothingCompared, "nothing was compared"},
		{"unit mismatch", ten("A", "", 1000), benchLines("", "x/op", map[string][]float64{"A": noisy(1, 10, 0)}, "A"), Options{}, NothingCompared, "nothing was compared"},
		{"failed benchmark", ten("A", "", 1000), ten("A", "", 1000)[:0] + "--- FAIL: BenchmarkA\n    a_test.go:9: boom\n" + ten("B", "", 1000), Options{}, Fail, "1 case failed in the current run: A"},
		{"package FAIL line", ten("A", "", 1000), ten("A", "", 1000) + "FAIL\tpkg\t1.2s\n", Options{}, Fail, "printed FAIL"},
		{"five samples, 2x slower", benchLines("", "ns/op", map[string][]float64{"A": noisy(1000, 5, 0)}, "A"), benchLines("", "ns/op", map[string][]float64{"A": noisy(2000, 5, 3)}, "A"), Options{WithinRunOnly: true}, Undecided, "1 inconclusive"},
		{"one run per side, no controls", ten("A", "", 1000), ten("A", "", 1300), Options{}, Undecided, "1 inconclusive"},
		{"case missing in the current run", ten("A", "", 1000) + ten("B", "", 1000), ten("A", "", 1000), Options{}, Undecided, "1 missing in the current run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmp, o, msg := gateOf(t, tt.base, tt.cur, tt.opt)
			if o != tt.want || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("gate %d %q, want %d containing %q\nrows %+v", o, msg, tt.want, tt.wantMsg, cmp.Rows)
			}
			for _, r := range cmp.Rows {
				if r.Reason == "" {
					t.Errorf("row %s %s (%s) has no reason", r.Name, r.Unit, r.Verdict)
				}
			}
		})
	}
}

// TestGateEmptyResults: a results.json with "cases": [] compares nothing.
func TestGateEmptyResults(t *testing.T) {
	bf, _ := scenario()
	empty := resultsFile(2)
	cmp := mustCompare(t, mustParse(t, jsonBytes(t, bf), "b.json"), mustParse(t, jsonBytes(t, empty), "c.json"), Options{})
	if o, msg := cmp.Gate(true); o != NothingCompared || !strings.Contains(msg, "nothing was compared") {
		t.Errorf("gate %v %q", o, msg)
	}
}

// TestProcsSuffixMatches: Foo (GOMAXPROCS 1) and Foo-2 are the same case,
// named once, with a warning.
func TestProcsSuffixMatches(t *testing.T) {
	base := benchLines("", "ns/op", map[string][]float64{"Foo": noisy(1000, 10, 0)}, "Foo")
	cur := benchLines("-2", "ns/op", map[string][]float64{"Foo": noisy(1000, 10, 0)}, "Foo")
	cmp := compareText(t, base, cur, Options{})
	if len(cmp.Rows) != 1 || cmp.Rows[0].Name != "Foo" || cmp.Rows[0].Verdict != NoChange {
		t.Fatalf("rows %+v, want Foo unchanged", cmp.Rows)
	}
	if !strings.Contains(strings.Join(cmp.Warnings, "\n"), "GOMAXPROCS differs: baseline 1, current 2") {
		t.Errorf("warnings %q", cmp.Warnings)
	}
}

// TestOneGatingMetric: B/s and sec/op of one case cannot disagree at the
// gate: only the gating metric decides, the others are shown.
func TestOneGatingMetric(t *testing.T) {
	base := benchLines("", "ns/op", map[string][]float64{"A": tight(1000, 10)}, "A")
	// Time within 1%, but a B/s metric that fell 20% (a unit only here
	// would be missing; give both sides B/s).
	b := strings.ReplaceAll(base, " ns/op", " ns/op 100 MB/s")
	c := strings.ReplaceAll(base, " ns/op", " ns/op 80 MB/s")
	cmp := compareText(t, b, c, Options{WithinRunOnly: true})
	if r := row(t, cmp, "A", input.UnitBps); r.Verdict != Regression || r.Gated {
		t.Errorf("B/s row %+v, want an ungated regression", r)
	}
	if o, msg := cmp.Gate(false); o != Pass {
		t.Errorf("gate %v %q: a regression in an ungated unit must not fail the build", o, msg)
	}
	cmp = compareText(t, b, c, Options{WithinRunOnly: true, Metric: input.UnitBps})
	if o, _ := cmp.Gate(false); o != Fail {
		t.Errorf("gating on B/s: %v, want Fail", o)
	}
}

// runs writes n runs of a case as separate texts, each run's samples
// shifted by its own machine state (shift[i]) and by change.
func runs(shift []float64, change float64) []*input.Input {
	var out []*input.Input
	for i, s := range shift {
		text := benchLines("", "ns/op", map[string][]float64{"A": noisy(1000*(1+s)*(1+change), 10, i)}, "A")
		in, err := input.ParseInput([]byte(text), fmt.Sprintf("run%d.txt", i))
		if err != nil {
			panic(err)
		}
		out = append(out, in)
	}
	return out
}

func merged(t *testing.T, ins []*input.Input) *input.Input {
	t.Helper()
	m, err := input.MergeInputs(ins...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRunsAreTheUnit: runs that differ by their machine state (±6%) but
// not in code: the samples alone call that a change; the run-level
// bootstrap does not. A 30% slowdown still is one.
func TestRunsAreTheUnit(t *testing.T) {
	baseShift := []float64{0, 0.06, -0.03, 0.04, -0.05}
	curShift := []float64{0.05, -0.04, 0.06, -0.02, 0.03}
	base, cur := merged(t, runs(baseShift, 0)), merged(t, runs(curShift, 0))
	if base.Runs != 5 || len(base.Cases["A"].RunsOf(input.UnitSecPerOp)) != 5 {
		t.Fatalf("runs %d", base.Runs)
	}
	cmp := mustCompare(t, base, cur, Options{})
	r := row(t, cmp, "A", input.UnitSecPerOp)
	if cmp.Model != ModelRuns || r.Model != ModelRuns || r.Verdict == Regression || r.Verdict == Improvement {
		t.Errorf("A/A over runs: model %q, %+v", cmp.Model, r)
	}
	slow := merged(t, runs(curShift, 0.30))
	r = row(t, mustCompare(t, base, slow, Options{}), "A", input.UnitSecPerOp)
	if r.Verdict != Regression {
		t.Errorf("+30%% over runs: %+v", r)
	}
	// A history of five runs against one current run borrows their
	// between-run spread.
	one := runs([]float64{0.30}, 0)[0]
	r = row(t, mustCompare(t, base, one, Options{}), "A", input.UnitSecPerOp)
	if r.Verdict != Regression || r.RatioLo > 1.25 {
		t.Errorf("one run +30%% against five: %+v", r)
	}
	one = runs([]float64{0.02}, 0)[0]
	r = row(t, mustCompare(t, base, one, Options{}), "A", input.UnitSecPerOp)
	if r.Verdict == Regression || r.Verdict == Improvement {
		t.Errorf("one run +2%% against five: %+v", r)
	}
	// Runs about 5% apart cannot tell +8% from noise; the reason says
	// what they could tell.
	one = runs([]float64{0.08}, 0)[0]
	r = row(t, mustCompare(t, base, one, Options{}), "A", input.UnitSecPerOp)
	if r.Verdict != Inconclusive || !strings.Contains(r.Reason, "this case's runs differ by") || !strings.Contains(r.Reason, "use --against") || r.RunSpread < 0.03 {
		t.Errorf("one run +8%% against five runs ±5%%: %+v", r)
	}
}

// withControls is a results file of n cases (C0 at change times center,
// the others at center) and, before each, a control measurement around
// ctl ns.
func withControls(center, change, ctl float64, n int) *results.File {
	var cases []results.Case
	for i := range n {
		x := center
		if i == 0 {
			x *= change
		}
		c := okCase(fmt.Sprintf("C%d", i), noisy(x*(1+0.003*float64(i%5-2)), 10, i))
		c.ControlsNs = map[string]float64{"compute": ctl * (1 + 0.002*float64(i%3-1))}
		cases = append(cases, c)
	}
	return resultsFile(2, cases...)
}

// TestOneRunBounded: one run a side is decided when the controls and the
// other cases say the machine held still, and is inconclusive when they
// say it moved as far as the change.
func TestOneRunBounded(t *testing.T) {
	parse := func(f *results.File, name string) *input.Input { return mustParse(t, jsonBytes(t, f), name) }
	base := parse(withControls(1e6, 1, 5e5, 12), "b.json")
	still := parse(withControls(1e6, 1.3, 5e5, 12), "c.json")
	cmp := mustCompare(t, base, still, Options{})
	if cmp.Model != ModelBounded || len(cmp.Controls) != 1 || cmp.Controls[0].Name != "compute" {
		t.Fatalf("model %q controls %+v", cmp.Model, cmp.Controls)
	}
	if r := row(t, cmp, "C0", input.UnitSecPerOp); r.Verdict != Regression || !strings.Contains(r.Reason, "machine may have moved") {
		t.Errorf("+30%%, machine still: %+v", r)
	}
	if r := row(t, cmp, "C5", input.UnitSecPerOp); r.Verdict != NoChange {
		t.Errorf("unchanged case, machine still: %+v", r)
	}
	// The controls say the machine is 10% slower: a +8% change can no
	// longer be told from the machine.
	moved := parse(withControls(1e6, 1.08, 5.5e5, 12), "m.json")
	cmp = mustCompare(t, base, moved, Options{})
	if r := row(t, cmp, "C0", input.UnitSecPerOp); r.Verdict != Inconclusive {
		t.Errorf("+8%%, controls +10%%: %+v", r)
	}
	if s := cmp.Controls[0]; s.Ratio < 1.09 || s.Ratio > 1.11 {
		t.Errorf("control shift %+v", s)
	}
	// Every case 30% slower, controls still: the code or a shift the
	// controls do not see (two runs of unchanged code on a loaded runner
	// differed by +28% in every case while the compute control moved
	// +4.5%): inconclusive, not a regression.
	var all []results.Case
	for _, c := range withControls(1e6*1.3, 1, 5e5, 12).Cases {
		all = append(all, c)
	}
	cmp = mustCompare(t, base, parse(resultsFile(2, all...), "all.json"), Options{})
	if o, msg := cmp.Gate(false); o != Undecided {
		t.Errorf("all +30%%: %v %q, want Undecided", o, msg)
	}
	// Too few cases and no controls: nothing bounds the shift.
	few := resultsFile(2, okCase("A", noisy(1e6, 10, 0)))
	cmp = mustCompare(t, parse(few, "f1.json"), parse(resultsFile(2, okCase("A", noisy(1.3e6, 10, 0))), "f2.json"), Options{})
	if r := cmp.Rows[0]; r.Verdict != Inconclusive || r.Model != ModelOneRun {
		t.Errorf("one case, no controls: %+v", r)
	}
	// Too few cases for their spread: the controls alone. A +30% change
	// is called while they held still (their reach within half the
	// threshold); once they moved 10%, nothing is called.
	fewBase := parse(withControls(1e6, 1, 5e5, 6), "fb.json")
	cmp = mustCompare(t, fewBase, parse(withControls(1e6, 1.3, 5e5, 6), "fs.json"), Options{})
	if r := row(t, cmp, "C0", input.UnitSecPerOp); cmp.Model != ModelBounded || cmp.CasesBound || r.Verdict != Regression {
		t.Errorf("6 cases, +30%%, controls still: model %q, %+v", cmp.Model, r)
	}
	cmp = mustCompare(t, fewBase, parse(withControls(1e6, 1.3, 5.5e5, 6), "fm.json"), Options{})
	if r := row(t, cmp, "C0", input.UnitSecPerOp); r.Verdict != Inconclusive || !strings.Contains(r.Reason, "control compute") || !strings.Contains(r.Reason, "half the threshold") {
		t.Errorf("6 cases, +30%%, controls +10%%: %+v", r)
	}
	// Read from Go benchmark text, the controls are the same.
	txt := mustParse(t, textBytes(t, withControls(1e6, 1.3, 5e5, 8)), "c.txt")
	if got := len(txt.Controls["compute"]); got != 8 {
		t.Errorf("text: %d control measurements, want 8 (one per case)", got)
	}
}
