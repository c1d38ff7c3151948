package bench

import (
	"strings"

	"github.com/bitnet-go/bitnet-bench/bench/probe"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/memory"
)

// A recorder measures one kind of figure beside a case's timing: the
// memory pool's, the probes' (energy, power, temperature, clocks) or the
// Go runtime's memory. The runner calls begin before the case's operands
// are allocated, start and stop around the timed samples alone (starts in
// order, stops in reverse, so the windows nest), and record once the
// samples are summarized. A recorder that allocates in start or stop
// charges the kernel with it: the runner puts those first.
type recorder interface {
	begin()
	start()
	stop()
	// record adds what was seen over ops runs of the case to rc.
	record(rc *results.Case, ops float64)
}

// recorders lists the runner's recorders in nesting order: the sampler's
// mark allocates, so it is outermost; the allocation counters innermost.
func (r *Runner) recorders() []recorder {
	var rs []recorder
	if r.Pool != nil {
		rs = append(rs, &poolRecorder{pool: r.Pool})
	}
	if r.Sampler != nil {
		rs = append(rs, &samplerRecorder{s: r.Sampler})
	}
	if r.TrackMemory {
		rs = append(rs, &memRecorder{})
	}
	return rs
}

func telemetry(rc *results.Case) *results.Telemetry {
	if rc.Telemetry == nil {
		rc.Telemetry = &results.Telemetry{}
	}
	return rc.Telemetry
}

// poolRecorder reports the pool's reserved bytes and the allocations of
// the case, operands included; live bytes, the peak and fragmentation
// only while the pool tracks them (untracked, they are left out rather
// than shown as 0).
type poolRecorder struct {
	pool   *memory.Pool
	before memory.Stats
}

func (p *poolRecorder) begin() {
	p.pool.ResetPeak()
	p.before = p.pool.Stats()
}
func (p *poolRecorder) start() {}
func (p *poolRecorder) stop()  {}
func (p *poolRecorder) record(rc *results.Case, _ float64) {
	st := p.pool.Stats()
	d := st.Delta(p.before)
	m := map[string]float64{"reserved_bytes": float64(st.ReservedBytes), "allocs": float64(d.Allocs)}
	if st.Tracking != memory.TrackNone {
		m["live_bytes"] = float64(st.LiveBytes)
		m["peak_bytes"] = float64(st.PeakBytes)
		m["fragmentation_ratio"] = st.FragmentationRatio
	}
	telemetry(rc).Pool = m
}

// samplerRecorder reports the energy per run per channel (and per token
// for a model workload), mean power, the highest temperature and
// throttling seen during the timed samples.
type samplerRecorder struct {
	s          *probe.Sampler
	mark0, mk1 int
}

func (s *samplerRecorder) begin() {}
func (s *samplerRecorder) start() { s.mark0 = s.s.Mark() }
func (s *samplerRecorder) stop()  { s.mk1 = s.s.Mark() }
func (s *samplerRecorder) record(rc *results.Case, ops float64) {
	t := telemetry(rc)
	w, err := s.s.Summarize(s.mark0, s.mk1)
	if err != nil {
		return
	}
	for ch, j := range w.EnergyJ {
		if t.EnergyJPerOp == nil {
			t.EnergyJPerOp = map[string]float64{}
		}
		t.EnergyJPerOp[ch] = j / ops
		if rc.TokensPerOp > 0 && chargedTo(ch, rc.Backend) {
			if rc.Extra == nil {
				rc.Extra = map[string]float64{}
			}
			rc.Extra["J/token-"+ch] = j / ops / float64(rc.TokensPerOp)
		}
	}
	t.MeanPowerW, t.MaxTempC, t.Throttled = w.MeanW, w.MaxTempC, w.Throttled
}

// chargedTo says whether an energy channel measures the device a case ran
// on, so that its energy may be charged to the case's tokens: a GPU's
// counter (NVML's "gpu0", IOReport's "GPU ...") for the GPU backends, the
// package counters (RAPL, IOReport's CPU channels) for the CPU backend. A
// CPU model case on a GPU host must not be charged the idle GPU's joules,
// and a backend whose device is unknown is charged none; every channel's
// energy per op is still recorded under its name.
func chargedTo(channel, backend string) bool {
	gpu := strings.HasPrefix(strings.ToLower(channel), "gpu")
	switch backend {
	case "cpu":
		return !gpu
	case "cuda", "metal", "mlx":
		return gpu
	}
	return false
}

// memRecorder reports the Go runtime's allocations and GC during the
// timed samples, and the heap and the process's RSS after them.
type memRecorder struct {
	c      *probe.MemCounter
	m0, m1 probe.MemSnapshot
}

func (m *memRecorder) begin() {}
func (m *memRecorder) start() {
	m.c = probe.NewMemCounter()
	m.m0 = m.c.Read()
}
func (m *memRecorder) stop() { m.m1 = m.c.Read() }
func (m *memRecorder) record(rc *results.Case, ops float64) {
	os := probe.ReadMem() // RSS, read outside the window: it allocates
	m.m1.RSSBytes, m.m1.PeakRSSBytes = os.RSSBytes, os.PeakRSSBytes
	t := telemetry(rc)
	t.AllocBytesPerOp = float64(m.m1.AllocBytes-m.m0.AllocBytes) / ops
	t.AllocsPerOp = float64(m.m1.Allocs-m.m0.Allocs) / ops
	t.GCCycles = m.m1.GCCycles - m.m0.GCCycles
	t.GCPauseSeconds = m.m1.GCPauseSeconds - m.m0.GCPauseSeconds
	t.HeapLiveBytes, t.RSSBytes, t.PeakRSSBytes = m.m1.HeapLiveBytes, m.m1.RSSBytes, m.m1.PeakRSSBytes
}
