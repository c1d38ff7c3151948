package memory

import (
	"errors"
	"sync"
	"time"
)

// Cleanup hands idle memory back: free slots cached in the shards go back to
// their slabs, freed large blocks kept whole for reuse are merged into the
// buddy free lists, empty slabs go back to the large pool, free buddy blocks have
// their pages discarded (madvise), entirely free arenas are unmapped, and
// compaction re-sorts the buddy free lists so that new blocks come from the
// lowest addresses and the high ends drain. Live blocks never move: their
// addresses are in the kernels' hands.
//
// Idleness is measured in cleanup passes ("epochs"): each pass starts a new
// epoch and records its start time, and every free block remembers the epoch
// it was freed in. So the hot paths never read the clock.

// TrimOptions selects what one cleanup pass does.
type TrimOptions struct {
	// Strategy labels the pass in its CleanupStats.
	Strategy string
	// DrainCaches moves the free slots cached on the shards back to the
	// central pools (the next allocations refill, which is cheap).
	DrainCaches bool
	// MinIdle limits the pass to memory that has been free for at least
	// this long.
	MinIdle time.Duration
	// Generations limits the pass to memory that has stayed free through
	// at least this many cleanup passes.
	Generations int
	// KeepSlabs empty slabs per size class and KeepArenas entirely free
	// arenas are kept for reuse.
	KeepSlabs  int
	KeepArenas int
	// Discard hands the pages of free buddy blocks back to the device.
	Discard bool
	// ReleaseArenas gives entirely free arenas back to the backing.
	ReleaseArenas bool
	// SortFreeLists orders the buddy free lists by address (compaction).
	SortFreeLists bool
}

// CleanupStats describes one cleanup pass.
type CleanupStats struct {
	Strategy string        `json:"strategy"`
	Epoch    uint64        `json:"epoch"`
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration"`
	// BytesReleased is memory handed back to the backing: discarded pages
	// plus released arenas.
	BytesReleased uint64 `json:"bytes_released"`
	// SlabBytes is small-pool slab memory returned to the large pool.
	SlabBytes        uint64  `json:"slab_bytes"`
	Slabs            int     `json:"slabs"`
	Arenas           int     `json:"arenas"`
	BlocksDiscarded  int     `json:"blocks_discarded"`
	SlotsDrained     int     `json:"slots_drained"`
	FreeBlocksSorted int     `json:"free_blocks_sorted,omitempty"`
	InUseBefore      uint64  `json:"in_use_before"`
	InUseAfter       uint64  `json:"in_use_after"`
	ReservedBefore   uint64  `json:"reserved_before"`
	ReservedAfter    uint64  `json:"reserved_after"`
	ExtFragBefore    float64 `json:"external_fragmentation_before"`
	ExtFragAfter     float64 `json:"external_fragmentation_after"`
	Err              string  `json:"error,omitempty"`
}

const (
	maxEpochTimes  = 4096
	maxCleanupHist = 256
)

