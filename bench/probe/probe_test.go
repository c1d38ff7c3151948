package probe

import (
	"math"
	"strings"
	"testing"
	"time"
)

// fakeSource reports energy growing by 2 J per read, a constant power
// gauge, a temperature and a clock that drops on the third read.
type fakeSource struct{ reads int }

func (f *fakeSource) Name() string { return "fake" }
func (f *fakeSource) Read() (Reading, error) {
	f.reads++
	var r Reading
	r.set(&r.EnergyJ, "pkg", 2*float64(f.reads))
	r.set(&r.PowerW, "gpu", 300)
	r.set(&r.TempC, "cpu", 40+float64(f.reads))
	clk := 3000.0
	switch f.reads {
	case 1:
		clk = 400 // idle before the load: ramping up is not throttling
	case 3:
		clk = 2000
	}
	r.set(&r.ClockMHz, "cpu", clk)
	return r, nil
}
func (f *fakeSource) Close() error { return nil }

func TestSamplerWindow(t *testing.T) {
	src := &fakeSource{}
	s := StartSampler([]Source{src}, time.Hour) // only explicit marks
	a := s.Mark()
	b := s.Mark()
	c := s.Mark()
	d := s.Mark()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	w, err := s.Summarize(a, c)
	if err != nil {
		t.Fatal(err)
	}
	// Reads 2, 3, 4 (the sampler's own first mark was read 1): energy 8-4 = 4 J.
	if w.EnergyJ["pkg"] != 4 {
		t.Errorf("energy %v, want 4", w.EnergyJ["pkg"])
	}
	if math.Abs(w.MeanW["pkg"]-4/w.Seconds) > 1e-9 || w.MeanW["gpu"] != 300 {
		t.Errorf("mean power %v over %vs", w.MeanW, w.Seconds)
	}
	if w.MaxTempC["cpu"] != 44 {
		t.Errorf("max temp %v, want 44", w.MaxTempC)
	}
	if len(w.Throttled) != 1 || w.Throttled[0] != "cpu" {
		t.Errorf("throttled %v, want [cpu] (clock fell to 2000 of 3000 MHz)", w.Throttled)
	}
	_ = b
	if w2, _ := s.Summarize(c, d); len(w2.Throttled) != 0 {
		t.Errorf("window without the drop flags throttling: %v", w2.Throttled)
	}
	if _, err := s.Summarize(a, a); err == nil {
		t.Error("a one-point window was summarised")
	}
	tl := Timelines(s.Points())
	names := map[string]string{}
	for _, x := range tl {
		names[x.Name] = x.Unit
	}
	if w0, _ := s.Summarize(0, a); len(w0.Throttled) != 0 {
		t.Errorf("a clock rising from idle was flagged as throttling: %v", w0.Throttled)
	}
	for name, unit := range map[string]string{"pkg power": "W", "gpu power": "W", "cpu temperature": "°C", "cpu clock": "MHz"} {
		if names[name] != unit {
			t.Errorf("timeline %q unit %q, want %q (have %v)", name, names[name], unit, names)
		}
	}
}

func TestOpenReportsEverySource(t *testing.T) {
	_, st := Open()
	seen := map[string]bool{}
	for _, s := range st {
		seen[s.Name] = true
		if !s.Available && s.Reason == "" {
			t.Errorf("%s unavailable without a reason", s.Name)
		}
		if s.Available && s.Reason != "" {
			t.Errorf("%s available with reason %q", s.Name, s.Reason)
		}
		t.Logf("%-6s %-11s available=%v %s %v", s.Name, s.Kind, s.Available, s.Reason, s.Channels)
	}
	for _, name := range []string{"rapl", "hwmon", "nvml"} {
		if !seen[name] {
			t.Errorf("source %s not listed", name)
		}
	}
}

