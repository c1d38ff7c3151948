package probe

import "strings"

// joules converts an IOReport energy unit label to joules per count.
func joules(unit string) (float64, bool) {
	switch strings.TrimSpace(unit) {
	case "J":
		return 1, true
	case "mJ":
		return 1e-3, true
	case "uJ", "µJ":
		return 1e-6, true
	case "nJ":
		return 1e-9, true
	}
	return 0, false
}
