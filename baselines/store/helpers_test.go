package store

import (
	"errors"
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
	scenario    = fixture.Scenario
	writeFile   = fixture.WriteFile
)

func asInputError(t testing.TB, err error) *input.InputError {
	t.Helper()
	var ie *input.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *InputError", err, err)
	}
	return ie
}
