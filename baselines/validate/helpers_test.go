package validate

import (
	"math"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/internal/fixture"
)

var (
	noisy      = fixture.Noisy
	benchLines = fixture.BenchLines
)

func mustParse(t testing.TB, data []byte, name string) *input.Input {
	t.Helper()
	in, err := input.ParseInput(data, name)
	if err != nil {
		t.Fatalf("ParseInput(%s): %v\n%s", name, err, data)
	}
	return in
}

func closeTo(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Abs(want)
}
