package input

import (
	"errors"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/internal/fixture"
)

var (
	closeTo     = fixture.CloseTo
	noisy       = fixture.Noisy
	okCase      = fixture.OKCase
	resultsFile = fixture.ResultsFile
	jsonBytes   = fixture.JSONBytes
	textBytes   = fixture.TextBytes
	encode      = fixture.Encode
	benchLines  = fixture.BenchLines
	writeFile   = fixture.WriteFile
)

func mustParse(t testing.TB, data []byte, name string) *Input {
	t.Helper()
	in, err := ParseInput(data, name)
	if err != nil {
		t.Fatalf("ParseInput(%s): %v\n%s", name, err, data)
	}
	return in
}

func asInputError(t testing.TB, err error) *InputError {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *InputError", err, err)
	}
	return ie
}
