package validate

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/internal/textfmt"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
)

// ValidateConfig sets up Validate. Zero fields take the defaults in
// parentheses.
type ValidateConfig struct {
	// Trials is the number of comparisons per arm (100).
	Trials int
	// Samples per side of each comparison (stats.DefaultSamples).
	Samples int
	// Slowdowns are the arms: 0 is A/A; 0.05 makes B do 5% more work (0,
	// 0.05, 0.10).
	Slowdowns []float64
	// OpCost is the target duration of one op of the synthetic workload
	// (2µs).
	OpCost time.Duration
	// SampleTime is the duration of one timed batch of ops (DefaultSampleTime).
	SampleTime time.Duration
	// Warmup runs the workload before each comparison (5ms).
	Warmup time.Duration
	// Options of the comparisons; Threshold 0 is the default 5%.
	Options stats.Options
	// Progress, when not nil, gets a line per round of trials.
	Progress io.Writer
}

// DefaultSampleTime is the batch duration of a validation sample. Short
// batches matter on a shared machine: a batch that is preempted is an
// outlier the median ignores, while a batch long enough to be preempted
// every time averages the machine's load into every sample (see README,
// "Choosing the sample count").
const DefaultSampleTime = 10 * time.Millisecond

// ValidateArm is what one arm's trials decided.
type ValidateArm struct {
	Slowdown float64 `json:"slowdown"`
	Trials   int     `json:"trials"`
	// Regressions and Improvements are the rule's verdicts at the
	// threshold of the comparisons (stats.Options.Threshold), the bootstrap
	// resampling the interleaved samples in pairs, as --against does.
	Regressions  int `json:"regressions"`
	Improvements int `json:"improvements"`
	// Unpaired* are the verdicts on the same data with the two sides
	// resampled independently, as for files measured separately.
	UnpairedRegressions  int `json:"unpaired_regressions"`
	UnpairedImprovements int `json:"unpaired_improvements"`
	// Calibrated* are the rule's verdicts on the same data at the
	// threshold --calibrate recommended for the workload.
	CalibratedRegressions  int `json:"calibrated_regressions"`
	CalibratedImprovements int `json:"calibrated_improvements"`
	// Benchstat* are what plain benchstat decides on the same data: a
	// change whenever the Mann-Whitney p-value is below alpha, whatever
	// its size; Slower are those where the current median is higher.
	BenchstatChanges int `json:"benchstat_changes"`
	BenchstatSlower  int `json:"benchstat_slower"`
	// MedianRatio is the median over trials of the measured ratio of
	// medians; Noise the median over trials of the per-sample robust
	// relative spread (1.4826·MAD/median of the A samples).
	MedianRatio float64 `json:"median_ratio"`
	Noise       float64 `json:"noise"`
}

// ValidateReport is the outcome of Validate.
type ValidateReport struct {
	Trials     int           `json:"trials"`
	Samples    int           `json:"samples"`
	OpCost     time.Duration `json:"op_cost_ns"`
	SampleTime time.Duration `json:"sample_time_ns"`
	Iterations int           `json:"iterations_per_op"` // of the arithmetic chain
	BatchOps   int           `json:"ops_per_sample"`
	Threshold  float64       `json:"threshold"`
	Alpha      float64       `json:"alpha"`
	// CalibratedThreshold is what an A/A calibration of the workload at
	// Samples recommended, and the noise floor it saw.
	CalibratedThreshold float64       `json:"calibrated_threshold"`
	CalibratedNoise     float64       `json:"calibrated_noise_floor"`
	Arms                []ValidateArm `json:"arms"`
	// NoiseP50, NoiseP90 and NoiseP95 are percentiles over all trials of
	// the per-trial sample spread (1.4826·MAD/median of A's samples):
	// how noisy the machine was, and how often.
	NoiseP50   float64       `json:"noise_p50"`
	NoiseP90   float64       `json:"noise_p90"`
	NoiseP95   float64       `json:"noise_p95"`
	Elapsed    time.Duration `json:"elapsed_ns"`
	Conditions string        `json:"conditions"`
}

