package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
)

func TestSplitAlternate(t *testing.T) {
	in := mustParse(t, []byte("cpu: X\n"+benchLines("-2", "ns/op", map[string][]float64{"A": {1, 2, 3, 4, 5}}, "A")), "a.txt")
	a, b := SplitAlternate(in)
	if got := a.Cases["A"].Samples[input.UnitSecPerOp]; len(got) != 3 || !closeTo(got[1], 3e-9, 1e-9) {
		t.Errorf("even samples %v", got)
	}
	if got := b.Cases["A"].Samples[input.UnitSecPerOp]; len(got) != 2 || !closeTo(got[1], 4e-9, 1e-9) {
		t.Errorf("odd samples %v", got)
	}
	if a.Machine != in.Machine || b.GOMAXPROCS != 2 || !strings.Contains(a.File, "even") {
		t.Errorf("split inputs lost their metadata: %+v", a)
	}
}

func TestCalibrate(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	draw := func(n int, spread float64) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = 1e3 * (1 + spread*rng.NormFloat64())
		}
		return s
	}
	cases := map[string][]float64{
		"Quiet": draw(40, 0.002), "Noisy": draw(40, 0.05), "Few": draw(8, 0.01),
	}
	in := mustParse(t, []byte(benchLines("", "ns/op", cases, "Quiet", "Noisy", "Few")+"BenchmarkOnlyOnce 1 5 ns/op\n"), "aa.txt")
	a, b := SplitAlternate(in)
	cal, err := Calibrate(a, b, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]CalibrationRow{}
	for _, r := range cal.Rows {
		rows[r.Name] = r
	}
	q, n, f, o := rows["Quiet"], rows["Noisy"], rows["Few"], rows["OnlyOnce"]
	if q.N != 20 || q.Recommended != 0.01 || q.NoiseFloor > 0.005 || q.Note != "" || q.SamplesFor10 != minCalibrationSamples {
		t.Errorf("Quiet: %+v", q)
	}
	// With 5% noise and 20 samples, the median ratio of two runs spreads
	// by about 1.96·1.77·5%/√20 ≈ 3.9%.
	if n.NoiseFloor < 0.02 || n.NoiseFloor > 0.07 || n.Recommended < n.NoiseFloor || n.Recommended-n.NoiseFloor > 0.005 || n.SamplesFor10 <= 20 || n.Detectable <= n.Recommended {
		t.Errorf("Noisy: %+v", n)
	}
	if f.N != 4 || f.Note == "" || f.Recommended != 0 {
		t.Errorf("Few: %+v", f)
	}
	if o.Note != string(stats.MissingCurrent) {
		t.Errorf("OnlyOnce: %+v", o)
	}
	// Calibrating for more samples per side gives a lower noise floor.
	cal40, _ := Calibrate(a, b, 80, false)
	for _, r := range cal40.Rows {
		if r.Name == "Noisy" && !(r.NoiseFloor < n.NoiseFloor/1.5) {
			t.Errorf("noise floor at n=80 %v, at n=20 %v", r.NoiseFloor, n.NoiseFloor)
		}
	}

	cfg := cal.Config(0.05)
	if got := cfg.ThresholdFor("Noisy", 0.05); got != n.Recommended {
		t.Errorf("config threshold for Noisy %v, want %v", got, n.Recommended)
	}
	if got := cfg.ThresholdFor("Quiet", 0.05); got != 0.01 {
		t.Errorf("config threshold for Quiet %v", got)
	}
	if got := cfg.ThresholdFor("QuietX", 0.05); got != 0.05 {
		t.Errorf("rules must match whole names: QuietX got %v", got)
	}
	data, _ := json.Marshal(cfg)
	if _, err := stats.ParseConfig(data, "w.json"); err != nil {
		t.Errorf("written config does not read back: %v\n%s", err, data)
	}
	var buf bytes.Buffer
	if err := cal.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "recommended threshold") || !strings.Contains(out, "largest noise floor") || !strings.Contains(out, "Noisy sec/op") {
		t.Errorf("table:\n%s", out)
	}
}

// TestValidateSmall runs a small validation: the rule must not cry wolf on
// A/A and must see the workload doubling, even on a busy machine. The full run is
// "bitnet-bench regression-check --validate".
func TestValidateSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("measures a synthetic workload")
	}
	rep, err := Validate(context.Background(), ValidateConfig{
		Trials: 6, Samples: 20, Slowdowns: []float64{0, 1},
		OpCost: 2 * time.Microsecond, SampleTime: 100 * time.Microsecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	rep.WriteTable(&buf)
	t.Log("\n" + buf.String())
	aa, slow := rep.Arms[0], rep.Arms[1]
	if aa.Regressions+aa.Improvements > 1 {
		t.Errorf("A/A: %d false positives in %d trials", aa.Regressions+aa.Improvements, aa.Trials)
	}
	if slow.Regressions < 4 {
		t.Errorf("+100%%: detected %d of %d", slow.Regressions, slow.Trials)
	}
	if math.Abs(slow.MedianRatio-2) > 0.3 {
		t.Errorf("+100%% arm measured a ratio of %.3f", slow.MedianRatio)
	}
	if rep.Iterations <= 0 || rep.BatchOps != 50 {
		t.Errorf("report %+v", rep)
	}
	if _, err := Validate(context.Background(), ValidateConfig{Trials: 1, Slowdowns: []float64{-1}}); err == nil {
		t.Error("a negative slowdown was accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Validate(ctx, ValidateConfig{Trials: 1, Samples: 6}); err == nil {
		t.Error("a cancelled validation did not fail")
	}
}
