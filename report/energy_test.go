package report

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// energyFile is an energy-analysis file with every kind of timeline.
func energyFile() *results.Energy {
	e := &results.Energy{
		Schema: results.EnergySchema, Tool: results.Tool{Name: "bitnet-bench", Version: "test"},
		Created: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC), Command: []string{"bitnet-bench", "energy-analysis"},
		Workload: "BitLinear/2560x6912/b1/i2/avx2", Seconds: 10, Ops: 20000, OpsPerSec: 2000,
		EnergyJ: map[string]float64{"package-0": 400}, JPerOp: map[string]float64{"package-0": 0.02},
		MeanPowerW: map[string]float64{"package-0": 40}, MaxTempC: map[string]float64{"Tctl": 71},
		Missing: []string{"nvml (energy): no NVIDIA driver"},
	}
	for _, tl := range []struct{ name, unit string }{{"package-0 power", "W"}, {"Tctl temperature", "°C"}, {"cpu0 clock", "MHz"}} {
		var pts [][2]float64
		for i := range 50 {
			pts = append(pts, [2]float64{float64(i) / 5, float64(40 + i%7)})
		}
		e.Timelines = append(e.Timelines, results.Timeline{Name: tl.name, Unit: tl.unit, Points: pts})
	}
	return e
}

func TestEnergyPage(t *testing.T) {
	p, err := BuildEnergy(EnergyInput{File: energyFile()})
	if err != nil {
		t.Fatal(err)
	}
	if p.ChartCount != 3 {
		t.Errorf("%d charts, want power, temperature and clock timelines", p.ChartCount)
	}
	var buf strings.Builder
	if err := p.Render(&buf); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	for _, want := range []string{"BitLinear/2560x6912/b1/i2/avx2", "package-0", "no NVIDIA driver", "Power over the run (W)"} {
		if !strings.Contains(doc, want) {
			t.Errorf("energy page lacks %q", want)
		}
	}
	checkBalanced(t, withoutScripts(doc))
}

// report --input energy.json says what the file is and where it goes; an
// energy page refuses a results file the same way.
func TestEnergyAndResultsToldApart(t *testing.T) {
	data, err := json.Marshal(energyFile())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := results.Parse(data, "energy.json"); err == nil || !strings.Contains(err.Error(), "report --energy energy.json") {
		t.Errorf("results.Parse(energy file) = %v, want a pointer to --energy", err)
	}
	if _, err := results.ParseEnergy(data, "energy.json"); err != nil {
		t.Errorf("ParseEnergy: %v", err)
	}
	rdata, err := synthetic().Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := results.ParseEnergy(rdata, "results.json"); err == nil || !strings.Contains(err.Error(), "report --input") {
		t.Errorf("ParseEnergy(results file) = %v, want a pointer to --input", err)
	}
	if _, err := results.ParseEnergy([]byte("{\n \"schema\": \"bitnet-bench/energy/v1\",\n \"bogus\": 1}"), "e.json"); err == nil || !strings.Contains(err.Error(), "e.json:") {
		t.Errorf("unknown field: %v", err)
	}
}
