package memory

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock drives a pool's record clock in tests.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) now() int64              { return c.ns.Load() }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func withClock(p *Pool) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(1e18)
	p.now = c.now
	return c
}

func classStats(st Stats, size uint64) ClassStats {
	for _, c := range st.Classes {
		if c.Size == size {
			return c
		}
	}
	return ClassStats{}
}

func TestStatsBasic(t *testing.T) {
	p := newPool(t, Config{Tracking: TrackBasic})
	var bufs []ByteBuf
	for range 100 {
		b, err := p.AllocBytes(100, 0) // class 128
		if err != nil {
			t.Fatal(err)
		}
		bufs = append(bufs, b)
	}
	big, err := p.AllocBytes(3<<20, 0) // order 22
	if err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	c := classStats(st, 128)
	if c.Allocs != 100 || c.Live != 100 || c.LiveBytes != 100*128 || c.Frees != 0 || c.Slabs != 1 {
		t.Fatalf("class 128: %+v", c)
	}
	if st.LiveBytes != 100*128+4<<20 || st.LiveBlocks != 101 || st.Allocs != 101 {
		t.Fatalf("stats: live %d blocks %d allocs %d", st.LiveBytes, st.LiveBlocks, st.Allocs)
	}
	if st.PeakBytes < st.LiveBytes {
		t.Fatalf("peak %d < live %d", st.PeakBytes, st.LiveBytes)
	}
	if st.InUseBytes != 1<<20+4<<20 || st.SlabBytes != 1<<20 {
		t.Fatalf("in use %d, slabs %d", st.InUseBytes, st.SlabBytes)
	}
	want := 1 - float64(st.LiveBytes)/float64(st.InUseBytes)
	if st.FragmentationRatio != want {
		t.Fatalf("fragmentation %v, want %v", st.FragmentationRatio, want)
	}
	for _, b := range bufs {
		b.Free()
	}
	big.Free()
	st = p.Stats()
	if st.LiveBytes != 0 || st.Frees != 101 || st.PeakBytes < 100*128+4<<20 {
		t.Fatalf("after frees: live %d frees %d peak %d", st.LiveBytes, st.Frees, st.PeakBytes)
	}
	p.ResetPeak()
	if st := p.Stats(); st.PeakBytes != 0 {
		t.Fatalf("peak after reset %d", st.PeakBytes)
	}
	before := p.Stats()
	x, _ := p.AllocBytes(100, 0)
	y, _ := p.AllocBytes(2<<20, 0)
	x.Free()
	d := p.Stats().Delta(before)
	if d.Allocs != 2 || d.Frees != 1 || classStats(d, 128).Allocs != 1 || d.PeakBytes < 2<<20 {
		t.Fatalf("delta: %+v", d)
	}
	y.Free()
}

func TestPeakEstimateSmall(t *testing.T) {
	p := newPool(t, Config{Tracking: TrackBasic})
	var bufs []ByteBuf
	for range 10000 {
		b, _ := p.AllocBytes(64, 0)
		bufs = append(bufs, b)
	}
	for _, b := range bufs {
		b.Free()
	}
	st := p.Stats()
	// Peak within a granule per shard used of the truth (one shard, unless
	// the goroutine's stack moved).
	if st.PeakBytes < 10000*64-4*peakGranule || st.PeakBytes > 10000*64 {
		t.Fatalf("peak %d, want about %d", st.PeakBytes, 10000*64)
	}
}

func TestTrackingNoneAndSwitch(t *testing.T) {
	p := newPool(t, Config{})
	if p.Tracking() != TrackNone {
		t.Fatal("default level")
	}
	a, _ := p.AllocBytes(64, 0)
	b, _ := p.AllocBytes(64, 0)
	st := p.Stats()
	if c := classStats(st, 64); c.Allocs != 2 || c.Frees != 0 || c.Live != 0 {
		t.Fatalf("none: %+v", c)
	}
	p.SetTracking(TrackBasic)
	c, _ := p.AllocBytes(64, 0)
	st = p.Stats()
	if cs := classStats(st, 64); cs.Allocs != 3 || cs.Live != 1 {
		t.Fatalf("after switching on: %+v", cs)
	}
	a.Free()
	b.Free()
	c.Free()
	if cs := classStats(p.Stats(), 64); cs.Live != 0 || cs.Frees != 3 {
		t.Fatalf("after frees: %+v", cs)
	}
	p.SetTracking(TrackDetailed)
	if p.Tracking() != TrackDetailed || p.detail.Load() == nil {
		t.Fatal("detailed")
	}
	p.SetTracking(TrackBasic)
	if p.detail.Load() != nil {
		t.Fatal("detail state kept")
	}
	p.SetTracking(TrackingLevel(9)) // ignored
	if p.Tracking() != TrackBasic {
		t.Fatal("bad level applied")
	}
	if TrackDetailed.String() != "detailed" || TrackingLevel(9).String() == "" {
		t.Fatal("String")
	}
}