// Trim runs one cleanup pass.
func (p *Pool) Trim(o TrimOptions) CleanupStats {
	start := time.Now()
	st := CleanupStats{Strategy: o.Strategy, Start: start}
	if p.closed.Load() {
		st.Err = ErrClosed.Error()
		return st
	}
	p.cleanupMu.Lock()
	epoch := p.epoch.Add(1)
	st.Epoch = epoch
	p.epochTimes = append(p.epochTimes, start.UnixNano())
	base := int64(epoch) - int64(len(p.epochTimes)) + 1 // epoch of epochTimes[0]
	if len(p.epochTimes) > maxEpochTimes {
		drop := len(p.epochTimes) - maxEpochTimes/2
		p.epochTimes = append(p.epochTimes[:0], p.epochTimes[drop:]...)
		base += int64(drop)
	}
	// cut: memory freed in epochs ≤ cut qualifies.
	cut := int64(epoch)
	if o.MinIdle > 0 {
		// A block freed in epoch e has been free since before the start of
		// pass e+1; it qualifies when that start is MinIdle ago or more.
		limit := start.Add(-o.MinIdle).UnixNano()
		cut = base - 2 // nothing in the window qualifies unless found below
		for i := len(p.epochTimes) - 1; i >= 0; i-- {
			if p.epochTimes[i] <= limit {
				cut = base + int64(i) - 1
				break
			}
		}
	}
	if o.Generations > 0 {
		cut = min(cut, int64(epoch)-int64(o.Generations))
	}
	b := p.buddy
	b.mu.Lock()
	b.epoch = epoch
	b.flushQuickLocked()
	st.InUseBefore, st.ReservedBefore = b.used(), b.reserved
	l, f := b.largestFreeLocked()
	st.ExtFragBefore = extFrag(l, f)
	b.mu.Unlock()

	if o.DrainCaches {
		st.SlotsDrained = p.drainShards()
	}
	var evs []*PressureEvent
	st.SlabBytes, st.Slabs, evs = p.releaseSlabs(cut, o.KeepSlabs)

	var errs []error
	b.mu.Lock()
	if o.SortFreeLists {
		st.FreeBlocksSorted = b.sortFreeListsLocked()
	}
	if o.ReleaseArenas {
		n, k, err := b.releaseArenasLocked(cut, o.KeepArenas)
		st.BytesReleased += n
		st.Arenas = k
		errs = append(errs, err)
	}
	if o.Discard {
		n, k, err := b.discardLocked(cut)
		st.BytesReleased += n
		st.BlocksDiscarded = k
		errs = append(errs, err)
	}
	st.InUseAfter, st.ReservedAfter = b.used(), b.reserved
	l, f = b.largestFreeLocked()
	st.ExtFragAfter = extFrag(l, f)
	b.mu.Unlock()
	if err := errors.Join(errs...); err != nil {
		st.Err = err.Error()
	}
	st.Duration = time.Since(start)
	p.cleanups = append(p.cleanups, st)
	if len(p.cleanups) > maxCleanupHist {
		p.cleanups = append(p.cleanups[:0], p.cleanups[len(p.cleanups)-maxCleanupHist/2:]...)
	}
	p.cleanupMu.Unlock()
	p.deliver(evs...)
	return st
}

func extFrag(largest, free uint64) float64 {
	if free == 0 {
		return 0
	}
	return 1 - float64(largest)/float64(free)
}

// Compact runs a full cleanup pass: drains the caches, returns every empty
// slab, sorts the buddy free lists by address, releases free arenas and
// discards the pages of free blocks.
func (p *Pool) Compact() CleanupStats {
	return p.Trim(TrimOptions{Strategy: "compact", DrainCaches: true, SortFreeLists: true, ReleaseArenas: true, Discard: true})
}

// CleanupHistory returns the statistics of recent cleanup passes, oldest
// first.
func (p *Pool) CleanupHistory() []CleanupStats {
	p.cleanupMu.Lock()
	defer p.cleanupMu.Unlock()
	return append([]CleanupStats(nil), p.cleanups...)
}

// ---- Strategies ----

// Strategy decides when a cleanup pass runs and what it does.
type Strategy interface {
	Name() string
	// Plan is called on every scheduler tick with the time the strategy
	// last ran (zero if never); it returns the pass to run, or false.
	Plan(now, last time.Time, p *Pool) (TrimOptions, bool)
}

// IdleStrategy hands back memory that has been free for IdleFor: cached
// slots, empty slabs, free pages and free arenas. It checks every IdleFor/4.
type IdleStrategy struct {
	IdleFor time.Duration
}

func (IdleStrategy) Name() string { return "idle" }

func (s IdleStrategy) Plan(now, last time.Time, _ *Pool) (TrimOptions, bool) {
	if !last.IsZero() && now.Sub(last) < s.IdleFor/4 {
		return TrimOptions{}, false
	}
	return TrimOptions{Strategy: "idle", DrainCaches: true, MinIdle: s.IdleFor, Discard: true, ReleaseArenas: true}, true
}

// PressureStrategy trims everything it can while the pool's pressure is at
// MinLevel or above (PressureHigh when zero). The scheduler also wakes it on
// a pressure change.
type PressureStrategy struct {
	MinLevel PressureLevel
}

func (PressureStrategy) Name() string { return "pressure" }

func (s PressureStrategy) level() PressureLevel {
	if s.MinLevel == PressureNone {
		return PressureHigh
	}
	return s.MinLevel
}

func (s PressureStrategy) Plan(_, _ time.Time, p *Pool) (TrimOptions, bool) {
	if p.Pressure() < s.level() {
		return TrimOptions{}, false
	}
	return TrimOptions{Strategy: "pressure", DrainCaches: true, Discard: true, ReleaseArenas: true, SortFreeLists: true}, true
}

