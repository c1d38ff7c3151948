package report

import (
	"testing"

	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// TestTelemetryOfSchema: the runner's per-case telemetry and the file's
// timelines reach the report's sections.
func TestTelemetryOfSchema(t *testing.T) {
	ok := func(name string, tel *results.Telemetry) results.Case {
		return results.Case{Name: name, Backend: "cpu", Level: "avx2", Status: results.StatusOK,
			Iterations: 1, SamplesNs: []float64{1}, Telemetry: tel}
	}
	f := &results.File{
		Cases: []results.Case{
			ok("A", &results.Telemetry{EnergyJPerOp: map[string]float64{"package-0": 2e-3}, MeanPowerW: map[string]float64{"package-0": 30},
				PeakRSSBytes: 1 << 20, Pool: map[string]float64{"live_bytes": 4096, "peak_bytes": 8192}}),
			ok("B", &results.Telemetry{EnergyJPerOp: map[string]float64{"package-0": 1, "gpu0": 2}, MaxTempC: map[string]float64{"gpu0": 60}}),
			ok("C", &results.Telemetry{AllocsPerOp: 0}),
			ok("D", nil),
		},
		Timelines: []results.Timeline{{Name: "gpu0 power", Unit: "W", Points: [][2]float64{{0, 70}, {0.1, 300}}}},
	}
	tel := telemetryOf(f)
	byName := map[string]caseTelemetry{}
	for _, c := range tel.Cases {
		byName[c.Name] = c
	}
	if a := byName["A"]; a.EnergyJPerOp != 2e-3 || a.PowerMeanW != 30 || a.RSSBytes != 1<<20 || a.PoolPeakBytes != 8192 || a.Variant != "cpu/avx2, package-0" {
		t.Errorf("A = %+v", a)
	}
	if g := byName["B [gpu0]"]; g.EnergyJPerOp != 2 || g.TempMaxC != 60 {
		t.Errorf("B [gpu0] = %+v (rows %v)", g, byName)
	}
	if _, ok := byName["B"]; ok {
		t.Error("a case with two channels also got an unlabelled row")
	}
	if _, ok := byName["C"]; !ok {
		t.Error("a case with memory telemetry only has no row")
	}
	if _, ok := byName["D"]; ok {
		t.Error("a case without telemetry got a row")
	}
	if len(tel.Timelines) != 1 || tel.Timelines[0].Unit != "W" || len(tel.Timelines[0].Points) != 2 {
		t.Errorf("timelines %+v", tel.Timelines)
	}
}
