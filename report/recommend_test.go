package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// rcase is a measured case with median med ns and an interval of ±ci (a
// fraction of the median).
func rcase(op, level string, sh results.Shape, threads int, med, ci float64) results.Case {
	name := fmt.Sprintf("%s/%dx%d/b%d/%s/t%d", op, sh.N, sh.K, sh.M, level, threads)
	c := okCase(name, op, strings.ToLower(op), "cpu", level, sh, med, 1<<20, int64(sh.M*sh.N*sh.K))
	c.Threads = threads
	c.CILowNs, c.CIHighNs = med*(1-ci), med*(1+ci)
	return c
}

func shape(m, n int) results.Shape { return results.Shape{M: m, N: n, K: 2560} }

func recs(t *testing.T, cs []results.Case) []Recommendation {
	t.Helper()
	f := synthetic()
	f.Cases = cs
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	return recommend(f, map[string]string{"BitLinear": "op-bitlinear"})
}

func onlyRule(rs []Recommendation, rule string) []Recommendation {
	var out []Recommendation
	for _, r := range rs {
		if r.Rule == rule {
			out = append(out, r)
		}
	}
	return out
}

func TestRuleLevels(t *testing.T) {
	three := func(fast, slow, ci float64, op string) []results.Case {
		var cs []results.Case
		for _, n := range []int{2560, 6912, 4096} {
			cs = append(cs, rcase(op, "avx512", shape(1, n), 1, fast, ci), rcase(op, "avx2", shape(1, n), 1, slow, ci))
		}
		return cs
	}
	t.Run("fires", func(t *testing.T) {
		rs := onlyRule(recs(t, three(100e3, 210e3, 0.01, "BitLinear")), "isa")
		if len(rs) != 1 {
			t.Fatalf("got %d isa recommendations, want 1: %+v", len(rs), rs)
		}
		r := rs[0]
		for _, want := range []string{"avx512 is 2.10× avx2", "3 of 3 configurations"} {
			if !strings.Contains(r.Text, want) {
				t.Errorf("text %q lacks %q", r.Text, want)
			}
		}
		if r.Title != "Use avx512 for BitLinear" || r.Anchor != "op-bitlinear" || len(r.Details) != 3 || r.DataPoints != 3 {
			t.Errorf("recommendation = %+v", r)
		}
	})
	t.Run("one per pair of levels", func(t *testing.T) {
		rs := onlyRule(recs(t, append(three(100e3, 210e3, 0.01, "BitLinear"), three(100e3, 150e3, 0.01, "GELU")...)), "isa")
		if len(rs) != 1 || !strings.Contains(rs[0].Title, "BitLinear and GELU") ||
			!strings.Contains(rs[0].Text, "BitLinear 2.10×") || !strings.Contains(rs[0].Text, "GELU 1.50×") {
			t.Errorf("got %+v, want one recommendation naming both ops", rs)
		}
	})
	for name, cs := range map[string][]results.Case{
		"small lead":          three(100e3, 105e3, 0.01, "BitLinear"),
		"intervals overlap":   three(100e3, 130e3, 0.20, "BitLinear"),
		"single level":        {rcase("BitLinear", "avx2", shape(1, 2560), 1, 100e3, 0.01)},
		"different threads":   {rcase("BitLinear", "avx2", shape(1, 2560), 1, 100e3, 0.01), rcase("BitLinear", "avx512", shape(1, 2560), 2, 30e3, 0.01)},
		"minority of configs": append(three(100e3, 101e3, 0.05, "BitLinear")[:4], rcase("BitLinear", "avx512", shape(1, 4096), 1, 100e3, 0.01), rcase("BitLinear", "avx2", shape(1, 4096), 1, 300e3, 0.01)),
	} {
		t.Run("silent/"+name, func(t *testing.T) {
			if rs := onlyRule(recs(t, cs), "isa"); len(rs) != 0 {
				t.Errorf("fired: %+v", rs)
			}
		})
	}
}

