package report

import (
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// packingFile is the synthetic file with packing cases: two strategies on
// two patterns, auto with its choice, and one not implemented on CUDA.
func packingFile() *results.File {
	f := synthetic()
	sh := results.Shape{N: 640, K: 2560}
	pk := func(op, pattern string, med, bpw float64) results.Case {
		c := okCase(op+"/640x2560/"+pattern+"/i2/generic", op, results.FamilyPacking, "cpu", "generic", sh, med, 640*2560*2, 0)
		c.Extra = map[string]float64{"bits/weight": bpw, "compression-x": 8 / bpw}
		return c
	}
	auto := pk("UnpackAuto", "random-s90", 4e5, 0.99)
	auto.Variant = "CompressedSparse: 0.99 bits/weight"
	f.Cases = append(f.Cases,
		pk("UnpackHybrid", "absmean", 2.5e5, 1.69), pk("UnpackHybrid", "random-s90", 2e5, 1.01),
		pk("UnpackBase3Packed", "absmean", 2e5, 1.6), auto,
		results.Case{Name: "UnpackHybrid/640x2560/blocks-s90/i2/cuda", Op: "UnpackHybrid", Family: results.FamilyPacking, Shape: sh,
			Backend: "cuda", Status: results.StatusNotImplemented, Error: "not implemented"})
	return f
}

// TestCompressionChart: the packing family gets one chart of bits/weight
// against decode speed, a point per measured case and a series per
// strategy; a case that did not run is not drawn.
func TestCompressionChart(t *testing.T) {
	f := packingFile()
	p, doc := render(t, Input{Results: f})
	var fam *Family
	for i := range p.Families {
		if p.Families[i].Name == results.FamilyPacking {
			fam = &p.Families[i]
		}
	}
	if fam == nil || len(fam.Charts) != 1 {
		t.Fatalf("packing family %+v: want one family chart", fam)
	}
	if last := p.Families[len(p.Families)-1].Name; last != "conv" && last != results.FamilyPacking {
		t.Errorf("families end with %q: packing should follow the op table's families", last)
	}
	var spec *chartSpec
	for _, s := range chartData(t, doc) {
		if s.Kind == "packing" {
			spec = &s
		}
	}
	if spec == nil {
		t.Fatal("no packing chart on the page")
	}
	series := spec.Option["series"].([]any)
	points := map[string]int{}
	for _, s := range series {
		m := s.(map[string]any)
		points[m["name"].(string)] = len(m["data"].([]any))
	}
	if points["UnpackHybrid"] != 2 || points["UnpackBase3Packed"] != 1 || points["UnpackAuto"] != 1 || len(points) != 3 {
		t.Errorf("points per series %v, want Hybrid 2, Base3Packed 1, Auto 1 (the cuda case is not drawn)", points)
	}
	if tips := strings.Join(spec.STips[2][0], " "); !strings.Contains(tips, "chose CompressedSparse") {
		t.Errorf("auto's tooltip %q does not say what it chose", tips)
	}
	// Nothing to draw: no chart.
	if _, _, ok := compressionChart("x", nil, newPalette(nil)); ok {
		t.Error("a chart of no cases")
	}
}
