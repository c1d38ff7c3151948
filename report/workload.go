package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/internal/units"
)

// A whole-model workload (family "workload": a decode step, a prefill, one
// layer's attention) reads like llama-bench: tokens per second with its
// spread, by threads and backend, and for a decode step the parts of the
// step stacked.
func isWorkload(c *results.Case) bool { return c.Family == results.FamilyWorkload }

// workloadModel is the model a workload case ran, the second element of
// its name (Decode/2B4T/ctx128/...).
func workloadModel(c *results.Case) string {
	parts := strings.Split(c.Name, "/")
	if len(parts) > 1 {
		return parts[1]
	}
	return ""
}

var metricTokens = metric{"tokens", "tokens/s", func(c *results.Case) float64 { return c.TokensPerS }}

// fmtTokens formats tokens per second: whole tokens from 1000 up, three
// significant digits below.
func fmtTokens(v float64) string {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return dash
	}
	return units.Count(v)
}

// tokensSpread is the tokens/s interval as ± the larger half-width, in
// tokens/s: "1234 ± 56".
func tokensSpread(c *results.Case) string {
	s := fmtTokens(c.TokensPerS)
	lo, hi := c.TokensInterval()
	if lo <= 0 {
		return s
	}
	return s + " ± " + fmtTokens(math.Max(c.TokensPerS-lo, hi-c.TokensPerS))
}

// TokenRow is one line of the llama-bench-style table.
type TokenRow struct {
	Model, Variant, Threads, Test string
	Tokens                        string // tokens/s ± spread
	TokensValue                   float64
	Interval                      string // the interval, for the title
	Case                          string
}

// tokenRows lists the cases that measured tokens per second.
func tokenRows(cs []*results.Case) []TokenRow {
	var out []TokenRow
	for _, c := range cs {
		if !c.OK() || c.TokensPerS <= 0 {
			continue
		}
		r := TokenRow{
			Model:       workloadModel(c),
			Variant:     variant(c),
			Threads:     strconv.Itoa(max(c.Threads, 1)),
			Test:        tokenTest(c),
			Tokens:      tokensSpread(c),
			TokensValue: c.TokensPerS,
			Case:        c.Name,
		}
		if lo, hi := c.TokensInterval(); lo > 0 {
			r.Interval = fmt.Sprintf("%s confidence interval: %s – %s tokens/s", confLabel(c.Confidence), fmtTokens(lo), fmtTokens(hi))
		}
		out = append(out, r)
	}
	return out
}

// tokenTest names what a case measured as llama-bench does: pp512 is a
// 512-token prompt processed at once, tg a token generated, here at a
// context of so many tokens.
func tokenTest(c *results.Case) string {
	switch c.Op {
	case "Prefill":
		return "pp" + strconv.Itoa(c.Shape.M)
	case "Decode":
		return "tg @ ctx" + strconv.Itoa(c.Shape.M)
	}
	return c.Op + " " + mLabel(c)
}

const partPrefix = "ns/token-"

// partsChart stacks the parts of a decode step (the ns/token-<part>
// metrics), one bar per case, so where a token's time goes reads at a
// glance. Parts are stacked biggest first.
func partsChart(id, op string, cs []*results.Case, pal palette) (chartSpec, Chart, bool) {
	var rows []*results.Case
	total := map[string]float64{}
	for _, c := range cs {
		has := false
		for k, v := range c.Extra {
			if p, ok := strings.CutPrefix(k, partPrefix); ok && v > 0 {
				total[p] += v
				has = true
			}
		}
		if has {
			rows = append(rows, c)
		}
	}
	if len(rows) == 0 {
		return chartSpec{}, Chart{}, false
	}
	parts := make([]string, 0, len(total))
	for p := range total {
		parts = append(parts, p)
	}
	sort.Slice(parts, func(a, b int) bool {
		if total[parts[a]] != total[parts[b]] {
			return total[parts[a]] > total[parts[b]]
		}
		return parts[a] < parts[b]
	})
	scale, unit := 1e3, "µs"
	for _, c := range rows {
		if c.MedianNs >= 1e6 {
			scale, unit = 1e6, "ms"
		}
	}
	names := make([]string, len(rows))
	for i, c := range rows {
		names[i] = configLabel(c) + " " + level(c)
	}
	bar := charts.NewBar()
	rowChart(&bar.BaseConfiguration, "bitnet-bench-"+op+"-parts", names, valueAxis("time per token ("+unit+")", false), true, rowPx+6)
	bar.SetXAxis(names).XYReversal()
	stips := make([][][]string, len(parts))
	for i, p := range parts {
		data := make([]opts.BarData, len(rows))
		stips[i] = make([][]string, len(rows))
		for j, c := range rows {
			v := c.Extra[partPrefix+p]
			sum := 0.0
			for _, q := range parts {
				sum += c.Extra[partPrefix+q]
			}
			data[j] = opts.BarData{Value: round(v/scale, 4)}
			stips[i][j] = escapeAll(
				c.Name,
				"part: "+p,
				fmt.Sprintf("%s per token (%s of the step's parts)", fmtNs(v), fmtShare(v/sum)),
			)
		}
		bar.AddSeries(p, data,
			charts.WithSeriesOpts(func(s *charts.SingleSeries) {
				s.Stack = "parts"
				s.BarMaxWidth = "22"
			}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: paletteColors[i%len(paletteColors)]}),
		)
	}
	bar.Validate()
	return chartSpec{ID: id, Kind: "parts", Option: optionOf(bar), STips: stips},
		Chart{
			ID:      id,
			Title:   op + ": where a token's time goes",
			Caption: "Mean time per token of each part of the step over every timed run, stacked, biggest part first; the legend hides a part. The parts are timed inside the step, so their sum is close to, not exactly, the median step time.",
			Height:  chartHeight(len(rows), true, rowPx+6),
		}, true
}

// workloadStats are the summary's headline tokens/s: the fastest decode
// and prefill.
func workloadStats(f *results.File) []Stat {
	var out []Stat
	for _, op := range []struct{ op, label string }{{"Decode", "decode (token generation)"}, {"Prefill", "prefill (prompt processing)"}} {
		var best *results.Case
		for i := range f.Cases {
			c := &f.Cases[i]
			if c.OK() && isWorkload(c) && c.Op == op.op && c.TokensPerS > 0 && (best == nil || c.TokensPerS > best.TokensPerS) {
				best = c
			}
		}
		if best != nil {
			out = append(out, Stat{Value: tokensSpread(best), Unit: "tokens/s", Label: "peak " + op.label, Detail: best.Name})
		}
	}
	return out
}
