package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/bench/results"
)

func TestSideBySide(t *testing.T) {
	c := func(name string, m int, ns float64, status string) results.Case {
		return results.Case{Name: name, Shape: results.Shape{M: m, N: 2560, K: 2560}, MedianNs: ns, Status: status}
	}
	var out bytes.Buffer
	writeSideBySide(&out, []results.Case{
		c("BitLinear/2560x2560/b1/i2/avx512vnni", 1, 100e3, results.StatusOK),
		c("BitLinear/2560x2560/b1/i2/ext-ggml-tq2_0", 1, 150e3, results.StatusOK),
		c("BitLinear/2560x2560/b1/i2/ext-wrong", 1, 0, results.StatusWrong),
		c("BitLinear/2560x2560/b8/i2/avx512vnni/t2", 8, 1e6, results.StatusOK),
		c("GELU/2560/b1/f32/avx512vnni", 1, 5e3, results.StatusOK), // one target only: not shown
	})
	got := out.String()
	for _, want := range []string{"ratio to avx512vnni's", "BitLinear/2560x2560/b1", "150µs (1.50×)", "wrong"} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "GELU") || strings.Contains(got, "b8") {
		t.Errorf("a problem with one target is shown:\n%s", got)
	}
	out.Reset()
	writeSideBySide(&out, []results.Case{c("BitLinear/2560x2560/b1/i2/avx512vnni", 1, 100e3, results.StatusOK)})
	if out.Len() != 0 {
		t.Errorf("one target, yet a table:\n%s", out.String())
	}
}
