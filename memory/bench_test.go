package memory

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// Benchmarks report ns/op for one allocate+free pair and pairs/s for all
// goroutines together. "g1" runs one goroutine; "g2" runs two, each doing
// half of b.N, so pairs/s of g2 over g1 is the scaling.
//
//	go test -run '^$' -bench . -benchtime=200ms ./memory/

func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// runPairs runs loop(n) on g goroutines, the n adding up to b.N, and
// reports pairs/s. The loop is inside the closure, so the measurement holds
// no indirect call per pair.
func runPairs(b *testing.B, g int, loop func(n int)) {
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range g {
		n := b.N / g
		if w == 0 {
			n += b.N % g
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			loop(n)
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/el.Seconds(), "pairs/s")
}

func poolPairs(b *testing.B, p *Pool, size int) func(n int) {
	return func(n int) {
		for range n {
			buf, err := p.AllocBytes(size, 0)
			if err != nil {
				b.Error(err)
				return
			}
			if err := buf.Free(); err != nil {
				b.Error(err)
				return
			}
		}
	}
}

// BenchmarkSmallAllocFree: one allocate+free pair of a small block, per
// tracking level, on one and two goroutines.
func BenchmarkSmallAllocFree(b *testing.B) {
	for _, lvl := range []TrackingLevel{TrackNone, TrackBasic} {
		for _, n := range []int{64, 256, 4 << 10, 64 << 10} {
			for _, g := range []int{1, 2} {
				b.Run(fmt.Sprintf("track=%v/size=%s/g%d", lvl, sizeName(n), g), func(b *testing.B) {
					p := newPool(b, Config{Tracking: lvl})
					pairs := poolPairs(b, p, n)
					pairs(1)
					runPairs(b, g, pairs)
				})
			}
		}
	}
}

// BenchmarkLargeAllocFree: one allocate+free pair of a buddy block whose
// memory is not touched.
func BenchmarkLargeAllocFree(b *testing.B) {
	for _, n := range []int{1 << 20, 4 << 20, 16 << 20, 64 << 20} {
		for _, g := range []int{1, 2} {
			b.Run(fmt.Sprintf("size=%s/g%d", sizeName(n), g), func(b *testing.B) {
				p := newPool(b, Config{Tracking: TrackBasic})
				pairs := poolPairs(b, p, n)
				pairs(1)
				runPairs(b, g, pairs)
			})
		}
	}
}

var sink []byte

// BenchmarkVsGo compares the pool with Go's allocator (make, with the
// garbage collector reclaiming) and with sync.Pool, 64 B to 64 MiB, on one
// and two goroutines. make zeroes the memory (Go semantics); the pool does
// not, so "pool+zero" clears the block as well, for a like-for-like figure.
func BenchmarkVsGo(b *testing.B) {
	for _, n := range []int{64, 1 << 10, 64 << 10, 1 << 20, 16 << 20, 64 << 20} {
		for _, g := range []int{1, 2} {
			name := fmt.Sprintf("size=%s/g%d", sizeName(n), g)
			b.Run("pool/"+name, func(b *testing.B) {
				p := newPool(b, Config{Tracking: TrackBasic})
				pairs := poolPairs(b, p, n)
				pairs(1)
				runPairs(b, g, pairs)
			})
			b.Run("pool+zero/"+name, func(b *testing.B) {
				p := newPool(b, Config{Tracking: TrackBasic})
				runPairs(b, g, func(k int) {
					for range k {
						buf, _ := p.AllocBytes(n, 0)
						buf.Zero()
						buf.Free()
					}
				})
			})
			b.Run("make/"+name, func(b *testing.B) {
				var mu sync.Mutex
				runPairs(b, g, func(k int) {
					for range k {
						s := make([]byte, n)
						if g == 1 {
							sink = s
							continue
						}
						mu.Lock() // two goroutines: keep the sink race-free
						sink = s
						mu.Unlock()
					}
				})
				sink = nil
			})
			b.Run("syncpool/"+name, func(b *testing.B) {
				sp := sync.Pool{New: func() any { s := make([]byte, n); return &s }}
				runPairs(b, g, func(k int) {
					for range k {
						s := sp.Get().(*[]byte)
						(*s)[0] = 1
						sp.Put(s)
					}
				})
			})
		}
	}
}

// BenchmarkTrackingOverhead: the cost of each tracking level on a small
// and a large pair.
func BenchmarkTrackingOverhead(b *testing.B) {
	for _, n := range []int{64, 4 << 20} {
		for _, lvl := range []TrackingLevel{TrackNone, TrackBasic, TrackDetailed} {
			b.Run(fmt.Sprintf("size=%s/track=%v", sizeName(n), lvl), func(b *testing.B) {
				p := newPool(b, Config{Tracking: lvl})
				pairs := poolPairs(b, p, n)
				pairs(1)
				runPairs(b, 1, pairs)
			})
		}
	}
}

// BenchmarkTypedAllocFree: the typed API the kernels use.
func BenchmarkTypedAllocFree(b *testing.B) {
	p := newPool(b, Config{Tracking: TrackBasic})
	b.Run("AllocFloat32/1024", func(b *testing.B) {
		runPairs(b, 1, func(n int) {
			for range n {
				buf, _ := p.AllocFloat32(1024)
				buf.Free()
			}
		})
	})
	b.Run("AllocInt8/4096", func(b *testing.B) {
		runPairs(b, 1, func(n int) {
			for range n {
				buf, _ := p.AllocInt8(4096)
				buf.Free()
			}
		})
	})
}
