package controls

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/bench/results"
)

func TestMeasure(t *testing.T) {
	m := Measure()
	if len(m) != 2 || !(m[Compute] > 0) || !(m[Memory] > 0) {
		t.Fatalf("Measure() = %v", m)
	}
	if Unit(Compute) != results.ControlUnit(Compute) {
		t.Errorf("Unit %q and results.ControlUnit %q differ: regression-check would not find the controls", Unit(Compute), results.ControlUnit(Compute))
	}
}

// TestChaseIsOneCycle: the memory control visits every slot before it
// comes back, so no hop hits a short loop in cache.
func TestChaseIsOneCycle(t *testing.T) {
	if testing.Short() {
		t.Skip("walks 16M hops")
	}
	buf := chaseBuffer()
	i, n := uint32(0), 0
	for {
		i = buf[i]
		n++
		if i == 0 {
			break
		}
		if n > len(buf) {
			t.Fatal("no cycle back to 0")
		}
	}
	if n != len(buf) {
		t.Errorf("cycle of %d, want %d", n, len(buf))
	}
}

func BenchmarkReport(b *testing.B) {
	defer Report(b)
	for b.Loop() {
		sink += compute(100)
	}
}

// TestReportLine: a benchmark calling Report prints its controls on its
// result line, in the units regression-check reads.
func TestReportLine(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a benchmark for a second")
	}
	r := testing.Benchmark(func(b *testing.B) {
		defer Report(b)
		for b.Loop() {
			sink += compute(100)
		}
	})
	var buf bytes.Buffer
	buf.WriteString(r.String())
	for _, u := range []string{Unit(Compute), Unit(Memory)} {
		if !strings.Contains(buf.String(), u) {
			t.Errorf("result %q lacks %s", buf.String(), u)
		}
	}
}
