package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
)

// Recommendation is one finding the data shows, with its numbers. Each
// rule below states only what the measurements support: a comparison needs
// the confidence intervals of the two medians apart, a threshold on the
// size of the effect, and names how many configurations it rests on.
type Recommendation struct {
	Rule    string   // which rule: isa, threads, bitlinear, roofline, noise
	Title   string   // the advice in a few words
	Text    string   // the finding, with its numbers
	Details []string // the data points behind it, the first maxDetails of them
	// DataPoints counts them all.
	DataPoints int
	Anchor     string // the section with the charts behind it; "" for none
}

// Thresholds of the rules.
const (
	// minLead is the smallest speed-up worth a recommendation.
	minLead = 1.10
	// Thread scaling: parallel efficiency (speed-up ÷ threads) at or above
	// goodScaling is worth using, below poorScaling is not.
	goodScaling = 0.80
	poorScaling = 0.60
	// farBelowRoof: a case reaching less than this share of its roofline
	// bound is held back by something other than the limits measured.
	farBelowRoof = 0.25
	// noisyCI: a confidence interval wider than this fraction of the
	// median either side makes the case's numbers soft.
	noisyCI = 0.10
	// maxDetails caps the example lines of one recommendation.
	maxDetails = 8
)

// Operation names the BitLinear rule compares.
const (
	opBitLinear = string(kernels.OpBitLinear)
	opMatMul    = string(kernels.OpMatMul)
)

// recommend runs every rule over the measured cases, in a fixed order.
// anchors maps operations to their sections.
func recommend(f *results.File, anchors map[string]string) []Recommendation {
	var ok []*results.Case
	for i := range f.Cases {
		if f.Cases[i].OK() {
			ok = append(ok, &f.Cases[i])
		}
	}
	ops := byOp(ok)
	var out []Recommendation
	out = append(out, ruleLevels(ops, anchors)...)
	out = append(out, ruleThreads(ops, anchors)...)
	out = append(out, ruleBitLinear(ops, anchors)...)
	out = append(out, ruleRoofline(ok)...)
	out = append(out, ruleNoise(ok, f.Config.Samples)...)
	return out
}

type opCases struct {
	name  string
	cases []*results.Case
}

func byOp(cs []*results.Case) []opCases {
	idx := map[string]int{}
	var out []opCases
	for _, c := range cs {
		n := opName(c)
		i, ok := idx[n]
		if !ok {
			i = len(out)
			idx[n] = i
			out = append(out, opCases{name: n})
		}
		out[i].cases = append(out[i].cases, c)
	}
	return out
}

// configKey identifies what a case measured apart from the implementation:
// op, shape, dtype and threads.
func configKey(c *results.Case) string {
	return fmt.Sprintf("%s|%d|%d|%d|%s|%d", opName(c), c.Shape.M, c.Shape.N, c.Shape.K, c.DType, c.Threads)
}

// sizeLabel is the weights' N×K, or the width K of a per-token op.
func sizeLabel(s results.Shape) string {
	if s.N > 0 {
		return fmt.Sprintf("%dx%d", s.N, s.K)
	}
	return strconv.Itoa(s.K)
}

// configLabel names a configuration within its op: "2560x6912 b8 t2"; a
// model workload by its model and what M means for it: "2B4T ctx128",
// "2B4T prompt 512", "2B4T seq4096".
func configLabel(c *results.Case) string {
	s := sizeLabel(c.Shape)
	if isWorkload(c) {
		s = workloadModel(c)
	}
	if m := mLabel(c); m != "" {
		s += " " + m
	}
	if c.Threads > 1 {
		s += " t" + strconv.Itoa(c.Threads)
	}
	return s
}

// mLabel names a case's M: the batch of an op ("b8"), the context of a
// decode step ("ctx128"), the prompt of a prefill ("prompt 128") or the
// sequence of an attention ("seq128"); "" for an op without a batch.
func mLabel(c *results.Case) string {
	m := c.Shape.M
	if m <= 0 {
		return ""
	}
	if isWorkload(c) {
		switch c.Op {
		case "Decode":
			return "ctx" + strconv.Itoa(m)
		case "Prefill":
			return "prompt " + strconv.Itoa(m)
		case "Attention":
			return "seq" + strconv.Itoa(m)
		}
	}
	return "b" + strconv.Itoa(m)
}