func TestRuleThreads(t *testing.T) {
	pairs := func(speedup float64) []results.Case {
		var cs []results.Case
		for _, n := range []int{2560, 6912} {
			cs = append(cs, rcase("BitLinear", "avx2", shape(8, n), 1, 200e3, 0.01), rcase("BitLinear", "avx2", shape(8, n), 2, 200e3/speedup, 0.01))
		}
		return cs
	}
	t.Run("scales", func(t *testing.T) {
		rs := onlyRule(recs(t, pairs(1.9)), "threads")
		if len(rs) != 1 || rs[0].Title != "Run BitLinear on 2 threads" || !strings.Contains(rs[0].Text, "1.90× as fast as 1 (95% parallel efficiency") {
			t.Errorf("got %+v", rs)
		}
	})
	t.Run("barely helps", func(t *testing.T) {
		rs := onlyRule(recs(t, pairs(1.05)), "threads")
		if len(rs) != 1 || rs[0].Title != "2 threads barely help BitLinear" || !strings.Contains(rs[0].Text, "keep 1 thread") {
			t.Errorf("got %+v", rs)
		}
	})
	t.Run("pays in some", func(t *testing.T) {
		cs := append(pairs(0.9)[:2], rcase("BitLinear", "avx2", shape(8, 9000), 1, 200e3, 0.01), rcase("BitLinear", "avx2", shape(8, 9000), 2, 200e3/1.9, 0.01))
		cs = append(cs, pairs(0.9)[2:]...)
		rs := onlyRule(recs(t, cs), "threads")
		if len(rs) != 1 || !strings.Contains(rs[0].Text, "It pays only in some configurations; the best is 9000x2560 b8 avx2") {
			t.Errorf("got %+v", rs)
		}
	})
	t.Run("silent/middling", func(t *testing.T) {
		if rs := onlyRule(recs(t, pairs(1.4)), "threads"); len(rs) != 0 {
			t.Errorf("70%% efficiency fired: %+v", rs)
		}
	})
	t.Run("silent/no one-thread run", func(t *testing.T) {
		cs := []results.Case{rcase("BitLinear", "avx2", shape(8, 2560), 2, 100e3, 0.01), rcase("BitLinear", "avx2", shape(8, 2560), 4, 100e3, 0.01)}
		if rs := onlyRule(recs(t, cs), "threads"); len(rs) != 0 {
			t.Errorf("fired without a 1-thread baseline: %+v", rs)
		}
	})
}

func TestRuleBitLinear(t *testing.T) {
	pair := func(bl, mm, ci float64) []results.Case {
		return []results.Case{
			rcase("BitLinear", "avx2", shape(1, 2560), 1, bl, ci), rcase("BitLinear", "generic", shape(1, 2560), 1, bl*5, ci),
			rcase("MatMul", "avx2", shape(1, 2560), 1, mm, ci),
		}
	}
	t.Run("faster", func(t *testing.T) {
		rs := onlyRule(recs(t, pair(100e3, 300e3, 0.01)), "bitlinear")
		if len(rs) != 1 || rs[0].Title != "Use BitLinear over dense MatMul" || !strings.Contains(rs[0].Text, "is 3.00× dense f32 MatMul") || !strings.Contains(rs[0].Text, "1 of 1 shared shapes") {
			t.Errorf("got %+v", rs)
		}
	})
	t.Run("slower", func(t *testing.T) {
		rs := onlyRule(recs(t, pair(300e3, 100e3, 0.01)), "bitlinear")
		if len(rs) != 1 || rs[0].Title != "BitLinear is slower than dense MatMul" || !strings.Contains(rs[0].Text, "0.333× the speed") {
			t.Errorf("got %+v", rs)
		}
	})
	for name, cs := range map[string][]results.Case{
		"close":             pair(100e3, 105e3, 0.01),
		"intervals overlap": pair(100e3, 130e3, 0.2),
		"no MatMul":         pair(100e3, 300e3, 0.01)[:2],
		"other shape": {rcase("BitLinear", "avx2", shape(1, 2560), 1, 100e3, 0.01),
			rcase("MatMul", "avx2", shape(8, 2560), 1, 900e3, 0.01)},
	} {
		t.Run("silent/"+name, func(t *testing.T) {
			if rs := onlyRule(recs(t, cs), "bitlinear"); len(rs) != 0 {
				t.Errorf("fired: %+v", rs)
			}
		})
	}
}

