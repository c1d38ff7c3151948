package probe

import (
	"fmt"
	"strings"

	"github.com/klauspost/cpuid/v2"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	"github.com/bitnet-go/bitnet-bench/memory"
)

// RooflineBufferBytes is the read-bandwidth buffer: four times the last
// level cache, at least 256 MiB, so the measurement streams from DRAM.
func RooflineBufferBytes() int {
	return max(256<<20, 4*cpuid.CPU.Cache.L3)
}

// Roofline measures each CPU level's limits on this machine (see
// cpu.MeasureLimits). It takes about a second per level.
func Roofline(levels []cpu.Level, bufBytes int) ([]results.Limit, error) {
	var out []results.Limit
	hugePages, _ := memory.HugePages()
	for _, l := range levels {
		lim, err := cpu.MeasureLimits(l, bufBytes)
		if err != nil {
			return out, fmt.Errorf("roofline at %s: %w", l, err)
		}
		out = append(out, results.Limit{
			Level:           string(l),
			ReadGBps:        lim.ReadBytesPerSec / 1e9,
			BufferBytes:     lim.BufferBytes,
			Int8PeakGMACps:  lim.Int8MACsPerSec / 1e9,
			Int8Unavailable: lim.Int8Unavailable,
			HugePages:       hugePages,
		})
	}
	return out, nil
}

// ExternalCPU reports whether c is a CPU kernel of another library
// (kernels/ext), which runs at no level of ours.
func ExternalCPU(c *results.Case) bool {
	return strings.HasPrefix(c.Backend, "ext-") && c.Level == "cpu"
}

// ApplyRoofline sets each CPU case's fraction of its level's limits (an
// external CPU kernel's: those of the fastest level measured).
// Multi-threaded cases are set against the single-thread limits times
// their thread count, the most they could reach if cores scale perfectly.
func ApplyRoofline(f *results.File) {
	byLevel := map[string]results.Limit{}
	for _, l := range f.Roofline {
		byLevel[l.Level] = l
	}
	for i := range f.Cases {
		c := &f.Cases[i]
		lim, ok := byLevel[c.Level]
		if ExternalCPU(c) && len(f.Roofline) > 0 {
			// Another library's kernel has no level of ours: it is held
			// to the machine's limits, those of the fastest level measured.
			lim, ok = f.Roofline[len(f.Roofline)-1], true
		} else if c.Backend != "cpu" {
			continue
		}
		if !ok || !c.OK() {
			continue
		}
		c.PctOfInt8Peak, c.PctOfReadBW = RooflineShares(lim, c.Threads, c.DType, c.GMACps, c.GBps)
	}
}

// RooflineShares is the one computation of a CPU case's share of its
// level's limits, as fractions: GMAC/s of the int8 dot-product peak (for
// packed ternary weights, dtype i2, whose MACs are int8 dot products) and
// GB/s of the read bandwidth, each limit scaled by the thread count. A
// share whose limit or rate is missing is 0.
func RooflineShares(lim results.Limit, threads int, dtype string, gmacps, gbps float64) (ofPeak, ofRead float64) {
	t := float64(max(threads, 1))
	if lim.Int8PeakGMACps > 0 && gmacps > 0 && dtype == "i2" {
		ofPeak = gmacps / (lim.Int8PeakGMACps * t)
	}
	if lim.ReadGBps > 0 && gbps > 0 {
		ofRead = gbps / (lim.ReadGBps * t)
	}
	return ofPeak, ofRead
}

// RooflineLevels lists the CPU levels the cases ran at, in cpu.Levels
// order, and the best level when another library's CPU kernel ran (it is
// held to the machine's best).
func RooflineLevels(cases []results.Case) []cpu.Level {
	used := map[string]bool{}
	for _, c := range cases {
		if c.Backend == "cpu" && c.OK() {
			used[c.Level] = true
		}
		if ExternalCPU(&c) && c.OK() {
			used[string(cpu.Best())] = true
		}
	}
	var out []cpu.Level
	for _, l := range cpu.Levels() {
		if used[string(l)] {
			out = append(out, l)
		}
	}
	return out
}