// Targets of the issue: false positives at A/A at most 1%, detection of a
// 5% slowdown at least 80% and of a 10% slowdown at least 95%.
const (
	TargetFalsePositive = 0.01
	TargetDetect5       = 0.80
	TargetDetect10      = 0.95
)

var spinSink uint64

// spin is the synthetic workload: n steps of a dependent integer chain, so
// its cost is proportional to n and nothing can be hoisted or vectorized.
//
//go:noinline
func spin(n int) uint64 {
	x := uint64(n) | 1
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		x ^= x >> 29
	}
	return x
}

// batch times ops calls of spin(n) and returns nanoseconds per op.
func batch(n, ops int) float64 {
	t := time.Now()
	var s uint64
	for i := 0; i < ops; i++ {
		s += spin(n)
	}
	d := time.Since(t)
	spinSink += s
	return float64(d.Nanoseconds()) / float64(ops)
}

// calibrateSpin finds the chain length whose op takes about cost, from the
// fastest of several timings (the others were slowed by the machine).
func calibrateSpin(cost time.Duration) int {
	const probe = 1 << 14
	best := math.Inf(1)
	for i := 0; i < 30; i++ {
		best = min(best, batch(probe, 4)/probe)
	}
	return max(1, int(float64(cost.Nanoseconds())/best))
}

