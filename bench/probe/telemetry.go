package probe

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Reading is what a telemetry source reports at one instant. Energy values
// are cumulative joules per channel (a source hides its counter's
// wrap-around); the others are instantaneous.
type Reading struct {
	EnergyJ  map[string]float64 // "package-0", "dram", "gpu0"
	PowerW   map[string]float64 // instantaneous power, where a source has it
	TempC    map[string]float64
	ClockMHz map[string]float64
	// ClockEvents holds, per device ("gpu0"), why its clocks are held
	// where the device says so: NVML's clock-event reason bits
	// (nvmlDeviceGetCurrentClocksEventReasons). A device listed here is
	// judged throttled by these reasons, not by its clock falling.
	ClockEvents map[string]uint64
}

// NVML clock-event reasons (nvml.h, nvmlClocksEventReason*) that mean the
// device is slowed against its will. Idle, application clock settings,
// sync boost and display clocks are not throttling.
var throttleReasons = []struct {
	bit  uint64
	name string
}{
	{0x4, "sw power cap"}, {0x8, "hw slowdown"}, {0x20, "sw thermal slowdown"},
	{0x40, "hw thermal slowdown"}, {0x80, "hw power brake"},
}

// throttleNames names the throttling reasons among bits, "" for none.
func throttleNames(bits uint64) string {
	var names []string
	for _, r := range throttleReasons {
		if bits&r.bit != 0 {
			names = append(names, r.name)
		}
	}
	return strings.Join(names, ", ")
}

func (r *Reading) set(m *map[string]float64, k string, v float64) {
	if *m == nil {
		*m = map[string]float64{}
	}
	(*m)[k] = v
}

func (r *Reading) merge(o Reading) {
	for _, p := range []struct {
		dst *map[string]float64
		src map[string]float64
	}{
		{&r.EnergyJ, o.EnergyJ}, {&r.PowerW, o.PowerW}, {&r.TempC, o.TempC}, {&r.ClockMHz, o.ClockMHz},
	} {
		for k, v := range p.src {
			r.set(p.dst, k, v)
		}
	}
	for k, v := range o.ClockEvents {
		if r.ClockEvents == nil {
			r.ClockEvents = map[string]uint64{}
		}
		r.ClockEvents[k] = v
	}
}

// Source is one telemetry source that opened on this machine.
type Source interface {
	Name() string
	Read() (Reading, error)
	Close() error
}

// Status says whether a source is available here and, if not, why.
type Status struct {
	Name      string   `json:"name"`
	Kind      string   `json:"kind"` // energy, temperature, memory, clock
	Available bool     `json:"available"`
	Reason    string   `json:"reason,omitempty"`
	Channels  []string `json:"channels,omitempty"`
}

// opener tries to open one source.
type opener struct {
	name, kind string
	open       func() (Source, []string, error)
}

// openers lists every telemetry source this build knows; platform files
// add theirs (rapl on Linux, ioreport on darwin, nvml where libnvidia-ml
// loads).
var openers []opener

func register(name, kind string, open func() (Source, []string, error)) {
	openers = append(openers, opener{name, kind, open})
}

// Open opens every source of the given kinds ("energy", "temperature";
// nil for all) and returns the ones that work and the status of each.
func Open(kinds ...string) ([]Source, []Status) {
	var srcs []Source
	var st []Status
	for _, o := range openers {
		if len(kinds) > 0 && !slices.Contains(kinds, o.kind) {
			continue
		}
		s, channels, err := o.open()
		if err != nil {
			st = append(st, Status{Name: o.name, Kind: o.kind, Reason: err.Error()})
			continue
		}
		sort.Strings(channels)
		srcs = append(srcs, s)
		st = append(st, Status{Name: o.name, Kind: o.kind, Available: true, Channels: channels})
	}
	return srcs, st
}

// Point is one timeline sample.
type Point struct {
	At time.Duration // since the sampler started
	Reading
}

// Sampler reads its sources in the background every Interval and on demand
// at Mark, so a case's energy is the difference of two readings taken
// exactly at its start and end.
type Sampler struct {
	sources []Source
	start   time.Time
	mu      sync.Mutex
	points  []Point
	errs    map[string]error // first read error per source
	stop    chan struct{}
	done    chan struct{}
}

// StartSampler begins sampling sources every interval (at least 10 ms).
func StartSampler(sources []Source, interval time.Duration) *Sampler {
	s := &Sampler{sources: sources, start: time.Now(), errs: map[string]error{},
		stop: make(chan struct{}), done: make(chan struct{})}
	interval = max(interval, 10*time.Millisecond)
	s.Mark()
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.Mark()
			}
		}
	}()
	return s
}

