package validate

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/bitnet-go/bitnet-bench/baselines/validate/corpus"
)

// The modes of the validation table, as regression-check is used.
const (
	ModeFileOne     = "file mode, one run per side"
	ModeFileHistory = "file mode, baseline history of 5 runs"
	ModeAgainst     = "--against"
)

// HistoryRuns is the baseline history of ModeFileHistory.
const HistoryRuns = 5

// Verdicts of one comparison of one case, as the judge reports them.
const (
	VerdictRegression   = "regression"
	VerdictImprovement  = "improvement"
	VerdictNoChange     = "no change"
	VerdictInconclusive = "inconclusive"
)

// Judge compares the baseline runs (Go benchmark text files, one run each)
// with the current runs, and returns each case's verdict on its gating
// metric. paired says the i-th files of the two sides were taken together
// (an --against window).
type Judge func(base, cur []string, paired bool) (map[string]string, error)

// Cell is what one arm of one mode decided, over every comparison formed
// from the pool.
type Cell struct {
	Mode     string  `json:"mode"`
	Arm      string  `json:"arm"` // "A/A", "+5%", ...
	Slowdown float64 `json:"slowdown"`
	// How the comparisons were formed, in words.
	Pairs string `json:"pairs"`
	// N is the number of case comparisons; the rest count their verdicts.
	N            int `json:"n"`
	Regressions  int `json:"regressions"`
	Improvements int `json:"improvements"`
	Inconclusive int `json:"inconclusive"`
	NoChange     int `json:"no_change"`
	// PerCase counts the regressions per case name (of N per case).
	PerCase map[string][2]int `json:"per_case"`
}

func (c *Cell) add(name, v string) {
	c.N++
	pc := c.PerCase[name]
	pc[1]++
	switch v {
	case VerdictRegression:
		c.Regressions++
		pc[0]++
	case VerdictImprovement:
		c.Improvements++
	case VerdictInconclusive:
		c.Inconclusive++
	default:
		c.NoChange++
	}
	c.PerCase[name] = pc
}

// Rate is the fraction of comparisons called a regression, with its 95%
// Wilson score interval.
func (c *Cell) Rate() (p, lo, hi float64) { return Wilson(c.Regressions, c.N) }

// Wilson returns k/n and its 95% Wilson score interval (0, 0, 1 for n = 0).
func Wilson(k, n int) (p, lo, hi float64) {
	if n == 0 {
		return 0, 0, 1
	}
	const z = 1.959963984540054
	nf := float64(n)
	p = float64(k) / nf
	d := 1 + z*z/nf
	c := (p + z*z/(2*nf)) / d
	h := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / d
	return p, max(0, c-h), min(1, c+h)
}

// PoolOptions say how to form comparisons from a pool.
type PoolOptions struct {
	// Window is the rounds per side of an --against comparison (20).
	Window int
	// Against judges the --against sequences (the judge given to
	// EvaluatePool, on all of a window's rounds, when nil).
	Against RoundsJudge
	// History is the runs of a baseline history (HistoryRuns when 0).
	History int
	// AllPairs forms every pair of runs (baseline earlier than current)
	// and every 5-run history window (sliding by one round), and slides
	// --against windows by a quarter window, rather than using each run
	// once: more comparisons, not independent ones.
	AllPairs bool
}