// Validate measures how often the comparison rule declares a change on a
// synthetic workload of known cost: per trial, A runs the workload and B
// runs it with Slowdown more work, interleaved sample by sample (A B, then
// B A, ...), like regression-check --against; each arm runs Trials times,
// the arms taking turns so the machine's load falls on all of them alike.
// Between the trials it also takes A/A samples, two per round, calibrates
// them as regression-check --calibrate does for Samples per side, and judges
// every trial again at the threshold that recommends.
func Validate(ctx context.Context, cfg ValidateConfig) (*ValidateReport, error) {
	if cfg.Trials == 0 {
		cfg.Trials = 100
	}
	if cfg.Samples == 0 {
		cfg.Samples = stats.DefaultSamples
	}
	if cfg.Slowdowns == nil {
		cfg.Slowdowns = []float64{0, 0.05, 0.10}
	}
	if cfg.OpCost == 0 {
		cfg.OpCost = 2 * time.Microsecond
	}
	if cfg.SampleTime == 0 {
		cfg.SampleTime = DefaultSampleTime
	}
	if cfg.Warmup == 0 {
		cfg.Warmup = 5 * time.Millisecond
	}
	opt, err := cfg.Options.WithDefaults()
	if err != nil {
		return nil, err
	}
	opt.Paired = true
	if cfg.Trials < 1 || cfg.Samples < 2 || cfg.OpCost <= 0 || cfg.SampleTime < cfg.OpCost {
		return nil, fmt.Errorf("validate: want trials >= 1, samples >= 2 and op cost <= sample time (got %d, %d, %v, %v)", cfg.Trials, cfg.Samples, cfg.OpCost, cfg.SampleTime)
	}
	for _, s := range cfg.Slowdowns {
		if !(s >= 0 && s < 10) {
			return nil, fmt.Errorf("validate: slowdown %v: want 0 <= slowdown < 10", s)
		}
	}
	start := time.Now()
	n := calibrateSpin(cfg.OpCost)
	ops := max(1, int(cfg.SampleTime/cfg.OpCost))
	rep := &ValidateReport{
		Trials: cfg.Trials, Samples: cfg.Samples, OpCost: cfg.OpCost, SampleTime: cfg.SampleTime,
		Iterations: n, BatchOps: ops, Threshold: opt.Threshold, Alpha: opt.Alpha,
		Conditions: machineConditions(),
	}
	warm := func() {
		for t := time.Now(); time.Since(t) < cfg.Warmup; {
			spinSink += spin(n)
		}
	}

	// Calibration: A/A samples taken between the trials, two per round of
	// arms, so they see the machine in the same states the trials do; the
	// threshold recommended for Samples per side judges every trial again
	// once all are done.
	var calA, calB []float64
	type trialData struct {
		arm  int
		seed uint64
		a, b []float64
	}
	var kept []trialData

	ratios := make([][]float64, len(cfg.Slowdowns))
	noises := make([][]float64, len(cfg.Slowdowns))
	rep.Arms = make([]ValidateArm, len(cfg.Slowdowns))
	for i, s := range cfg.Slowdowns {
		rep.Arms[i] = ValidateArm{Slowdown: s}
	}
	for trial := 0; trial < cfg.Trials; trial++ {
		for i, s := range cfg.Slowdowns {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			nb := int(math.Round(float64(n) * (1 + s)))
			warm()
			a, b := make([]float64, 0, cfg.Samples), make([]float64, 0, cfg.Samples)
			for k := 0; k < cfg.Samples; k++ {
				if k%2 == 0 {
					a = append(a, batch(n, ops))
					b = append(b, batch(nb, ops))
				} else {
					b = append(b, batch(nb, ops))
					a = append(a, batch(n, ops))
				}
			}
			arm := &rep.Arms[i]
			arm.Trials++
			// Each trial gets its own bootstrap seed, as separate CI runs
			// would have different data anyway.
			o := opt
			o.Seed = uint64(trial*len(cfg.Slowdowns)+i) + 1
			row, err := compareSynthetic(a, b, o)
			if err != nil {
				return nil, err
			}
			switch row.Verdict {
			case stats.Regression:
				arm.Regressions++
			case stats.Improvement:
				arm.Improvements++
			}
			if row.P < opt.Alpha {
				arm.BenchstatChanges++
				if row.Ratio > 1 {
					arm.BenchstatSlower++
				}
			}
			o.Paired = false
			urow, err := compareSynthetic(a, b, o)
			if err != nil {
				return nil, err
			}
			switch urow.Verdict {
			case stats.Regression:
				arm.UnpairedRegressions++
			case stats.Improvement:
				arm.UnpairedImprovements++
			}
			ratios[i] = append(ratios[i], row.Ratio)
			noises[i] = append(noises[i], relSpread(a))
			kept = append(kept, trialData{i, o.Seed, a, b})
		}
		calA = append(calA, batch(n, ops))
		calB = append(calB, batch(n, ops))
		if cfg.Progress != nil && ((trial+1)%10 == 0 || trial+1 == cfg.Trials) {
			var parts []string
			for _, arm := range rep.Arms {
				parts = append(parts, fmt.Sprintf("%s %d/%d", armName(arm.Slowdown), arm.Regressions+arm.Improvements, arm.Trials))
			}
			fmt.Fprintf(cfg.Progress, "validate: %d/%d trials (%s) in %.0fs\n", trial+1, cfg.Trials, strings.Join(parts, ", "), time.Since(start).Seconds())
		}
	}
	if len(calA) < minCalibrationSamples {
		// Too few trials to calibrate from: top the pool up.
		for len(calA) < minCalibrationSamples {
			calA = append(calA, batch(n, ops))
			calB = append(calB, batch(n, ops))
		}
	}
	cal, err := Calibrate(syntheticInput("A", calA), syntheticInput("B", calB), cfg.Samples, true)
	if err != nil {
		return nil, err
	}
	cr := cal.Rows[0]
	rep.CalibratedThreshold, rep.CalibratedNoise = cr.Recommended, cr.NoiseFloor
	if cr.Recommended == 0 {
		return nil, fmt.Errorf("validate: calibration failed: %s", cr.Note)
	}
	for _, k := range kept {
		o := opt
		o.Seed, o.Threshold = k.seed, cr.Recommended
		row, err := compareSynthetic(k.a, k.b, o)
		if err != nil {
			return nil, err
		}
		switch row.Verdict {
		case stats.Regression:
			rep.Arms[k.arm].CalibratedRegressions++
		case stats.Improvement:
			rep.Arms[k.arm].CalibratedImprovements++
		}
	}
	var all []float64
	for i := range rep.Arms {
		rep.Arms[i].MedianRatio = stats.Median(ratios[i])
		rep.Arms[i].Noise = stats.Median(noises[i])
		all = append(all, noises[i]...)
	}
	slices.Sort(all)
	q := func(p float64) float64 { return all[min(len(all)-1, int(p*float64(len(all))))] }
	rep.NoiseP50, rep.NoiseP90, rep.NoiseP95 = q(0.5), q(0.9), q(0.95)
	rep.Elapsed = time.Since(start)
	if l := loadAverage(); l != "" {
		rep.Conditions += "; at the end " + l
	}
	return rep, nil
}

