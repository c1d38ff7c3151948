package stats

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseThreshold reads a regression threshold as a fraction ("0.05") or a
// percentage ("5%", "5.5%", " 5 % "; spaces around the number and before
// "%" are allowed) and returns the fraction. A fraction must be below 1, so
// that "5" is refused rather than read as 500%. Zero is refused: Options
// takes a zero Threshold as "use the default".
func ParseThreshold(s string) (float64, error) {
	in := strings.TrimSpace(s)
	num, isPct := strings.CutSuffix(in, "%")
	num = strings.TrimSpace(num)
	if num == "" {
		return 0, fmt.Errorf("threshold %q: want a fraction such as 0.05 or a percentage such as 5%%", s)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("threshold %q: not a number: want a fraction such as 0.05 or a percentage such as 5%%", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("threshold %q: must not be negative", s)
	}
	if v == 0 {
		return 0, fmt.Errorf("threshold %q: must be above zero", s)
	}
	if isPct {
		return v / 100, nil
	}
	if v >= 1 {
		return 0, fmt.Errorf("threshold %q: a fraction must be below 1: did you mean %s%% (%v)?", s, num, v/100)
	}
	return v, nil
}
