package validate

import (
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"text/tabwriter"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/internal/textfmt"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
)

// SplitAlternate splits each case's samples of in into two inputs, samples
// 0, 2, 4, ... to a and 1, 3, 5, ... to b, for an A/A comparison of a file
// whose samples were taken in one run.
func SplitAlternate(in *input.Input) (a, b *input.Input) {
	a, b = input.New(in.File+" (even samples)", in.Kind), input.New(in.File+" (odd samples)", in.Kind)
	for _, x := range []*input.Input{a, b} {
		x.Machine, x.GOMAXPROCS, x.CPU = in.Machine, in.GOMAXPROCS, in.CPU
		for u, d := range in.Better {
			x.Better[u] = d
		}
	}
	for _, n := range in.Names {
		src := in.Cases[n]
		ca := &input.CaseData{Samples: map[string][]float64{}, NotMeasured: src.NotMeasured}
		cb := &input.CaseData{Samples: map[string][]float64{}, NotMeasured: src.NotMeasured}
		for _, u := range src.Units {
			for i, v := range src.Samples[u] {
				if i%2 == 0 {
					ca.Add(u, v)
				} else {
					cb.Add(u, v)
				}
			}
		}
		a.Names, b.Names = append(a.Names, n), append(b.Names, n)
		a.Cases[n], b.Cases[n] = ca, cb
	}
	return a, b
}

// CalibrationRow is the A/A noise of one case in one unit.
type CalibrationRow struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
	// N is the samples per side of the comparisons the row calibrates for.
	N int `json:"n"`
	// Ratio, RatioLo and RatioHi are the A/A ratio of medians and its
	// bootstrap interval; P the Mann-Whitney p-value.
	Ratio   float64 `json:"ratio"`
	RatioLo float64 `json:"ratio_lo"`
	RatioHi float64 `json:"ratio_hi"`
	P       float64 `json:"p"`
	// Spread is the samples' relative robust standard deviation
	// (1.4826·MAD/median, both sides pooled).
	Spread float64 `json:"spread"`
	// NoiseFloor is how far apart the medians of two N-sample runs of the
	// same code land 95% of the time: N-sample sets are drawn from the A/A
	// samples (a bootstrap under "nothing changed": pairs of samples taken
	// together when the run was interleaved, else the pooled samples) and
	// it is max(q97.5-1, 1-q2.5) of the ratios of their medians.
	NoiseFloor float64 `json:"noise_floor"`
	// Recommended is the threshold to use for this case: the noise floor
	// rounded up to the next half percent, at least 1%. An A/A comparison
	// then declares a change only when its ratio lands beyond the noise
	// floor by a further interval half-width: about 4 standard deviations.
	Recommended float64 `json:"recommended_threshold"`
	// Detectable is the smallest change detected with 80% probability at
	// the recommended threshold with N samples per side.
	Detectable float64 `json:"detectable_80"`
	// SamplesFor10 is the samples per side that detect a 10% change with
	// 95% probability at the recommended threshold; 0 when none can (the
	// threshold is 10% or more).
	SamplesFor10 int `json:"samples_for_10pct"`
	// Note says why the row has no numbers (missing side, too few samples).
	Note string `json:"note,omitempty"`
}

// Calibration is the outcome of an A/A comparison.
type Calibration struct {
	A          string           `json:"a"`
	B          string           `json:"b"`
	Confidence float64          `json:"confidence"`
	Rows       []CalibrationRow `json:"rows"`
}

// minCalibrationSamples is the fewest samples per side Calibrate uses: what
// benchmath needs for a 95% interval of a median.
const minCalibrationSamples = 6

