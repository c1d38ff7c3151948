package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
)

// adjustedRuns simulates runs whose machine state moves a case and a
// control alike: state ~ N(0, stateSD) in log units, the case moved by
// slope·state, the control by the state itself, each with its own
// measurement noise. change is the current side's true log change.
func adjustedRuns(rng *rand.Rand, nBase, nCur int, change float64) (base, cur, bx, cx [][]float64) {
	const stateSD, slope, caseNoise, ctlNoise = 0.3, 0.8, 0.01, 0.01
	gen := func(n int, shift float64) (runs, xs [][]float64) {
		for range n {
			state := stateSD * rng.NormFloat64()
			var samples []float64
			for range 10 {
				samples = append(samples, 1e-6*math.Exp(shift+slope*state+caseNoise*rng.NormFloat64()))
			}
			runs = append(runs, samples)
			// An irrelevant second control: it moves on its own.
			xs = append(xs, []float64{1e-4 * math.Exp(state+ctlNoise*rng.NormFloat64()), 1e-4 * math.Exp(0.2*rng.NormFloat64())})
		}
		return runs, xs
	}
	base, bx = gen(nBase, 0)
	cur, cx = gen(nCur, change)
	return base, cur, bx, cx
}

// TestEstimateAdjustedCoverage: with a history of 8 runs and one current
// run whose machine states spread by 30%, the controls take the state out:
// the adjusted interval holds the true change at least 95% of the time and is
// several times narrower than the unadjusted one.
func TestEstimateAdjustedCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ri := RunsInterval{Confidence: 0.95}
	const trials = 2000
	const change = 0.1
	covered, adjWidth, rawWidth := 0, 0.0, 0.0
	for range trials {
		base, cur, bx, cx := adjustedRuns(rng, 8, 1, change)
		e, ok := ri.EstimateAdjusted(base, cur, bx, cx)
		if !ok {
			t.Fatal("EstimateAdjusted refused a well-posed fit")
		}
		if math.Log(e.Lo) <= change && change <= math.Log(e.Hi) {
			covered++
		}
		adjWidth += math.Log(e.Hi / e.Lo)
		raw, _ := ri.Estimate(base, cur)
		rawWidth += math.Log(raw.Hi / raw.Lo)
		if e.DF != 5 || len(e.Slopes) != 2 {
			t.Fatalf("df %d, slopes %v: want 9 runs - 2 - 2 controls and two slopes", e.DF, e.Slopes)
		}
	}
	rate := float64(covered) / trials
	t.Logf("coverage %.3f; mean width adjusted %.3f, unadjusted %.3f (log units)", rate, adjWidth/trials, rawWidth/trials)
	// The within-run floor holds up a residual variance that is tiny by
	// chance: a little conservative, by design.
	if rate < 0.93 || rate > 0.99 {
		t.Errorf("coverage %.3f, want 0.95 to 0.99", rate)
	}
	if adjWidth*3 > rawWidth {
		t.Errorf("adjusted intervals (mean %.3f) not much narrower than unadjusted (%.3f)", adjWidth/trials, rawWidth/trials)
	}
}

// TestEstimateAdjustedExact: without noise the fit recovers the change and
// the slope exactly.
func TestEstimateAdjustedExact(t *testing.T) {
	run := func(shift, state float64) ([]float64, []float64) {
		return []float64{math.Exp(shift + 0.5*state), math.Exp(shift + 0.5*state)}, []float64{math.Exp(state)}
	}
	var base, bx [][]float64
	for _, st := range []float64{-0.2, 0, 0.1, 0.3, 0.5, -0.4} {
		r, x := run(0, st)
		base, bx = append(base, r), append(bx, x)
	}
	r, x := run(0.07, 0.9)
	e, ok := RunsInterval{Confidence: 0.95}.EstimateAdjusted(base, [][]float64{r}, bx, [][]float64{x})
	if !ok || math.Abs(math.Log(e.Ratio)-0.07) > 1e-9 || math.Abs(e.Slopes[0]-0.5) > 1e-9 || math.Abs(e.Lo-e.Ratio) > 1e-9 {
		t.Errorf("got %+v, %v: want ratio e^0.07 with a zero-width interval and slope 0.5", e, ok)
	}
}