// mAxis names the quantity M stands for in an op, for a chart axis.
func mAxis(c *results.Case) string {
	if isWorkload(c) {
		switch c.Op {
		case "Decode":
			return "context (tokens in the KV cache)"
		case "Prefill":
			return "prompt length (tokens)"
		case "Attention":
			return "sequence length (tokens)"
		}
	}
	return "batch size M (tokens)"
}

// byConfig groups cases by configKey, in order of first appearance.
func byConfig(cs []*results.Case) [][]*results.Case {
	idx := map[string]int{}
	var out [][]*results.Case
	for _, c := range cs {
		k := configKey(c)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], c)
	}
	return out
}

// separated reports whether a is faster than b beyond doubt: a's interval
// ends below b's. Without recorded intervals the samples' ranges must not
// overlap.
func separated(a, b *results.Case) bool {
	if a.CIHighNs > 0 && b.CILowNs > 0 {
		return a.CIHighNs < b.CILowNs
	}
	_, aMax := minMax(a.SamplesNs)
	bMin, _ := minMax(b.SamplesNs)
	return len(a.SamplesNs) > 0 && len(b.SamplesNs) > 0 && aMax < bMin
}

// level is the short name of an implementation: the ISA level on the CPU.
func level(c *results.Case) string {
	if c.Backend == "cpu" && c.Level != "" {
		return c.Level
	}
	return variant(c)
}

