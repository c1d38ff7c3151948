package textfmt

import "testing"

func TestPct(t *testing.T) {
	for in, want := range map[float64]string{0.05: "5%", 0.055: "5.5%", 0.1: "10%", 1.5: "150%", 0.001: "0.1%"} {
		if got := Pct(in); got != want {
			t.Errorf("Pct(%v) = %q, want %q", in, got, want)
		}
	}
}
