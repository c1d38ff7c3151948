//go:build linux && amd64 && !purego

package cpu

import (
	"runtime"
	"slices"
	"testing"
)

// BenchmarkLookupVersusVNNI asks whether a table-lookup ternary kernel
// (T-MAC, bitnet.cpp's TL2: a per-token table of the 27 sums of three
// codes against three activations, the weights as table indices) could
// beat VPDPBUSD on this CPU. It times the lookup loop's inner step (a
// VPERMW of 32 words and a VPADDW: 96 MACs) and the VNNI peak loop (a
// VPDPBUSD: 64 MACs) alternately by thread CPU time, and reports
// lookup-macs-vs-vnni: MACs per second of the first over the second. It is
// an upper bound for the lookup kernel, which would also load its tables
// and indices and widen its int16 sums; the VNNI GEMM already runs at
// 75-95% of its peak.
func BenchmarkLookupVersusVNNI(b *testing.B) {
	if !Supported(LevelAVX512) {
		b.Skip("needs AVX-512 (VPERMW, VPDPBUSD)")
	}
	const iters = 1 << 14
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var lookup, vnni []float64
	for b.Loop() {
		t0 := threadNow(b)
		keep(lookupVPERMW(iters))
		t1 := threadNow(b)
		keep(peakVNNI(iters))
		t2 := threadNow(b)
		lookup = append(lookup, float64(iters*16*32*3)/(t1-t0).Seconds())
		vnni = append(vnni, float64(iters*16*64)/(t2-t1).Seconds())
	}
	ratios := make([]float64, len(lookup))
	for i := range lookup {
		ratios[i] = lookup[i] / vnni[i]
	}
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "lookup-macs-vs-vnni")
	b.ReportMetric(median(vnni)/1e9, "vnni-GMAC/s")
}
