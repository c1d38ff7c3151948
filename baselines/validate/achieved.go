package validate

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"github.com/bitnet-go/bitnet-bench/baselines/validate/corpus"
)

// Achieved is the slowdown a variant had in the pool's own timings: per
// case, the median over the variant's file runs of each run's median
// sec/op, over the same for the unchanged build's runs ("A" and "A2"),
// minus one. Runs of both were interleaved in time, so the machine's load
// falls on both alike; this, not the nominal slowdown, is what the
// detection rates were measured at.
func Achieved(c *corpus.Corpus, dir string) (map[string]map[string]float64, error) {
	medianOf := func(label string, cs corpus.Case) (float64, int, error) {
		runs, err := corpus.Runs(dir, "file", label, cs.Package)
		if err != nil {
			return 0, 0, err
		}
		var meds []float64
		for _, r := range runs {
			_, _, s, err := RunSamples(r.Path)
			if err != nil {
				return 0, 0, err
			}
			if xs := s[cs.Name()][GatingUnit]; len(xs) > 0 {
				meds = append(meds, median(xs))
			}
		}
		if len(meds) == 0 {
			return math.NaN(), 0, nil
		}
		return median(meds), len(meds), nil
	}
	out := map[string]map[string]float64{}
	for _, cs := range c.Cases {
		a, na, err := medianOf("A", cs)
		if err != nil {
			return nil, err
		}
		a2, na2, err := medianOf("A2", cs)
		if err != nil {
			return nil, err
		}
		base := a
		if na+na2 > 0 && na2 > 0 {
			base = (a*float64(na) + a2*float64(na2)) / float64(na+na2)
		}
		out[cs.Name()] = map[string]float64{}
		for _, v := range c.Variants {
			if v.Slowdown == 0 {
				continue
			}
			b, _, err := medianOf(v.Name, cs)
			if err != nil {
				return nil, err
			}
			out[cs.Name()][v.Name] = b/base - 1
		}
	}
	return out, nil
}

// WriteCorpus prints the corpus: per case its CPU time per op, and per
// slowdown the spin's size as measured from CPU time at build and as the
// pool's timings show it (achieved, nil to leave out).
func WriteCorpus(w io.Writer, c *corpus.Corpus, achieved map[string]map[string]float64) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "case\tpackage\tCPU time/op")
	for _, v := range c.Variants {
		if v.Slowdown > 0 {
			fmt.Fprintf(tw, "\t%s: CPU-time check\t%s: in the pool (wall)", v.Name, v.Name)
		}
	}
	fmt.Fprintln(tw, "\t")
	for _, cs := range c.Cases {
		key := cs.Key()
		fmt.Fprintf(tw, "%s\t%s\t%s", cs.Name(), cs.Package, nsString(c.NsPerOp[key]))
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
