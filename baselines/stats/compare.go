package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/internal/textfmt"
	"golang.org/x/perf/benchmath"
)

// Defaults for the zero fields of Options.
const (
	DefaultThreshold  = 0.05
	DefaultAlpha      = 0.05
	DefaultConfidence = 0.95
)

// Options tune Compare. Zero fields take the defaults above.
type Options struct {
	// Threshold is the smallest slowdown, as a fraction (0.05 for 5%), that
	// counts as a regression. Use ParseThreshold to read "5%".
	Threshold float64
	// Alpha is the significance level of the Mann-Whitney U test.
	Alpha float64
	// Confidence is the level of the medians' confidence intervals and of
	// the ratio's bootstrap interval.
	Confidence float64
	// Config gives per-case thresholds; cases it does not cover (and all
	// cases when it is nil) take Threshold.
	Config *Config
	// Resamples is the number of bootstrap resamples of each ratio
	// interval; 0 means DefaultResamples.
	Resamples int
	// Seed seeds the bootstrap; 0 means DefaultSeed. The same inputs, seed
	// and resamples always give the same intervals.
	Seed uint64
	// Metric is the tidied unit whose verdict gates each case (sec/op
	// when empty); the other units are compared and shown, not gated.
	Metric string
	// WithinRunOnly treats the samples of one run per side as independent
	// draws, as benchstat does, so the interval leaves out the variance
	// between runs. It is for samples known to be independent (synthetic
	// data, tests); for real runs it gives the false alarms the run-level
	// models exist to prevent.
	WithinRunOnly bool
	// IgnoreControls judges as if the inputs carried no controls
	// (bench/controls): no control shifts, no state check. For measuring
	// what the controls buy (regression-check --ignore-controls).
	IgnoreControls bool
	// Paired says the i-th samples of the two sides were taken together,
	// interleaved (regression-check --against): a case is then judged on
	// its rounds' log ratios (SignedRank), so the state of the machine
	// each round shared cancels. Cases whose sides have different sample
	// counts (or a value <= 0) fall back to the bootstrap of the two
	// sides. Leave it false for files measured separately.
	Paired bool
}