func allocSite(p *Pool, n int) ByteBuf {
	b, _ := p.AllocBytes(n, 0)
	return b
}

func TestLeakReport(t *testing.T) {
	p := newPool(t, Config{Tracking: TrackBasic})
	if r := p.Leaks(0); r.Complete || !strings.Contains(r.Note, "detailed") {
		t.Fatalf("basic leak report: %+v", r)
	}
	p.SetTracking(TrackDetailed)
	clk := withClock(p)
	old1 := allocSite(p, 100)
	old2 := allocSite(p, 5<<20)
	freed := allocSite(p, 100)
	freed.Free()
	clk.advance(time.Minute)
	young, _ := p.AllocBytes(200, 0)
	r := p.Leaks(30 * time.Second)
	if !r.Complete || r.Count != 2 || r.Bytes != 128+8<<20 {
		t.Fatalf("report: count %d bytes %d complete %v", r.Count, r.Bytes, r.Complete)
	}
	for _, l := range r.Leaks {
		if l.Age != time.Minute {
			t.Errorf("age %v", l.Age)
		}
		if !strings.Contains(l.Site, "allocSite") || !strings.Contains(l.Site, "tracking_test.go") {
			t.Errorf("site %q", l.Site)
		}
		if len(l.Stack) < 2 || !strings.Contains(l.Stack[1], "TestLeakReport") {
			t.Errorf("stack %q", l.Stack)
		}
	}
	if len(r.BySite) != 1 || r.BySite[0].Count != 2 || r.BySite[0].Oldest != time.Minute {
		t.Fatalf("by site: %+v", r.BySite)
	}
	if r.Leaks[0].Handle.Free() != nil {
		t.Fatal("leak handle does not free")
	}
	if r := p.Leaks(0); r.Count != 2 { // old2 and young remain
		t.Fatalf("after freeing one: %d", r.Count)
	}
	old1.Free()
	old2.Free()
	young.Free()
	if r := p.Leaks(0); r.Count != 0 {
		t.Fatalf("after freeing all: %d", r.Count)
	}
	st := p.Stats()
	if st.RequestedBytes != 0 {
		t.Fatalf("requested %d", st.RequestedBytes)
	}
}

func TestInternalFragmentation(t *testing.T) {
	p := newPool(t, Config{Tracking: TrackDetailed})
	b, _ := p.AllocBytes(65, 0) // 128-byte block
	st := p.Stats()
	if st.RequestedBytes != 65 || st.InternalFragmentation != 1-65.0/128 {
		t.Fatalf("requested %d internal %v", st.RequestedBytes, st.InternalFragmentation)
	}
	b.Free()
}