// EvaluatePool judges the comparisons that a pool's runs make, per mode and
// arm. In file mode a run is every package's run of one round joined into
// one file, as a CI job writes it. With one run per side, a baseline run of round r is
// compared with a current run of round r+1 (A/A: the pool's "A" run of
// round r with its "A2" run of round r+1; a slowdown: "A" of round r with
// the slowdown's run of round r+1), so each run serves once per arm and the
// comparisons are independent but for the machine's state drifting between
// rounds. With history, the "A" runs of rounds r..r+4 are the baseline and
// round r+5's run the current side, r stepping by 6 (every run once). In
// --against mode, back-to-back sequences of consecutive interleaved rounds
// ("A" against "A2" or the slowdown), each of at most Window rounds,
// are judged by opt.Against (SequentialJudge: the looks a sequential run
// takes); each sequence starts where the previous one stopped, as
// consecutive CI runs would each take fresh rounds, so every round serves
// once per arm.
func EvaluatePool(c *corpus.Corpus, dir string, judge Judge, opt PoolOptions) ([]*Cell, error) {
	if opt.Window == 0 {
		opt.Window = 20
	}
	hr := opt.History
	if hr == 0 {
		hr = HistoryRuns
	}
	histMode := ModeFileHistory
	if hr != HistoryRuns {
		histMode = fmt.Sprintf("file mode, baseline history of %d runs", hr)
	}
	if opt.Against == nil {
		opt.Against = func(base, cur []string) (map[string]string, int, error) {
			v, err := judge(base, cur, true)
			return v, len(base), err
		}
	}
	var arms []corpus.Variant
	arms = append(arms, corpus.Variant{Name: "A2"})
	for _, v := range c.Variants {
		if v.Slowdown > 0 {
			arms = append(arms, v)
		}
	}
	var cells []*Cell
	newCell := func(mode string, v corpus.Variant, pairs string) *Cell {
		arm := v.Name
		if arm == "A2" {
			arm = "A/A"
		}
		cell := &Cell{Mode: mode, Arm: arm, Slowdown: v.Slowdown, Pairs: pairs, PerCase: map[string][2]int{}}
		cells = append(cells, cell)
		return cell
	}
	record := func(cell *Cell, verdicts map[string]string, pkg string) {
		for _, cs := range c.Cases {
			if pkg != "" && cs.Package != pkg {
				continue
			}
			v, ok := verdicts[cs.Name()]
			if !ok {
				v = VerdictInconclusive // not judged: never counted as a pass
			}
			cell.add(cs.Name(), v)
		}
	}
	pkgs := corpus.Packages(c.Cases)
	for _, v := range arms {
		one := newCell(ModeFileOne, v, "baseline: run of round r, current: run of round r+1; each run once")
		hist := newCell(histMode, v, fmt.Sprintf("baseline: %d runs of rounds r..r+%d, current: a run of round r+%d; r steps by %d", hr, hr-1, hr, hr+1))
		if opt.AllPairs {
			one.Pairs = "every baseline run with every current run of a later round (pairs share runs)"
			hist.Pairs = fmt.Sprintf("baseline: %d runs of rounds r..r+%d, current: a run of round r+%d, for every r (windows overlap)", hr, hr-1, hr)
		}
		// A file run is every package's run of one round, joined.
		for _, p := range []string{""} {
			base, err := corpus.JoinedRuns(dir, "file", "A", pkgs)
			if err != nil {
				return nil, err
			}
			cur, err := corpus.JoinedRuns(dir, "file", v.Name, pkgs)
			if err != nil {
				return nil, err
			}
			byRound := map[int]string{}
			for _, r := range cur {
				byRound[r.Round] = r.Path
			}
			for i, b := range base {
				if opt.AllPairs {
					for _, r := range cur {
						if r.Round > b.Round {
							if err := judgeInto(judge, one, []string{b.Path}, []string{r.Path}, false, record, p); err != nil {
								return nil, err
							}
						}
					}
				} else if cp, ok := byRound[b.Round+1]; ok {
					if err := judgeInto(judge, one, []string{b.Path}, []string{cp}, false, record, p); err != nil {
						return nil, err
					}
				}
				if (opt.AllPairs || i%(hr+1) == 0) && i+hr <= len(base) {
					h := base[i : i+hr]
					if cp, ok := byRound[h[len(h)-1].Round+1]; ok {
						var paths []string
						for _, r := range h {
							paths = append(paths, r.Path)
						}
						if err := judgeInto(judge, hist, paths, []string{cp}, false, record, p); err != nil {
							return nil, err
						}
					}
				}
			}
		}
		ag := newCell(ModeAgainst, v, fmt.Sprintf("back-to-back sequential runs of at most %d interleaved rounds (each starts where the last stopped), one process per side per round", opt.Window))
		if opt.AllPairs {
			ag.Pairs = fmt.Sprintf("windows of %d interleaved rounds sliding by %d (windows overlap)", opt.Window, max(1, opt.Window/4))
		}
		for _, p := range pkgs {
			base, err := corpus.Runs(dir, "interleaved", "A", p)
			if err != nil {
				return nil, err
			}
			cur, err := corpus.Runs(dir, "interleaved", v.Name, p)
			if err != nil {
				return nil, err
			}
			byRound := map[int]string{}
			for _, r := range cur {
				byRound[r.Round] = r.Path
			}
			var bw, cw []string
			for _, b := range base {
				if cp, ok := byRound[b.Round]; ok {
					bw, cw = append(bw, b.Path), append(cw, cp)
				}
			}
			for i := 0; i+opt.Window <= len(bw); {
				verdicts, used, err := opt.Against(bw[i:i+opt.Window], cw[i:i+opt.Window])
				if err != nil {
					return nil, fmt.Errorf("%s, %s: %w", ag.Mode, ag.Arm, err)
				}
				record(ag, verdicts, p)
				if opt.AllPairs {
					used = max(1, opt.Window/4)
				}
				i += max(used, 1)
			}
		}
	}
	return cells, nil
}

