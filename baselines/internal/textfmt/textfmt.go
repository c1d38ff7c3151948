// Package textfmt formats the numbers every baselines output shares
// (percentages, counts, ratio changes and intervals) one way.
package textfmt

import (
	"fmt"
	"math"
	"strconv"
)

// Pct formats a fraction as a percentage without trailing zeros: 0.05 → "5%".
func Pct(f float64) string {
	return strconv.FormatFloat(f*100, 'g', 4, 64) + "%"
}

// Plural is "1 case", "2 cases".
func Plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Delta formats a ratio as a signed change: 1.12 → "+12.0%"; "?" when
// not finite.
func Delta(ratio float64) string {
	if math.IsInf(ratio, 0) || math.IsNaN(ratio) {
		return "?"
	}
	return fmt.Sprintf("%+.1f%%", (ratio-1)*100)
}

// Interval formats a ratio interval: "[0.980, 1.020]", an unbounded end
// as ∞.
func Interval(lo, hi float64) string {
	f := func(v float64) string {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return "∞"
		}
		return fmt.Sprintf("%.3f", v)
	}
	return "[" + f(lo) + ", " + f(hi) + "]"
}
