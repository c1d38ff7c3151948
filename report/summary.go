package report

import (
	"fmt"
	"math"
	"sort"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// Summary is the executive summary: counts, headline numbers, the best
// implementation per operation and, with a baseline, the regressions.
type Summary struct {
	Total, OK, NotImplemented, Unavailable, Failed int

	Headline []Stat
	BestOps  []BestOp

	Compared      bool // a baseline was given
	Regressions   int  // cases with a regression in some unit
	Improvements  int
	Regressed     []RegressedCase // the worst, most severe first
	MoreRegressed int             // regressed cases not listed
}

// Stat is one headline number.
type Stat struct {
	Value, Unit, Label string
	Detail             string // what it refers to, e.g. the case
	Class              string // CSS modifier
}

// BestOp is the fastest implementation of one operation.
type BestOp struct {
	Op, Family, Anchor string
	Variant            string // backend/level that won most configurations
	Wins, Configs      int    // configurations it was fastest in, of those measured
	Value, Unit        string // its peak throughput
	Case               string // where it reached that peak
	// Lead is its speed over the next-fastest implementation, geometric
	// mean over the configurations both ran, e.g. "2.10× cpu/avx2"; ""
	// when no other implementation ran.
	Lead string
}

// RegressedCase is one regression in the summary.
type RegressedCase struct {
	Name, Unit     string
	Ratio, Change  string
	Interval       string
	severityChange float64
}

// maxRegressedListed caps the summary's list; the table has them all.
const maxRegressedListed = 10

func (p *Page) summarize(f *results.File, fams []familyGroup, cmp *stats.Comparison) {
	s := &p.Summary
	anchors := opAnchors(p.Families)
	for _, fg := range fams {
		for oi := range fg.ops {
			if b, ok := bestOp(&fg.ops[oi]); ok {
				b.Family, b.Anchor = fg.name, anchors[b.Op]
				s.BestOps = append(s.BestOps, b)
			}
		}
	}

	// The table says something only where implementations competed.
	compared := false
	for _, b := range s.BestOps {
		compared = compared || b.Lead != ""
	}
	if !compared {
		s.BestOps = nil
	}

	// Headline numbers: the regressions and the peaks.
	var peakMAC, peakGB *results.Case
	for i := range f.Cases {
		c := &f.Cases[i]
		if !c.OK() {
			continue
		}
		if c.GMACps > 0 && (peakMAC == nil || c.GMACps > peakMAC.GMACps) {
			peakMAC = c
		}
		if c.GBps > 0 && (peakGB == nil || c.GBps > peakGB.GBps) {
			peakGB = c
		}
	}
	if cmp != nil {
		n := cmp.Counts()
		s.Compared = true
		s.Regressions, s.Improvements = n.Regressions, n.Improvements
		class := "stat-ok"
		if n.Regressions > 0 {
			class = "stat-error"
		}
		s.Headline = append(s.Headline, Stat{Value: fmt.Sprint(n.Regressions), Label: "regressions",
			Detail: fmt.Sprintf("of %d cases compared with %s", n.Cases, cmp.Baseline), Class: class})
		s.Regressed, s.MoreRegressed = regressed(cmp)
	}
	s.Headline = append(s.Headline, workloadStats(f)...)
	if peakMAC != nil {
		s.Headline = append(s.Headline, Stat{Value: fmtRate(peakMAC.GMACps), Unit: "GMAC/s", Label: "peak arithmetic throughput", Detail: peakMAC.Name})
	}
	if peakGB != nil {
		s.Headline = append(s.Headline, Stat{Value: fmtRate(peakGB.GBps), Unit: "GB/s", Label: "peak data throughput", Detail: peakGB.Name})
	}
}

// regressed lists the cases that regressed, worst change first, one line
// per case (its primary unit when it has it).
func regressed(cmp *stats.Comparison) ([]RegressedCase, int) {
	seen := map[string]int{}
	var out []RegressedCase
	for _, r := range cmp.Rows {
		if r.Verdict != stats.Regression || r.Ratio <= 0 || math.IsInf(r.Ratio, 0) {
			continue
		}
		sev := r.Ratio - 1
		if r.HigherIsBetter {
			sev = 1/r.Ratio - 1
		}
		rc := RegressedCase{Name: r.Name, Unit: r.Unit, Ratio: fmt.Sprintf("%.3f×", r.Ratio), Change: change(r.Ratio), severityChange: sev}
		if r.RatioLo > 0 || (r.RatioHi > 0 && !math.IsInf(r.RatioHi, 0)) {
			rc.Interval = fmt.Sprintf("[%.3f, %.3f]", r.RatioLo, r.RatioHi)
		}
		if i, ok := seen[r.Name]; ok {
			if r.Unit == input.UnitSecPerOp {
				out[i] = rc
			}
			continue
		}
		seen[r.Name] = len(out)
		out = append(out, rc)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].severityChange > out[b].severityChange })
	if len(out) > maxRegressedListed {
		return out[:maxRegressedListed], len(out) - maxRegressedListed
	}
	return out, 0
}