// TestEstimateAdjustedRefuses: too few runs, a missing control, constant
// controls.
func TestEstimateAdjustedRefuses(t *testing.T) {
	ri := RunsInterval{Confidence: 0.95}
	one := []float64{1, 1.1, 0.9}
	five := [][]float64{one, one, one, one, one}
	if _, ok := ri.EstimateAdjusted(five, [][]float64{one}, [][]float64{{1}, {2}, {3}, {4}, {5}}, [][]float64{{2}}); ok {
		t.Error("6 runs and 1 control leave 3 degrees of freedom: want refused")
	}
	six := append(five, one)
	if _, ok := ri.EstimateAdjusted(six, [][]float64{one}, [][]float64{{1}, {2}, {3}, {4}, {5}, {}}, [][]float64{{2}}); ok {
		t.Error("a run without its control: want refused")
	}
	if _, ok := ri.EstimateAdjusted(six, [][]float64{one}, [][]float64{{1}, {1}, {1}, {1}, {1}, {1}}, [][]float64{{1}}); ok {
		t.Error("constant controls: want refused (singular)")
	}
}

// runText is one run of Go benchmark text: case A at ns per op moved by
// the machine's state (log units, slope 0.8), each line carrying a memory
// control moved by the state itself.
func runText(rng *rand.Rand, ns, state float64) []byte {
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\ncpu: X\n")
	for range 10 {
		fmt.Fprintf(&b, "BenchmarkA-2 1000 %.1f ns/op %.0f ctl-memory-ns\n",
			ns*math.Exp(0.8*state+0.01*rng.NormFloat64()), 3e5*math.Exp(state+0.01*rng.NormFloat64()))
	}
	return []byte(b.String())
}

// TestCompareAdjustsRunsByControls: a history of seven runs whose machine
// states spread by 30% cannot bound a +12% change unadjusted; with the
// controls on the result lines the comparison adjusts for each run's state
// and calls it, and names the control. Without the control on the lines,
// the same runs stay inconclusive.
func TestCompareAdjustsRunsByControls(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	dir := t.TempDir()
	var base []string
	for i, st := range []float64{-0.3, 0.1, 0.4, -0.1, 0.25, 0, 0.2} {
		p := filepath.Join(dir, fmt.Sprintf("b%d.txt", i))
		if err := os.WriteFile(p, runText(rng, 1000, st), 0o644); err != nil {
			t.Fatal(err)
		}
		base = append(base, p)
	}
	cur := filepath.Join(dir, "cur.txt")
	if err := os.WriteFile(cur, runText(rng, 1120, 0.5), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := input.ReadInputs(base)
	if err != nil {
		t.Fatal(err)
	}
	k, err := input.ReadInputs([]string{cur})
	if err != nil {
		t.Fatal(err)
	}
	cmp := mustCompare(t, b, k, Options{})
	r := row(t, cmp, "A", input.UnitSecPerOp)
	if r.Model != ModelRunsAdjusted || r.Verdict != Regression || !strings.Contains(r.Note, "memory slope 0.") || !slices.Equal(cmp.AdjustedBy, []string{"memory"}) {
		t.Errorf("adjusted: model %q verdict %v ratio %.3f [%.3f, %.3f] note %q adjusted by %v", r.Model, r.Verdict, r.Ratio, r.RatioLo, r.RatioHi, r.Note, cmp.AdjustedBy)
	}
	if r.Ratio < 1.10 || r.Ratio > 1.14 {
		t.Errorf("adjusted ratio %.3f, want about 1.12", r.Ratio)
	}
	// Told to ignore the controls, and then without them: unadjusted.
	if r := row(t, mustCompare(t, b, k, Options{IgnoreControls: true}), "A", input.UnitSecPerOp); r.Model != ModelRuns || r.Verdict != Inconclusive {
		t.Errorf("IgnoreControls: model %q verdict %v", r.Model, r.Verdict)
	}
	strip := func(in *input.Input) {
		in.ControlSet = input.ControlSet{}
		for _, cd := range in.Cases {
			cd.ControlSet = input.ControlSet{}
		}
	}
	strip(b)
	strip(k)
	r = row(t, mustCompare(t, b, k, Options{}), "A", input.UnitSecPerOp)
	if r.Model != ModelRuns || r.Verdict != Inconclusive {
		t.Errorf("unadjusted: model %q verdict %v [%.3f, %.3f]", r.Model, r.Verdict, r.RatioLo, r.RatioHi)
	}
}
