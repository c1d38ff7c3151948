package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
)

// stateRun is one run of Go benchmark text: case A at ns per op, each line
// carrying a memory control around ctl ns.
func stateRun(rng *rand.Rand, ns, ctl float64) []byte {
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\ncpu: X\n")
	for range 10 {
		fmt.Fprintf(&b, "BenchmarkA-2 1000 %.1f ns/op %.0f ctl-memory-ns\n", ns*math.Exp(0.01*rng.NormFloat64()), ctl*math.Exp(0.01*rng.NormFloat64()))
	}
	return []byte(b.String())
}

// stateHistory writes five baseline runs of case A at about 1000 ns, their
// memory control at the given medians, and returns them read as one side
// and a judge of a current run of A at ns with its control at ctl.
func stateHistory(t *testing.T, rng *rand.Rand, ctls []float64) func(ns, ctl float64, opt Options) Row {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var base []string
	for i, ctl := range ctls {
		base = append(base, write(fmt.Sprintf("b%d.txt", i), stateRun(rng, 1000*(1+0.01*float64(i%3-1)), ctl)))
	}
	b, err := input.ReadInputs(base)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	return func(ns, ctl float64, opt Options) Row {
		n++
		k, err := input.ReadInput(write(fmt.Sprintf("c%d.txt", n), stateRun(rng, ns, ctl)))
		if err != nil {
			t.Fatal(err)
		}
		return row(t, mustCompare(t, b, k, opt), "A", input.UnitSecPerOp)
	}
}

// TestRunsStateOutsideHistory: a history of five runs whose controls agree
// within a few percent decides a +30% change while the current run's
// control is among theirs, and calls it inconclusive, naming the control,
// when the current run's machine state lies far outside (the runs'
// interval is built from the baseline's spread and holds only for states
// it saw). --ignore-controls decides it again.
func TestRunsStateOutsideHistory(t *testing.T) {
	history := stateHistory(t, rand.New(rand.NewPCG(5, 6)), []float64{3.0e5, 3.1e5, 2.9e5, 3.05e5, 2.95e5})
	judge := func(ctl float64, opt Options) Row { return history(1300, ctl, opt) }
	if r := judge(3.02e5, Options{}); r.Verdict != Regression || r.StateOutside {
		t.Errorf("control within the history's: %v %q", r.Verdict, r.Reason)
	}
	r := judge(6e5, Options{})
	if r.Verdict != Inconclusive || !r.StateOutside || !strings.Contains(r.Reason, "control memory") || !strings.Contains(r.Reason, "outside what the baseline's 5 runs saw") {
		t.Errorf("control at twice the history's: %v %q", r.Verdict, r.Reason)
	}
	if r := judge(6e5, Options{IgnoreControls: true}); r.Verdict != Regression {
		t.Errorf("--ignore-controls: %v %q", r.Verdict, r.Reason)
	}
}

// TestRunsStateBeyondHistory: a history whose controls spread widely (so a
// current run twice as slow lies within their 99% range) calls a +30% case
// a regression while the current run's control is among theirs, or faster
// than all of them, and inconclusive, naming the control, when it is slower
// than in every baseline run: the case may have followed the machine into
// a state the history never saw. The same state does not stop an
// improvement being called (the machine's move would hide it, not make it).
func TestRunsStateBeyondHistory(t *testing.T) {
	history := stateHistory(t, rand.New(rand.NewPCG(7, 8)), []float64{2.0e5, 1.7e5, 4.4e5, 2.6e5, 3.0e5})
	judge := func(ns, ctl float64) Row { return history(ns, ctl, Options{}) }
	for _, ctl := range []float64{2.5e5, 1.5e5} {
		if r := judge(1300, ctl); r.Verdict != Regression || r.StateOutside {
			t.Errorf("control %.0f (among the history's or faster): %v %q", ctl, r.Verdict, r.Reason)
		}
	}
	r := judge(1300, 5.9e5)
	if r.Verdict != Inconclusive || !r.StateOutside || !strings.Contains(r.Reason, "slower than in any of the baseline's 5 runs: control memory") {
		t.Errorf("control slower than every baseline run: %v %q", r.Verdict, r.Reason)
	}
	if r := judge(700, 5.9e5); r.Verdict != Improvement {
		t.Errorf("an improvement in a slower state: %v %q", r.Verdict, r.Reason)
	}
	if r := judge(700, 1.5e5); r.Verdict != Inconclusive || !strings.Contains(r.Reason, "faster than in any") {
		t.Errorf("an improvement in a faster state than any baseline run: %v %q", r.Verdict, r.Reason)
	}
}