// WithDefaults fills the zero fields with the defaults and checks the
// others.
func (o Options) WithDefaults() (Options, error) {
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	if o.Alpha == 0 {
		o.Alpha = DefaultAlpha
	}
	if o.Confidence == 0 {
		o.Confidence = DefaultConfidence
	}
	if o.Resamples == 0 {
		o.Resamples = DefaultResamples
	}
	if o.Metric == "" {
		o.Metric = input.UnitSecPerOp
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Resamples < 100 {
		return o, fmt.Errorf("resamples %d: want at least 100", o.Resamples)
	}
	if !(o.Threshold > 0) || math.IsInf(o.Threshold, 0) {
		return o, fmt.Errorf("threshold %v: want a positive fraction such as 0.05", o.Threshold)
	}
	if !(o.Alpha > 0 && o.Alpha < 1) {
		return o, fmt.Errorf("alpha %v: want 0 < alpha < 1", o.Alpha)
	}
	if !(o.Confidence > 0 && o.Confidence < 1) {
		return o, fmt.Errorf("confidence %v: want 0 < confidence < 1", o.Confidence)
	}
	return o, nil
}

// Compare compares current with baseline case by case and unit by unit.
// Rows follow the baseline's case order, then cases only in current; within
// a case, the baseline's units, then units only in current. Cases measured on
// neither side (results.json statuses other than ok) get no row. Each row's
// verdict is one of four (regression, improvement, no change,
// inconclusive), or failed or missing; see the package documentation.
func Compare(baseline, current *input.Input, opt Options) (*Comparison, error) {
	if baseline == nil || current == nil {
		return nil, errors.New("stats.Compare: nil input")
	}
	opt, err := opt.WithDefaults()
	if err != nil {
		return nil, err
	}
	c := &Comparison{
		Baseline:     baseline.File,
		Current:      current.File,
		Threshold:    opt.Threshold,
		Alpha:        opt.Alpha,
		Confidence:   opt.Confidence,
		Paired:       opt.Paired,
		Metric:       opt.Metric,
		BaselineRuns: max(baseline.Runs, 1),
		CurrentRuns:  max(current.Runs, 1),
		RunFailed:    current.RunFailed,
		Rows:         []Row{},
	}
	c.Warnings = append(c.Warnings, baseline.Warnings...)
	c.Warnings = append(c.Warnings, current.Warnings...)
	if baseline.RunFailed != "" {
		c.Warnings = append(c.Warnings, "the baseline run printed FAIL: "+baseline.RunFailed)
	}
	if b, k := baseline.GOMAXPROCS, current.GOMAXPROCS; b > 0 && k > 0 && b != k {
		c.Warnings = append(c.Warnings, fmt.Sprintf("GOMAXPROCS differs: baseline %d, current %d; cases were matched without the -N suffix", b, k))
	}
	c.BaselineMachine, c.CurrentMachine = baseline.Machine, current.Machine
	if d := baseline.Machine.Diff(current.Machine); len(d) > 0 {
		c.MachineMismatch = d
		c.Warnings = append(c.Warnings, fmt.Sprintf("MACHINE MISMATCH: the baseline and the current run were measured on different machines (%s); differences may come from the machine, not the code", strings.Join(d, "; ")))
	}
	if !opt.IgnoreControls {
		c.Controls = controlShifts(baseline, current, opt)
	}
	m := modelOf(c, opt)

	names := slices.Clone(baseline.Names)
	for _, n := range current.Names {
		if _, ok := baseline.Cases[n]; !ok {
			names = append(names, n)
		}
	}
	for n := range current.Failed {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if m.kind == ModelBounded || m.kind == ModelOneRun {
		// One run a side: how far the machine moved, as all the cases'
		// ratios of medians and the controls tell.
		var logs []float64
		for _, n := range names {
			b, k := samples(baseline.Cases[n], opt.Metric), samples(current.Cases[n], opt.Metric)
			if _, failed := current.Failed[n]; failed || len(b) == 0 || len(k) == 0 || sameSamples(b, k) {
				continue
			}
			if r := centerRatio(Median(slices.Clone(b)), Median(slices.Clone(k))); r > 0 && !math.IsInf(r, 0) {
				logs = append(logs, math.Log(r))
			}
		}
		m = boundOneRun(c, logs)
	}
	if m.kind == ModelRuns && !opt.IgnoreControls {
		m.runCtl = runControlsOf(&baseline.ControlSet, &current.ControlSet)
	}
	for _, n := range names {
		c.Rows = append(c.Rows, compareCase(n, baseline, current, opt, m)...)
	}

	logSum, n := 0.0, 0
	for _, r := range c.Rows {
		if r.Unit == input.UnitSecPerOp && r.Baseline != nil && r.Current != nil && r.Ratio > 0 && !math.IsInf(r.Ratio, 0) {
			logSum += math.Log(r.Ratio)
			n++
		}
	}
	if n > 0 {
		c.GeomeanRatio = math.Exp(logSum / float64(n))
	}
	if !slices.ContainsFunc(c.Rows, func(r Row) bool { return r.Gated && r.Baseline != nil && r.Current != nil }) {
		// Zero regressions out of zero comparisons must not read as a pass.
		c.Warnings = append(c.Warnings, fmt.Sprintf("nothing was compared: no case has %s samples on both sides", opt.Metric))
	}
	return c, nil
}

// model is how a comparison accounts for the variance between runs.
type model struct {
	kind   string
	margin float64 // controls: the log-ratio margin the interval is widened by
	// controlsOnly says the margin comes from the controls alone (too few
	// cases for their spread): the verdict then also needs the machine to
	// have held still (reach within half the threshold).
	controlsOnly bool
	reach        float64 // the controls' reach (controlReach), log ratio
	reachName    string  // the control that reaches farthest
	// runCtl are the whole runs' controls (ModelRuns), the fallback for a
	// case whose own lines carry too few; found once per comparison.
	runCtl *runControls
}

// The between-run models, as Row.Model and Comparison.Model name them.
const (
	ModelPaired  = "paired rounds"             // --against: each round ran both sides, moments apart
	ModelRuns    = "runs"                      // several runs on a side: Student t on the run medians (RunsInterval)
	ModelBounded = "one run per side, bounded" // the spread of the cases' ratios and the controls bound the machine's shift
	ModelOneRun  = "one run per side"          // nothing bounds the between-run shift
	ModelSame    = "same samples"              // both sides hold the same samples: one run read twice
	ModelWithin  = "within-run only"           // Options.WithinRunOnly: samples taken as independent
)

// modelOf picks the between-run model for a comparison.
func modelOf(c *Comparison, opt Options) model {
	switch {
	case opt.Paired:
		c.Model = ModelPaired
		return model{kind: ModelPaired}
	case opt.WithinRunOnly:
		c.Model = ModelWithin
		return model{kind: ModelWithin}
	case c.BaselineRuns >= 2 || c.CurrentRuns >= 2:
		c.Model = ModelRuns
		return model{kind: ModelRuns}
	}
	c.Model = ModelBounded // tried by boundOneRun
	return model{kind: ModelBounded}
}

// minSpreadCases is the fewest cases whose ratios bound the machine's
// shift between two single runs.
const minSpreadCases = 8

// zSpread is how many robust standard deviations of the cases' log ratios
// an unchanged case may land from their median: 2.58, two-sided 1%.
const zSpread = 2.5758293035489

// boundOneRun bounds how far the machine moved between two single runs,
// from the controls (controlReach) and from the cases' log ratios of
// medians in the gating unit (logs): with
// many cases, most unchanged, the spread of their ratios is the spread
// between runs; a shift common to all (the median ratio) may be the
// machine's or the code's, and is not told apart. The margin is the
// larger of |median| + 2.58 robust standard deviations of the cases' log
// ratios and the shift the controls show (controlShown); with too few cases,
// the controls' reach (controlReach). A comparison with neither enough
// cases nor controls stays unbounded (ModelOneRun).
//
// With too few cases for their spread, the controls alone bound the
// machine's move but not each case's: in the validation pools, cases of
// unchanged code moved between runs by 0.1 to 1.5 times as much as the
// memory control. So a change is then called only while the machine held
// still (verdict: the controls' reach within half the threshold).
func boundOneRun(c *Comparison, logs []float64) model {
	m := model{kind: ModelBounded}
	bounded := false
	if len(c.Controls) > 0 {
		m.reach, m.reachName = controlReach(c.Controls)
		m.margin, m.controlsOnly, bounded = m.reach, true, true
	}
	if len(logs) >= minSpreadCases {
		med := Median(slices.Clone(logs))
		dev := make([]float64, len(logs))
		for i, l := range logs {
			dev[i] = math.Abs(l - med)
		}
		spread := 1.4826 * Median(dev)
		c.CaseShift, c.CaseSpread, c.CasesBound = math.Exp(med)-1, spread, true
		m.margin, m.controlsOnly, bounded = math.Abs(med)+zSpread*spread, false, true
		if len(c.Controls) > 0 {
			// Beside the cases, a control adds the shift it shows.
			m.margin = max(m.margin, controlShown(c.Controls))
		}
	}
	if !bounded {
		c.Model = ModelOneRun
		return model{kind: ModelOneRun}
	}
	c.Model = ModelBounded
	c.ControlMargin = math.Exp(m.margin) - 1
	return m
}

// Reasons the gate gives for a row it cannot decide.
const (
	reasonOneRun = "one run per side and no controls: the variance between runs is unknown, so a difference may be the machine's, not the code's; compare several runs per side (files or a stored baseline's history), record controls (bench/controls), or use --against"
)

func compareCase(name string, baseline, current *input.Input, opt Options, m model) []Row {
	b, k := baseline.Cases[name], current.Cases[name]
	th := opt.Config.ThresholdFor(name, opt.Threshold)
	if why, failed := current.Failed[name]; failed {
		row := Row{Name: name, Unit: opt.Metric, Threshold: th, Gated: true, Verdict: Failed, Reason: "failed in the current run: " + why}
		if bv := samples(b, opt.Metric); len(bv) > 0 {
			row.Baseline, _ = summarize(bv, opt)
		}
		return []Row{row}
	}
	var units []string
	if b != nil {
		units = slices.Clone(b.Units)
	}
	if k != nil {
		for _, u := range k.Units {
			if !slices.Contains(units, u) {
				units = append(units, u)
			}
		}
	}
	bothMeasured := b != nil && k != nil && len(b.Units) > 0 && len(k.Units) > 0
	if bothMeasured && !slices.Contains(units, opt.Metric) {
		// The gating metric is on neither side: nothing gates this case.
		units = append(units, opt.Metric)
	}
	// The controls of each run, for the runs model's state check: the
	// case's own lines' when every run has enough, else the whole runs'.
	var rc *runControls
	if m.kind == ModelRuns && !opt.IgnoreControls && b != nil && k != nil {
		if rc = runControlsOf(&b.ControlSet, &k.ControlSet); rc == nil {
			rc = m.runCtl
		}
	}
	var rows []Row
	for _, u := range units {
		row := Row{Name: name, Unit: u, Threshold: th, Gated: u == opt.Metric}
		var notes []string
		bd, bok := baseline.Better[u]
		kd, kok := current.Better[u]
		switch {
		case bok && kok && bd != kd:
			notes = append(notes, "the files disagree on whether higher is better; using the baseline's")
			row.HigherIsBetter = bd > 0
		case bok:
			row.HigherIsBetter = bd > 0
		default:
			row.HigherIsBetter = kd > 0
		}
		bv, kv := samples(b, u), samples(k, u)
		switch {
		case len(bv) > 0 && len(kv) > 0:
			br, bids := b.RunsWithIDs(u)
			kr, kids := k.RunsWithIDs(u)
			row.BaselineRuns, row.CurrentRuns = len(br), len(kr)
			notes = append(notes, compareSamples(&row, br, kr, opt, m, rc.covariates(bids, kids))...)
		case bothMeasured:
			// Measured on both sides, but not in this unit on both.
			row.Verdict = Inconclusive
			row.Reason = "unit mismatch: " + unitsOf("baseline", b) + ", " + unitsOf("current", k) + "; nothing to compare in " + u
			if len(bv) == 0 && len(kv) == 0 {
				row.Reason = "no " + u + " samples on either side (" + unitsOf("baseline", b) + ", " + unitsOf("current", k) + "): nothing gates this case"
			}
			if u == opt.Metric {
				row.Reason += " (choose the gating unit with --metric)"
			}
			if len(bv) > 0 {
				row.Baseline, _ = summarize(bv, opt)
			}
			if len(kv) > 0 {
				row.Current, _ = summarize(kv, opt)
			}
		case len(bv) > 0:
			row.Verdict = MissingCurrent
			row.Baseline, _ = summarize(bv, opt)
			row.Reason = "not in the current run, so not checked"
			notes = append(notes, missingNote("current", k, u)...)
		case len(kv) > 0:
			row.Verdict = MissingBaseline
			row.Current, _ = summarize(kv, opt)
			row.Reason = "new: not in the baseline"
			notes = append(notes, missingNote("baseline", b, u)...)
		default:
			continue
		}
		row.Note = strings.Join(notes, "; ")
		rows = append(rows, row)
	}
	return rows
}

func unitsOf(side string, cd *input.CaseData) string {
	return side + " has " + strings.Join(cd.Units, ", ")
}

func samples(cd *input.CaseData, unit string) []float64 {
	if cd == nil {
		return nil
	}
	return cd.Samples[unit]
}

// missingNote explains why a unit has no samples on one side: the case was
// not measured there, or was measured in other units.
func missingNote(side string, cd *input.CaseData, unit string) []string {
	switch {
	case cd == nil:
		return nil // the verdict already says it
	case cd.NotMeasured != "":
		return []string{side + ": " + cd.NotMeasured}
	case len(cd.Units) > 0:
		return []string{fmt.Sprintf("unit mismatch: %s has %s for this case, not %s", side, strings.Join(cd.Units, ", "), unit)}
	}
	return nil
}

// summarize is the median and its distribution-free confidence interval.
func summarize(values []float64, opt Options) (*Summary, []error) {
	th := benchmath.Thresholds{CompareAlpha: opt.Alpha}
	s := benchmath.AssumeNothing.Summary(benchmath.NewSample(slices.Clone(values), &th), opt.Confidence)
	return &Summary{Center: s.Center, Lo: s.Lo, Hi: s.Hi, N: len(values)}, s.Warnings
}

// compareSamples fills row's summaries, ratio, interval, p-value, verdict
// and reason, and returns notes on the side.
// covs are the controls of each run (runControls.covariates), nil
// without.
func compareSamples(row *Row, baseRuns, curRuns [][]float64, opt Options, m model, covs *runCovariates) []string {
	base, cur := slices.Concat(baseRuns...), slices.Concat(curRuns...)
	var notes []string
	var bw, cw []error
	row.Baseline, bw = summarize(base, opt)
	row.Current, cw = summarize(cur, opt)
	notes = append(notes, sideWarnings(bw, cw)...)
	th := benchmath.Thresholds{CompareAlpha: opt.Alpha}
	cmp := benchmath.AssumeNothing.Compare(
		benchmath.NewSample(slices.Clone(base), &th),
		benchmath.NewSample(slices.Clone(cur), &th))
	same := sameSamples(base, cur)
	// Identical constant samples make the U test fail with "all samples
	// are equal"; there is then nothing to detect.
	if !allEqual(base, cur) {
		for _, w := range cmp.Warnings {
			notes = append(notes, w.Error())
		}
	}
	tooFew := len(notes) > 0 // every benchmath warning so far is about sample size

	row.P = cmp.P
	row.Ratio = centerRatio(row.Baseline.Center, row.Current.Center)
	key := row.Name + "\x00" + row.Unit
	row.Model = m.kind
	var runs RunsEstimate
	runsOK := false
	if m.kind == ModelRuns && !same {
		runs, runsOK = RunsInterval{Confidence: opt.Confidence}.Estimate(baseRuns, curRuns)
	}
	switch {
	case same:
		row.Model = ModelSame
		row.RatioLo, row.RatioHi = 1, 1
		notes, tooFew = nil, false // nothing to detect, whatever the count
	case runsOK:
		// The ratio is that of the sides' geometric mean run medians,
		// so the interval is about the estimate it shows.
		row.Ratio, row.RatioLo, row.RatioHi, row.RunSpread = runs.Ratio, runs.Lo, runs.Hi, runs.Spread
	case opt.Paired && len(base) == len(cur) && allPositive(base) && allPositive(cur):
		// Interleaved rounds: the signed-rank analysis of the rounds' log
		// ratios gives the estimate, its interval and the p-value, all
		// from the pairing (the Mann-Whitney p above ignores it).
		sr := SignedRankOf(logRatios(base, cur), opt.Confidence)
		row.Ratio, row.RatioLo, row.RatioHi, row.P = math.Exp(sr.Center), math.Exp(sr.Lo), math.Exp(sr.Hi), sr.P
		if row.Model == ModelRuns {
			row.Model = ModelOneRun
		}
	default:
		if opt.Paired && len(base) == len(cur) {
			row.Ratio = PairedRatio(base, cur)
		}
		row.RatioLo, row.RatioHi = ratioInterval(row.Baseline, row.Current, base, cur, opt, key)
		if m.kind == ModelBounded && !math.IsInf(row.RatioHi, 0) {
			// The cases and controls bound how far the machine's state
			// moved between the runs; a shift that large may be in this
			// case too.
			row.RatioLo *= math.Exp(-m.margin)
			row.RatioHi *= math.Exp(m.margin)
		}
		if m.kind == ModelRuns {
			row.Model = ModelOneRun // this case has one run a side
		}
	}
	verdict(row, row.P, opt, tooFew, same, m)
	if runsOK && row.Verdict != Inconclusive {
		why := covs.outsideHistory()
		if why == "" && (row.Verdict == Regression || row.Verdict == Improvement) {
			// Slower means a larger time per op; for a higher-is-better
			// unit a regression is the slower side too.
			why = covs.beyondHistory(row.Verdict == Regression)
		}
		if why != "" {
			row.Verdict = Inconclusive
			row.Reason = why + "; the runs' interval " + textfmt.Interval(row.RatioLo, row.RatioHi) + " holds only for states the baseline saw: compare again, add runs, or use --against"
			row.StateOutside = true
		}
	}
	if tooFew {
		notes[0] = "too few samples for significance: " + notes[0]
	}
	return notes
}

// verdict decides a row from its ratio interval [RatioLo, RatioHi]: beyond
// the threshold on the worse side (and p < alpha) is a regression, on the
// better side an improvement; entirely inside ±threshold is no change;
// anything else is inconclusive, since the evidence cannot tell a change of
// the threshold's size from noise.
func verdict(row *Row, p float64, opt Options, tooFew, same bool, m model) {
	t := row.Threshold
	lo, hi := row.RatioLo, row.RatioHi
	up := lo > 1+t       // surely above +threshold
	down := hi < 1/(1+t) // surely below -threshold
	inside := lo >= 1/(1+t) && hi <= 1+t
	worse, better := up, down
	if row.HigherIsBetter {
		worse, better = down, up
	}
	iv := textfmt.Interval(lo, hi)
	sig := p < opt.Alpha
	switch {
	case same:
		row.Verdict, row.Reason = NoChange, "both sides hold the same samples (one run read twice)"
	case tooFew || lo == 0 && math.IsInf(hi, 0):
		row.Verdict = Inconclusive
		row.Reason = fmt.Sprintf("too few samples to bound the ratio (%s a side; need at least 6 per side)", formatCounts(row))
	case row.Model == ModelOneRun:
		row.Verdict, row.Reason = Inconclusive, reasonOneRun
	case row.Model == ModelBounded && m.controlsOnly && m.reach > math.Log1p(t/2):
		row.Verdict = Inconclusive
		row.Reason = fmt.Sprintf("one run per side, and the machine may have moved ±%s between the runs (control %s) where half the threshold is %s: a case can move more or less than a control, so no change is called; compare several runs per side or use --against",
			textfmt.Pct(math.Exp(m.reach)-1), m.reachName, textfmt.Pct(t/2))
	case sig && worse:
		row.Verdict = Regression
		row.Reason = fmt.Sprintf("the ratio's %.4g%% interval %s lies beyond the %s threshold (p=%.3f)", opt.Confidence*100, iv, textfmt.Pct(t), p)
	case sig && better:
		row.Verdict = Improvement
		row.Reason = fmt.Sprintf("the ratio's %.4g%% interval %s lies beyond the %s threshold (p=%.3f)", opt.Confidence*100, iv, textfmt.Pct(t), p)
	case inside:
		row.Verdict = NoChange
		row.Reason = fmt.Sprintf("the ratio's %.4g%% interval %s lies within ±%s", opt.Confidence*100, iv, textfmt.Pct(t))
	case worse || better:
		row.Verdict = Inconclusive
		row.Reason = fmt.Sprintf("the ratio's interval %s clears the %s threshold, but p=%.3f is not below alpha=%v", iv, textfmt.Pct(t), p, opt.Alpha)
	default:
		row.Verdict = Inconclusive
		row.Reason = fmt.Sprintf("the ratio's %.4g%% interval %s overlaps the %s threshold: the evidence cannot tell a %s change from run-to-run noise", opt.Confidence*100, iv, textfmt.Pct(t), textfmt.Pct(t))
		if row.Model == ModelRuns && row.RunSpread > 0 && row.Ratio > 0 {
			// What these runs can tell apart: a change clears the
			// threshold once it exceeds it by the interval's half-width.
			half := math.Sqrt(hi / lo)
			row.Reason += fmt.Sprintf(" (this case's runs differ by %.1f%% (sd of the run medians); at that spread only a change beyond about %.0f%% can be called: add runs or use --against)",
				100*(math.Exp(row.RunSpread)-1), 100*((1+t)*half-1))
		}
	}
	if m.kind == ModelBounded && row.Model == ModelBounded && row.Verdict != Inconclusive {
		row.Reason += fmt.Sprintf(" (widened by ±%.1f%% for how far the machine may have moved)", 100*(math.Exp(m.margin)-1))
	}
}

func formatCounts(r *Row) string {
	if r.Baseline == nil || r.Current == nil {
		return "?"
	}
	if r.Baseline.N == r.Current.N {
		return fmt.Sprint(r.Baseline.N)
	}
	return fmt.Sprintf("%d and %d", r.Baseline.N, r.Current.N)
}

// logRatios is ln(cur[i]/base[i]) for each pair (all values positive).
func logRatios(base, cur []float64) []float64 {
	out := make([]float64, len(base))
	for i := range base {
		out[i] = math.Log(cur[i] / base[i])
	}
	return out
}

// allPositive reports whether every value is above zero (logs exist).
func allPositive(xs []float64) bool {
	return !slices.ContainsFunc(xs, func(x float64) bool { return !(x > 0) })
}

// sameSamples reports whether a and b hold the same values (in any order):
// one run compared with itself, read from results.json and from its
// results.txt, say.
func sameSamples(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// sideWarnings names the side of each summary warning, once for both sides
// when they say the same.
func sideWarnings(base, cur []error) []string {
	var notes []string
	for _, w := range base {
		if slices.ContainsFunc(cur, func(c error) bool { return c.Error() == w.Error() }) {
			notes = append(notes, w.Error())
		} else {
			notes = append(notes, "baseline: "+w.Error())
		}
	}
	for _, w := range cur {
		if !slices.ContainsFunc(base, func(b error) bool { return b.Error() == w.Error() }) {
			notes = append(notes, "current: "+w.Error())
		}
	}
	return notes
}

func allEqual(a, b []float64) bool {
	v := a[0]
	for _, x := range a {
		if x != v {
			return false
		}
	}
	for _, x := range b {
		if x != v {
			return false
		}
	}
	return true
}

// centerRatio is cur/base; two zero medians (a count such as allocs/op that
// stayed 0) are no change.
func centerRatio(base, cur float64) float64 {
	if base == 0 && cur == 0 {
		return 1
	}
	return cur / base
}

// ratioInterval bounds Current/Baseline with a percentile bootstrap of the
// ratio of the two medians (see Bootstrap), at opt.Confidence. When
// either median's own interval is unbounded (too few samples for one at
// this confidence) nothing is known and the interval is [0, +Inf), which
// never clears a threshold.
func ratioInterval(bs, cs *Summary, base, cur []float64, opt Options, key string) (lo, hi float64) {
	if math.IsInf(bs.Lo, 0) || math.IsInf(bs.Hi, 0) || math.IsInf(cs.Lo, 0) || math.IsInf(cs.Hi, 0) {
		return 0, math.Inf(1)
	}
	return Bootstrap{Confidence: opt.Confidence, Resamples: opt.Resamples, Seed: opt.Seed, Key: key, Paired: opt.Paired}.Ratio(base, cur)
}

// Counts tallies a comparison by case, from its gated rows (the gating
// metric's): each case counts once, in the first of failed, regression,
// missing (in the current run: not checked), inconclusive, improvement,
// unchanged and new that applies.
type Counts struct {
	Cases        int `json:"cases"`
	Failed       int `json:"failed"`
	Regressions  int `json:"regressions"`
	Missing      int `json:"missing"`
	Inconclusive int `json:"inconclusive"`
	Improvements int `json:"improvements"`
	Unchanged    int `json:"unchanged"`
	New          int `json:"new"`
}

// Compared is the number of cases the gate decided or tried to: all but
// the missing and the new ones.
func (n Counts) Compared() int {
	return n.Failed + n.Regressions + n.Inconclusive + n.Improvements + n.Unchanged
}

// CaseState ranks a case's outcome, worst first.
type CaseState int

const (
	StateFailed CaseState = iota
	StateRegression
	StateMissing
	StateInconclusive
	StateImprovement
	StateUnchanged
	StateNew
	StateNotGated // no gated row (cannot happen for a case measured on both sides)
)

// StateOf is the state a gated row gives its case.
func StateOf(r Row) CaseState {
	switch r.Verdict {
	case Failed:
		return StateFailed
	case Regression:
		return StateRegression
	case MissingCurrent:
		return StateMissing
	case Inconclusive:
		return StateInconclusive
	case Improvement:
		return StateImprovement
	case NoChange:
		return StateUnchanged
	case MissingBaseline:
		return StateNew
	}
	return StateNotGated
}

// CaseRows is one case's rows and the state its gated row gives it.
type CaseRows struct {
	Name  string
	Rows  []Row
	State CaseState
}

// ByCase groups the rows by case, in row order.
func (c *Comparison) ByCase() []CaseRows {
	var out []CaseRows
	idx := map[string]int{}
	for _, r := range c.Rows {
		i, ok := idx[r.Name]
		if !ok {
			i = len(out)
			idx[r.Name] = i
			out = append(out, CaseRows{Name: r.Name, State: StateNotGated})
		}
		cr := &out[i]
		cr.Rows = append(cr.Rows, r)
		if r.Gated {
			cr.State = min(cr.State, StateOf(r))
		}
	}
	return out
}

// Counts tallies the cases; see the Counts type.
func (c *Comparison) Counts() Counts {
	var n Counts
	for _, cr := range c.ByCase() {
		n.Cases++
		switch cr.State {
		case StateFailed:
			n.Failed++
		case StateRegression:
			n.Regressions++
		case StateMissing:
			n.Missing++
		case StateInconclusive:
			n.Inconclusive++
		case StateImprovement:
			n.Improvements++
		case StateUnchanged:
			n.Unchanged++
		case StateNew:
			n.New++
		}
	}
	return n
}

// Regressions returns the number of cases whose gated row regressed.
func (c *Comparison) Regressions() int { return c.Counts().Regressions }

// HasRegression reports whether any case regressed in its gated row.
func (c *Comparison) HasRegression() bool { return c.Regressions() > 0 }

// Summarize is the median of values and its 95% distribution-free interval,
// as Compare summarizes each side; the interval is unbounded with fewer
// than 6 values.
func Summarize(values []float64) Summary {
	s, _ := summarize(values, Options{Alpha: DefaultAlpha, Confidence: DefaultConfidence})
	return *s
}
