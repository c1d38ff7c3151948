package stats

import (
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/internal/fixture"
	"github.com/bitnet-go/bitnet-bench/baselines/internal/inputtest"
)

var (
	mustParse    = inputtest.MustParse
	asInputError = inputtest.AsInputError
	closeTo      = fixture.CloseTo
	noisy        = fixture.Noisy
	okCase       = fixture.OKCase
	resultsFile  = fixture.ResultsFile
	jsonBytes    = fixture.JSONBytes
	textBytes    = fixture.TextBytes
	encode       = fixture.Encode
	benchLines   = fixture.BenchLines
	scenario     = fixture.Scenario
	writeFile    = fixture.WriteFile
)

func mustCompare(t testing.TB, b, c *input.Input, opt Options) *Comparison {
	t.Helper()
	cmp, err := Compare(b, c, opt)
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	return cmp
}

// row returns the row for name and unit, failing the test when absent.
func row(t testing.TB, c *Comparison, name, unit string) Row {
	t.Helper()
	for _, r := range c.Rows {
		if r.Name == name && r.Unit == unit {
			return r
		}
	}
	var have []string
	for _, r := range c.Rows {
		have = append(have, r.Name+" "+r.Unit)
	}
	t.Fatalf("no row %s %s; have %s", name, unit, strings.Join(have, ", "))
	return Row{}
}
