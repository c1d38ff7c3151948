// Package cputime reports a benchmark's CPU time per op beside its wall
// time, so a regression check can gate on the work the code did rather than
// on how much of the machine it got.
//
// On a shared runner the wall time of one op moves with the other tenants:
// while they run, the benchmark waits for a core, and a 100 ms sample can
// take twice as long with no change to the code. The process's CPU time
// counts only the time it ran. It still moves with what the neighbours do
// to the caches and memory, but not with the waiting. On a 2-vCPU VM at a
// load average of 6-8, separate processes of the same benchmark spread by
// 13-22% (robust sd) in wall time and by 4-10% in CPU time.
//
// Defer Track's result at the start of a benchmark function:
//
//	func BenchmarkParse(b *testing.B) {
//		defer cputime.Track(b)()
//		for b.Loop() {
//			parse(input)
//		}
//	}
//
//	BenchmarkParse-8  10000  11845 ns/op  11102 cpu-ns/op
//
// and gate on it: regression-check --metric cpu-sec/op (benchstat's name
// for the unit). It is the whole process's CPU time during the call, divided
// by b.N: work the benchmark hands to other goroutines (the garbage
// collector's, RunParallel's) counts; setup before the timed loop counts
// once per call (with b.Loop, once in all), so keep it small.
package cputime

import (
	"testing"
	"time"
)

// Unit is the Go benchmark text unit of the CPU time per op.
const Unit = "cpu-ns/op"

// Track reads the process's CPU time and returns the function that, deferred,
// reports the CPU time since then per op with b.ReportMetric in Unit. Where
// the platform has no process CPU clock it logs why, once per benchmark, and
// reports nothing (never a made-up figure).
func Track(b *testing.B) func() {
	b.Helper()
	start, err := Now()
	if err != nil {
		b.Logf("cputime: %v: no %s reported", err, Unit)
		return func() {}
	}
	return func() {
		end, err := Now()
		if err != nil || b.N == 0 {
			return
		}
		b.ReportMetric(float64((end-start).Nanoseconds())/float64(b.N), Unit)
	}
}

// Now returns the CPU time this process has used so far (every thread,
// user and system).
func Now() (time.Duration, error) { return processCPU() }
