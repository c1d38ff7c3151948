package stats

import "github.com/bitnet-go/bitnet-bench/baselines/machine"

// Verdict is the outcome for one case.
type Verdict string

// The four verdicts of a comparison, and the outcomes of a case that could
// not be compared.
const (
	Regression  Verdict = "regression"  // the ratio's interval lies beyond the threshold, worse
	Improvement Verdict = "improvement" // the ratio's interval lies beyond the threshold, better
	NoChange    Verdict = "no change"   // the ratio's interval lies within ±threshold
	// Inconclusive: the evidence cannot tell a change of the threshold's
	// size from run-to-run noise (an interval across the threshold, too
	// few samples, one run per side without controls, a unit mismatch).
	Inconclusive    Verdict = "inconclusive"
	Failed          Verdict = "failed" // the case failed in the current run
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
	// Reason says in one line why the row has its verdict.
	Reason string `json:"reason,omitempty"`
	// Gated is true for the row of the case's gating metric
	// (Comparison.Metric): only gated rows decide the gate.
	Gated bool `json:"gated"`
	// Model is how the row's interval accounts for the variance between
	// runs (ModelPaired, ModelRuns, ...).
	Model string `json:"model,omitempty"`
	// BaselineRuns and CurrentRuns count the runs each side's samples
	// come from.
	BaselineRuns int `json:"baseline_runs,omitempty"`
	CurrentRuns  int `json:"current_runs,omitempty"`
	// StateOutside says the current run's machine state, by the controls,
	// lay outside what the baseline's runs saw (runCovariates.outsideHistory):
	// the verdict is then inconclusive.
	StateOutside bool `json:"state_outside,omitempty"`
	// RunSpread, for ModelRuns, is the standard deviation of the log run
	// medians: about the fraction by which runs of unchanged code differ.
	RunSpread float64 `json:"run_spread,omitempty"`
	// Note adds what else the reader should know (sample-size warnings,
	// why a side has no samples, ...).
	Note string `json:"note,omitempty"`
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
	Paired bool `json:"paired,omitempty"`
	// Metric is the unit whose verdict gates each case.
	Metric string `json:"metric"`
	// Model is how the variance between runs is accounted for (see
	// Row.Model; a case with one run a side among several may differ).
	Model string `json:"model"`
	// BaselineRuns and CurrentRuns count the runs on each side.
	BaselineRuns int `json:"baseline_runs"`
	CurrentRuns  int `json:"current_runs"`
	// Controls are the shifts of the control workloads between the runs,
	// when both sides recorded them.
	Controls []ControlShift `json:"controls,omitempty"`
	// ControlMargin is how far the machine may have moved between two
	// single runs (a fraction), by the controls and the spread of the
	// cases' ratios: the intervals are widened by it (ModelBounded).
	ControlMargin float64 `json:"control_margin,omitempty"`
	// CaseShift is the median change of all cases between two single
	// runs and CaseSpread the robust standard deviation of their log
	// ratios: the between-run spread, if most cases did not change.
	CaseShift  float64 `json:"case_shift,omitempty"`
	CaseSpread float64 `json:"case_spread,omitempty"`
	// CasesBound says the cases' spread bounded the move (enough cases).
	CasesBound bool `json:"cases_bound,omitempty"`
	// RunFailed says that the current run printed FAIL.
	RunFailed string `json:"run_failed,omitempty"`
	Rows      []Row  `json:"rows"`
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
