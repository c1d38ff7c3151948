// Package controls measures a few fixed reference workloads whose code
// never changes, so that any change in their speed between two runs is the
// machine's: other tenants, clock speed, cache and memory contention. A
// regression check compares them between runs to see how far the machine
// moved, and does not blame the code for that much.
//
// Any Go benchmark can carry them: defer Report at the start of the
// benchmark function. After the timed loop it measures the controls with
// the timer stopped and reports them with b.ReportMetric, so each result
// line carries its own machine-state covariates, which bitnet-bench
// regression-check reads from plain Go benchmark text. (Deferred, because
// b.ResetTimer and the first b.Loop delete metrics reported before them.)
//
//	func BenchmarkParse(b *testing.B) {
//		defer controls.Report(b)
//		for b.Loop() {
//			parse(input)
//		}
//	}
//
//	BenchmarkParse-8  10000  11845 ns/op  251400 ctl-compute-ns  301220 ctl-memory-ns
//
// The controls take about a millisecond per call.
package controls

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// Names of the controls, in the order Measure returns them.
const (
	// Compute is a dependent chain of integer multiplies and xorshifts:
	// it tracks the core's clock and how much of the core this process
	// gets.
	Compute = "compute"
	// Memory is a chase of dependent loads through a buffer larger than
	// most last-level caches: it tracks memory latency and the contention
	// for caches and DRAM.
	Memory = "memory"
)

// Unit is the Go benchmark text unit of a control's measurement:
// "ctl-compute-ns". It matches bench/results.ControlUnit.
func Unit(name string) string { return "ctl-" + name + "-ns" }

const (
	computeSteps = 1 << 16 // about 0.1 ms
	chaseBytes   = 64 << 20
	chaseHops    = 1 << 12 // about 0.3 ms of DRAM latency
	repeats      = 3       // the median of three resists one preemption
)

var (
	chaseOnce sync.Once
	chase     []uint32 // chase[i] is the next index: one random cycle
	sink      uint64
)

// chaseBuffer builds the memory control's buffer once per process.
func chaseBuffer() []uint32 {
	chaseOnce.Do(func() { chase = chaseCycle(chaseBytes, 2*chaseHops) })
	return chase
}

// chaseCycle returns a buffer of size bytes holding one cycle of hops
// cache lines drawn at random (fixed seed) from all of it, starting at
// index 0: buf[i] is the index of the next line's first word. A chase from
// 0 (the memory control's) misses the caches and the TLB on every hop of
// its first pass, and every run does the same work. Only the cycle's lines
// are written: building a cycle through every word of the buffer cost
// 0.7 s of CPU in each process that reports the controls (Zen 5 VM), which
// also drowned the CPU time of short benchmark runs.
func chaseCycle(size, hops int) []uint32 {
	const words = 16 // uint32s per 64-byte line
	lines := size / 4 / words
	buf := make([]uint32, size/4)
	taken := make([]uint64, (lines+63)/64)
	taken[0] = 1
	path := make([]uint32, 1, hops)
	x := uint64(0x9e3779b97f4a7c15)
	for len(path) < hops {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		l := x % uint64(lines)
		if taken[l/64]&(1<<(l%64)) != 0 {
			continue
		}
		taken[l/64] |= 1 << (l % 64)
		path = append(path, uint32(l))
	}
	for k, l := range path {
		buf[l*words] = path[(k+1)%len(path)] * words
	}
	return buf
}

//go:noinline
func compute(n int) uint64 {
	x := uint64(n) | 1
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		x ^= x >> 29
	}
	return x
}

//go:noinline
func memory(buf []uint32, hops int) uint64 {
	i := uint32(0)
	for range hops {
		i = buf[i]
	}
	return uint64(i)
}

// median3 times f repeats times and returns the median, in nanoseconds.
func median3(f func() uint64) float64 {
	var ts [repeats]float64
	for k := range ts {
		t := time.Now()
		sink += f()
		ts[k] = float64(time.Since(t).Nanoseconds())
	}
	s := ts[:]
	slices.Sort(s)
	return s[repeats/2]
}

// Measure runs each control and returns its time in nanoseconds by name.
// The first call also allocates and fills the memory control's buffer
// (64 MiB, kept for the process's life).
func Measure() map[string]float64 {
	buf := chaseBuffer()
	memory(buf, chaseHops) // warm the TLB and the first hops
	return map[string]float64{
		Compute: median3(func() uint64 { return compute(computeSteps) }),
		Memory:  median3(func() uint64 { return memory(buf, chaseHops) }),
	}
}

// Report measures the controls with b's timer stopped and reports each
// with b.ReportMetric in Unit(name), so the benchmark's result line
// carries them. Defer it at the start of the benchmark function: metrics
// reported before b.ResetTimer or the first b.Loop are deleted.
func Report(b *testing.B) {
	b.Helper()
	b.StopTimer()
	for name, ns := range Measure() {
		b.ReportMetric(ns, Unit(name))
	}
	b.StartTimer()
}