func TestRuleRoofline(t *testing.T) {
	withRoof := func(c results.Case, int8, read float64) results.Case {
		c.PctOfInt8Peak, c.PctOfReadBW = int8, read
		return c
	}
	dataOnly := okCase("GELU/4096/generic", "GELU", "activation", "cpu", "generic", results.Shape{K: 4096}, 8600, 4096*8, 0)
	t.Run("fires", func(t *testing.T) {
		cs := []results.Case{
			withRoof(rcase("BitLinear", "avx2", shape(1, 2560), 1, 100e3, 0.01), 0.10, 0.05),
			withRoof(rcase("BitLinear", "avx512", shape(1, 2560), 1, 50e3, 0.01), 0.60, 0.30),
			withRoof(dataOnly, 0, 0.02),
		}
		rs := onlyRule(recs(t, cs), "roofline")
		if len(rs) != 1 || !strings.Contains(rs[0].Text, "2 cases of 3 reach less than 25%") || !strings.Contains(rs[0].Text, "the furthest is GELU/4096/generic at 2.0%") || len(rs[0].Details) != 2 {
			t.Errorf("got %+v", rs)
		}
	})
	for name, cs := range map[string][]results.Case{
		"near the roof": {withRoof(rcase("BitLinear", "avx2", shape(1, 2560), 1, 100e3, 0.01), 0.5, 0.3)},
		// A float GEMM's compute roof is not measured: its low share of the
		// read bandwidth does not say it is slow.
		"no compute roof": {withRoof(rcase("MatMul", "avx2", shape(8, 2560), 1, 100e3, 0.01), 0, 0.05)},
		"not measured":    {rcase("BitLinear", "avx2", shape(1, 2560), 1, 100e3, 0.01)},
	} {
		t.Run("silent/"+name, func(t *testing.T) {
			if rs := onlyRule(recs(t, cs), "roofline"); len(rs) != 0 {
				t.Errorf("fired: %+v", rs)
			}
		})
	}
}

func TestRuleNoise(t *testing.T) {
	cs := []results.Case{
		rcase("BitLinear", "avx2", shape(1, 2560), 1, 100e3, 0.25),
		rcase("BitLinear", "avx2", shape(1, 6912), 1, 100e3, 0.12),
		rcase("BitLinear", "avx2", shape(1, 4096), 1, 100e3, 0.02),
	}
	rs := onlyRule(recs(t, cs), "noise")
	if len(rs) != 1 || !strings.Contains(rs[0].Text, "2 cases of 3 have a confidence interval wider than ±10%") ||
		!strings.Contains(rs[0].Text, "widest: BitLinear/2560x2560/b1/avx2/t1, ±25%") || !strings.Contains(rs[0].Text, "this run took 7") {
		t.Errorf("got %+v", rs)
	}
	// Details stop at maxDetails; the count names them all.
	var many []results.Case
	for n := range 12 {
		many = append(many, rcase("BitLinear", "avx2", shape(1, 256*(n+1)), 1, 100e3, 0.3))
	}
	if rs := onlyRule(recs(t, many), "noise"); len(rs) != 1 || rs[0].DataPoints != 12 || len(rs[0].Details) != maxDetails+1 || rs[0].Details[maxDetails] != "… and 4 more" {
		t.Errorf("12 noisy cases: %+v", rs)
	}
	if rs := onlyRule(recs(t, cs[2:]), "noise"); len(rs) != 0 {
		t.Errorf("±2%% fired: %+v", rs)
	}
}

// The page says so when no rule fires, and lists them when they do.
func TestRecommendationsSection(t *testing.T) {
	f := synthetic()
	f.Cases = f.Cases[3:4] // one MatMul case: nothing to compare, tight interval
	_, doc := render(t, Input{Results: f})
	if !strings.Contains(doc, "None: no rule found a clear difference in this data") {
		t.Error("no statement that no recommendation applies")
	}
	f.Cases = []results.Case{rcase("BitLinear", "avx2", shape(1, 2560), 1, 100e3, 0.3)}
	_, doc = render(t, Input{Results: f})
	if !strings.Contains(doc, "Measure the noisy cases again") || !strings.Contains(doc, `class="rec rec-noise"`) {
		t.Error("recommendation missing from the page")
	}
}