func TestReadMem(t *testing.T) {
	a := ReadMem()
	sink := make([][]byte, 0, 100)
	for i := 0; i < 100; i++ {
		sink = append(sink, make([]byte, 1000))
	}
	b := ReadMem()
	_ = sink
	if b.Allocs < a.Allocs+100 || b.AllocBytes < a.AllocBytes+100*1000 {
		t.Errorf("allocations not seen: %d→%d objects, %d→%d bytes", a.Allocs, b.Allocs, a.AllocBytes, b.AllocBytes)
	}
	if b.RSSBytes == 0 && b.RSSUnavailable == "" {
		t.Error("no RSS and no reason")
	}
	if b.RSSBytes > 0 && b.PeakRSSBytes < b.RSSBytes/2 {
		t.Errorf("peak RSS %d below RSS %d", b.PeakRSSBytes, b.RSSBytes)
	}
	if !strings.Contains(b.RSSUnavailable+"x", "x") {
		t.Fatal("unreachable")
	}
}

func TestTimelinePrefersPowerGauge(t *testing.T) {
	pt := func(ms int, e, w float64) Point {
		var p Point
		p.At = time.Duration(ms) * time.Millisecond
		p.set(&p.EnergyJ, "gpu0", e)
		p.set(&p.PowerW, "gpu0", w)
		p.set(&p.EnergyJ, "pkg", e)
		return p
	}
	// The counter stepped by 0 then 100 J (a coarse counter); the gauge
	// read 500 W throughout.
	tl := Timelines([]Point{pt(0, 0, 500), pt(100, 0, 500), pt(200, 100, 500)})
	for _, s := range tl {
		switch s.Name {
		case "gpu0 power":
			for _, v := range s.Points {
				if v[1] != 500 {
					t.Errorf("gpu0 power %v, want the 500 W gauge", s.Points)
				}
			}
		case "pkg power": // no gauge: differenced counter
			if len(s.Points) != 2 || s.Points[0][1] != 0 || s.Points[1][1] != 1000 {
				t.Errorf("pkg power %v, want [0 W, 1000 W] from the counter", s.Points)
			}
		}
	}
}

// reasonSource is a GPU whose clock drops to idle and back, with NVML
// clock-event reasons: idle (0x1) first, then a power cap (0x4) on read 4.
type reasonSource struct{ reads int }

func (f *reasonSource) Name() string { return "fake-nvml" }
func (f *reasonSource) Read() (Reading, error) {
	f.reads++
	var r Reading
	clk, bits := 1980.0, uint64(0)
	switch f.reads {
	case 3:
		clk, bits = 345, 0x1 // idle between launches
	case 4:
		clk, bits = 1755, 0x4
	}
	r.set(&r.ClockMHz, "gpu0 sm", clk)
	r.ClockEvents = map[string]uint64{"gpu0": bits}
	return r, nil
}
func (f *reasonSource) Close() error { return nil }

// TestThrottleFromReasons: a device that gives clock-event reasons is
// judged by them: an idle down-clock is not throttling, a power cap is,
// and it is named.
func TestThrottleFromReasons(t *testing.T) {
	s := StartSampler([]Source{&reasonSource{}}, time.Hour)
	a := s.Mark() // read 2
	b := s.Mark() // read 3: idle at 345 MHz
	c := s.Mark() // read 4: power cap
	d := s.Mark()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if w, _ := s.Summarize(a, b); len(w.Throttled) != 0 {
		t.Errorf("an idle GPU's clock drop was flagged: %v", w.Throttled)
	}
	if w, _ := s.Summarize(b, d); len(w.Throttled) != 1 || w.Throttled[0] != "gpu0 (sw power cap)" {
		t.Errorf("throttled %v, want [gpu0 (sw power cap)]", w.Throttled)
	}
	_ = c
	if got := throttleNames(0x1 | 0x2 | 0x10 | 0x100); got != "" {
		t.Errorf("idle, application clocks, sync boost and display clocks read as throttling: %q", got)
	}
	if got := throttleNames(0x8 | 0x40); got != "hw slowdown, hw thermal slowdown" {
		t.Errorf("throttleNames(0x48) = %q", got)
	}
}
