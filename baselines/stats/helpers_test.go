package stats

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/internal/fixture"
)

var (
	noisy       = fixture.Noisy
	okCase      = fixture.OKCase
	resultsFile = fixture.ResultsFile
	jsonBytes   = fixture.JSONBytes
	textBytes   = fixture.TextBytes
	encode      = fixture.Encode
	benchLines  = fixture.BenchLines
	scenario    = fixture.Scenario
	writeFile   = fixture.WriteFile
)

func mustParse(t testing.TB, data []byte, name string) *input.Input {
	t.Helper()
	in, err := input.ParseInput(data, name)
	if err != nil {
		t.Fatalf("ParseInput(%s): %v\n%s", name, err, data)
	}
	return in
}

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

func asInputError(t testing.TB, err error) *input.InputError {
	t.Helper()
	var ie *input.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *InputError", err, err)
	}
	return ie
}

func closeTo(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Abs(want)
}
