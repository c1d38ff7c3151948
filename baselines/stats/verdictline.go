package stats

import (
	"fmt"
	"strings"

	"github.com/bitnet-go/bitnet-bench/baselines/internal/textfmt"
)

// VerdictLine is the one-line summary that ends every text output,
// counted by case (see Counts): "regression-check: 1 regression, 0
// improvements, 3 unchanged (threshold 5%, alpha 0.05)".
func (c *Comparison) VerdictLine() string {
	n := c.Counts()
	parts := []string{
		textfmt.Plural(n.Regressions, "regression"),
		textfmt.Plural(n.Improvements, "improvement"),
		fmt.Sprintf("%d unchanged", n.Unchanged),
	}
	if n.Inconclusive > 0 {
		parts = append(parts, fmt.Sprintf("%d with too few samples to tell", n.Inconclusive))
	}
	if n.Missing > 0 {
		parts = append(parts, fmt.Sprintf("%d missing on one side", n.Missing))
	}
	th := "threshold " + textfmt.Pct(c.Threshold)
	if n := c.configuredCases(); n > 0 {
		th += fmt.Sprintf(", %s with their own from the config", textfmt.Plural(n, "case"))
	}
	line := fmt.Sprintf("regression-check: %s (%s, alpha %v)", strings.Join(parts, ", "), th, c.Alpha)
	if len(c.MachineMismatch) > 0 {
		line += "; MACHINE MISMATCH: " + strings.Join(c.MachineMismatch, "; ")
	}
	return line
}

// configuredCases counts the cases whose threshold is not the default.
func (c *Comparison) configuredCases() int {
	seen := map[string]bool{}
	for _, r := range c.Rows {
		if r.Threshold != c.Threshold && r.Threshold > 0 {
			seen[r.Name] = true
		}
	}
	return len(seen)
}
