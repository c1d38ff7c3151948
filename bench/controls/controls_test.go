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

// TestChaseIsOneCycle: the memory control's chase goes through distinct
// cache lines on distinct pages often enough to miss, and comes back to 0
// only after its whole cycle, so no hop of a control run hits a short loop.
func TestChaseIsOneCycle(t *testing.T) {
	buf := chaseBuffer()
	lines := map[uint32]bool{}
	pages := map[uint32]bool{}
	i := uint32(0)
	for n := 0; ; n++ {
		if i%16 != 0 || lines[i] {
			t.Fatalf("hop %d reaches index %d: not a line's first word, or a line seen before", n, i)
		}
		lines[i] = true
		pages[i*4/4096] = true
		i = buf[i]
		if i == 0 {
			break
		}
	}
	if len(lines) != 2*chaseHops {
		t.Errorf("cycle of %d lines, want %d", len(lines), 2*chaseHops)
	}
	if len(pages) < chaseHops {
		t.Errorf("the cycle's %d lines lie on %d pages: too few to miss the TLB", len(lines), len(pages))
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