func judgeInto(judge Judge, cell *Cell, base, cur []string, paired bool, record func(*Cell, map[string]string, string), pkg string) error {
	v, err := judge(base, cur, paired)
	if err != nil {
		return fmt.Errorf("%s, %s: %w", cell.Mode, cell.Arm, err)
	}
	record(cell, v, pkg)
	return nil
}

// Target is the target for a mode and arm, as text ("" for none).
func Target(mode string, slowdown float64) string {
	switch {
	case slowdown == 0:
		return "<= 1%"
	case mode == ModeFileOne:
		return "report"
	case math.Abs(slowdown-0.10) < 1e-9 && isHistory(mode):
		return ">= 90%"
	case math.Abs(slowdown-0.05) < 1e-9 && isHistory(mode):
		return ">= 60%"
	case math.Abs(slowdown-0.10) < 1e-9 && mode == ModeAgainst:
		return ">= 95%"
	case math.Abs(slowdown-0.05) < 1e-9 && mode == ModeAgainst:
		return ">= 80%"
	}
	return ""
}

// isHistory says whether mode is a baseline-history mode (of any length).
func isHistory(mode string) bool {
	return strings.HasPrefix(mode, "file mode, baseline history of ")
}

// Met says whether the cell meets its target: the point estimate, and
// whether the whole interval does ("yes", "no", "not shown": the interval
// straddles the target).
func Met(c *Cell) string {
	t := Target(c.Mode, c.Slowdown)
	if t == "" || t == "report" || c.N == 0 {
		return ""
	}
	p, lo, hi := c.Rate()
	var want float64
	fmt.Sscanf(strings.TrimLeft(t, "<>= "), "%g", &want)
	want /= 100
	if strings.HasPrefix(t, "<=") {
		switch {
		case hi <= want:
			return "met"
		case p > want:
			return "MISSED"
		}
		return "not shown (interval straddles)"
	}
	switch {
	case lo >= want:
		return "met"
	case p < want:
		return "MISSED"
	}
	return "not shown (interval straddles)"
}

// WriteCells prints the table: per mode and arm the rate called a
// regression with n and its 95% Wilson interval, the other verdicts, the
// target and whether it is met.
func WriteCells(w io.Writer, cells []*Cell) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "mode\tarm\tcalled regression\t95% interval\tinconclusive\timprovement\ttarget\t")
	for _, c := range cells {
		p, lo, hi := c.Rate()
		fmt.Fprintf(tw, "%s\t%s\t%.1f%% (%d/%d)\t%.1f%%-%.1f%%\t%d\t%d\t%s\t%s\n", c.Mode, c.Arm, 100*p, c.Regressions, c.N, 100*lo, 100*hi,
			c.Inconclusive, c.Improvements, Target(c.Mode, c.Slowdown), Met(c))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Per case, for the cells with the most to say.
	fmt.Fprintln(w, "\nper case (called regression / comparisons):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var names []string
	for _, c := range cells {
		for n := range c.PerCase {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	fmt.Fprint(tw, "mode\tarm")
	for _, n := range names {
		fmt.Fprintf(tw, "\t%s", n)
	}
	fmt.Fprintln(tw, "\t")
	for _, c := range cells {
		fmt.Fprintf(tw, "%s\t%s", c.Mode, c.Arm)
		for _, n := range names {
			pc := c.PerCase[n]
			fmt.Fprintf(tw, "\t%d/%d", pc[0], pc[1])
		}
		fmt.Fprintln(tw, "\t")
	}
	return tw.Flush()
}