func TestPressureLevels(t *testing.T) {
	p := newPool(t, Config{Budget: 100 << 20, Tracking: TrackBasic})
	var mu sync.Mutex
	var events []PressureEvent
	unreg := p.OnPressure(func(e PressureEvent) {
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
	})
	var bufs []ByteBuf
	alloc := func(n int) {
		b, err := p.AllocBytes(n, 0)
		if err != nil {
			t.Fatal(err)
		}
		bufs = append(bufs, b)
	}
	alloc(32 << 20) // 32%
	if p.Pressure() != PressureNone {
		t.Fatalf("32%%: %v", p.Pressure())
	}
	alloc(32 << 20) // 64%: low
	if p.Pressure() != PressureLow {
		t.Fatalf("64%%: %v", p.Pressure())
	}
	alloc(8 << 20)  // 72%: medium
	alloc(16 << 20) // 88%: high
	alloc(8 << 20)  // 96%: critical
	if p.Pressure() != PressureCritical {
		t.Fatalf("96%%: %v", p.Pressure())
	}
	mu.Lock()
	got := []PressureLevel{}
	for _, e := range events {
		got = append(got, e.New)
	}
	mu.Unlock()
	want := []PressureLevel{PressureLow, PressureMedium, PressureHigh, PressureCritical}
	if len(got) != len(want) {
		t.Fatalf("events %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %v", got)
		}
	}
	if e := events[3]; e.Old != PressureHigh || e.Budget != 100<<20 || e.Used != 96<<20 || e.Pool != p.Name() || e.At.IsZero() {
		t.Fatalf("event %+v", e)
	}
	for _, b := range bufs {
		b.Free()
	}
	if p.Pressure() != PressureNone {
		t.Fatalf("after frees: %v", p.Pressure())
	}
	unreg()
	n := len(events)
	alloc(90 << 20)
	if len(events) != n {
		t.Fatal("unregistered callback called")
	}
	p.SetBudget(0)
	if p.Pressure() != PressureNone || p.Budget() != 0 {
		t.Fatal("budget 0")
	}
	for _, l := range []PressureLevel{PressureNone, PressureLow, PressureMedium, PressureHigh, PressureCritical, 9} {
		if l.String() == "" {
			t.Fatal("String")
		}
	}
}

func TestPressureCallbackPanics(t *testing.T) {
	p := newPool(t, Config{Budget: 10 << 20})
	calls := 0
	p.OnPressure(func(PressureEvent) { panic("boom") })
	p.OnPressure(func(PressureEvent) { calls++ })
	b, err := p.AllocBytes(8<<20, 0) // 80%: medium
	if err != nil {
		t.Fatalf("allocation with a panicking callback: %v", err)
	}
	if calls != 1 {
		t.Fatalf("the callback after the panicking one ran %d times", calls)
	}
	if st := p.Stats(); st.CallbackPanics != 1 || p.LastCallbackPanic() != "boom" {
		t.Fatalf("panics %d %q", st.CallbackPanics, p.LastCallbackPanic())
	}
	if err := b.Free(); err != nil {
		t.Fatalf("free after a panicking callback: %v", err)
	}
	// The pool still works.
	for range 10 {
		c, err := p.AllocBytes(1000, 0)
		if err != nil {
			t.Fatal(err)
		}
		c.Free()
	}
	if p.Stats().CallbackPanics != 2 {
		t.Fatalf("panics %d", p.Stats().CallbackPanics)
	}
}

func TestPressureCallbackCanTrim(t *testing.T) {
	p := newPool(t, Config{Budget: 9 << 19}) // one 4 MiB slab is 89%
	trimmed := 0
	p.OnPressure(func(e PressureEvent) {
		if e.New >= PressureHigh {
			p.Trim(TrimOptions{DrainCaches: true})
			trimmed++
		}
	})
	var bufs []ByteBuf
	for range 7 {
		b, err := p.AllocBytes(500<<10, 0) // 512 KiB class, 4 MiB slabs
		if err != nil {
			t.Fatal(err)
		}
		bufs = append(bufs, b)
	}
	if trimmed == 0 {
		t.Fatal("no high-pressure callback")
	}
	for _, b := range bufs {
		b.Free()
	}
}

func TestHardLimit(t *testing.T) {
	p := newPool(t, Config{Budget: 16 << 20, HardLimit: true})
	a, err := p.AllocBytes(8<<20, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.AllocBytes(16<<20, 0); !errors.Is(err, ErrBudgetExceeded) {
		t.Fatalf("over budget: %v", err)
	}
	// Cached small memory is trimmed before the limit fails an allocation.
	var small []ByteBuf
	for range 4 {
		b, err := p.AllocBytes(500<<10, 0)
		if err != nil {
			t.Fatal(err)
		}
		small = append(small, b)
	}
	for _, b := range small {
		b.Free()
	}
	b, err := p.AllocBytes(8<<20, 0)
	if err != nil {
		t.Fatalf("after trimming: %v", err)
	}
	a.Free()
	b.Free()
}
