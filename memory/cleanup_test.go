package memory

import (
	"strings"
	"testing"
	"time"
)

func TestCompact(t *testing.T) {
	p := newPool(t, Config{ArenaSize: 16 << 20})
	var bufs []ByteBuf
	for range 8 { // 4 arenas of 16 MiB
		b, err := p.AllocBytes(8<<20, 0)
		if err != nil {
			t.Fatal(err)
		}
		bufs = append(bufs, b)
	}
	// Free every other block: each arena half free, no arena empty.
	for i := 0; i < len(bufs); i += 2 {
		bufs[i].Free()
	}
	st := p.Compact()
	if st.Arenas != 0 || st.FreeBlocksSorted != 4 {
		t.Fatalf("compact with half-free arenas: %+v", st)
	}
	for i := 1; i < len(bufs); i += 2 {
		bufs[i].Free()
	}
	st = p.Compact()
	if st.Arenas != 4 || st.ReservedAfter != 0 || st.BytesReleased < 64<<20 {
		t.Fatalf("compact of an empty pool: %+v", st)
	}
	// External fragmentation before/after.
	for range 4 {
		b, _ := p.AllocBytes(1<<20, 0)
		bufs = append(bufs[:0], b)
	}
	p.Compact()
	p.buddy.mu.Lock()
	defer p.buddy.mu.Unlock()
	if err := p.buddy.checkLocked(); err != nil {
		t.Fatal(err)
	}
	for _, a := range p.buddy.arenas {
		if a == nil {
			continue
		}
		for r := range a.head {
			last := int32(-1)
			for u := a.head[r]; u >= 0; u = a.next[u] {
				if u < last {
					t.Fatalf("free list %d not sorted", r)
				}
				last = u
			}
		}
	}
}

func TestTrimIdleAndGenerations(t *testing.T) {
	p := newPool(t, Config{ArenaSize: 4 << 20})
	b, _ := p.AllocBytes(4<<20, 0) // a whole arena
	b.Free()
	// Freed before the first pass: its idle time is unknown then.
	st := p.Trim(TrimOptions{MinIdle: 20 * time.Millisecond, ReleaseArenas: true, Discard: true})
	if st.Arenas != 0 || st.BytesReleased != 0 {
		t.Fatalf("first idle pass released %+v", st)
	}
	time.Sleep(30 * time.Millisecond)
	st = p.Trim(TrimOptions{MinIdle: 20 * time.Millisecond, ReleaseArenas: true})
	if st.Arenas != 1 {
		t.Fatalf("second idle pass: %+v", st)
	}

	// Generational: a block freed now survives two passes, goes on the third.
	c, _ := p.AllocBytes(4<<20, 0)
	c.Free()
	for pass := 1; pass <= 3; pass++ {
		st := p.Trim(TrimOptions{Generations: 3, ReleaseArenas: true})
		if got, want := st.Arenas, map[bool]int{true: 1, false: 0}[pass == 3]; got != want {
			t.Fatalf("generational pass %d released %d arenas", pass, got)
		}
	}
	// Keep: never below KeepArenas.
	d, _ := p.AllocBytes(4<<20, 0)
	d.Free()
	if st := p.Trim(TrimOptions{ReleaseArenas: true, KeepArenas: 1}); st.Arenas != 0 {
		t.Fatalf("KeepArenas: %+v", st)
	}
}

func TestStrategies(t *testing.T) {
	p := newPool(t, Config{Budget: 4 << 20})
	now := time.Now()
	if _, ok := (IdleStrategy{IdleFor: time.Second}).Plan(now, now.Add(-100*time.Millisecond), p); ok {
		t.Error("idle ran too soon")
	}
	if o, ok := (IdleStrategy{IdleFor: time.Second}).Plan(now, time.Time{}, p); !ok || o.MinIdle != time.Second || !o.DrainCaches {
		t.Error("idle plan")
	}
	if _, ok := (PeriodicStrategy{Every: time.Second}).Plan(now, now.Add(-time.Millisecond), p); ok {
		t.Error("periodic ran too soon")
	}
	if o, ok := (PeriodicStrategy{Every: time.Second}).Plan(now, now.Add(-2*time.Second), p); !ok || !o.SortFreeLists {
		t.Error("periodic plan")
	}
	if o, ok := (GenerationalStrategy{Every: time.Second}).Plan(now, time.Time{}, p); !ok || o.Generations != 3 {
		t.Error("generational plan")
	}
	if _, ok := (PressureStrategy{}).Plan(now, time.Time{}, p); ok {
		t.Error("pressure ran without pressure")
	}
	b, _ := p.AllocBytes(4<<20, 0) // 100%: critical
	if _, ok := (PressureStrategy{}).Plan(now, time.Time{}, p); !ok {
		t.Error("pressure did not run at critical")
	}
	b.Free()
	for _, s := range []Strategy{IdleStrategy{}, PressureStrategy{}, PeriodicStrategy{}, GenerationalStrategy{}} {
		if s.Name() == "" {
			t.Error("name")
		}
	}
}

