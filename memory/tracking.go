package memory

import (
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// SetTracking changes the tracking level at run time. Counters that only a
// higher level keeps (frees, live bytes, records) start afresh when that
// level is entered: blocks allocated before are not in them.
func (p *Pool) SetTracking(l TrackingLevel) {
	if l < TrackNone || l > TrackDetailed {
		return
	}
	p.trackMu.Lock()
	defer p.trackMu.Unlock()
	old := TrackingLevel(p.level.Load())
	if l == old && p.detail.Load() != nil == (l == TrackDetailed) {
		return
	}
	if old == TrackNone && l > TrackNone {
		// Live counts start from zero for small blocks; large blocks are
		// counted exactly at every level. Hot blocks count their frees at
		// every level (in their generations): skip those made meanwhile.
		for si := range p.shards {
			for ci := range p.shards[si].c {
				c := &p.classes[ci]
				sc := &p.shards[si].c[ci]
				hf, _, free := c.hotCounts(c.dir.Load(), sc)
				sc.hfSkip.Add(hf - sc.hfOff.Load())
				sc.off.Add(int64(sc.head.Load()>>slotBits) - int64(sc.frees.Load()) - free - sc.off.Load())
				sc.rep.Store(0)
			}
		}
		p.buddy.mu.Lock()
		p.est.Store(int64(p.buddy.liveLarge))
		p.buddy.mu.Unlock()
	}
	if old > TrackNone && l == TrackNone {
		for si := range p.shards {
			for ci := range p.shards[si].c {
				c := &p.classes[ci]
				sc := &p.shards[si].c[ci]
				hf, _, _ := c.hotCounts(c.dir.Load(), sc)
				sc.hfOff.Store(hf)
			}
		}
	}
	if l == TrackDetailed && p.detail.Load() == nil {
		p.detail.Store(newDetailState())
		coarseAcquire()
	}
	if l != TrackDetailed && p.detail.Load() != nil {
		p.lastDet = p.detail.Load()
		p.detail.Store(nil)
		coarseRelease()
	}
	p.level.Store(int32(l))
}

// Tracking returns the current tracking level.
func (p *Pool) Tracking() TrackingLevel { return TrackingLevel(p.level.Load()) }

// granule is the step, in bytes, by which a shard and class's live bytes
// move before they are reported to the pool's estimate (blocks of size
// bytes). Allocations and frees of hot blocks move them by one block and
// are not checked (they alternate), so the estimate stays within
// max(peakGranule, 2 blocks) of the truth per shard and class.
func granule(size int64) int64 { return max(peakGranule, 2*size) - size }

func (p *Pool) raisePeak(v int64) {
	for {
		old := p.peak.Load()
		if v <= old || p.peak.CompareAndSwap(old, v) {
			return
		}
	}
}

// trackSmallAlloc keeps the pool's live-bytes estimate within a granule per
// shard and class of the truth (live is this shard and class's live bytes
// after the allocation), and records the allocation in Detailed mode.
func (p *Pool) trackSmallAlloc(sc *shardClass, ci int, live int64, h Handle, size uintptr) {
	block := int64(classSize[ci])
	if rep := sc.rep.Load(); live-rep >= granule(block) && sc.rep.CompareAndSwap(rep, live) {
		p.raisePeak(p.est.Add(live - rep))
	}
	if p.level.Load() == int32(TrackDetailed) {
		p.recordAlloc(h, size, uintptr(block))
	}
}

// trackSmallFree lowers the estimate when this shard and class dropped a
// granule (live is its live bytes after the free), and drops the record in
// Detailed mode.
func (p *Pool) trackSmallFree(sc *shardClass, ci int, live int64, h Handle) {
	size := int64(classSize[ci])
	if rep := sc.rep.Load(); rep-live >= granule(size) && sc.rep.CompareAndSwap(rep, live) {
		p.est.Add(live - rep)
	}
	if p.level.Load() == int32(TrackDetailed) {
		p.recordFree(h)
	}
}

func (p *Pool) trackLargeAlloc(h Handle, block, size uintptr) {
	p.raisePeak(p.est.Add(int64(block)))
	if p.level.Load() == int32(TrackDetailed) {
		p.recordAlloc(h, size, block)
	}
}

func (p *Pool) trackLargeFree(h Handle, block uintptr) {
	p.est.Add(-int64(block))
	if p.level.Load() == int32(TrackDetailed) {
		p.recordFree(h)
	}
}

func (p *Pool) trackShrink(old, nh Handle, size uintptr) {
	p.est.Add(int64(nh.BlockSize()) - int64(old.BlockSize()))
	if p.level.Load() == int32(TrackDetailed) {
		p.recordFree(old)
		p.recordAlloc(nh, size, uintptr(nh.BlockSize()))
	}
}

// ResetPeak sets the peak to the current live bytes, so that a benchmark
// runner can report the peak of each case.
func (p *Pool) ResetPeak() {
	p.peak.Store(int64(p.Stats().LiveBytes))
}

// ---- Detailed records ----

const (
	detailShards = 64
	ringSize     = 512
	maxSite      = 12
)

type allocRecord struct {
	size  uintptr
	block uintptr
	t     int64
	gen   uint32
	n     uint8
	pcs   [maxSite]uintptr
}

type allocEvent struct {
	size uintptr
	t    int64
}

type detailShard struct {
	mu      sync.Mutex
	recs    map[uint64]allocRecord
	ring    [ringSize]allocEvent
	rn      uint64
	sizes   map[uintptr]uint64
	freed   map[uintptr]freedRecord // poisoned free blocks by address
	reqLive int64                   // requested bytes of live records
	blkLive int64                   // block bytes of live records
	_       [64]byte
}

type detailState struct {
	shards [detailShards]detailShard
	start  int64
	uaf    uafLog
}

func newDetailState() *detailState {
	d := &detailState{start: coarseNow()}
	for i := range d.shards {
		d.shards[i].recs = make(map[uint64]allocRecord)
		d.shards[i].sizes = make(map[uintptr]uint64)
		d.shards[i].freed = make(map[uintptr]freedRecord)
	}
	return d
}

func (d *detailState) shard(key uint64) *detailShard {
	return &d.shards[(key*0x9E3779B97F4A7C15)>>58]
}

//go:noinline
func (p *Pool) recordAlloc(h Handle, size, block uintptr) {
	d := p.detail.Load()
	if d == nil {
		return
	}
	var r allocRecord
	r.n = uint8(fpCallers(r.pcs[:]))
	r.size, r.block, r.gen, r.t = size, block, h.gen(), p.now()
	key := h.key()
	ds := d.shard(key)
	ds.mu.Lock()
	ds.recs[key] = r
	ds.ring[ds.rn%ringSize] = allocEvent{size: size, t: r.t}
	ds.rn++
	ds.sizes[size]++
	ds.reqLive += int64(size)
	ds.blkLive += int64(block)
	ds.mu.Unlock()
	p.checkPoison(d, h, r.pcs[:r.n])
}

func (p *Pool) recordFree(h Handle) {
	d := p.detail.Load()
	if d == nil {
		return
	}
	key := h.key()
	ds := d.shard(key)
	ds.mu.Lock()
	if r, ok := ds.recs[key]; ok && r.gen == h.gen() {
		delete(ds.recs, key)
		ds.reqLive -= int64(r.size)
		ds.blkLive -= int64(r.block)
	}
	ds.mu.Unlock()
}

// ---- Statistics ----

// ClassStats are the counters of one small size class.
type ClassStats struct {
	Size      uint64 `json:"size"`
	Allocs    uint64 `json:"allocs"`     // every level
	Frees     uint64 `json:"frees"`      // while tracking ≥ Basic
	Live      uint64 `json:"live"`       // live blocks (tracking ≥ Basic)
	LiveBytes uint64 `json:"live_bytes"` // Live × Size
	Slabs     int    `json:"slabs"`
	SlabBytes uint64 `json:"slab_bytes"`
}

// LargeStats are the counters of one buddy order (Order 63 stands for huge
// regions of their own).
type LargeStats struct {
	Order  int    `json:"order"`
	Size   uint64 `json:"size"`
	Allocs uint64 `json:"allocs"`
	Frees  uint64 `json:"frees"`
	Live   uint64 `json:"live"`
}

// Stats is a snapshot of a pool, suitable for reporting per benchmark case.
type Stats struct {
	Pool     string        `json:"pool"`
	Device   string        `json:"device"`
	Tracking TrackingLevel `json:"tracking"`

	// LiveBytes is the block bytes of live allocations (size class or
	// buddy block); exact for small blocks allocated while tracking was at
	// least Basic, and for all large blocks.
	LiveBytes uint64 `json:"live_bytes"`
	// RequestedBytes is the bytes asked for by live allocations recorded in
	// Detailed mode.
	RequestedBytes uint64 `json:"requested_bytes,omitempty"`
	// PeakBytes is the highest LiveBytes seen: exact for large blocks,
	// within max(64 KiB, 2 blocks) per active shard and class for small.
	PeakBytes  uint64 `json:"peak_bytes"`
	LiveBlocks uint64 `json:"live_blocks"`
	Allocs     uint64 `json:"allocs"`
	Frees      uint64 `json:"frees"`

	// ReservedBytes is the address space reserved from the backing.
	ReservedBytes uint64 `json:"reserved_bytes"`
	// InUseBytes is the memory held in blocks: small-pool slabs, large and
	// huge blocks. Pressure is measured on it.
	InUseBytes uint64 `json:"in_use_bytes"`
	SlabBytes  uint64 `json:"slab_bytes"`
	// CachedBytes is free memory kept for reuse: small slots in slabs and
	// freed large blocks kept whole (up to 4 per order) until a cleanup.
	CachedBytes uint64 `json:"cached_bytes"`
	// DirtyFreeBytes is free buddy memory that may still be resident.
	DirtyFreeBytes uint64 `json:"dirty_free_bytes"`
	// ReleasedBytes counts bytes handed back to the backing, ever.
	ReleasedBytes uint64 `json:"released_bytes"`

	// FragmentationRatio is 1 − LiveBytes/InUseBytes: the share of the
	// memory held in blocks that holds no live data (cached free slots,
	// unused slab tails). 0 when nothing is in use.
	FragmentationRatio float64 `json:"fragmentation_ratio"`
	// ExternalFragmentation is 1 − largest free buddy block / free buddy
	// bytes: how scattered the large pool's free memory is.
	ExternalFragmentation float64 `json:"external_fragmentation"`
	// InternalFragmentation is 1 − RequestedBytes/(block bytes of recorded
	// allocations), the rounding waste (Detailed mode only).
	InternalFragmentation float64 `json:"internal_fragmentation,omitempty"`

	Pressure       PressureLevel `json:"pressure"`
	Budget         uint64        `json:"budget,omitempty"`
	CallbackPanics uint64        `json:"callback_panics,omitempty"`
	Cleanups       int           `json:"cleanups"`

	Classes []ClassStats `json:"classes,omitempty"` // classes ever used
	Large   []LargeStats `json:"large,omitempty"`   // orders ever used
}

// Delta returns the counters accumulated since prev, an earlier snapshot of
// the same pool: Allocs, Frees and the per-class and per-order counts
// become differences; the levels (live, peak, in use, fragmentation) stay
// those of s. A runner takes a snapshot before a case and reports
// s.Delta(before) after it (with ResetPeak before the case for its peak).
func (s Stats) Delta(prev Stats) Stats {
	d := s
	d.Allocs -= min(prev.Allocs, s.Allocs)
	d.Frees -= min(prev.Frees, s.Frees)
	d.Classes = append([]ClassStats(nil), s.Classes...)
	for i := range d.Classes {
		for _, q := range prev.Classes {
			if q.Size == d.Classes[i].Size {
				d.Classes[i].Allocs -= min(q.Allocs, d.Classes[i].Allocs)
				d.Classes[i].Frees -= min(q.Frees, d.Classes[i].Frees)
			}
		}
	}
	d.Large = append([]LargeStats(nil), s.Large...)
	for i := range d.Large {
		for _, q := range prev.Large {
			if q.Order == d.Large[i].Order {
				d.Large[i].Allocs -= min(q.Allocs, d.Large[i].Allocs)
				d.Large[i].Frees -= min(q.Frees, d.Large[i].Frees)
			}
		}
	}
	d.Cleanups -= min(prev.Cleanups, s.Cleanups)
	return d
}

// Stats returns a snapshot of the pool's counters. It takes the pool's
// locks briefly and does not stop allocation.
func (p *Pool) Stats() Stats {
	st := Stats{
		Pool: p.name, Device: p.dev.Name(), Tracking: p.Tracking(),
		Pressure: p.Pressure(), Budget: p.budget.Load(), CallbackPanics: p.cbPanics.Load(),
	}
	tracked := st.Tracking > TrackNone
	for ci := range p.classes {
		c := &p.classes[ci]
		if c.dir.Load() == nil {
			continue
		}
		cs := ClassStats{Size: uint64(c.size)}
		var live int64
		d := c.dir.Load()
		for si := range p.shards {
			sc := &p.shards[si].c[ci]
			f := sc.frees.Load() // frees before pops: every counted free had its pop
			hf, hc, free := c.hotCounts(d, sc)
			off := sc.off.Load()
			bumps := sc.bumps.Load()
			pops := sc.head.Load() >> slotBits
			cs.Allocs += pops - bumps + hc
			if tracked {
				cs.Frees += uint64(max(0, int64(f+hf)-int64(sc.hfSkip.Load())))
				live += max(0, int64(pops)-int64(f)-off-free)
			}
		}
		cs.Live = uint64(live)
		cs.LiveBytes = cs.Live * cs.Size
		c.mu.Lock()
		cs.Slabs = len(c.slabs)
		c.mu.Unlock()
		cs.SlabBytes = uint64(cs.Slabs) << c.slabOrder
		st.Classes = append(st.Classes, cs)
		st.Allocs += cs.Allocs
		st.Frees += cs.Frees
		st.LiveBlocks += cs.Live
		st.LiveBytes += cs.LiveBytes
		if cs.SlabBytes > cs.LiveBytes {
			st.CachedBytes += cs.SlabBytes - cs.LiveBytes
		}
	}
	b := p.buddy
	b.mu.Lock()
	st.ReservedBytes = b.reserved
	st.InUseBytes = b.used()
	st.CachedBytes += b.quickBytes
	st.SlabBytes = b.slabBytes
	st.DirtyFreeBytes = b.dirtyFree
	st.ReleasedBytes = b.released
	st.LiveBytes += b.liveLarge
	largest, free := b.largestFreeLocked()
	for k := range b.largeCount {
		if b.largeCount[k] == 0 && b.largeFrees[k] == 0 {
			continue
		}
		ls := LargeStats{Order: k, Allocs: b.largeCount[k], Frees: b.largeFrees[k]}
		if k < 63 {
			ls.Size = 1 << k
		}
		ls.Live = ls.Allocs - ls.Frees
		st.Large = append(st.Large, ls)
		st.Allocs += ls.Allocs
		st.Frees += ls.Frees
		st.LiveBlocks += ls.Live
	}
	b.mu.Unlock()
	if st.InUseBytes > 0 {
		st.FragmentationRatio = max(0, 1-float64(st.LiveBytes)/float64(st.InUseBytes))
	}
	if free > 0 {
		st.ExternalFragmentation = 1 - float64(largest)/float64(free)
	}
	if d := p.detail.Load(); d != nil {
		var req, blk int64
		for i := range d.shards {
			ds := &d.shards[i]
			ds.mu.Lock()
			req += ds.reqLive
			blk += ds.blkLive
			ds.mu.Unlock()
		}
		st.RequestedBytes = uint64(max(0, req))
		if blk > 0 {
			st.InternalFragmentation = 1 - float64(req)/float64(blk)
		}
	}
	p.raisePeak(int64(st.LiveBytes))
	st.PeakBytes = uint64(p.peak.Load())
	p.cleanupMu.Lock()
	st.Cleanups = len(p.cleanups)
	p.cleanupMu.Unlock()
	return st
}

// ---- Leak report ----

// Leak is one live allocation older than the report's age.
type Leak struct {
	Size      uintptr       `json:"size"`
	BlockSize uintptr       `json:"block_size"`
	Age       time.Duration `json:"age"`
	Site      string        `json:"site"`            // first caller outside this package
	Stack     []string      `json:"stack,omitempty"` // callers, innermost first
	Handle    Handle        `json:"-"`
}

// SiteLeaks sums the leaks of one allocation site.
type SiteLeaks struct {
	Site   string        `json:"site"`
	Count  int           `json:"count"`
	Bytes  uint64        `json:"bytes"`
	Oldest time.Duration `json:"oldest"`
}

// LeakReport lists live allocations older than OlderThan.
type LeakReport struct {
	Pool      string        `json:"pool"`
	OlderThan time.Duration `json:"older_than"`
	Count     int           `json:"count"`
	Bytes     uint64        `json:"bytes"`
	Leaks     []Leak        `json:"leaks,omitempty"` // oldest first
	BySite    []SiteLeaks   `json:"by_site,omitempty"`
	// Complete is false when tracking is below Detailed: then only the live
	// counts per class are known (Live* fields), with no ages or sites.
	Complete   bool   `json:"complete"`
	LiveBlocks uint64 `json:"live_blocks"`
	LiveBytes  uint64 `json:"live_bytes"`
	Note       string `json:"note,omitempty"`
}

// Leaks reports live allocations older than olderThan, with their
// allocation site. Ages and sites need TrackDetailed (and cover the
// allocations made since it was switched on); below it the report only
// holds the live totals.
func (p *Pool) Leaks(olderThan time.Duration) LeakReport {
	st := p.Stats()
	rep := LeakReport{Pool: p.name, OlderThan: olderThan, LiveBlocks: st.LiveBlocks, LiveBytes: st.LiveBytes}
	d := p.detail.Load()
	if d == nil {
		rep.Note = "tracking is " + st.Tracking.String() + ": switch to detailed for ages and allocation sites"
		return rep
	}
	rep.Complete = true
	now := p.now()
	type rk struct {
		key uint64
		r   allocRecord
	}
	var old []rk
	for i := range d.shards {
		ds := &d.shards[i]
		ds.mu.Lock()
		for k, r := range ds.recs {
			if time.Duration(now-r.t) >= olderThan {
				old = append(old, rk{k, r})
			}
		}
		ds.mu.Unlock()
	}
	sort.Slice(old, func(i, j int) bool { return old[i].r.t < old[j].r.t })
	sites := map[string]*SiteLeaks{}
	for _, o := range old {
		h := Handle{p, uint64(o.r.gen)<<32 | o.key}
		l := Leak{Size: o.r.size, BlockSize: o.r.block, Age: time.Duration(now - o.r.t), Handle: h}
		l.Site, l.Stack = symbolize(o.r.pcs[:o.r.n])
		rep.Leaks = append(rep.Leaks, l)
		rep.Count++
		rep.Bytes += uint64(l.BlockSize)
		s := sites[l.Site]
		if s == nil {
			s = &SiteLeaks{Site: l.Site}
			sites[l.Site] = s
		}
		s.Count++
		s.Bytes += uint64(l.BlockSize)
		s.Oldest = max(s.Oldest, l.Age)
	}
	for _, s := range sites {
		rep.BySite = append(rep.BySite, *s)
	}
	sort.Slice(rep.BySite, func(i, j int) bool { return rep.BySite[i].Bytes > rep.BySite[j].Bytes })
	return rep
}

var pkgPrefix = reflect.TypeFor[Pool]().PkgPath() + "."

// symbolize turns return addresses into "function file:line" strings,
// skipping the frames of this package (but not its tests).
func symbolize(pcs []uintptr) (site string, stack []string) {
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function != "" && !(strings.HasPrefix(f.Function, pkgPrefix) && !strings.HasSuffix(f.File, "_test.go")) {
			s := fmt.Sprintf("%s %s:%d", f.Function, f.File, f.Line)
			if site == "" {
				site = s
			}
			stack = append(stack, s)
		}
		if !more {
			break
		}
	}
	if site == "" {
		site = "unknown"
	}
	return site, stack
}