func rangeText(xs []float64) string {
	lo, hi := minMax(xs)
	if len(xs) == 1 || hi/lo < 1.005 {
		return ""
	}
	return fmt.Sprintf(", %s–%s", fmtRatio(lo), fmtRatio(hi))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// ruleLevels: per operation, the fastest implementation against the next
// fastest at the same shape and threads. An operation counts when one pair
// of implementations is separated (intervals apart) in at least half of its
// configurations that have more than one implementation, and the geometric
// mean of their ratio there is at least minLead. Operations with the same
// pair make one recommendation.
func ruleLevels(ops []opCases, anchors map[string]string) []Recommendation {
	type pair struct{ best, next string }
	type finding struct {
		op       string
		ratios   []float64
		compared int
		lines    []string
	}
	var pairs []pair
	found := map[pair][]finding{}
	for _, op := range ops {
		ratios := map[pair][]float64{}
		var order []pair
		lines := map[pair][]string{}
		compared := 0
		for _, cs := range byConfig(op.cases) {
			if len(cs) < 2 {
				continue
			}
			compared++
			s := append([]*results.Case(nil), cs...)
			sort.SliceStable(s, func(a, b int) bool { return s[a].MedianNs < s[b].MedianNs })
			b, n := s[0], s[1]
			if !separated(b, n) {
				continue
			}
			k := pair{level(b), level(n)}
			if _, seen := ratios[k]; !seen {
				order = append(order, k)
			}
			r := n.MedianNs / b.MedianNs
			ratios[k] = append(ratios[k], r)
			lines[k] = append(lines[k], fmt.Sprintf("%s %s: %s %s vs %s %s (%s)",
				op.name, configLabel(b), k.best, fmtNs(b.MedianNs), k.next, fmtNs(n.MedianNs), fmtRatio(r)))
		}
		if len(order) == 0 {
			continue
		}
		top := order[0]
		for _, k := range order[1:] {
			if len(ratios[k]) > len(ratios[top]) || (len(ratios[k]) == len(ratios[top]) && geomean(ratios[k]) > geomean(ratios[top])) {
				top = k
			}
		}
		rs := ratios[top]
		if 2*len(rs) < compared || geomean(rs) < minLead {
			continue
		}
		if _, seen := found[top]; !seen {
			pairs = append(pairs, top)
		}
		found[top] = append(found[top], finding{op: op.name, ratios: rs, compared: compared, lines: lines[top]})
	}
	var out []Recommendation
	for _, k := range pairs {
		fs := found[k]
		var parts, lines, names []string
		for _, f := range fs {
			names = append(names, f.op)
			parts = append(parts, fmt.Sprintf("%s %s (%d of %d configurations%s)",
				f.op, fmtRatio(geomean(f.ratios)), len(f.ratios), f.compared, rangeText(f.ratios)))
			lines = append(lines, f.lines...)
		}
		rec := Recommendation{Rule: "isa", Details: capLines(lines), DataPoints: len(lines), Anchor: anchors[fs[0].op]}
		if len(fs) == 1 {
			f := fs[0]
			rec.Title = fmt.Sprintf("Use %s for %s", k.best, f.op)
			rec.Text = fmt.Sprintf("%s: %s is %s %s (geometric mean over %d of %d configurations with more than one implementation%s; intervals apart in each).",
				f.op, k.best, fmtRatio(geomean(f.ratios)), k.next, len(f.ratios), f.compared, rangeText(f.ratios))
		} else {
			rec.Title = fmt.Sprintf("Use %s rather than %s for %s", k.best, k.next, joinAnd(names))
			rec.Text = fmt.Sprintf("%s beats the next fastest, %s, with intervals apart, in %d operations (geometric mean of the ratio per operation, over the configurations where the two were apart): %s.",
				k.best, k.next, len(fs), strings.Join(parts, "; "))
		}
		out = append(out, rec)
	}
	return out
}

// joinAnd joins names as "a, b and c", naming at most four.
func joinAnd(names []string) string {
	switch n := len(names); {
	case n == 0:
		return ""
	case n == 1:
		return names[0]
	case n > 4:
		return strings.Join(names[:3], ", ") + fmt.Sprintf(" and %d more", n-3)
	default:
		return strings.Join(names[:n-1], ", ") + " and " + names[n-1]
	}
}

// ruleThreads: per operation and thread count t > 1, the speed-up over one
// thread of the same implementation at the same shape. It fires when the
// geometric-mean parallel efficiency is at least goodScaling (use the
// threads) or below poorScaling (they do not pay).
func ruleThreads(ops []opCases, anchors map[string]string) []Recommendation {
	var out []Recommendation
	for _, op := range ops {
		one := map[string]*results.Case{}
		key := func(c *results.Case) string {
			return fmt.Sprintf("%d|%d|%d|%s|%s", c.Shape.M, c.Shape.N, c.Shape.K, c.DType, variant(c))
		}
		var ts []int
		for _, c := range op.cases {
			if c.Threads <= 1 {
				one[key(c)] = c
			} else if !containsInt(ts, c.Threads) {
				ts = append(ts, c.Threads)
			}
		}
		sort.Ints(ts)
		for _, t := range ts {
			var speedups []float64
			var lines []string
			var bestLine string
			bestEff := 0.0
			for _, c := range op.cases {
				if c.Threads != t {
					continue
				}
				base := one[key(c)]
				if base == nil {
					continue
				}
				s := base.MedianNs / c.MedianNs
				speedups = append(speedups, s)
				line := fmt.Sprintf("%s %s: %s with 1 thread, %s with %d (%s)",
					shapeLabel(c), level(c), fmtNs(base.MedianNs), fmtNs(c.MedianNs), t, fmtRatio(s))
				lines = append(lines, line)
				if e := s / float64(t); e > bestEff {
					bestEff, bestLine = e, line
				}
			}
			if len(speedups) == 0 {
				continue
			}
			gm := geomean(speedups)
			eff := gm / float64(t)
			what := fmt.Sprintf("%d threads run %s %s as fast as 1 (%.0f%% parallel efficiency; geometric mean over %s%s)",
				t, op.name, fmtRatio(gm), eff*100, plural(len(speedups), "configuration", "configurations"), rangeText(speedups))
			switch {
			case eff >= goodScaling:
				out = append(out, Recommendation{
					Rule: "threads", Title: fmt.Sprintf("Run %s on %d threads", op.name, t),
					Text: what + ".", Details: capLines(lines), DataPoints: len(lines), Anchor: anchors[op.name],
				})
			case eff < poorScaling:
				text := what + ": the split does not pay at these sizes; keep 1 thread, or split only larger problems."
				if bestEff >= goodScaling {
					text = what + ". It pays only in some configurations; the best is " + bestLine + "."
				}
				out = append(out, Recommendation{
					Rule: "threads", Title: fmt.Sprintf("%d threads barely help %s", t, op.name),
					Text: text, Details: capLines(lines), DataPoints: len(lines), Anchor: anchors[op.name],
				})
			}
		}
	}
	return out
}

// shapeLabel is configLabel without the threads.
func shapeLabel(c *results.Case) string {
	if isWorkload(c) {
		return strings.TrimSpace(workloadModel(c) + " " + mLabel(c))
	}
	return strings.TrimSpace(sizeLabel(c.Shape) + " " + mLabel(c))
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// ruleBitLinear: BitLinear (packed ternary weights) against dense MatMul at
// the same shape and threads, the fastest implementation of each. It fires
// when the geometric mean over the shapes whose intervals are apart is at
// least minLead either way.
func ruleBitLinear(ops []opCases, anchors map[string]string) []Recommendation {
	var bl, mm []*results.Case
	for _, op := range ops {
		switch op.name {
		case opBitLinear:
			bl = op.cases
		case opMatMul:
			mm = op.cases
		}
	}
	if len(bl) == 0 || len(mm) == 0 {
		return nil
	}
	key := func(c *results.Case) string {
		return fmt.Sprintf("%d|%d|%d|%d", c.Shape.M, c.Shape.N, c.Shape.K, c.Threads)
	}
	bestOf := func(cs []*results.Case) (map[string]*results.Case, []string) {
		m := map[string]*results.Case{}
		var order []string
		for _, c := range cs {
			k := key(c)
			if p, ok := m[k]; !ok {
				order = append(order, k)
				m[k] = c
			} else if c.MedianNs < p.MedianNs {
				m[k] = c
			}
		}
		return m, order
	}
	bb, order := bestOf(bl)
	mb, _ := bestOf(mm)
	var ratios []float64
	var lines []string
	shared := 0
	for _, k := range order {
		b, m := bb[k], mb[k]
		if m == nil {
			continue
		}
		shared++
		if !separated(b, m) && !separated(m, b) {
			continue
		}
		r := m.MedianNs / b.MedianNs
		ratios = append(ratios, r)
		lines = append(lines, fmt.Sprintf("%s: BitLinear %s (%s) vs MatMul %s (%s): %s",
			configLabel(b), fmtNs(b.MedianNs), level(b), fmtNs(m.MedianNs), level(m), fmtRatio(r)))
	}
	if len(ratios) == 0 {
		return nil
	}
	gm := geomean(ratios)
	basis := fmt.Sprintf("fastest implementation of each; geometric mean over %d of %d shared shapes%s", len(ratios), shared, rangeText(ratios))
	switch {
	case gm >= minLead:
		return []Recommendation{{
			Rule: "bitlinear", Title: "Use BitLinear over dense MatMul",
			Text:    fmt.Sprintf("BitLinear (ternary weights) is %s dense f32 MatMul at the same shapes (%s).", fmtRatio(gm), basis),
			Details: capLines(lines), DataPoints: len(lines), Anchor: anchors[opBitLinear],
		}}
	case gm <= 1/minLead:
		return []Recommendation{{
			Rule: "bitlinear", Title: "BitLinear is slower than dense MatMul",
			Text:    fmt.Sprintf("BitLinear (ternary weights) runs at %s the speed of dense f32 MatMul at the same shapes (%s): its kernel needs work before it pays.", fmtRatio(gm), basis),
			Details: capLines(lines), DataPoints: len(lines), Anchor: anchors[opBitLinear],
		}}
	}
	return nil
}

// roofBounded reports whether every roof that applies to the case was
// measured, so that its share of the bound means something: a case with
// MACs needs its compute roof (int8, for i2 weights) and a data-only case
// the read bandwidth. A float GEMM's compute roof is not measured.
func roofBounded(c *results.Case) bool {
	if c.MACsPerOp > 0 {
		return c.PctOfInt8Peak > 0 && c.PctOfReadBW > 0
	}
	return c.PctOfReadBW > 0
}

// ruleRoofline: cases whose achieved rate is below farBelowRoof of their
// roofline bound, among those whose roofs were all measured.
func ruleRoofline(ok []*results.Case) []Recommendation {
	var low []*results.Case
	bounded := 0
	for _, c := range ok {
		if !roofBounded(c) {
			continue
		}
		bounded++
		if roofShare(c) < farBelowRoof {
			low = append(low, c)
		}
	}
	if len(low) == 0 {
		return nil
	}
	sort.SliceStable(low, func(a, b int) bool { return roofShare(low[a]) < roofShare(low[b]) })
	var lines []string
	for _, c := range low {
		lines = append(lines, fmt.Sprintf("%s: %s of its bound (%s)", c.Name, fmtShare(roofShare(c)), roofTitle(c)))
	}
	return []Recommendation{{
		Rule:  "roofline",
		Title: "Look for speed-ups far below the roofline",
		Text: fmt.Sprintf("%s of %d reach less than %.0f%% of their roofline bound (the lower of the bandwidth and int8 compute limits measured on this machine); the furthest is %s at %s. Something other than those limits holds them back: per-call overhead, a scalar path or poor vectorisation.",
			plural(len(low), "case", "cases"), bounded, farBelowRoof*100, low[0].Name, fmtShare(roofShare(low[0]))),
		Details: capLines(lines), DataPoints: len(lines),
		Anchor: "roofline",
	}}
}

// ruleNoise: cases whose median's interval is wider than noisyCI either
// side.
func ruleNoise(ok []*results.Case, samples int) []Recommendation {
	type noisy struct {
		c *results.Case
		w float64
	}
	var ns []noisy
	for _, c := range ok {
		if w := ciHalfWidth(c); w > noisyCI {
			ns = append(ns, noisy{c, w})
		}
	}
	if len(ns) == 0 {
		return nil
	}
	sort.SliceStable(ns, func(a, b int) bool { return ns[a].w > ns[b].w })
	var lines []string
	for _, n := range ns {
		lines = append(lines, fmt.Sprintf("%s: %s %s, %d samples", n.c.Name, fmtNs(n.c.MedianNs), fmtCI(n.c.MedianNs, n.c.CILowNs, n.c.CIHighNs), len(n.c.SamplesNs)))
	}
	more := "more samples (--samples)"
	if samples > 0 {
		more = fmt.Sprintf("more samples (--samples; this run took %d)", samples)
	}
	return []Recommendation{{
		Rule:  "noise",
		Title: "Measure the noisy cases again",
		Text: fmt.Sprintf("%s of %d have a confidence interval wider than ±%.0f%% of the median (widest: %s, %s): their numbers and any comparison with them are soft. Rerun them with %s on an otherwise idle machine.",
			plural(len(ns), "case", "cases"), len(ok), noisyCI*100, ns[0].c.Name, fmtCI(ns[0].c.MedianNs, ns[0].c.CILowNs, ns[0].c.CIHighNs), more),
		Details: capLines(lines), DataPoints: len(lines),
		Anchor: "cases",
	}}
}

// ciHalfWidth is the larger half-width of the median's interval as a
// fraction of the median; 0 when none was recorded.
func ciHalfWidth(c *results.Case) float64 {
	if c.MedianNs <= 0 || (c.CILowNs == 0 && c.CIHighNs == 0) {
		return 0
	}
	return math.Max(c.MedianNs-c.CILowNs, c.CIHighNs-c.MedianNs) / c.MedianNs
}

func capLines(lines []string) []string {
	if len(lines) <= maxDetails {
		return lines
	}
	out := append([]string(nil), lines[:maxDetails]...)
	return append(out, fmt.Sprintf("… and %d more", len(lines)-maxDetails))
}

// roofShare is the share of its roofline bound a case reaches: the
// attainable rate is the lower of the compute roof and intensity ×
// bandwidth, so the share is the larger of the two recorded fractions.
func roofShare(c *results.Case) float64 {
	return math.Max(c.PctOfInt8Peak, c.PctOfReadBW)
}

func roofTitle(c *results.Case) string {
	var parts []string
	if c.PctOfInt8Peak > 0 {
		parts = append(parts, fmtShare(c.PctOfInt8Peak)+" of the int8 peak")
	}
	if c.PctOfReadBW > 0 {
		parts = append(parts, fmtShare(c.PctOfReadBW)+" of the read bandwidth")
	}
	return strings.Join(parts, ", ")
}
