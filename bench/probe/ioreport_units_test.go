package probe

import "testing"

func TestIOReportEnergyUnits(t *testing.T) {
	for unit, want := range map[string]float64{"J": 1, "mJ": 1e-3, "uJ": 1e-6, "µJ": 1e-6, " nJ ": 1e-9} {
		if got, ok := joules(unit); !ok || got != want {
			t.Errorf("joules(%q) = %v, %v; want %v", unit, got, ok, want)
		}
	}
	for _, unit := range []string{"", "W", "mW", "ticks", "%"} {
		if _, ok := joules(unit); ok {
			t.Errorf("joules(%q) accepted a unit that is not energy", unit)
		}
	}
}
