// Package units formats measured values for people, one convention for
// every command and page: times in ns, µs, ms or s; byte rates in SI units
// (1 GB/s = 10^9 bytes per second, never GiB/s); other rates (GMAC/s,
// tokens/s) as plain numbers, whole up to a million, M or G above, and never
// with a milli prefix ("0.974 GMAC/s", not "974.3m GMAC/s"); three
// significant digits.
package units

import (
	"math"
	"strconv"
	"strings"
)

// Sig formats v with n significant digits and no exponent: "1.23", "12.3",
// "123", "1234".
func Sig(v float64, n int) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	d := n - 1 - int(math.Floor(math.Log10(math.Abs(v))))
	return strconv.FormatFloat(v, 'f', max(d, 0), 64)
}

// Duration formats nanoseconds in the largest unit that keeps the value at
// 1 or more.
func Duration(ns float64) string {
	switch a := math.Abs(ns); {
	case a < 1e3:
		return Sig(ns, 3) + " ns"
	case a < 1e6:
		return Sig(ns/1e3, 3) + " µs"
	case a < 1e9:
		return Sig(ns/1e6, 3) + " ms"
	}
	return Sig(ns/1e9, 3) + " s"
}

// SI scales v by powers of 1000 and prefixes unit: 2.5e10 "B/s" is
// "25.0 GB/s". Values below 1 keep the bare unit.
func SI(v float64, unit string) string {
	prefixes := []string{"", "k", "M", "G", "T", "P"}
	i := 0
	for math.Abs(v) >= 1000 && i < len(prefixes)-1 {
		v /= 1000
		i++
	}
	return Sig(v, 3) + " " + prefixes[i] + unit
}

// Format formats v in a benchfmt unit as tidied by benchunit ("sec/op",
// "B/s", "B/op") or as a benchmark reports it ("GMAC/s", "tokens/s",
// "allocs/op", ...).
func Format(v float64, unit string) string {
	switch unit {
	case "sec/op":
		return Duration(v * 1e9)
	case "ns/op":
		return Duration(v)
	case "B/s":
		return SI(v, "B/s")
	case "MB/s": // as go test prints it: MB = 10^6 bytes
		return SI(v*1e6, "B/s")
	case "B/op":
		return SI(v, "B")
	}
	if strings.Contains(unit, "/") {
		return Count(v) + " " + unit
	}
	return Sig(v, 4) + " " + unit
}

// Count formats a rate or count: three significant digits below 1000,
// whole numbers up to a million, then M, G, T suffixes ("15445",
// "2.35M"), so no value is ever shown with a milli prefix.
func Count(v float64) string {
	a := math.Abs(v)
	switch {
	case a < 1000:
		return Sig(v, 3)
	case a < 1e6:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case a < 1e9:
		return Sig(v/1e6, 3) + "M"
	case a < 1e12:
		return Sig(v/1e9, 3) + "G"
	}
	return Sig(v/1e12, 3) + "T"
}