// Mark reads every source now and returns the index of the new point.
func (s *Sampler) Mark() int {
	var p Point
	for _, src := range s.sources {
		r, err := src.Read()
		if err != nil {
			s.mu.Lock()
			if s.errs[src.Name()] == nil {
				s.errs[src.Name()] = err
			}
			s.mu.Unlock()
			continue
		}
		p.merge(r)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p.At = time.Since(s.start)
	s.points = append(s.points, p)
	return len(s.points) - 1
}

// Stop ends background sampling and closes the sources.
func (s *Sampler) Stop() error {
	close(s.stop)
	<-s.done
	var errs []error
	for _, src := range s.sources {
		errs = append(errs, src.Close())
	}
	return errors.Join(errs...)
}

// Points returns a copy of the timeline.
func (s *Sampler) Points() []Point {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.points)
}

// ReadErrors reports sources that failed to read after opening.
func (s *Sampler) ReadErrors() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, v := range s.errs {
		out[k] = v.Error()
	}
	return out
}

// Window summarises the points between two marks.
type Window struct {
	Seconds  float64
	EnergyJ  map[string]float64 // per channel, end minus start
	MeanW    map[string]float64 // EnergyJ / Seconds, or the mean of power gauges
	MaxTempC map[string]float64
	// Throttled lists devices that said they were throttled (clock-event
	// reasons, named in parentheses: "gpu0 (sw power cap)") and, for
	// devices that give no reasons, clock channels that fell below 90% of
	// the maximum they had reached earlier in the window.
	Throttled []string
}

// Summarize returns the window from mark a to mark b.
func (s *Sampler) Summarize(a, b int) (Window, error) {
	s.mu.Lock()
	pts := slices.Clone(s.points[a : b+1])
	s.mu.Unlock()
	if len(pts) < 2 {
		return Window{}, fmt.Errorf("probe: window needs two points, has %d", len(pts))
	}
	first, last := pts[0], pts[len(pts)-1]
	w := Window{Seconds: (last.At - first.At).Seconds()}
	for ch, e1 := range last.EnergyJ {
		if e0, ok := first.EnergyJ[ch]; ok {
			setf(&w.EnergyJ, ch, e1-e0)
			if w.Seconds > 0 {
				setf(&w.MeanW, ch, (e1-e0)/w.Seconds)
			}
		}
	}
	// Power gauges without an energy counter: the mean of the samples.
	sums, counts := map[string]float64{}, map[string]int{}
	// A device that gives clock-event reasons is throttled when one of them
	// says so; an idle GPU that lowers its clocks is not. For the others,
	// a clock that rises (idle → load) is ramping up, not throttling: only
	// a fall below 90% of the highest value seen before it counts.
	reasons := map[string]uint64{}
	for _, p := range pts {
		for dev, bits := range p.ClockEvents {
			reasons[dev] |= bits
		}
	}
	byReason := func(ch string) bool {
		for dev := range reasons {
			if ch == dev || strings.HasPrefix(ch, dev+" ") {
				return true
			}
		}
		return false
	}
	peakClk := map[string]float64{}
	throttled := map[string]bool{}
	for dev, bits := range reasons {
		if names := throttleNames(bits); names != "" {
			throttled[dev+" ("+names+")"] = true
		}
	}
	for _, p := range pts {
		for ch, v := range p.PowerW {
			sums[ch] += v
			counts[ch]++
		}
		for ch, v := range p.TempC {
			if v > w.MaxTempC[ch] {
				setf(&w.MaxTempC, ch, v)
			}
		}
		for ch, v := range p.ClockMHz {
			if byReason(ch) {
				continue
			}
			if v < 0.9*peakClk[ch] {
				throttled[ch] = true
			}
			peakClk[ch] = max(peakClk[ch], v)
		}
	}
	for ch, sum := range sums {
		if _, fromEnergy := w.MeanW[ch]; !fromEnergy {
			setf(&w.MeanW, ch, sum/float64(counts[ch]))
		}
	}
	w.Throttled = slices.Sorted(maps.Keys(throttled))
	return w, nil
}

func setf(m *map[string]float64, k string, v float64) {
	if *m == nil {
		*m = map[string]float64{}
	}
	(*m)[k] = v
}

// cstr returns the Go string of a NUL-terminated C string in b.
func cstr(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}
