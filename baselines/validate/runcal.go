package validate

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/bitnet-go/bitnet-bench/baselines/stats"
)

// z99 is the one-sided 99% point of the normal distribution: a threshold
// this many standard deviations of an A/A ratio wide is crossed by noise
// alone about 1% of the time.
const z99 = 2.3263478740408408

// RunCalibrationRow is the between-run noise of one case: how far the
// medians of separate runs of unchanged code land apart.
type RunCalibrationRow struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
	// Runs is the number of runs with samples; Samples the fewest samples
	// in one of them (the count the user compares).
	Runs    int `json:"runs"`
	Samples int `json:"samples_per_run"`
	// BetweenRun is the standard deviation of the log of the runs'
	// medians: the run-to-run noise, which includes the within-run noise
	// of a median of Samples samples. WithinRun is the median over runs
	// of the samples' relative robust spread (1.4826·MAD/median), what a
	// calibration from one run's samples would see.
	BetweenRun float64 `json:"between_run"`
	WithinRun  float64 `json:"within_run"`
	// MaxAA is the largest |ratio - 1| of any two runs' medians.
	MaxAA float64 `json:"max_aa"`
	// Recommended is the threshold that noise alone crosses about 1% of
	// the time when one run is compared with one run (the difference of
	// two runs' log medians has standard deviation sqrt(2)·BetweenRun):
	// exp(2.326·sqrt(2)·BetweenRun) - 1, rounded up to the next half
	// percent, at least 1%. RecommendedHistory is the same for a baseline
	// of HistoryRuns runs (sqrt(1 + 1/5)·BetweenRun).
	Recommended        float64 `json:"recommended_threshold"`
	RecommendedHistory float64 `json:"recommended_threshold_history"`
	// Note says why the row has no recommendation.
	Note string `json:"note,omitempty"`
}

// RunCalibration is the outcome of CalibrateRuns.
type RunCalibration struct {
	Rows []RunCalibrationRow `json:"rows"`
}

// MinCalibrationRuns is the fewest runs CalibrateRuns estimates a
// between-run spread from.
const MinCalibrationRuns = 3

// CalibrateRuns measures the between-run noise of each case from runs of
// unchanged code, given as each run's samples per case (case name -> unit
// -> samples, in the order of names). Each run is one process, one CI job:
// its samples share the machine's state, so the spread of the runs' medians,
// not of the samples, is what a comparison of two runs has to clear.
func CalibrateRuns(names []string, units map[string][]string, runs []map[string]map[string][]float64) *RunCalibration {
	cal := &RunCalibration{}
	for _, n := range names {
		for _, u := range units[n] {
			row := RunCalibrationRow{Name: n, Unit: u, Samples: math.MaxInt}
			var logs, within []float64
			for _, r := range runs {
				xs := r[n][u]
				if len(xs) == 0 {
					continue
				}
				m := median(xs)
				if !(m > 0) {
					continue
				}
				row.Samples = min(row.Samples, len(xs))
				logs = append(logs, math.Log(m))
				within = append(within, relSpread(xs))
			}
			row.Runs = len(logs)
			if row.Runs == 0 {
				row.Samples = 0
			}
			if row.Runs < MinCalibrationRuns {
				row.Note = fmt.Sprintf("%d runs with samples: need >= %d separate runs", row.Runs, MinCalibrationRuns)
				cal.Rows = append(cal.Rows, row)
				continue
			}
			row.BetweenRun = stddev(logs)
			row.WithinRun = median(within)
			lo, hi := slices.Min(logs), slices.Max(logs)
			row.MaxAA = math.Exp(hi-lo) - 1
			row.Recommended = roundUpHalfPercent(math.Expm1(z99 * math.Sqrt2 * row.BetweenRun))
			row.RecommendedHistory = roundUpHalfPercent(math.Expm1(z99 * math.Sqrt(1+1.0/HistoryRuns) * row.BetweenRun))
			cal.Rows = append(cal.Rows, row)
		}
	}
	return cal
}

func roundUpHalfPercent(x float64) float64 {
	return max(0.01, math.Ceil(x*200-1e-9)/200)
}

// Recommendations returns, per case, the largest recommendation over its
// units (history: the one for a baseline of HistoryRuns runs), in the
// order of the rows, and the cases that have none with the reason.
func (c *RunCalibration) Recommendations(history bool) (names []string, th map[string]float64, missing []string) {
	th = map[string]float64{}
	reasons := map[string]string{}
	for _, r := range c.Rows {
		rec := r.Recommended
		if history {
			rec = r.RecommendedHistory
		}
		if rec == 0 {
			if _, ok := reasons[r.Name]; !ok {
				reasons[r.Name] = r.Unit + ": " + r.Note
			}
			continue
		}
		if _, ok := th[r.Name]; !ok {
			names = append(names, r.Name)
		}
		th[r.Name] = max(th[r.Name], rec)
	}
	for _, r := range c.Rows {
		if _, ok := th[r.Name]; !ok && !slices.Contains(missing, r.Name+" ("+reasons[r.Name]+")") {
			missing = append(missing, r.Name+" ("+reasons[r.Name]+")")
		}
	}
	return names, th, missing
}

// WriteTable prints the calibration, then a last line with the largest
// recommendation.
func (c *RunCalibration) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "case\tunit\truns\tsamples/run\tbetween-run sd\twithin-run spread\tlargest A/A change\trecommended (1 run a side)\trecommended (%d-run baseline)\tnote\n", HistoryRuns)
	worst, worstName := 0.0, ""
	for _, r := range c.Rows {
		if r.Note != "" {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t\t\t\t\t\t%s\n", r.Name, r.Unit, r.Runs, r.Samples, r.Note)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", r.Name, r.Unit, r.Runs, r.Samples, pct(r.BetweenRun), pct(r.WithinRun), pct(r.MaxAA), pct(r.Recommended), pct(r.RecommendedHistory))
		if r.Recommended > worst {
			worst, worstName = r.Recommended, r.Name+" "+r.Unit
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\ncalibrate: %d rows from separate runs", len(c.Rows))
	if worstName != "" {
		fmt.Fprintf(&b, "; largest recommendation %s (%s)", pct(worst), worstName)
	}
	fmt.Fprintln(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

func pct(f float64) string { return fmt.Sprintf("%.4g%%", f*100) }

// relSpread is 1.4826·MAD/median: the relative standard deviation of the
// samples for normal noise, unmoved by a few preempted outliers.
func relSpread(xs []float64) float64 {
	m := median(xs)
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - m)
	}
	return 1.4826 * median(dev) / m
}

func stddev(xs []float64) float64 {
	var mean float64
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return math.Sqrt(ss / float64(len(xs)-1))
}

// median is stats.Median without reordering xs.
func median(xs []float64) float64 { return stats.Median(slices.Clone(xs)) }
