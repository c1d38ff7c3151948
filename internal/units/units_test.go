package units

import (
	"math"
	"testing"
)

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		unit string
		want string
	}{
		{7.4e-4, "sec/op", "740 µs"},
		{1.5, "sec/op", "1.50 s"},
		{812, "ns/op", "812 ns"},
		{2.5e10, "B/s", "25.0 GB/s"},
		{11.62e9 * 1.0737, "B/s", "12.5 GB/s"}, // SI, never GiB/s
		{73.77e6, "B/s", "73.8 MB/s"},
		{2400, "MB/s", "2.40 GB/s"},
		{0.9743, "GMAC/s", "0.974 GMAC/s"}, // never "974.3m"
		{275.4, "GMAC/s", "275 GMAC/s"},
		{15445, "tokens/s", "15445 tokens/s"},
		{2.345e6, "ops/s", "2.35M ops/s"},
		{42.3, "tokens/s", "42.3 tokens/s"},
		{4096, "B/op", "4.10 kB"},
		{3, "allocs/op", "3.00 allocs/op"},
		{1.5, "pct", "1.500 pct"},
	} {
		if got := Format(tc.v, tc.unit); got != tc.want {
			t.Errorf("Format(%v, %q) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
}

// Values shown side by side take the scale of the larger, so a baseline of
// 999 µs and a current run of 1.2 ms read in one prefix.
func TestScaleFor(t *testing.T) {
	tests := []struct {
		unit string
		vs   []float64
		want []string
	}{
		{"sec/op", []float64{999e-6, 1.2e-3}, []string{"0.999 ms", "1.20 ms"}},
		{"B/s", []float64{2.5e9, 900e6}, []string{"2.50 GB/s", "0.900 GB/s"}},
		{"tokens/s", []float64{15445, 2.35e6}, []string{"0.0154M tokens/s", "2.35M tokens/s"}},
		{"tokens/s", []float64{15445, 980}, []string{"15445 tokens/s", "980 tokens/s"}},
		{"sec/op", []float64{1e-3, math.Inf(1)}, []string{"1.00 ms", "+Inf ms"}},
	}
	for _, tt := range tests {
		sc := ScaleFor(tt.unit, tt.vs...)
		for i, v := range tt.vs {
			if got := sc.Format(v); got != tt.want[i] {
				t.Errorf("ScaleFor(%q, %v).Format(%v) = %q, want %q", tt.unit, tt.vs, v, got, tt.want[i])
			}
		}
	}
}