// bestOp finds the implementation (backend/level) that is fastest in the
// most configurations of an op (shape, dtype and threads held equal).
func bestOp(g *opGroup) (BestOp, bool) {
	ok := g.ok()
	if len(ok) == 0 {
		return BestOp{}, false
	}
	met := opMetric(ok)
	configs := byConfig(ok)
	wins := map[string]int{}
	var order []string
	for _, c := range ok {
		if _, seen := wins[variant(c)]; !seen {
			wins[variant(c)] = 0
			order = append(order, variant(c))
		}
	}
	for _, cs := range configs {
		wins[variant(fastest(cs))]++
	}
	peak := map[string]*results.Case{}
	for _, c := range ok {
		v := variant(c)
		if p := peak[v]; p == nil || better(c, p, met) {
			peak[v] = c
		}
	}
	best := order[0]
	for _, v := range order[1:] {
		if wins[v] > wins[best] || (wins[v] == wins[best] && better(peak[v], peak[best], met)) {
			best = v
		}
	}
	b := BestOp{Op: g.name, Variant: best, Wins: wins[best], Configs: len(configs), Case: peak[best].Name}
	if met.unit != "" {
		b.Value, b.Unit = fmtRate(met.value(peak[best])), met.unit
	} else {
		b.Value, b.Unit = fmtNs(peak[best].MedianNs), "per op"
	}
	// Its lead: per configuration, the next-fastest other implementation's
	// time over its own.
	var ratios []float64
	nextCount := map[string]int{}
	for _, cs := range configs {
		var mine, other *results.Case
		for _, c := range cs {
			switch {
			case variant(c) == best:
				mine = c
			case other == nil || c.MedianNs < other.MedianNs:
				other = c
			}
		}
		if mine != nil && other != nil {
			ratios = append(ratios, other.MedianNs/mine.MedianNs)
			nextCount[variant(other)]++
		}
	}
	if len(ratios) > 0 {
		next := ""
		for v, n := range nextCount {
			if next == "" || n > nextCount[next] || (n == nextCount[next] && v < next) {
				next = v
			}
		}
		b.Lead = fmt.Sprintf("%s %s", fmtRatio(geomean(ratios)), next)
		if len(nextCount) > 1 {
			b.Lead = fmt.Sprintf("%s the next fastest (mostly %s)", fmtRatio(geomean(ratios)), next)
		}
	}
	return b, true
}

// opMetric is the throughput unit an op is ranked in: tokens/s for a model
// workload, GMAC/s when its cases do arithmetic, GB/s when they only move data, none when neither is known.
func opMetric(cs []*results.Case) metric {
	for _, c := range cs {
		if c.TokensPerS > 0 {
			return metricTokens
		}
	}
	for _, c := range cs {
		if c.GMACps > 0 {
			return metricGMAC
		}
	}
	for _, c := range cs {
		if c.GBps > 0 {
			return metricGB
		}
	}
	return metric{}
}

// better reports whether a outperforms b: higher throughput in m, or, for
// an op without throughput, less time per op.
func better(a, b *results.Case, m metric) bool {
	if m.value != nil {
		return m.value(a) > m.value(b)
	}
	return a.MedianNs < b.MedianNs
}

func fastest(cs []*results.Case) *results.Case {
	best := cs[0]
	for _, c := range cs[1:] {
		if c.MedianNs < best.MedianNs {
			best = c
		}
	}
	return best
}

func geomean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += math.Log(x)
	}
	return math.Exp(s / float64(len(xs)))
}

func minMax(xs []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}
