package store

import (
	"github.com/bitnet-go/bitnet-bench/baselines/internal/fixture"
	"github.com/bitnet-go/bitnet-bench/baselines/internal/inputtest"
)

var (
	asInputError = inputtest.AsInputError
	noisy        = fixture.Noisy
	okCase       = fixture.OKCase
	resultsFile  = fixture.ResultsFile
	jsonBytes    = fixture.JSONBytes
	textBytes    = fixture.TextBytes
	scenario     = fixture.Scenario
	writeFile    = fixture.WriteFile
)