func compareSynthetic(a, b []float64, opt stats.Options) (stats.Row, error) {
	c, err := stats.Compare(syntheticInput("A", a), syntheticInput("B", b), opt)
	if err != nil {
		return stats.Row{}, err
	}
	return c.Rows[0], nil
}

// syntheticInput is a one-case Go benchmark input of ns/op samples.
func syntheticInput(file string, ns []float64) *input.Input {
	in := input.New(file, input.KindBenchText)
	cd := &input.CaseData{Samples: map[string][]float64{}}
	for _, v := range ns {
		cd.Add(input.UnitSecPerOp, v*1e-9)
	}
	in.Names = []string{"Synthetic"}
	in.Cases["Synthetic"] = cd
	in.Better[input.UnitSecPerOp] = -1
	return in
}

// relSpread is 1.4826·MAD/median: the relative standard deviation of the
// samples for normal noise, unmoved by a few preempted outliers.
func relSpread(xs []float64) float64 {
	m := stats.Median(slices.Clone(xs))
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - m)
	}
	return 1.4826 * stats.Median(dev) / m
}

func armName(s float64) string {
	if s == 0 {
		return "A/A"
	}
	return fmt.Sprintf("+%g%%", s*100)
}

// machineConditions describes the machine and the load the validation
// started under.
func machineConditions() string {
	s := fmt.Sprintf("%s/%s, %d CPUs, GOMAXPROCS %d", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	if l := loadAverage(); l != "" {
		s += ", " + l
	}
	return s
}

// loadAverage reads Linux's 1, 5 and 15 minute load averages; "" elsewhere.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return "load average " + strings.Join(f[:3], " ")
}

// Rate is k of n as a fraction.
func rate(k, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}

// WriteTable prints the report: per arm the rule's rate at the default and
// the calibrated threshold and plain benchstat's on the same data, the
// targets, and a last line saying whether they were met.
func (r *ValidateReport) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "validation: %d trials per arm, %d samples per side, synthetic op %v (%d chain steps), %v samples (%d ops), alpha %v\n",
		r.Trials, r.Samples, r.OpCost, r.Iterations, r.SampleTime, r.BatchOps, r.Alpha)
	fmt.Fprintf(w, "machine: %s; took %.0fs\n", r.Conditions, r.Elapsed.Seconds())
	fmt.Fprintf(w, "noise per sample (robust sd over median, per trial): median %s, 90th percentile %s, 95th percentile %s; samples needed for 95%% detection of +10%% at %s (normal model): %d, %d, %d\n",
		textfmt.Pct(r.NoiseP50), textfmt.Pct(r.NoiseP90), textfmt.Pct(r.NoiseP95), textfmt.Pct(r.Threshold),
		stats.SamplesFor(0.10, r.Threshold, r.NoiseP50, 0.95), stats.SamplesFor(0.10, r.Threshold, r.NoiseP90, 0.95), stats.SamplesFor(0.10, r.Threshold, r.NoiseP95, 0.95))
	fmt.Fprintf(w, "calibration (A/A samples taken between the trials, resampled at %d a side): noise floor %s, recommended threshold %s\n\n", r.Samples, textfmt.Pct(r.CalibratedNoise), textfmt.Pct(r.CalibratedThreshold))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "arm\tmeasured ratio\tnoise/sample\trule @%s\trule @%s (calibrated)\trule @%s, unpaired\tbenchstat p<%v\ttarget\n", textfmt.Pct(r.Threshold), textfmt.Pct(r.CalibratedThreshold), textfmt.Pct(r.Threshold), r.Alpha)
	for _, a := range r.Arms {
		var rule, cal, unp, bs string
		if a.Slowdown == 0 {
			fp := func(reg, imp int) string {
				return fmt.Sprintf("%s false positives", pctRate(reg+imp, a.Trials))
			}
			rule = fp(a.Regressions, a.Improvements)
			cal = fp(a.CalibratedRegressions, a.CalibratedImprovements)
			unp = fp(a.UnpairedRegressions, a.UnpairedImprovements)
			bs = fp(a.BenchstatChanges, 0)
		} else {
			rule = pctRate(a.Regressions, a.Trials) + " detected"
			cal = pctRate(a.CalibratedRegressions, a.Trials) + " detected"
			unp = pctRate(a.UnpairedRegressions, a.Trials) + " detected"
			bs = pctRate(a.BenchstatSlower, a.Trials) + " detected"
		}
		fmt.Fprintf(tw, "%s\t%.4f\t%s\t%s\t%s\t%s\t%s\t%s\n", armName(a.Slowdown), a.MedianRatio, textfmt.Pct(a.Noise), rule, cal, unp, bs, target(a.Slowdown))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, m := range r.Misses() {
		fmt.Fprintf(w, "missed: %s\n", m)
	}
	if len(r.Misses()) == 0 {
		fmt.Fprintln(w, "validation: every target met")
	} else {
		fmt.Fprintf(w, "validation: %s missed\n", textfmt.Plural(len(r.Misses()), "target"))
	}
	return nil
}

