package validate

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/validate/corpus"
)

func TestWilson(t *testing.T) {
	// Reference values: Wilson score interval, z = 1.96.
	for _, c := range []struct {
		k, n   int
		lo, hi float64
	}{
		{0, 10, 0, 0.2775},
		{5, 10, 0.2366, 0.7634},
		{1, 100, 0.0018, 0.0545},
		{100, 100, 0.9630, 1},
	} {
		p, lo, hi := Wilson(c.k, c.n)
		if math.Abs(lo-c.lo) > 5e-4 || math.Abs(hi-c.hi) > 5e-4 || p != float64(c.k)/float64(c.n) {
			t.Errorf("Wilson(%d, %d) = %.4f [%.4f, %.4f], want [%.4f, %.4f]", c.k, c.n, p, lo, hi, c.lo, c.hi)
		}
	}
	if p, lo, hi := Wilson(0, 0); p != 0 || lo != 0 || hi != 1 {
		t.Errorf("Wilson(0, 0) = %v %v %v", p, lo, hi)
	}
}

func TestCalibrateRuns(t *testing.T) {
	names := []string{"Steady", "Shifty", "Once"}
	units := map[string][]string{"Steady": {"sec/op"}, "Shifty": {"sec/op"}, "Once": {"sec/op"}}
	var runs []map[string]map[string][]float64
	for r, shift := range []float64{1, 1.10, 0.95, 1.05} {
		run := map[string]map[string][]float64{"Steady": {}, "Shifty": {}}
		for i := 0; i < 10; i++ {
			// Within a run both cases vary by 0.1%; between runs Shifty
			// moves by up to 15%.
			w := 1 + 0.001*float64(i%3)
			run["Steady"]["sec/op"] = append(run["Steady"]["sec/op"], w)
			run["Shifty"]["sec/op"] = append(run["Shifty"]["sec/op"], w*shift)
		}
		if r == 0 {
			run["Once"] = map[string][]float64{"sec/op": {1, 1, 1}}
		}
		runs = append(runs, run)
	}
	cal := CalibrateRuns(names, units, runs)
	steady, shifty, once := cal.Rows[0], cal.Rows[1], cal.Rows[2]
	if steady.Recommended != 0.01 || steady.Runs != 4 || steady.Samples != 10 {
		t.Errorf("Steady %+v: want 1%% from 4 runs of 10", steady)
	}
	// sd of log(1, 1.10, 0.95, 1.05) is 0.0631: 2.326·√2·0.0631 = 0.2076,
	// e^0.2076-1 = 23.07% -> 23.5% (rounded up to a half percent).
	if shifty.Recommended != 0.235 || math.Abs(shifty.BetweenRun-0.0631) > 5e-4 || shifty.WithinRun > 0.002 {
		t.Errorf("Shifty %+v: want between-run 6.28%%, recommended 23%%, within-run near 0", shifty)
	}
	if shifty.RecommendedHistory >= shifty.Recommended || math.Abs(shifty.MaxAA-0.1579) > 1e-3 {
		t.Errorf("Shifty %+v: history should need less; largest A/A 1.10/0.95", shifty)
	}
	if once.Recommended != 0 || !strings.Contains(once.Note, "need >= 3 separate runs") {
		t.Errorf("Once %+v: want no recommendation from one run", once)
	}
	order, th, missing := cal.Recommendations(false)
	if strings.Join(order, ",") != "Steady,Shifty" || th["Shifty"] != 0.235 || len(missing) != 1 || !strings.HasPrefix(missing[0], "Once (") {
		t.Errorf("Recommendations = %v %v %v", order, th, missing)
	}
}

