package validate

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"github.com/bitnet-go/bitnet-bench/baselines/validate/corpus"
)

// Achieved is the slowdown a variant had in the pool's own timings, per
// case. Where the variant ran in the interleaved rounds, it is the median
// over rounds of the ratio of its value in unit (the gating metric, tidied:
// sec/op, cpu-sec/op) to the unchanged build's ("A") in
// the same round: the two ran within seconds of each other, so the
// machine's load mostly cancels. Otherwise it is the ratio of the medians
// over file runs of each run's median (noisier: runs minutes apart).
// These, not the nominal slowdowns, are what the detection rates were
// measured at.
func Achieved(c *corpus.Corpus, dir, unit string) (map[string]map[string]float64, error) {
	sample := func(path, name string) (float64, error) {
		_, _, s, err := RunSamples(path)
		if err != nil {
			return 0, err
		}
		xs := s[name][unit]
		if len(xs) == 0 {
			return math.NaN(), nil
		}
		return median(xs), nil
	}
	byRound := func(kind, label string, cs corpus.Case) (map[int]float64, error) {
		runs, err := corpus.Runs(dir, kind, label, cs.Package)
		if err != nil {
			return nil, err
		}
		out := map[int]float64{}
		for _, r := range runs {
			v, err := sample(r.Path, cs.Name())
			if err != nil {
				return nil, err
			}
			if !math.IsNaN(v) {
				out[r.Round] = v
			}
		}
		return out, nil
	}
	medianOf := func(m map[int]float64) float64 {
		var xs []float64
		for _, v := range m {
			xs = append(xs, v)
		}
		return median(xs)
	}
	out := map[string]map[string]float64{}
	for _, cs := range c.Cases {
		out[cs.Name()] = map[string]float64{}
		ia, err := byRound("interleaved", "A", cs)
		if err != nil {
			return nil, err
		}
		fa, err := byRound("file", "A", cs)
		if err != nil {
			return nil, err
		}
		for _, v := range c.Variants {
			if v.Slowdown == 0 {
				continue
			}
			ib, err := byRound("interleaved", v.Name, cs)
			if err != nil {
				return nil, err
			}
			var ratios []float64
			for r, b := range ib {
				if a, ok := ia[r]; ok && a > 0 {
					ratios = append(ratios, b/a)
				}
			}
			if len(ratios) > 0 {
				out[cs.Name()][v.Name] = median(ratios) - 1
				continue
			}
			fb, err := byRound("file", v.Name, cs)
			if err != nil {
				return nil, err
			}
			out[cs.Name()][v.Name] = medianOf(fb)/medianOf(fa) - 1
		}
	}
	return out, nil
}

// CaseNoise is how noisy one case was in the pool: Interleaved is the
// robust relative spread (1.4826·MAD/median) of the unchanged build's
// interleaved runs, one sample each (what an --against comparison faces
// per sample); BetweenRun the standard deviation of the log of its file
// runs' medians (what a comparison of two files faces); WithinRun the
// median over file runs of their samples' spread (what a calibration from
// one run's samples would see).
type CaseNoise struct {
	Interleaved float64 `json:"interleaved"`
	BetweenRun  float64 `json:"between_run"`
	WithinRun   float64 `json:"within_run"`
}

// Noise measures each case's CaseNoise from the unchanged build's runs.
func Noise(c *corpus.Corpus, dir, unit string) (map[string]CaseNoise, error) {
	out := map[string]CaseNoise{}
	for _, cs := range c.Cases {
		var n CaseNoise
		runs, err := corpus.Runs(dir, "interleaved", "A", cs.Package)
		if err != nil {
			return nil, err
		}
		var one []float64
		for _, r := range runs {
			_, _, s, err := RunSamples(r.Path)
			if err != nil {
				return nil, err
			}
			one = append(one, s[cs.Name()][unit]...)
		}
		if len(one) > 2 {
			n.Interleaved = relSpread(one)
		}
		var files []map[string]map[string][]float64
		for _, label := range []string{"A", "A2"} {
			runs, err := corpus.Runs(dir, "file", label, cs.Package)
			if err != nil {
				return nil, err
			}
			for _, r := range runs {
				_, _, s, err := RunSamples(r.Path)
				if err != nil {
					return nil, err
				}
				files = append(files, s)
			}
		}
		cal := CalibrateRuns([]string{cs.Name()}, map[string][]string{cs.Name(): {unit}}, files)
		if r := cal.Rows[0]; r.Note == "" {
			n.BetweenRun, n.WithinRun = r.BetweenRun, r.WithinRun
		}
		out[cs.Name()] = n
	}
	return out, nil
}

// WriteCorpus prints the corpus: per case its CPU time per op, its noise
// in the pool, and per
// slowdown the spin's size as measured from CPU time at build and as the
// pool's timings in unit (the gating metric) show it (achieved, nil to
// leave out).
func WriteCorpus(w io.Writer, c *corpus.Corpus, unit string, achieved map[string]map[string]float64, noise map[string]CaseNoise) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "case\tpackage\tCPU time/op\tspread/sample interleaved\tbetween-run sd\twithin-run spread")
	for _, v := range c.Variants {
		if v.Slowdown > 0 {
			fmt.Fprintf(tw, "\t%s: CPU-time check\t%s: in the pool (%s)", v.Name, v.Name, unit)
		}
	}
	fmt.Fprintln(tw, "\t")
	for _, cs := range c.Cases {
		key := cs.Key()
		nz := noise[cs.Name()]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s", cs.Name(), cs.Package, nsString(c.NsPerOp[key]), pct(nz.Interleaved), pct(nz.BetweenRun), pct(nz.WithinRun))
		for _, v := range c.Variants {
			if v.Slowdown == 0 {
				continue
			}
			pool := "-"
			if a, ok := achieved[cs.Name()][v.Name]; ok && !math.IsNaN(a) {
				pool = fmt.Sprintf("%+.1f%%", 100*a)
			}
			fmt.Fprintf(tw, "\t%+.1f%% ±%.1f\t%s", 100*v.Injected[key], 100*v.InjectedSpread[key], pool)
		}
		fmt.Fprintln(tw, "\t")
	}
	return tw.Flush()
}

func nsString(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.3gms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.3gµs", ns/1e3)
	}
	return fmt.Sprintf("%.3gns", ns)
}
