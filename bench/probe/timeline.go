package probe

import (
	"maps"
	"slices"

	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// Timelines turns sampled points into per-channel series for the report.
// A channel's power is its instantaneous gauge where the source has one;
// otherwise its energy counter differenced between points. The gauge is
// preferred because counters advance in steps (NVML's every few tens of
// ms), so differences over a short interval alias between 0 and twice the
// true power.
func Timelines(points []Point) []results.Timeline {
	series := map[string]*results.Timeline{}
	add := func(name, unit string, t, v float64) {
		s := series[name]
		if s == nil {
			s = &results.Timeline{Name: name, Unit: unit}
			series[name] = s
		}
		s.Points = append(s.Points, [2]float64{t, v})
	}
	for i, p := range points {
		t := p.At.Seconds()
		if i > 0 {
			prev := points[i-1]
			dt := (p.At - prev.At).Seconds()
			for ch, e := range p.EnergyJ {
				if _, gauge := p.PowerW[ch]; gauge {
					continue
				}
				if e0, ok := prev.EnergyJ[ch]; ok && dt > 0 {
					add(ch+" power", "W", t, (e-e0)/dt)
				}
			}
		}
		for ch, v := range p.PowerW {
			add(ch+" power", "W", t, v)
		}
		for ch, v := range p.TempC {
			add(ch+" temperature", "°C", t, v)
		}
		for ch, v := range p.ClockMHz {
			add(ch+" clock", "MHz", t, v)
		}
	}
	out := make([]results.Timeline, 0, len(series))
	for _, name := range slices.Sorted(maps.Keys(series)) {
		out = append(out, *series[name])
	}
	return out
}

// StatusesForResults converts source statuses for results.json.
func StatusesForResults(st []Status) []results.ProbeStatus {
	out := make([]results.ProbeStatus, len(st))
	for i, s := range st {
		out[i] = results.ProbeStatus{Name: s.Name, Kind: s.Kind, Available: s.Available, Reason: s.Reason, Channels: s.Channels}
	}
	return out
}
