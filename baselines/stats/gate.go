package stats

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bitnet-go/bitnet-bench/baselines/internal/textfmt"
)

// Outcome is what a comparison means for a CI gate.
type Outcome int

const (
	// Pass: every compared case is unchanged or improved (or, when the
	// gate lets them pass, inconclusive or missing).
	Pass Outcome = iota
	// Fail: a case regressed or failed, or the current run printed FAIL.
	Fail
	// NothingCompared: no case has the gating metric on both sides; the
	// inputs cannot be what the user meant to compare.
	NothingCompared
	// Undecided: no regression, but some case is inconclusive or was not
	// checked (missing in the current run).
	Undecided
)

// Gate decides the comparison for a CI gate and says why in one line.
// With passInconclusive, inconclusive and missing cases pass (and the
// message still counts them); otherwise they make the outcome Undecided.
func (c *Comparison) Gate(passInconclusive bool) (Outcome, string) {
	n := c.Counts()
	switch {
	case c.RunFailed != "":
		return Fail, "the current run printed FAIL: " + c.RunFailed
	case n.Failed > 0:
		return Fail, textfmt.Plural(n.Failed, "case") + " failed in the current run: " + strings.Join(c.casesIn(StateFailed), ", ")
	case n.Regressions > 0:
		return Fail, textfmt.Plural(n.Regressions, "regression") + ": " + strings.Join(c.casesIn(StateRegression), ", ")
	case !c.anyCompared():
		return NothingCompared, fmt.Sprintf("nothing was compared: no case has %s samples on both sides (%d in the baseline only, %d in the current only)", c.Metric, n.Missing, n.New)
	}
	undecided := n.Inconclusive + n.Missing
	if undecided == 0 {
		return Pass, fmt.Sprintf("no regression: %d compared, all unchanged or improved", n.Compared())
	}
	msg := fmt.Sprintf("%d of %d cases not decided (%d inconclusive, %d missing in the current run)", undecided, n.Compared()+n.Missing, n.Inconclusive, n.Missing)
	if passInconclusive {
		return Pass, "no regression found; " + msg + ", passed as asked (--inconclusive=pass)"
	}
	return Undecided, "no regression found, but " + msg + ": the gate does not pass what it could not check (--inconclusive=pass lets it)"
}

// casesIn lists the cases in state s (at most 5, then a count).
func (c *Comparison) casesIn(s CaseState) []string {
	var names []string
	for _, cr := range c.ByCase() {
		if cr.State == s {
			names = append(names, cr.Name)
		}
	}
	if len(names) > 5 {
		names = append(names[:5], fmt.Sprintf("and %d more", len(names)-5))
	}
	return names
}

// anyCompared reports whether some gated row has samples on both sides.
func (c *Comparison) anyCompared() bool {
	return slices.ContainsFunc(c.Rows, func(r Row) bool { return r.Gated && r.Baseline != nil && r.Current != nil })
}
