package stats_test

import (
	"fmt"
	"strings"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
)

// benchText writes ten samples a case, as go test -bench -count 10 does,
// each nsPerOp[case] times a small spread.
func benchText(nsPerOp map[string]float64) string {
	spread := []float64{0.99, 1.01, 1.0, 0.98, 1.02, 1.0, 0.995, 1.005, 1.01, 0.99}
	var b strings.Builder
	for _, name := range []string{"BenchmarkBitLinear/2560x2560/b1", "BenchmarkGELU/2560/b1"} {
		for _, f := range spread {
			fmt.Fprintf(&b, "%s-2\t1000\t%.1f ns/op\n", name, nsPerOp[name]*f)
		}
	}
	return b.String()
}

// Compare judges a current run against a baseline case by case: a verdict
// and its reason per case, and a gate for CI. Here the sides were measured
// interleaved (regression-check --against), so their samples are paired.
func Example() {
	base, err := input.ParseInput([]byte(benchText(map[string]float64{
		"BenchmarkBitLinear/2560x2560/b1": 100e3, "BenchmarkGELU/2560/b1": 8e3,
	})), "base.txt")
	if err != nil {
		panic(err)
	}
	cur, err := input.ParseInput([]byte(benchText(map[string]float64{
		"BenchmarkBitLinear/2560x2560/b1": 130e3, "BenchmarkGELU/2560/b1": 8e3, // BitLinear 30% slower
	})), "current.txt")
	if err != nil {
		panic(err)
	}
	c, err := stats.Compare(base, cur, stats.Options{Threshold: 0.05, Paired: true})
	if err != nil {
		panic(err)
	}
	for _, r := range c.Rows {
		fmt.Printf("%s %s: %.2fx, %s\n", r.Name, r.Unit, r.Ratio, r.Verdict)
	}
	outcome, why := c.Gate(false)
	fmt.Println(outcome == stats.Fail, why)
	// Output:
	// BitLinear/2560x2560/b1 sec/op: 1.30x, regression
	// GELU/2560/b1 sec/op: 1.00x, no change
	// true 1 regression: BitLinear/2560x2560/b1
}