func TestScheduler(t *testing.T) {
	p := newPool(t, Config{Budget: 64 << 20, ArenaSize: 8 << 20})
	s := NewScheduler(p, 5*time.Millisecond,
		PeriodicStrategy{Every: 10 * time.Millisecond},
		PressureStrategy{MinLevel: PressureHigh})
	if s.Running() {
		t.Fatal("running before Start")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != ErrSchedulerRunning {
		t.Fatalf("second Start: %v", err)
	}
	// Memory freed while the scheduler runs goes back to the OS.
	b, _ := p.AllocBytes(8<<20, 0)
	b.Free()
	deadline := time.Now().Add(2 * time.Second)
	for p.Stats().ReservedBytes != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if r := p.Stats().ReservedBytes; r != 0 {
		t.Fatalf("reserved %d after periodic cleanup", r)
	}
	s.Stop()
	s.Stop() // idempotent
	if s.Running() {
		t.Fatal("running after Stop")
	}
	h := s.History()
	if len(h) == 0 || h[0].Strategy != "periodic" {
		t.Fatalf("history %+v", h)
	}
	n := len(s.History())
	time.Sleep(30 * time.Millisecond)
	if len(s.History()) != n {
		t.Fatal("passes after Stop")
	}
	// Restart works; a pressure change wakes the pressure strategy.
	s2 := NewScheduler(p, time.Hour, PressureStrategy{MinLevel: PressureHigh})
	if err := s2.Start(); err != nil {
		t.Fatal(err)
	}
	c, _ := p.AllocBytes(60<<20, 0) // a huge region: 94%, high
	deadline = time.Now().Add(2 * time.Second)
	for len(s2.History()) == 0 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	s2.Stop()
	if h := s2.History(); len(h) == 0 || h[0].Strategy != "pressure" {
		t.Fatalf("pressure wake: %+v", h)
	}
	c.Free()
	if got := s2.RunOnce(); len(got) != 0 {
		t.Fatalf("pressure pass without pressure: %+v", got)
	}
}

func TestPatterns(t *testing.T) {
	p := newPool(t, Config{Tracking: TrackDetailed})
	clk := withClock(p)
	// Repeated size with rounding waste: 100 × 65 bytes in 128-byte blocks,
	// allocated every 10 ms.
	for range 100 {
		b, _ := p.AllocBytes(65, 0)
		b.Free()
		clk.advance(10 * time.Millisecond)
	}
	for i := range 20 { // noise
		b, _ := p.AllocBytes(1000+i*100, 0)
		b.Free()
	}
	ps := p.Patterns()
	kinds := map[PatternKind]Pattern{}
	for _, pt := range ps {
		if pt.Suggestion == "" || pt.Description == "" {
			t.Errorf("pattern without text: %+v", pt)
		}
		if _, ok := kinds[pt.Kind]; !ok {
			kinds[pt.Kind] = pt
		}
	}
	if r := kinds[PatternRepeatedSize]; r.Size != 65 || r.Count != 100 || !strings.Contains(r.Suggestion, "Prewarm(65") {
		t.Errorf("repeated size: %+v", r)
	}
	if w := kinds[PatternSizeWaste]; w.Size != 65 || !strings.Contains(w.Description, "128-byte") {
		t.Errorf("size waste: %+v", w)
	}
	if tp := kinds[PatternTemporal]; tp.Size != 65 || tp.Interval != 10*time.Millisecond {
		t.Errorf("temporal: %+v", tp)
	}
	// The history stays after leaving Detailed.
	p.SetTracking(TrackBasic)
	if len(p.Patterns()) == 0 {
		t.Error("patterns lost after leaving detailed")
	}
}

func TestFragmentationPattern(t *testing.T) {
	p := newPool(t, Config{Tracking: TrackBasic})
	var bufs []ByteBuf
	for range 4000 {
		b, _ := p.AllocBytes(4096, 0)
		bufs = append(bufs, b)
	}
	for _, b := range bufs[1:] {
		b.Free()
	}
	found := false
	for _, pt := range p.Patterns() {
		found = found || pt.Kind == PatternFragmentation && strings.Contains(pt.Suggestion, "Trim")
	}
	if !found {
		t.Fatalf("no fragmentation pattern: %+v", p.Patterns())
	}
	bufs[0].Free()
}

func TestDevicePattern(t *testing.T) {
	cpu := newPool(t, Config{Name: "cpu-test", Backing: &namedCPU{Backing: NewCPUBacking(), name: "cpu-test"}})
	gpu := newPool(t, Config{Backing: &fakeDevice{name: "cuda:3"}})
	for range 10 {
		b, _ := cpu.AllocBytes(4<<20, 0)
		b.Free()
	}
	ps := devicePatterns([]*Pool{cpu, gpu})
	if len(ps) != 1 || ps[0].Kind != PatternDevice || !strings.Contains(ps[0].Suggestion, `"cuda:3"`) {
		t.Fatalf("device patterns: %+v", ps)
	}
	if len(devicePatterns([]*Pool{cpu})) != 0 {
		t.Fatal("device pattern with one pool")
	}
	_ = DetectPatterns()
}

type namedCPU struct {
	Backing
	name string
}

func (n *namedCPU) Device() Device { return DeviceInfo{n.name, DeviceCPU} }
