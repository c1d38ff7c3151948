package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/bitnet-go/bitnet-bench/internal/units"
)

// dash stands for a value that is absent, so an empty cell is never mistaken
// for a zero.
const dash = "—"

// sig formats v with n significant digits and no exponent.
func sig(v float64, n int) string { return units.Sig(v, n) }

// round rounds v to n significant digits, so chart labels stay short.
func round(v float64, n int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, float64(n-1-int(math.Floor(math.Log10(math.Abs(v))))))
	return math.Round(v*p) / p
}

// fmtNs formats a duration given in nanoseconds in the largest unit that
// keeps it at 1 or more: ns, µs, ms or s; a dash when there is none.
func fmtNs(ns float64) string {
	if ns <= 0 || math.IsNaN(ns) || math.IsInf(ns, 0) {
		return dash
	}
	return units.Duration(ns)
}

// fmtCI gives the confidence interval as ± percent of the median: the larger
// of its two half-widths, since the interval of a median is rarely symmetric.
func fmtCI(median, lo, hi float64) string {
	if median <= 0 || (lo == 0 && hi == 0) {
		return dash
	}
	h := math.Max(median-lo, hi-median) / median * 100
	if h < 10 {
		return fmt.Sprintf("±%.1f%%", h)
	}
	return fmt.Sprintf("±%.0f%%", h)
}

// fmtRate formats a throughput already in G-units per second; 0 means none
// was recorded.
func fmtRate(v float64) string {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return dash
	}
	return sig(v, 3)
}

// fmtBytes formats a size in binary units, as caches and memory are sold.
func fmtBytes(n uint64) string {
	if n == 0 {
		return dash
	}
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	v := float64(n)
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f %s", v, units[i])
	}
	return sig(v, 3) + " " + units[i]
}

// fmtUnit formats a value of a comparison row in its benchfmt unit, by
// the convention every command shares (package internal/units).
func fmtUnit(v float64, unit string) string { return units.Format(v, unit) }

// fmtP formats a p-value; 0 means the comparison computed none.
func fmtP(p float64) string {
	switch {
	case p <= 0:
		return dash
	case p < 0.001:
		return "<0.001"
	}
	return fmt.Sprintf("%.3f", p)
}

// fmtPct formats a fraction as a percentage: 0.05 -> "5%".
func fmtPct(f float64) string {
	return strconv.FormatFloat(f*100, 'f', -1, 64) + "%"
}

// box is the five-number summary drawn by a box plot.
type box struct {
	Min, Q1, Median, Q3, Max float64
}

// fiveNumbers returns min, quartiles and max of xs. The quartiles interpolate
// linearly between order statistics (Hyndman & Fan type 7, as R and NumPy do
// by default), so the median of an even sample is the mean of its middle
// two, matching the median the runner records. xs is not modified.
func fiveNumbers(xs []float64) (box, bool) {
	if len(xs) == 0 {
		return box{}, false
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return box{
		Min:    s[0],
		Q1:     quantile(s, 0.25),
		Median: quantile(s, 0.5),
		Q3:     quantile(s, 0.75),
		Max:    s[len(s)-1],
	}, true
}

// quantile returns the p-quantile of the sorted sample s (type 7).
func quantile(s []float64, p float64) float64 {
	if len(s) == 1 {
		return s[0]
	}
	h := p * float64(len(s)-1)
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// shellQuote renders argv as a command line a POSIX shell reads back as the
// same words.
func shellQuote(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=./:,@%") == "" {
			b.WriteString(a)
			continue
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(a, "'", `'\''`))
		b.WriteByte('\'')
	}
	return b.String()
}

// fmtRatio formats a speed ratio: 2.1034 -> "2.10×".
func fmtRatio(r float64) string {
	return sig(r, 3) + "×"
}

// fmtShare formats a fraction of a limit as a percentage with two or three
// significant digits: 0.371 -> "37%", 0.029 -> "2.9%", 2.13 -> "213%".
func fmtShare(f float64) string {
	if f <= 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return dash
	}
	v := f * 100
	if v < 10 {
		return sig(v, 2) + "%"
	}
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64) + "%"
}
