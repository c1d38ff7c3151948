package ciout

import (
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/internal/fixture"
	"github.com/bitnet-go/bitnet-bench/baselines/internal/inputtest"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
)

var (
	mustParse   = inputtest.MustParse
	noisy       = fixture.Noisy
	okCase      = fixture.OKCase
	resultsFile = fixture.ResultsFile
	jsonBytes   = fixture.JSONBytes
	textBytes   = fixture.TextBytes
	benchLines  = fixture.BenchLines
	scenario    = fixture.Scenario
)

func mustCompare(t testing.TB, b, c *input.Input, opt stats.Options) *stats.Comparison {
	t.Helper()
	cmp, err := stats.Compare(b, c, opt)
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	return cmp
}

func compareText(t *testing.T, base, cur string, opt stats.Options) *stats.Comparison {
	t.Helper()
	return mustCompare(t, mustParse(t, []byte(base), "base.txt"), mustParse(t, []byte(cur), "cur.txt"), opt)
}

// tight returns n samples within ±0.1% of center.
func tight(center float64, n int) []float64 {
	s := noisy(center, n, 0)
	for i := range s {
		s[i] = center + (s[i]-center)/20
	}
	return s
}
