package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// packingPattern is a packing case's pattern element (absmean,
// random-s90, ...): the name's third element.
func packingPattern(c *results.Case) string {
	parts := strings.Split(c.Name, "/")
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

// decodeGBps is a packing case's decode rate in codes produced: one byte
// per code, 10^9 a second.
func decodeGBps(c *results.Case) float64 {
	if c.MedianNs <= 0 {
		return 0
	}
	return float64(c.Shape.N) * float64(c.Shape.K) / c.MedianNs
}

// compressionChart draws the packing family's trade: bits per weight
// against decode speed, one point per measured case, a series per
// strategy and a symbol per pattern. It is false when no case recorded its
// size.
func compressionChart(id string, cs []*results.Case, pal palette) (chartSpec, Chart, bool) {
	var ops, patterns []string
	byOp := map[string][]*results.Case{}
	for _, c := range cs {
		if !c.OK() || c.Extra["bits/weight"] <= 0 || decodeGBps(c) <= 0 {
			continue
		}
		if _, ok := byOp[c.Op]; !ok {
			ops = append(ops, c.Op)
		}
		byOp[c.Op] = append(byOp[c.Op], c)
		if p := packingPattern(c); !contains(patterns, p) {
			patterns = append(patterns, p)
		}
	}
	if len(ops) == 0 {
		return chartSpec{}, Chart{}, false
	}
	sort.Strings(patterns)
	symbolOf := map[string]string{}
	for i, p := range patterns {
		symbolOf[p] = symbols[i%len(symbols)]
	}
	sc := charts.NewScatter()
	sc.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "4", Left: "0", Width: "90%"}),
		charts.WithGridOpts(opts.Grid{Left: "64", Right: "40", Top: "64", Bottom: "48"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "bits per weight (smaller is better)", NameLocation: "middle", NameGap: 28, Min: 0}),
		charts.WithYAxisOpts(opts.YAxis{Type: "log", Name: "decode GB/s of codes", NameLocation: "end"}),
		toolbox("bitnet-bench-packing"),
		charts.WithAnimation(false),
	)
	stips := make([][][]string, len(ops))
	ylo, yhi := math.Inf(1), 0.0
	for i, op := range ops {
		data := make([]opts.ScatterData, len(byOp[op]))
		stips[i] = make([][]string, len(byOp[op]))
		for j, c := range byOp[op] {
			bpw, rate := c.Extra["bits/weight"], decodeGBps(c)
			ylo, yhi = math.Min(ylo, rate), math.Max(yhi, rate)
			data[j] = opts.ScatterData{Value: []float64{round(bpw, 4), round(rate, 4)}, Symbol: symbolOf[packingPattern(c)], SymbolSize: 10}
			lines := []string{
				c.Name,
				fmt.Sprintf("%s bits/weight (%s× smaller than int8 codes)", sig(bpw, 3), sig(8/bpw, 3)),
				fmt.Sprintf("decodes %s GB/s of codes (%s/op)", fmtRate(rate), fmtNs(c.MedianNs)),
				"pattern: " + packingPattern(c),
			}
			if c.Variant != "" {
				lines = append(lines, "chose "+c.Variant)
			}
			stips[i][j] = escapeAll(lines...)
		}
		sc.AddSeries(op, data, charts.WithItemStyleOpts(opts.ItemStyle{Color: pal.add(op), Opacity: opts.Float(0.85)}))
	}
	sc.Validate()
	opt := optionOf(sc)
	axisAt(opt, "yAxis")["min"] = pow10Floor(ylo)
	axisAt(opt, "yAxis")["max"] = pow10Ceil(yhi)
	caption := "Each packing's size against how fast it decodes a whole matrix to int8 codes, one point per case: a series per strategy, " +
		"a symbol per pattern (" + strings.Join(patterns, ", ") + "). Down and left is smaller but slower; the best trades lie on the upper-left edge. " +
		"UnpackAuto is what pack.Select bound on that data (its tooltip says which and why)."
	return chartSpec{ID: id, Kind: "packing", Option: opt, STips: stips},
		Chart{ID: id, Title: "Packings: compression against decode speed", Caption: caption, Height: 460}, true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