// PeriodicStrategy compacts the pool every Every.
type PeriodicStrategy struct {
	Every time.Duration
}

func (PeriodicStrategy) Name() string { return "periodic" }

func (s PeriodicStrategy) Plan(now, last time.Time, _ *Pool) (TrimOptions, bool) {
	if !last.IsZero() && now.Sub(last) < s.Every {
		return TrimOptions{}, false
	}
	return TrimOptions{Strategy: "periodic", DrainCaches: true, SortFreeLists: true, Discard: true, ReleaseArenas: true}, true
}

// GenerationalStrategy runs a pass every Every and hands back only memory
// that stayed free through Generations passes (3 when zero): memory freed
// and reused between passes (young) stays, memory that has aged out (old)
// goes back.
type GenerationalStrategy struct {
	Every       time.Duration
	Generations int
}

func (GenerationalStrategy) Name() string { return "generational" }

func (s GenerationalStrategy) Plan(now, last time.Time, _ *Pool) (TrimOptions, bool) {
	if !last.IsZero() && now.Sub(last) < s.Every {
		return TrimOptions{}, false
	}
	g := s.Generations
	if g <= 0 {
		g = 3
	}
	return TrimOptions{Strategy: "generational", DrainCaches: true, Generations: g, Discard: true, ReleaseArenas: true}, true
}

// ---- Scheduler ----

// ErrSchedulerRunning is returned by Start on a running scheduler.
var ErrSchedulerRunning = errors.New("memory: cleanup scheduler already running")

// Scheduler runs cleanup strategies for one pool on a ticker.
type Scheduler struct {
	p          *Pool
	tick       time.Duration
	strategies []Strategy

	mu      sync.Mutex
	running bool
	stop    chan struct{}
	done    chan struct{}
	wake    chan struct{}
	unreg   func()
	last    []time.Time
	history []CleanupStats
}

// NewScheduler returns a stopped scheduler that, once started, evaluates
// the strategies every tick (and at once on a pressure change).
func NewScheduler(p *Pool, tick time.Duration, strategies ...Strategy) *Scheduler {
	if tick <= 0 {
		tick = time.Second
	}
	return &Scheduler{p: p, tick: tick, strategies: strategies, last: make([]time.Time, len(strategies))}
}

// Start starts the scheduler's goroutine.
func (s *Scheduler) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return ErrSchedulerRunning
	}
	s.running = true
	s.stop, s.done, s.wake = make(chan struct{}), make(chan struct{}), make(chan struct{}, 1)
	wake := s.wake
	s.unreg = s.p.OnPressure(func(PressureEvent) {
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	go s.loop(s.stop, s.done, wake)
	return nil
}

// Stop stops the scheduler and waits for a pass in progress to finish. It
// does nothing on a stopped scheduler.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	if !s.running {
		s.mu.Unlock()
		return
	}
	s.running = false
	stop, done, unreg := s.stop, s.done, s.unreg
	s.mu.Unlock()
	unreg()
	close(stop)
	<-done
}

// Running reports whether the scheduler is started.
func (s *Scheduler) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running
}

func (s *Scheduler) loop(stop, done, wake chan struct{}) {
	defer close(done)
	t := time.NewTicker(s.tick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		case <-wake:
		}
		if s.p.closed.Load() {
			return
		}
		s.RunOnce()
	}
}

// RunOnce evaluates every strategy now and runs the passes they ask for.
func (s *Scheduler) RunOnce() []CleanupStats {
	var out []CleanupStats
	for i, st := range s.strategies {
		now := time.Now()
		s.mu.Lock()
		last := s.last[i]
		s.mu.Unlock()
		o, ok := st.Plan(now, last, s.p)
		if !ok {
			continue
		}
		if o.Strategy == "" {
			o.Strategy = st.Name()
		}
		cs := s.p.Trim(o)
		out = append(out, cs)
		s.mu.Lock()
		s.last[i] = now
		s.history = append(s.history, cs)
		if len(s.history) > maxCleanupHist {
			s.history = append(s.history[:0], s.history[len(s.history)-maxCleanupHist/2:]...)
		}
		s.mu.Unlock()
	}
	return out
}

// History returns the passes this scheduler ran, oldest first.
func (s *Scheduler) History() []CleanupStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CleanupStats(nil), s.history...)
}