// TestEvaluatePool forms comparisons from a pool laid out as Collect lays
// it out and checks how they are paired, with a judge that records them.
func TestEvaluatePool(t *testing.T) {
	dir := t.TempDir()
	c := &corpus.Corpus{Cases: []corpus.Case{{Package: "p", Bench: "BenchmarkX"}},
		Variants: []corpus.Variant{{Name: "A"}, {Name: "+10%", Slowdown: 0.1}}}
	write := func(kind, label string, round int) {
		d := filepath.Join(dir, kind, label)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("%05d-p.txt", round)), []byte("BenchmarkX 1 1 ns/op\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for r := 0; r < 13; r++ {
		write("file", "A", r)
		write("file", "A2", r)
		write("file", "p10pct", r)
	}
	for r := 0; r < 9; r++ {
		write("interleaved", "A", r)
		write("interleaved", "A2", r)
		write("interleaved", "p10pct", r)
	}
	var calls []string
	judge := func(base, cur []string, paired bool) (map[string]string, error) {
		short := func(ps []string) string {
			var s []string
			for _, p := range ps {
				s = append(s, filepath.Base(filepath.Dir(p))+"/"+filepath.Base(p)[:5])
			}
			return strings.Join(s, "+")
		}
		calls = append(calls, fmt.Sprintf("%v %s vs %s", paired, short(base), short(cur)))
		if strings.Contains(cur[0], "p10pct") {
			return map[string]string{"X": VerdictRegression}, nil
		}
		return map[string]string{}, nil // not judged: counted inconclusive
	}
	cells, err := EvaluatePool(c, dir, judge, PoolOptions{Window: 4})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*Cell{}
	for _, cell := range cells {
		got[cell.Mode+" "+cell.Arm] = cell
	}
	// One run a side: round r's A against round r+1's run: 12 pairs.
	// History: A of rounds 0-4 against round 5, then 6-10 against 11.
	// --against: windows of 4 rounds, 9 rounds -> 2 windows.
	for key, want := range map[string][2]int{
		ModeFileOne + " A/A":      {12, 0},
		ModeFileOne + " +10%":     {12, 12},
		ModeFileHistory + " A/A":  {2, 0},
		ModeFileHistory + " +10%": {2, 2},
		ModeAgainst + " A/A":      {2, 0},
		ModeAgainst + " +10%":     {2, 2},
	} {
		cell := got[key]
		if cell == nil || cell.N != want[0] || cell.Regressions != want[1] {
			t.Errorf("%s: %+v, want n %d, %d regressions", key, cell, want[0], want[1])
		}
	}
	if c := got[ModeFileOne+" A/A"]; c.Inconclusive != 12 {
		t.Errorf("unjudged comparisons: %d inconclusive, want 12", c.Inconclusive)
	}
	for _, want := range []string{
		"false A/00000 vs A2/00001",
		"false A/00000+A/00001+A/00002+A/00003+A/00004 vs A2/00005",
		"true A/00000+A/00001+A/00002+A/00003 vs A2/00000+A2/00001+A2/00002+A2/00003",
		"false A/00011 vs p10pct/00012",
	} {
		found := false
		for _, call := range calls {
			found = found || strings.HasPrefix(call, want)
		}
		if !found {
			t.Errorf("no comparison %q among:\n%s", want, strings.Join(calls, "\n"))
		}
	}
	// Sequential --against runs that stop early: each next one starts
	// where the last stopped. With a window of 4 that uses 3 rounds: runs
	// start at rounds 0 and 3; a third would need rounds 6-9 of 0-8.
	var starts []string
	stopper := func(base, cur []string) (map[string]string, int, error) {
		starts = append(starts, filepath.Base(base[0])[:5])
		return map[string]string{"X": VerdictNoChange}, 3, nil
	}
	cells, err = EvaluatePool(c, dir, judge, PoolOptions{Window: 4, Against: stopper})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(starts, ","); got != "00000,00003,00000,00003" {
		t.Errorf("sequences (A/A, then +10%%) start at rounds %s, want 00000,00003 per arm", got)
	}
	// A history of 3 runs: rounds 0-2 against 3, 4-6 against 7, 8-10
	// against 11; the mode says its length and keeps the history targets.
	cells, err = EvaluatePool(c, dir, judge, PoolOptions{Window: 4, History: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, cell := range cells {
		if cell.Mode == "file mode, baseline history of 3 runs" && cell.Arm == "+10%" {
			if cell.N != 3 || cell.Regressions != 3 || Target(cell.Mode, cell.Slowdown) != ">= 90%" {
				t.Errorf("history of 3: %+v, target %q", cell, Target(cell.Mode, cell.Slowdown))
			}
			return
		}
	}
	t.Errorf("no history-of-3 cell among %d", len(cells))
}

func TestMet(t *testing.T) {
	for _, c := range []struct {
		mode     string
		slowdown float64
		k, n     int
		want     string
	}{
		{ModeAgainst, 0, 0, 400, "met"}, // upper bound 0.95%
		{ModeAgainst, 0, 0, 100, "not shown (interval straddles)"},
		{ModeAgainst, 0, 5, 100, "MISSED"},
		{ModeAgainst, 0.10, 100, 100, "met"}, // lower bound 96.3%
		{ModeAgainst, 0.10, 90, 100, "MISSED"},
		{ModeFileOne, 0.10, 3, 100, ""}, // report only
	} {
		cell := &Cell{Mode: c.mode, Slowdown: c.slowdown, N: c.n, Regressions: c.k}
		if got := Met(cell); got != c.want {
			t.Errorf("Met(%s %v %d/%d) = %q, want %q", c.mode, c.slowdown, c.k, c.n, got, c.want)
		}
	}
}
