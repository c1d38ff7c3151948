package validate

import (
	"github.com/bitnet-go/bitnet-bench/baselines/abrun"
	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
)

// FileJudge judges with regression-check's own comparison, as the files
// would be compared on the command line (several files a side merged).
func FileJudge(opt stats.Options) Judge {
	return func(base, cur []string, paired bool) (map[string]string, error) {
		b, err := input.ReadInputs(base)
		if err != nil {
			return nil, err
		}
		c, err := input.ReadInputs(cur)
		if err != nil {
			return nil, err
		}
		o := opt
		o.Paired = paired
		cmp, err := stats.Compare(b, c, o)
		if err != nil {
			return nil, err
		}
		out := map[string]string{}
		for _, r := range cmp.Rows {
			if !r.Gated {
				continue
			}
			switch r.Verdict {
			case stats.Regression:
				out[r.Name] = VerdictRegression
			case stats.Improvement:
				out[r.Name] = VerdictImprovement
			case stats.NoChange:
				out[r.Name] = VerdictNoChange
			default:
				out[r.Name] = VerdictInconclusive
			}
		}
		return out, nil
	}
}

// RunSamples reads one run (a Go benchmark text file) as case -> unit ->
// samples, and the case names in order.
func RunSamples(path string) (names []string, units map[string][]string, samples map[string]map[string][]float64, err error) {
	in, err := input.ReadInput(path)
	if err != nil {
		return nil, nil, nil, err
	}
	units, samples = map[string][]string{}, map[string]map[string][]float64{}
	for _, n := range in.Names {
		cd := in.Cases[n]
		units[n] = cd.Units
		samples[n] = cd.Samples
	}
	return in.Names, units, samples, nil
}

// RoundsJudge judges one sequential --against run over the interleaved
// rounds base[i], cur[i] and says how many of them it used.
type RoundsJudge func(base, cur []string) (verdicts map[string]string, used int, err error)

// SequentialJudge judges an --against window as regression-check --against
// --budget does: the window is the rounds the budget planned
// (abrun.Look.Planned); it looks at the first n rounds for each n that
// abrun.Looks(first, len(base)) lists, each look at its O'Brien-Fleming
// share of the error rate (stats.Options.AtLook), and stops at the first
// look where every case is decided (not inconclusive).
func SequentialJudge(opt stats.Options, first int) RoundsJudge {
	return func(base, cur []string) (map[string]string, int, error) {
		planned := len(base)
		var out map[string]string
		prev := 0
		for _, n := range abrun.Looks(min(first, planned), planned) {
			v, err := FileJudge(opt.AtLook(prev, n, planned))(base[:n], cur[:n], true)
			if err != nil {
				return nil, n, err
			}
			out, prev = v, n
			decided := true
			for _, verdict := range v {
				decided = decided && verdict != VerdictInconclusive
			}
			if decided {
				break
			}
		}
		return out, prev, nil
	}
}
