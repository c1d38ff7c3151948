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
	// Paired says the i-th samples of the two sides were taken together,
	// interleaved (regression-check --against): the bootstrap then
	// resamples them in pairs, so the state of the machine they shared
	// cancels in the ratio. Cases whose sides have different sample counts
	// are resampled independently. Leave it false for files measured
	// separately.
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
// neither side (results.json statuses other than ok) get no row.
func Compare(baseline, current *input.Input, opt Options) (*Comparison, error) {
	if baseline == nil || current == nil {
		return nil, errors.New("baselines.Compare: nil input")
	}
	opt, err := opt.WithDefaults()
	if err != nil {
		return nil, err
	}
	c := &Comparison{
		Baseline:   baseline.File,
		Current:    current.File,
		Threshold:  opt.Threshold,
		Alpha:      opt.Alpha,
		Confidence: opt.Confidence,
		Paired:     opt.Paired,
		Rows:       []Row{},
	}
	c.Warnings = append(c.Warnings, baseline.Warnings...)
	c.Warnings = append(c.Warnings, current.Warnings...)
	if b, k := baseline.GOMAXPROCS, current.GOMAXPROCS; b > 0 && k > 0 && b != k {
		c.Warnings = append(c.Warnings, fmt.Sprintf("GOMAXPROCS differs: baseline %d, current %d; cases were matched without the -N suffix", b, k))
	}
	c.BaselineMachine, c.CurrentMachine = baseline.Machine, current.Machine
	if d := baseline.Machine.Diff(current.Machine); len(d) > 0 {
		c.MachineMismatch = d
		c.Warnings = append(c.Warnings, fmt.Sprintf("MACHINE MISMATCH: the baseline and the current run were measured on different machines (%s); differences may come from the machine, not the code", strings.Join(d, "; ")))
	}

	names := slices.Clone(baseline.Names)
	for _, n := range current.Names {
		if _, ok := baseline.Cases[n]; !ok {
			names = append(names, n)
		}
	}
	for _, n := range names {
		c.Rows = append(c.Rows, compareCase(n, baseline, current, opt)...)
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
	if !slices.ContainsFunc(c.Rows, func(r Row) bool { return r.Baseline != nil && r.Current != nil }) {
		// Zero regressions out of zero comparisons must not read as a pass.
		c.Warnings = append(c.Warnings, "nothing was compared: no case has samples in the same unit on both sides")
	}
	return c, nil
}

func compareCase(name string, baseline, current *input.Input, opt Options) []Row {
	b, k := baseline.Cases[name], current.Cases[name]
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
	var rows []Row
	th := opt.Config.ThresholdFor(name, opt.Threshold)
	for _, u := range units {
		row := Row{Name: name, Unit: u, Threshold: th}
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
			notes = append(notes, compareSamples(&row, bv, kv, opt)...)
		case len(bv) > 0:
			row.Verdict = MissingCurrent
			row.Baseline, _ = summarize(bv, opt)
			notes = append(notes, missingNote("current", k, u)...)
		default:
			row.Verdict = MissingBaseline
			row.Current, _ = summarize(kv, opt)
			notes = append(notes, missingNote("baseline", b, u)...)
		}
		row.Note = strings.Join(notes, "; ")
		rows = append(rows, row)
	}
	return rows
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

// compareSamples fills row's summaries, ratio, p-value and verdict and
// returns notes explaining a verdict of NoChange.
func compareSamples(row *Row, base, cur []float64, opt Options) []string {
	var notes []string
	var bw, cw []error
	row.Baseline, bw = summarize(base, opt)
	row.Current, cw = summarize(cur, opt)
	notes = append(notes, sideWarnings(bw, cw)...)
	th := benchmath.Thresholds{CompareAlpha: opt.Alpha}
	cmp := benchmath.AssumeNothing.Compare(
		benchmath.NewSample(slices.Clone(base), &th),
		benchmath.NewSample(slices.Clone(cur), &th))
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
	row.RatioLo, row.RatioHi = ratioInterval(row.Baseline, row.Current, base, cur, opt, row.Name+"\x00"+row.Unit)

	limit := row.Threshold
	up := row.RatioLo > 1+limit       // surely above +threshold
	down := row.RatioHi < 1/(1+limit) // surely below -threshold
	worse, better := up, down
	if row.HigherIsBetter {
		worse, better = down, up
	}
	sig := cmp.P < opt.Alpha
	switch {
	case sig && worse:
		row.Verdict = Regression
	case sig && better:
		row.Verdict = Improvement
	default:
		row.Verdict = NoChange
		row.Inconclusive = tooFew
		switch {
		case tooFew:
		case sig:
			notes = append(notes, fmt.Sprintf("significant, but the ratio interval [%.3f, %.3f] does not clear the %s threshold", row.RatioLo, row.RatioHi, textfmt.Pct(limit)))
		case worse || better:
			notes = append(notes, fmt.Sprintf("the ratio interval clears the %s threshold, but p=%.3f is not below alpha=%v", textfmt.Pct(limit), cmp.P, opt.Alpha))
		}
	}
	if tooFew {
		notes[0] = "too few samples for significance: " + notes[0]
	}
	return notes
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
// ratio of the two medians (see bootstrapRatio), at opt.Confidence. When
// either median's own interval is unbounded (too few samples for one at
// this confidence) nothing is known and the interval is [0, +Inf), which
// never clears a threshold.
func ratioInterval(bs, cs *Summary, base, cur []float64, opt Options, key string) (lo, hi float64) {
	if math.IsInf(bs.Lo, 0) || math.IsInf(bs.Hi, 0) || math.IsInf(cs.Lo, 0) || math.IsInf(cs.Hi, 0) {
		return 0, math.Inf(1)
	}
	return Bootstrap{Confidence: opt.Confidence, Resamples: opt.Resamples, Seed: opt.Seed, Key: key, Paired: opt.Paired}.Ratio(base, cur)
}

// Counts tallies a comparison by case. A case counts once, as its worst row:
// a regression in any unit, else a unit missing on a side, else an
// improvement, else inconclusive (too few samples), else unchanged.
type Counts struct {
	Cases        int `json:"cases"`
	Regressions  int `json:"regressions"`
	Missing      int `json:"missing"`
	Improvements int `json:"improvements"`
	Unchanged    int `json:"unchanged"`
	// Inconclusive counts the cases that would be unchanged but had too few
	// samples in some unit to tell; they are not in Unchanged.
	Inconclusive int `json:"inconclusive"`
}

// Counts tallies the rows by case; see the Counts type.
func (c *Comparison) Counts() Counts {
	type state struct{ reg, miss, imp, inc bool }
	var order []string
	byName := map[string]*state{}
	for _, r := range c.Rows {
		s, ok := byName[r.Name]
		if !ok {
			s = &state{}
			byName[r.Name] = s
			order = append(order, r.Name)
		}
		switch r.Verdict {
		case Regression:
			s.reg = true
		case Improvement:
			s.imp = true
		case MissingBaseline, MissingCurrent:
			s.miss = true
		}
		if r.Inconclusive {
			s.inc = true
		}
	}
	var n Counts
	n.Cases = len(order)
	for _, name := range order {
		switch s := byName[name]; {
		case s.reg:
			n.Regressions++
		case s.miss:
			n.Missing++
		case s.imp:
			n.Improvements++
		case s.inc:
			n.Inconclusive++
		default:
			n.Unchanged++
		}
	}
	return n
}

// Regressions returns the number of cases with a regression in at least one
// unit. A slower case usually regresses in sec/op and in its throughput units
// together; it counts once here, while Count(Regression) counts rows.
func (c *Comparison) Regressions() int { return c.Counts().Regressions }

// HasRegression reports whether any row regressed.
func (c *Comparison) HasRegression() bool { return c.Count(Regression) > 0 }

// Summarize is the median of values and its 95% distribution-free interval,
// as Compare summarizes each side; the interval is unbounded with fewer
// than 6 values.
func Summarize(values []float64) Summary {
	s, _ := summarize(values, Options{Alpha: DefaultAlpha, Confidence: DefaultConfidence})
	return *s
}
