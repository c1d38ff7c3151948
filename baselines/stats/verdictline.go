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
	var parts []string
	if n.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", n.Failed))
	}
	parts = append(parts,
		textfmt.Plural(n.Regressions, "regression"),
		textfmt.Plural(n.Improvements, "improvement"),
		fmt.Sprintf("%d unchanged", n.Unchanged),
		fmt.Sprintf("%d inconclusive", n.Inconclusive))
	if n.Missing > 0 {
		parts = append(parts, fmt.Sprintf("%d missing in the current run", n.Missing))
	}
	if n.New > 0 {
		parts = append(parts, fmt.Sprintf("%d new", n.New))
	}
	th := "threshold " + textfmt.Pct(c.Threshold)
	if n := c.configuredCases(); n > 0 {
		th += fmt.Sprintf(", %s with their own from the config", textfmt.Plural(n, "case"))
	}
	line := fmt.Sprintf("regression-check: %s (gating %s, %s, alpha %v; %s)", strings.Join(parts, ", "), c.Metric, th, c.Alpha, c.modelLine())
	if len(c.MachineMismatch) > 0 {
		line += "; MACHINE MISMATCH: " + strings.Join(c.MachineMismatch, "; ")
	}
	return line
}

// modelLine says in a few words how runs were treated.
func (c *Comparison) modelLine() string {
	switch c.Model {
	case ModelPaired:
		return "interleaved rounds, paired"
	case ModelRuns:
		return fmt.Sprintf("%d and %d runs, t interval on run medians", c.BaselineRuns, c.CurrentRuns)
	case ModelBounded:
		return fmt.Sprintf("one run per side: the machine may have moved ±%s", textfmt.Pct(c.ControlMargin))
	case ModelWithin:
		return "samples taken as independent"
	}
	return "one run per side, no controls"
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
