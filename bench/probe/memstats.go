package probe

import (
	"runtime/metrics"

	"github.com/shirou/gopsutil/v3/process"
)

// MemSnapshot is the process's memory at one moment: the Go runtime's
// view (runtime/metrics) and the OS's (resident set).
type MemSnapshot struct {
	HeapLiveBytes  uint64  // live heap objects
	AllocBytes     uint64  // cumulative bytes allocated
	Allocs         uint64  // cumulative objects allocated
	GCCycles       uint64  // completed GC cycles
	GCPauseSeconds float64 // cumulative stop-the-world pause (approximate: from the pause histogram)
	RSSBytes       uint64  // 0 when unavailable; see RSSUnavailable
	PeakRSSBytes   uint64  // high-water mark of RSS; 0 when unavailable
	RSSUnavailable string  // why RSS could not be read
}

var memSamples = []metrics.Sample{
	{Name: "/gc/heap/live:bytes"},
	{Name: "/gc/heap/allocs:bytes"},
	{Name: "/gc/heap/allocs:objects"},
	{Name: "/gc/cycles/total:gc-cycles"},
	{Name: "/sched/pauses/total/gc:seconds"},
}

// ReadMem takes a memory snapshot. It costs a few microseconds (no
// stop-the-world, unlike runtime.ReadMemStats) and allocates: to bracket
// code whose allocations are counted, use a MemCounter.
func ReadMem() MemSnapshot {
	m := NewMemCounter().Read()
	m.RSSBytes, m.PeakRSSBytes, m.RSSUnavailable = rss()
	return m
}

// MemCounter reads the Go runtime's memory counters without allocating, so
// two reads bracket exactly the allocations of the code between them.
type MemCounter struct{ s []metrics.Sample }

// NewMemCounter prepares a counter (this allocates; Read does not).
func NewMemCounter() *MemCounter {
	c := &MemCounter{s: make([]metrics.Sample, len(memSamples))}
	copy(c.s, memSamples)
	return c
}

// Read returns the runtime's counters now; the RSS fields are left empty.
func (c *MemCounter) Read() MemSnapshot {
	s := c.s
	metrics.Read(s)
	var m MemSnapshot
	u := func(i int) uint64 {
		if s[i].Value.Kind() == metrics.KindUint64 {
			return s[i].Value.Uint64()
		}
		return 0
	}
	m.HeapLiveBytes, m.AllocBytes, m.Allocs, m.GCCycles = u(0), u(1), u(2), u(3)
	if s[4].Value.Kind() == metrics.KindFloat64Histogram {
		h := s[4].Value.Float64Histogram()
		for i, n := range h.Counts {
			if n > 0 {
				// Bucket midpoints; the histogram's outer buckets are ±Inf, skip those.
				lo, hi := h.Buckets[i], h.Buckets[i+1]
				if lo > -1e300 && hi < 1e300 {
					m.GCPauseSeconds += float64(n) * (lo + hi) / 2
				}
			}
		}
	}
	return m
}

var self *process.Process

func rss() (cur, peak uint64, why string) {
	if self == nil {
		p, err := process.NewProcess(int32(pid()))
		if err != nil {
			return 0, 0, "gopsutil: " + err.Error()
		}
		self = p
	}
	mi, err := self.MemoryInfo()
	if err != nil {
		return 0, 0, "gopsutil: " + err.Error()
	}
	return mi.RSS, peakRSS(), ""
}
