package stats

import "github.com/bitnet-go/bitnet-bench/baselines/machine"

// Verdict is the outcome for one case.
type Verdict string

const (
	Regression      Verdict = "regression"
	Improvement     Verdict = "improvement"
	NoChange        Verdict = "~" // not significant, or within the threshold
	MissingBaseline Verdict = "missing in baseline"
	MissingCurrent  Verdict = "missing in current"
)

// Summary is the median of one side's samples and its confidence interval.
type Summary struct {
	Center float64 `json:"center"`
	Lo     float64 `json:"lo"`
	Hi     float64 `json:"hi"`
	N      int     `json:"n"`
}

// Row compares one case in one unit.
type Row struct {
	Name string `json:"name"`
	// Unit of Baseline and Current, tidied as benchfmt does ("sec/op", "B/s", ...).
	Unit string `json:"unit"`
	// HigherIsBetter is true for throughput units.
	HigherIsBetter bool `json:"higher_is_better"`

	Baseline *Summary `json:"baseline,omitempty"` // nil when missing
	Current  *Summary `json:"current,omitempty"`  // nil when missing

	// Ratio is Current.Center / Baseline.Center; RatioLo and RatioHi bound it.
	Ratio   float64 `json:"ratio,omitempty"`
	RatioLo float64 `json:"ratio_lo,omitempty"`
	RatioHi float64 `json:"ratio_hi,omitempty"`
	// P is the Mann-Whitney U test p-value; 0 when not computed.
	P float64 `json:"p,omitempty"`
	// Threshold is this case's threshold (fraction): Comparison.Threshold
	// unless a config rule gave another.
	Threshold float64 `json:"threshold"`
	Verdict   Verdict `json:"verdict"`
	// Note explains the verdict when it is not obvious (too few samples, ...).
	Note string `json:"note,omitempty"`
	// Inconclusive is true for a NoChange row whose samples were too few to
	// detect a difference: "~" then means "could not tell", not "same".
	Inconclusive bool `json:"inconclusive,omitempty"`
}

// Comparison is a whole baseline-versus-current comparison.
type Comparison struct {
	Baseline   string  `json:"baseline"` // file names as given
	Current    string  `json:"current"`
	Threshold  float64 `json:"threshold"` // fraction, 0.05 for 5%
	Alpha      float64 `json:"alpha"`
	Confidence float64 `json:"confidence"`
	// Paired is true when the bootstrap resampled the sides' samples in
	// pairs (interleaved A/B runs; see Options.Paired).
	Paired bool  `json:"paired,omitempty"`
	Rows   []Row `json:"rows"`
	// GeomeanRatio is the geometric mean of Ratio over rows compared in the
	// primary unit (time per op); 0 when there are none.
	GeomeanRatio float64 `json:"geomean_ratio,omitempty"`
	// The machines the two sides were measured on, as far as the files
	// tell, and the fields in which they differ (empty: comparable).
	BaselineMachine machine.Fingerprint `json:"baseline_machine"`
	CurrentMachine  machine.Fingerprint `json:"current_machine"`
	MachineMismatch []string            `json:"machine_mismatch,omitempty"`
	Warnings        []string            `json:"warnings,omitempty"`
}

// Count returns how many rows have verdict v.
func (c *Comparison) Count(v Verdict) int {
	n := 0
	for _, r := range c.Rows {
		if r.Verdict == v {
			n++
		}
	}
	return n
}