func pctRate(k, n int) string { return fmt.Sprintf("%.1f%% (%d/%d)", 100*rate(k, n), k, n) }

func target(s float64) string {
	switch {
	case s == 0:
		return fmt.Sprintf("<= %g%% false positives", TargetFalsePositive*100)
	case math.Abs(s-0.05) < 1e-9:
		return fmt.Sprintf(">= %g%% detected", TargetDetect5*100)
	case math.Abs(s-0.10) < 1e-9:
		return fmt.Sprintf(">= %g%% detected", TargetDetect10*100)
	}
	return ""
}

// Misses lists the targets the report misses. The false-positive target
// applies at both thresholds. The detection targets apply at the
// calibrated threshold, and at the default threshold only to slowdowns
// larger than it: a slowdown equal to the threshold is, by construction,
// detected at most half the time, since its ratio interval clears the
// threshold only when the estimate lands above the true ratio.
func (r *ValidateReport) Misses() []string {
	var out []string
	for _, a := range r.Arms {
		if a.Slowdown == 0 {
			if fp := rate(a.Regressions+a.Improvements, a.Trials); fp > TargetFalsePositive {
				out = append(out, fmt.Sprintf("A/A false positives %.1f%% at the %s threshold (target <= %g%%)", 100*fp, textfmt.Pct(r.Threshold), TargetFalsePositive*100))
			}
			if fp := rate(a.CalibratedRegressions+a.CalibratedImprovements, a.Trials); fp > TargetFalsePositive {
				out = append(out, fmt.Sprintf("A/A false positives %.1f%% at the calibrated %s threshold (target <= %g%%)", 100*fp, textfmt.Pct(r.CalibratedThreshold), TargetFalsePositive*100))
			}
			continue
		}
		var want float64
		switch {
		case math.Abs(a.Slowdown-0.05) < 1e-9:
			want = TargetDetect5
		case math.Abs(a.Slowdown-0.10) < 1e-9:
			want = TargetDetect10
		default:
			continue
		}
		if d := rate(a.CalibratedRegressions, a.Trials); d < want {
			out = append(out, fmt.Sprintf("%s detected %.1f%% at the calibrated %s threshold (target >= %g%%)", armName(a.Slowdown), 100*d, textfmt.Pct(r.CalibratedThreshold), want*100))
		}
		if a.Slowdown > r.Threshold*1.5 {
			if d := rate(a.Regressions, a.Trials); d < want {
				out = append(out, fmt.Sprintf("%s detected %.1f%% at the %s threshold (target >= %g%%)", armName(a.Slowdown), 100*d, textfmt.Pct(r.Threshold), want*100))
			}
		}
	}
	return out
}
