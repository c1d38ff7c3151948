package units

import "testing"

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
