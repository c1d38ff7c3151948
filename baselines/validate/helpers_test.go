package validate

import (
	"github.com/bitnet-go/bitnet-bench/baselines/internal/fixture"
	"github.com/bitnet-go/bitnet-bench/baselines/internal/inputtest"
)

var (
	mustParse  = inputtest.MustParse
	closeTo    = fixture.CloseTo
	noisy      = fixture.Noisy
	benchLines = fixture.BenchLines
)
