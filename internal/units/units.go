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
func Duration(ns float64) string { return timeScale(1, math.Abs(ns)).Format(ns) }

// SI scales v by powers of 1000 and prefixes unit: 2.5e10 "B/s" is
// "25.0 GB/s". Values below 1 keep the bare unit.
func SI(v float64, unit string) string { return siScale(1, math.Abs(v), unit).Format(v) }

// Format formats v in a benchfmt unit as tidied by benchunit ("sec/op",
// "B/s", "B/op") or as a benchmark reports it ("GMAC/s", "tokens/s",
// "allocs/op", ...).
func Format(v float64, unit string) string { return ScaleFor(unit, v).Format(v) }

// Count formats a rate or count: three significant digits below 1000,
// whole numbers up to a million, then M, G, T suffixes ("15445",
// "2.35M"), so no value is ever shown with a milli prefix.
func Count(v float64) string { return countScale(math.Abs(v), "").Format(v) }

// Scale is the multiplier and suffix Format picks for a value. ScaleFor
// picks it for several values at once, so numbers shown side by side (a
// baseline's and a current run's median) read in one prefix.
type Scale struct {
	toBase float64 // converts a value to the base unit (ns, B/s, ...)
	div    float64 // the prefix's power of 1000
	suffix string
	digits int // significant digits; 0: a count, whole numbers from 1000
}

// ScaleFor returns the scale Format would use for the largest finite of vs.
func ScaleFor(unit string, vs ...float64) Scale {
	m := 0.0
	for _, v := range vs {
		if a := math.Abs(v); a > m && !math.IsInf(a, 0) {
			m = a
		}
	}
	switch unit {
	case "sec/op":
		return timeScale(1e9, m*1e9)
	case "ns/op":
		return timeScale(1, m)
	case "B/s":
		return siScale(1, m, "B/s")
	case "MB/s": // as go test prints it: MB = 10^6 bytes
		return siScale(1e6, m*1e6, "B/s")
	case "B/op":
		return siScale(1, m, "B")
	}
	if strings.Contains(unit, "/") {
		return countScale(m, " "+unit)
	}
	return Scale{1, 1, " " + unit, 4}
}

// Format formats v at the scale.
func (s Scale) Format(v float64) string {
	x := v * s.toBase / s.div
	if s.digits == 0 && math.Abs(x) >= 1000 {
		return strconv.FormatFloat(math.Round(x), 'f', 0, 64) + s.suffix
	}
	return Sig(x, max(s.digits, 3)) + s.suffix
}

// timeScale picks ns, µs, ms or s for a magnitude of ns nanoseconds; toNs
// converts the values given to nanoseconds.
func timeScale(toNs, ns float64) Scale {
	switch {
	case ns < 1e3:
		return Scale{toNs, 1, " ns", 3}
	case ns < 1e6:
		return Scale{toNs, 1e3, " µs", 3}
	case ns < 1e9:
		return Scale{toNs, 1e6, " ms", 3}
	}
	return Scale{toNs, 1e9, " s", 3}
}

// siScale picks a power-of-1000 prefix for a magnitude m (in the base
// unit); toBase converts the values given to the base unit.
func siScale(toBase, m float64, unit string) Scale {
	prefixes := []string{"", "k", "M", "G", "T", "P"}
	i, div := 0, 1.0
	for m >= 1000 && i < len(prefixes)-1 {
		m /= 1000
		div *= 1000
		i++
	}
	return Scale{toBase, div, " " + prefixes[i] + unit, 3}
}

// countScale: plain numbers below a million, then M, G, T.
func countScale(m float64, suffix string) Scale {
	switch {
	case m < 1e6:
		return Scale{1, 1, suffix, 0}
	case m < 1e9:
		return Scale{1, 1e6, "M" + suffix, 3}
	case m < 1e12:
		return Scale{1, 1e9, "G" + suffix, 3}
	}
	return Scale{1, 1e12, "T" + suffix, 3}
}
