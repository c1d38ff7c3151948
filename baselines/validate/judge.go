package validate

import (
	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
)

// GatingUnit is the metric whose verdict counts.
const GatingUnit = "sec/op"

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
			if r.Unit != GatingUnit {
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