// Calibrate compares two runs of the same code (A/A) and gives each case
// and unit its noise floor and a recommended threshold for comparisons of n
// samples per side (n <= 0: the smaller side's count). Cases missing on a
// side, or with fewer than 6 samples a side, get a row with a note and no
// recommendation.
//
// With paired (the i-th samples of a and b were taken together, as
// RunAA takes them), the noise floor comes from resampling the pairs, as
// stats.Compare does with stats.Options.Paired; otherwise from resampling the pooled
// samples of both sides.
func Calibrate(a, b *input.Input, n int, paired bool) (*Calibration, error) {
	cmp, err := stats.Compare(a, b, stats.Options{Threshold: 1e-9, Paired: paired})
	if err != nil {
		return nil, err
	}
	cal := &Calibration{A: a.File, B: b.File, Confidence: cmp.Confidence}
	for _, r := range cmp.Rows {
		cr := CalibrationRow{Name: r.Name, Unit: r.Unit}
		if r.Baseline == nil || r.Current == nil {
			cr.Note = string(r.Verdict)
			cal.Rows = append(cal.Rows, cr)
			continue
		}
		cr.Ratio, cr.RatioLo, cr.RatioHi, cr.P = r.Ratio, r.RatioLo, r.RatioHi, r.P
		cr.N = n
		if n <= 0 {
			cr.N = min(r.Baseline.N, r.Current.N)
		}
		if min(r.Baseline.N, r.Current.N) < minCalibrationSamples || cr.N < minCalibrationSamples {
			cr.Note = fmt.Sprintf("too few samples: need >= %d a side", minCalibrationSamples)
			cal.Rows = append(cal.Rows, cr)
			continue
		}
		as, bs := a.Cases[r.Name].Samples[r.Unit], b.Cases[r.Name].Samples[r.Unit]
		pooled := append(append([]float64(nil), as...), bs...)
		if m := stats.Median(append([]float64(nil), pooled...)); m > 0 {
			cr.Spread = relSpread(pooled)
		}
		boot := stats.Bootstrap{Confidence: cmp.Confidence, Resamples: stats.DefaultResamples, Seed: stats.DefaultSeed, Key: r.Name + "\x00" + r.Unit, Size: cr.N}
		var lo, hi float64
		if paired && len(as) == len(bs) {
			boot.Paired = true
			lo, hi = boot.Ratio(as, bs)
		} else {
			lo, hi = boot.Ratio(pooled, pooled)
		}
		if math.IsInf(hi, 0) || lo <= 0 {
			cr.Note = "no finite interval: a median is zero"
			cal.Rows = append(cal.Rows, cr)
			continue
		}
		cr.NoiseFloor = math.Max(1-lo, hi-1)
		cr.Recommended = max(0.01, math.Ceil(cr.NoiseFloor*200-1e-9)/200)
		// The interval of a comparison spans about +-1.96 sigma in log terms.
		sigma := (math.Log(hi) - math.Log(lo)) / 2 / stats.Z975
		cr.Detectable = (1+cr.Recommended)*math.Exp((stats.Z975+stats.Z80)*sigma) - 1
		if gap := math.Log1p(0.10) - math.Log1p(cr.Recommended); gap > 0 {
			k := (stats.Z975 + stats.Z95) * sigma / gap
			cr.SamplesFor10 = max(minCalibrationSamples, int(math.Ceil(float64(cr.N)*k*k)))
		}
		cal.Rows = append(cal.Rows, cr)
	}
	if len(cal.Rows) == 0 {
		return nil, errors.New("calibration: no case to calibrate")
	}
	return cal, nil
}

// Config returns the recommended thresholds as a config: one rule per case
// whose recommendation is not def (the largest over the case's units), and
// def as the default.
func (c *Calibration) Config(def float64) *stats.Config {
	cfg := &stats.Config{Default: def}
	var order []string
	best := map[string]float64{}
	for _, r := range c.Rows {
		if r.Recommended == 0 {
			continue
		}
		if _, ok := best[r.Name]; !ok {
			order = append(order, r.Name)
		}
		best[r.Name] = max(best[r.Name], r.Recommended)
	}
	for _, n := range order {
		if best[n] == def {
			continue
		}
		rule, err := stats.NewThresholdRule(quoteMatch(n), best[n])
		if err == nil {
			cfg.Rules = append(cfg.Rules, rule)
		}
	}
	return cfg
}

// WriteTable prints the calibration, then a last line with the largest
// noise floor.
func (c *Calibration) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "case\tunit\tn\tA/A ratio\t%g%% CI\tp\tspread/sample\tnoise floor\trecommended threshold\tdetects (80%%)\tn for 10%%\tnote\n", c.Confidence*100)
	worst, worstName := 0.0, ""
	for _, r := range c.Rows {
		if r.Note != "" {
			fmt.Fprintf(tw, "%s\t%s\t%d\t\t\t\t\t\t\t\t\t%s\n", r.Name, r.Unit, r.N, r.Note)
			continue
		}
		n10 := "never"
		if r.SamplesFor10 > 0 {
			n10 = fmt.Sprint(r.SamplesFor10)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.4f\t%s\t%.3f\t%s\t%s\t%s\t%s\t%s\t\n", r.Name, r.Unit, r.N, r.Ratio,
			textfmt.Interval(r.RatioLo, r.RatioHi), r.P, textfmt.Pct(r.Spread), textfmt.Pct(r.NoiseFloor), textfmt.Pct(r.Recommended), textfmt.Pct(r.Detectable), n10)
		if r.NoiseFloor > worst {
			worst, worstName = r.NoiseFloor, r.Name+" "+r.Unit
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\ncalibrate: %s calibrated", textfmt.Plural(len(c.Rows), "row"))
	if worstName != "" {
		fmt.Fprintf(&b, "; largest noise floor %s (%s)", textfmt.Pct(worst), worstName)
	}
	fmt.Fprintln(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

// quoteMatch is a regular expression matching exactly name.
func quoteMatch(name string) string { return "^" + regexp.QuoteMeta(name) + "$" }
