package memory

import (
	"errors"
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The small-block pool: 27 size classes, 64 B to 768 KiB, every one a
// multiple of 64 B (64, 128, then 3·2^k and 2^k up to 512 KiB, then 768 KiB).
// Each class cuts slabs (buddy blocks of 1 MiB or more) into slots.
//
// Free slots live on lock-free LIFO stacks, one per shard and class. A shard
// is picked from the address of the calling goroutine's stack (a cheap
// "which goroutine am I" hint: Go offers no per-P storage to packages), so
// goroutines mostly use different shards and their operations do not share
// cache lines. A slot remembers its home shard and goes back there when
// freed, whoever frees it.
//
// Every slot has one 64-bit metadata word:
//
//	generation (31) | hot (1) | home shard (8) | next slot on the stack (24)
//
// and, while the hot bit is set, stamp (23) | free (1) in place of the next
// slot. A stack head is pop count (40 bits, the ABA tag) | top slot (24).
//
// Besides its stack, each shard and class has a hot block: one slot named
// by the shard's hot word, generation at the start of its turn (31) | slot
// (24). The hot block is what an allocate+free loop reuses, and it costs
// one CAS per operation on its metadata word: allocating clears the free
// bit (and stamps the pop count), freeing checks the handle's generation,
// bumps it and sets the free bit. That is two atomic read-modify-writes per
// pair, on a cache line of the shard's own. Only the block's home shard
// allocates it (the check covers the home field), so a goroutine that read
// a hot word long ago cannot take another shard's block.
//
// Any other block is popped from the stack with one CAS; its free checks
// and bumps the generation with one CAS and pushes with one CAS. Such a
// free makes its block the hot block when the shard has none, or when the
// hot block has been allocated while hotStale blocks were popped (the loop
// moved on to other blocks).
//
// Only the hot bit protects a hot block: the party that takes a slot out
// of a hot word (a replacing free, a drain, or an installer whose publish
// lost a race) clears the bit with a CAS and so learns, atomically, whether
// the block was free (then it owns the slot) or in use (then its next free
// takes the stack path). Allocations and frees of hot blocks are counted
// per turn from the generation: a turn that started at generation g0 and
// ends at g had g-g0 frees and as many allocations, less one if the block
// ended free.
//
// A double free or stale handle fails the generation check, or loses the
// CAS to the free that won, without touching anything.

const (
	numClasses       = 27
	slotBits         = 24
	slotMask         = 1<<slotBits - 1
	tagOne           = 1 << slotBits
	homeShift        = 24
	homeMask         = 0xff << homeShift
	metaHot          = 1 << 32 // the slot is (or is leaving) its shard's hot block
	metaFree         = 1       // with metaHot: the hot block is free
	stampMask        = slotMask &^ metaFree
	genShift         = 33
	genOne           = 1 << genShift
	genMask          = 1<<(64-genShift) - 1
	hotStale         = 32 // stack pops after which an allocated hot block is replaced
	maxShards        = 256
	maxSlabsPerClass = 1024
	smallMax         = 768 << 10 // largest small class
	minSlotsPerSlab  = 8
	peakGranule      = 64 << 10 // peak estimate granularity per shard and class
)

var classSize [numClasses]uintptr

func init() {
	classSize[0], classSize[1] = 64, 128
	i := 2
	for k := 8; i < numClasses; k++ {
		h := uintptr(1) << (k - 1)
		classSize[i] = h + h/2
		i++
		if i < numClasses {
			classSize[i] = 1 << k
			i++
		}
	}
}

// smallClassOf maps (size+63)/64 to the class of sizes up to 1 KiB.
var smallClassOf = [17]uint8{0, 0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7}

// classFor returns the smallest class holding size bytes whose blocks are
// aligned to align, or -1 when the request belongs to the large pool.
func classFor(size, align uintptr) int {
	if size <= 1024 && align <= 64 {
		return int(smallClassOf[(size+63)>>6])
	}
	return classForSlow(size, align)
}

func classForSlow(size, align uintptr) int {
	n := max(size, align)
	var c int
	switch {
	case n <= 64:
		c = 0
	case n <= 128:
		c = 1
	case n > smallMax:
		return -1
	default:
		k := bits.Len64(uint64(n - 1))
		half := uintptr(1) << (k - 1)
		c = 2 + 2*(k-8)
		if n > half+half/2 {
			c++
		}
	}
	// A 3·2^j class is aligned to 2^j only; step to the next power of two.
	if classAlign(c) < align {
		c++
		if c >= numClasses {
			return -1
		}
	}
	return c
}

// classAlign is the natural alignment of a class's slots.
func classAlign(c int) uintptr {
	s := classSize[c]
	return s & -s
}

type slab struct {
	num   uint32
	base  unsafe.Pointer // host pointer, nil for device memory
	addr  uintptr
	meta  []atomic.Uint64 // one word per slot, metaStride apart, from a 64-byte boundary
	arena uint32          // backing buddy block
	unit  uint32
	bgen  uint32
	order uint
	// Central state, under the class mutex.
	free       []uint32 // local slot indices held by the central pool
	carved     uint32   // slots [carved, n) were never handed out
	inPartial  bool
	emptyEpoch uint64
}

type sizeClass struct {
	size      uintptr
	shift     uint8 // bits of the local slot index
	metaShift uint8 // log2 of the bytes between two slots' metadata words
	perSlab   uint32
	slabOrder uint
	batch     uint32
	maxSlabs  uint32
	dir       atomic.Pointer[classDir]
	detached  atomic.Uint64 // tag bumps made by drains, for allocation counts

	mu      sync.Mutex
	slabs   []*slab
	partial []*slab
	nums    []uint32 // released slab numbers
	nextNum uint32
	genBase []uint32 // per slab number, first generation for a reused number
}

// classDir maps slab numbers to slabs. The hot paths read meta and data,
// flat arrays of pointers, so that a slot id turns into its metadata word
// and its memory with one dependent load each.
type classDir struct {
	meta [maxSlabsPerClass]atomic.Pointer[atomic.Uint64] // &slab.meta[0]
	data [maxSlabsPerClass]atomic.Pointer[byte]          // host memory of the slab
	slab [maxSlabsPerClass]atomic.Pointer[slab]
}

// shardClass is one shard's state for one class. head and frees must stay
// first and adjacent, 16 bytes aligned (the struct is 96 bytes): with
// CMPXCHG16B a stack free pushes and counts itself in one atomic operation.
//
// Counts: allocations are pops-bumps+hotC plus those of the current hot
// turn; frees (tracking ≥ Basic) are frees+hotF-hfSkip plus those of the
// current turn; live blocks are pops-frees-off, less one while the hot
// block is free.
type shardClass struct {
	head   atomic.Uint64 // pops (40) | top slot (24)
	frees  atomic.Uint64 // stack frees of slots homed here (tracking ≥ Basic)
	hot    atomic.Uint64 // hot block: generation at the start of its turn (31) | slot (24); 0 when none
	off    atomic.Int64  // tag bumps, hot turns that ended free, live blocks at switch-on
	rep    atomic.Int64  // live bytes last reported to the pool estimate
	bumps  atomic.Uint64 // tag bumps by drains
	hotC   atomic.Uint64 // allocations of ended hot turns
	hotF   atomic.Uint64 // frees of ended hot turns
	hfSkip atomic.Uint64 // hot frees made while tracking was off
	hfOff  atomic.Uint64 // hot frees when tracking was last switched off
	_      [2]uint64
}

type shard struct {
	c [numClasses]shardClass
	_ [64]byte
}

func (c *sizeClass) init(ci int, minOrder uint) {
	c.size = classSize[ci]
	order := max(minOrder, uint(bits.Len64(uint64(c.size*minSlotsPerSlab-1))))
	c.slabOrder = order
	c.perSlab = uint32((uintptr(1) << order) / c.size)
	c.shift = uint8(bits.Len32(c.perSlab - 1))
	c.maxSlabs = min(maxSlabsPerClass, uint32((slotMask-1)>>c.shift))
	c.batch = uint32(max(1, min(32, (32<<10)/int(c.size))))
	// Shards take slots in batches; two shards' slots should not share a
	// cache line of metadata (every operation writes it). Batches of 8 or
	// more are cut at multiples of 8 words; classes with smaller batches
	// (above 4 KiB, at most 170 slots a slab) give each slot a line.
	c.metaShift = 3
	if c.batch >= 8 {
		c.batch &^= 7
	} else {
		c.metaShift = 6
	}
}

// split decodes a slot id (1-based) into its slab number and local index.
func (c *sizeClass) split(id uint32) (num, k uint32) {
	x, sh := id-1, c.shift&31
	return x >> sh, x & (1<<sh - 1)
}

// metaPtr returns the metadata word of local slot k of the slab whose
// metadata starts at mb.
func (c *sizeClass) metaPtr(mb *atomic.Uint64, k uint32) *atomic.Uint64 {
	return (*atomic.Uint64)(unsafe.Add(unsafe.Pointer(mb), uintptr(k)<<(c.metaShift&63)))
}

// word returns the metadata word of local slot k.
func (s *slab) word(c *sizeClass, k uint32) *atomic.Uint64 {
	return &s.meta[uintptr(k)<<c.metaShift/8]
}

func hotWord(id, gen uint32) uint64 { return uint64(gen)<<slotBits | uint64(id) }

// shardHint hashes the address of a stack variable: goroutines have
// different stacks, so they mostly land on different shards.
func shardHint() uint32 {
	var x byte
	a := uint64(uintptr(unsafe.Pointer(&x)))
	return uint32((a >> 11) * 0x9E3779B97F4A7C15 >> 40)
}

// lookup decodes a slot id (1-based) into its slab and local index.
func (c *sizeClass) lookup(id uint32) (*slab, uint32) {
	num, k := c.split(id)
	d := c.dir.Load()
	if d == nil || num >= maxSlabsPerClass || k >= c.perSlab {
		return nil, 0
	}
	s := d.slab[num].Load()
	if s == nil {
		return nil, 0
	}
	return s, k
}

// metaIn returns the metadata word of a slot id in directory d, or nil.
func (c *sizeClass) metaIn(d *classDir, id uint32) *atomic.Uint64 {
	num, k := c.split(id)
	if d == nil || num >= maxSlabsPerClass || k >= c.perSlab {
		return nil
	}
	mb := d.meta[num].Load()
	if mb == nil {
		return nil
	}
	return c.metaPtr(mb, k)
}

// metaOf returns the metadata word of a slot id, or nil.
func (c *sizeClass) metaOf(id uint32) *atomic.Uint64 { return c.metaIn(c.dir.Load(), id) }

// hotFree returns 1 when sc's hot block is free, else 0.
func (c *sizeClass) hotFree(d *classDir, sc *shardClass) int64 {
	w := sc.hot.Load()
	if w == 0 {
		return 0
	}
	if mp := c.metaIn(d, uint32(w&slotMask)); mp != nil && mp.Load()&(metaHot|metaFree) == metaHot|metaFree {
		return 1
	}
	return 0
}

// hotCounts returns the frees and allocations of sc's hot blocks, ended
// turns and the current one, and whether the current hot block is free.
func (c *sizeClass) hotCounts(d *classDir, sc *shardClass) (frees, allocs uint64, free int64) {
	frees, allocs = sc.hotF.Load(), sc.hotC.Load()
	w := sc.hot.Load()
	if w == 0 {
		return
	}
	mp := c.metaIn(d, uint32(w&slotMask))
	if mp == nil {
		return
	}
	m := mp.Load()
	if m&metaHot == 0 {
		return // the turn is ending; its counts are on their way to hotF and hotC
	}
	n := uint64((uint32(m>>genShift) - uint32(w>>slotBits)) & genMask)
	if m&metaFree != 0 {
		if n == 0 {
			return // a stale word
		}
		free = 1
		allocs--
	}
	return frees + n, allocs + n, free
}

// live returns the live blocks of shard class sc since tracking was
// switched on, given its pop count.
func (c *sizeClass) live(d *classDir, sc *shardClass, pops uint64) int64 {
	return int64(pops) - int64(sc.frees.Load()) - sc.off.Load() - c.hotFree(d, sc)
}

// hotStale reports whether the hot block of word w is allocated and was
// allocated hotStale or more stack pops ago (hd is the stack head).
func (c *sizeClass) hotStale(d *classDir, w, hd uint64) bool {
	mp := c.metaIn(d, uint32(w&slotMask))
	if mp == nil {
		return false
	}
	m := mp.Load()
	return m&(metaHot|metaFree) == metaHot && (uint32(hd>>slotBits)-uint32(m>>1))&(stampMask>>1) >= hotStale
}

var errClassFull = errors.New("memory: size class full")

// testHookHotInstall, when set by a test, runs between a free's marking its
// block hot and its publishing the block in the hot word.
var testHookHotInstall func()

// allocSmall allocates a slot of class ci (or a larger class when ci is
// full). For host memory it returns the slot's pointer; device pools get
// the address from addrOf.
func (p *Pool) allocSmall(ci int, size uintptr) (Handle, unsafe.Pointer, error) {
	si := shardHint() & p.shardMask
	c := &p.classes[ci]
	sc := &p.shards[si].c[ci]
	d := c.dir.Load()
	// Fast path: the shard's hot block, when it is free.
	if w := sc.hot.Load(); w != 0 && d != nil {
		num, k := c.split(uint32(w & slotMask))
		if num < maxSlabsPerClass {
			if mb := d.meta[num].Load(); mb != nil {
				mp := c.metaPtr(mb, k)
				m := mp.Load()
				if m&(metaHot|homeMask|metaFree) == metaHot|uint64(si)<<homeShift|metaFree {
					h := sc.head.Load()
					if mp.CompareAndSwap(m, m&^slotMask|(h>>slotBits<<1)&stampMask) {
						hd := Handle{p, m>>genShift<<32 | kindSmall<<30 | uint64(ci)<<24 | w&slotMask}
						var ptr unsafe.Pointer
						if base := d.data[num].Load(); base != nil {
							ptr = unsafe.Add(unsafe.Pointer(base), uintptr(k)*c.size)
						}
						// No live-bytes check: hot-block operations
						// alternate, see granule.
						if p.level.Load() == int32(TrackDetailed) {
							p.recordAlloc(hd, size, c.size)
						}
						return hd, ptr, nil
					}
				}
			}
		}
	}
	return p.allocStack(c, sc, d, ci, si, size)
}

// allocStack pops a slot from the stack of shard class sc; anything unusual
// (empty stack, contention) goes to allocSmallSlow.
func (p *Pool) allocStack(c *sizeClass, sc *shardClass, d *classDir, ci int, si uint32, size uintptr) (Handle, unsafe.Pointer, error) {
	h := sc.head.Load()
	if id := uint32(h & slotMask); id != 0 && d != nil {
		num, k := c.split(id)
		if num < maxSlabsPerClass {
			if mb := d.meta[num].Load(); mb != nil {
				m := c.metaPtr(mb, k).Load()
				nh := (h&^slotMask + tagOne) | m&slotMask
				if sc.head.CompareAndSwap(h, nh) {
					hd := Handle{p, m>>genShift<<32 | kindSmall<<30 | uint64(ci)<<24 | uint64(id)}
					var ptr unsafe.Pointer
					if base := d.data[num].Load(); base != nil {
						ptr = unsafe.Add(unsafe.Pointer(base), uintptr(k)*c.size)
					}
					if lvl := p.level.Load(); lvl != int32(TrackNone) {
						p.trackStackAlloc(c, d, sc, ci, nh, hd, size, lvl)
					}
					return hd, ptr, nil
				}
			}
		}
	}
	return p.allocSmallSlow(ci, size, si)
}

func (p *Pool) trackStackAlloc(c *sizeClass, d *classDir, sc *shardClass, ci int, nh uint64, hd Handle, size uintptr, lvl int32) {
	live := c.live(d, sc, nh>>slotBits) * int64(c.size)
	if live-sc.rep.Load() >= granule(int64(c.size)) || lvl == int32(TrackDetailed) {
		p.trackSmallAlloc(sc, ci, live, hd, size)
	}
}

func (p *Pool) allocSmallSlow(ci int, size uintptr, si uint32) (Handle, unsafe.Pointer, error) {
	for ; ci < numClasses; ci++ {
		c := &p.classes[ci]
		sc := &p.shards[si].c[ci]
		for {
			h := sc.head.Load()
			d := c.dir.Load()
			id := uint32(h & slotMask)
			if id == 0 || d == nil {
				if err := p.refill(c, ci, si); err != nil {
					if err == errClassFull {
						break
					}
					return Handle{}, nil, err
				}
				continue
			}
			num, k := c.split(id)
			if num >= maxSlabsPerClass {
				continue // a stale read; the CAS would fail anyway
			}
			mb := d.meta[num].Load()
			if mb == nil {
				if p.closed.Load() {
					return Handle{}, nil, ErrClosed
				}
				continue // the head moved under us; the CAS would fail anyway
			}
			m := c.metaPtr(mb, k).Load()
			nh := (h&^slotMask + tagOne) | m&slotMask
			if !sc.head.CompareAndSwap(h, nh) {
				continue
			}
			hd := Handle{p, m>>genShift<<32 | kindSmall<<30 | uint64(ci)<<24 | uint64(id)}
			var ptr unsafe.Pointer
			if base := d.data[num].Load(); base != nil {
				ptr = unsafe.Add(unsafe.Pointer(base), uintptr(k)*c.size)
			}
			if lvl := p.level.Load(); lvl != int32(TrackNone) {
				p.trackStackAlloc(c, d, sc, ci, nh, hd, size, lvl)
			}
			return hd, ptr, nil
		}
	}
	return Handle{}, nil, errClassFull
}

// addrOf returns the device address of a small block.
func (p *Pool) addrOf(h Handle) uintptr {
	c := &p.classes[h.cls()]
	s, k := c.lookup(h.id())
	if s == nil {
		return 0
	}
	return s.addr + uintptr(k)*c.size
}

// freeSmall frees a small block; any other handle goes to freeOther. p may
// be nil (the zero Handle's pool).
func (p *Pool) freeSmall(h Handle) error {
	if h.p != p || h.kind() != kindSmall {
		return p.freeOther(h)
	}
	if p.level.Load() == int32(TrackDetailed) {
		p.poisonFree(h) // before the free publishes the block
	}
	ci, id := h.cls(), h.id()
	if ci >= numClasses || id == 0 {
		return ErrInvalidHandle
	}
	c := &p.classes[ci]
	d := c.dir.Load()
	num, k := c.split(id)
	if d == nil || num >= maxSlabsPerClass || k >= c.perSlab {
		return p.freeErr()
	}
	mb := d.meta[num].Load()
	if mb == nil {
		return p.freeErr() // its slab went back to the large pool: freed before
	}
	mp := c.metaPtr(mb, k)
	// Fast path: an allocated hot block of this generation; one CAS bumps
	// the generation and marks it free.
	if m := mp.Load(); m&(genMask<<genShift|metaHot|metaFree) == uint64(h.gen())<<genShift|metaHot {
		if mp.CompareAndSwap(m, m+genOne|metaFree) {
			if p.level.Load() == int32(TrackDetailed) {
				p.recordFree(h) // no live-bytes check: see granule
			}
			return nil
		}
	}
	return p.freeSlow(c, d, ci, mp, h)
}

func (p *Pool) freeSlow(c *sizeClass, d *classDir, ci uint32, mp *atomic.Uint64, h Handle) error {
	gen, id := h.gen(), h.id()
	for {
		m := mp.Load()
		if uint32(m>>genShift) != gen {
			return p.freeErr()
		}
		if m&metaHot != 0 {
			if m&metaFree != 0 {
				return p.freeErr()
			}
			if mp.CompareAndSwap(m, m+genOne|metaFree) {
				if p.level.Load() == int32(TrackDetailed) {
					p.recordFree(h)
				}
				return nil
			}
			continue // a concurrent free won, or the block stopped being hot
		}
		home := uint32(m>>homeShift) & 0xff
		sc := &p.shards[home].c[ci]
		hd := sc.head.Load()
		if w := sc.hot.Load(); w == 0 || c.hotStale(d, w, hd) {
			// Make this block the shard's hot block, free, replacing the
			// old one (which its own next free pushes, if it is in use).
			if !mp.CompareAndSwap(m, (m+genOne)&^slotMask|metaHot|metaFree) {
				continue
			}
			if testHookHotInstall != nil {
				testHookHotInstall()
			}
			if sc.hot.CompareAndSwap(w, hotWord(id, gen)) {
				if w != 0 {
					p.endHot(c, d, sc, w, true)
				}
			} else {
				p.endHot(c, d, sc, hotWord(id, gen), true) // lost a race: push it
			}
			if lvl := p.level.Load(); lvl != int32(TrackNone) {
				live := c.live(d, sc, sc.head.Load()>>slotBits) * int64(c.size)
				if sc.rep.Load()-live >= granule(int64(c.size)) || lvl == int32(TrackDetailed) {
					p.trackSmallFree(sc, int(ci), live, h)
				}
			}
			return nil
		}
		nm := (m+genOne)&^slotMask | hd&slotMask
		if !mp.CompareAndSwap(m, nm) {
			continue // a concurrent free won
		}
		lvl := p.level.Load()
		var f uint64
		if lvl == int32(TrackNone) || !p.cas16 {
			for !sc.head.CompareAndSwap(hd, hd&^slotMask|uint64(id)) {
				hd = sc.head.Load()
				nm = nm&^slotMask | hd&slotMask
				mp.Store(nm)
			}
			if lvl == int32(TrackNone) {
				return nil
			}
			f = sc.frees.Add(1)
		} else {
			// Push and count the free in one 16-byte CAS.
			f = sc.frees.Load()
			for !cas128(&sc.head, hd, f, hd&^slotMask|uint64(id), f+1) {
				hd = sc.head.Load()
				f = sc.frees.Load()
				nm = nm&^slotMask | hd&slotMask
				mp.Store(nm)
			}
			f++
		}
		live := (int64(hd>>slotBits) - int64(f) - sc.off.Load() - c.hotFree(d, sc)) * int64(c.size)
		if sc.rep.Load()-live >= granule(int64(c.size)) || lvl == int32(TrackDetailed) {
			p.trackSmallFree(sc, int(ci), live, h)
		}
		return nil
	}
}

// endHot ends hot turn w of shard class sc, which its hot word no longer
// holds (or never held): it clears the block's hot bit, adds the turn's
// counts, and reports whether the block was free. A free block is then the
// caller's; with push it goes onto sc's stack.
func (p *Pool) endHot(c *sizeClass, d *classDir, sc *shardClass, w uint64, push bool) bool {
	id := uint32(w & slotMask)
	mp := c.metaIn(d, id)
	if mp == nil {
		return false // not reached: a hot block is never central, so its slab stays
	}
	for {
		m := mp.Load()
		if m&metaHot == 0 {
			return false // not reached: only the caller clears the bit
		}
		nm := m &^ (metaHot | slotMask)
		if !mp.CompareAndSwap(m, nm) {
			continue
		}
		frees := uint64((uint32(m>>genShift) - uint32(w>>slotBits)) & genMask)
		allocs := frees
		free := m&metaFree != 0
		if free {
			allocs--
			sc.off.Add(1)
		}
		sc.hotF.Add(frees)
		sc.hotC.Add(allocs)
		if free && push {
			for {
				hd := sc.head.Load()
				mp.Store(nm | hd&slotMask)
				if sc.head.CompareAndSwap(hd, hd&^slotMask|uint64(id)) {
					break
				}
			}
		}
		return free
	}
}

// freeErr is the error for a handle that names no live block.
func (p *Pool) freeErr() error {
	if p.closed.Load() {
		return ErrClosed
	}
	return ErrDoubleFree
}

// refill moves a batch of free slots from the central pool of class ci onto
// shard si's stack.
func (p *Pool) refill(c *sizeClass, ci int, si uint32) error {
	if p.closed.Load() {
		return ErrClosed
	}
	var pending []*PressureEvent
	c.mu.Lock()
	ids := make([]uint32, 0, c.batch)
	for uint32(len(ids)) < c.batch {
		s := c.partialTop()
		if s == nil {
			var err error
			var ev *PressureEvent
			s, ev, err = p.newSlab(c, ci)
			if ev != nil {
				pending = append(pending, ev)
			}
			if err != nil {
				if len(ids) > 0 {
					break
				}
				c.mu.Unlock()
				p.deliver(pending...)
				return err
			}
		}
		for uint32(len(ids)) < c.batch {
			if n := len(s.free); n > 0 {
				ids = append(ids, s.id(c, s.free[n-1]))
				s.free = s.free[:n-1]
			} else if s.carved < c.perSlab {
				ids = append(ids, s.id(c, s.carved))
				s.carved++
			} else {
				break
			}
		}
		if len(s.free) == 0 && s.carved == c.perSlab {
			c.removePartial(s)
		}
	}
	// Link the batch: ids[0] on top.
	home := uint64(si) << homeShift
	var last *atomic.Uint64
	var lastGen uint64
	for i, id := range ids {
		mp := c.metaOf(id)
		gen := mp.Load() &^ (genOne - 1)
		var next uint64
		if i+1 < len(ids) {
			next = uint64(ids[i+1])
		}
		mp.Store(gen | home | next)
		last, lastGen = mp, gen
	}
	c.mu.Unlock()
	p.deliver(pending...)
	sc := &p.shards[si].c[ci]
	for {
		h := sc.head.Load()
		last.Store(lastGen | home | h&slotMask)
		if sc.head.CompareAndSwap(h, h&^slotMask|uint64(ids[0])) {
			break
		}
	}
	return nil
}

func (s *slab) id(c *sizeClass, k uint32) uint32 { return s.num<<c.shift | k + 1 }

func (c *sizeClass) partialTop() *slab {
	if n := len(c.partial); n > 0 {
		return c.partial[n-1]
	}
	return nil
}

func (c *sizeClass) removePartial(s *slab) {
	if !s.inPartial {
		return
	}
	for i, t := range c.partial {
		if t == s {
			c.partial = append(c.partial[:i], c.partial[i+1:]...)
			break
		}
	}
	s.inPartial = false
}

// newSlab takes a block from the large pool and publishes it as a slab of
// class c. Called with c.mu held; the caller delivers the pressure event
// after unlocking.
func (p *Pool) newSlab(c *sizeClass, ci int) (*slab, *PressureEvent, error) {
	var num uint32
	switch {
	case len(c.nums) > 0:
		num = c.nums[len(c.nums)-1]
	case c.nextNum < c.maxSlabs:
		num = c.nextNum
	default:
		return nil, nil, errClassFull
	}
	b := p.buddy
	b.mu.Lock()
	if err := p.checkBudgetLocked(uint64(1) << c.slabOrder); err != nil {
		b.mu.Unlock()
		return nil, nil, err
	}
	a, u, err := b.allocLocked(c.slabOrder, true)
	var ev *PressureEvent
	if err == nil {
		ev = p.pressureLocked()
	}
	b.mu.Unlock()
	if err != nil {
		return nil, ev, err
	}
	if len(c.nums) > 0 && c.nums[len(c.nums)-1] == num {
		c.nums = c.nums[:len(c.nums)-1]
	} else {
		c.nextNum++
	}
	if c.dir.Load() == nil {
		c.dir.Store(new(classDir))
		c.genBase = make([]uint32, c.maxSlabs)
	}
	// The metadata starts on a 64-byte boundary, so that slots taken in
	// batches of 8 (or one slot a line) share no line with another batch.
	n := int(uintptr(c.perSlab) << c.metaShift / 8)
	buf := make([]atomic.Uint64, n+7)
	skip := (64 - int(uintptr(unsafe.Pointer(&buf[0]))%64)) % 64 / 8
	s := &slab{
		num: num, base: a.hostPtr(u, b.minOrder), addr: a.region.Addr + uintptr(u)<<b.minOrder,
		meta: buf[skip : skip+n : skip+n], arena: a.id, unit: u, bgen: a.gen[u], order: c.slabOrder,
	}
	if g := c.genBase[num]; g != 0 {
		for i := range s.meta {
			s.meta[i].Store(uint64(g) << genShift)
		}
	}
	c.slabs = append(c.slabs, s)
	c.partial = append(c.partial, s)
	s.inPartial = true
	d := c.dir.Load()
	d.slab[num].Store(s)
	d.data[num].Store((*byte)(s.base))
	d.meta[num].Store(&s.meta[0])
	return s, ev, nil
}

// toCentral hands free slot k of s back to the central pool. Called with
// c.mu held.
func (p *Pool) toCentral(c *sizeClass, s *slab, k uint32) {
	s.free = append(s.free, k)
	if !s.inPartial {
		c.partial = append(c.partial, s)
		s.inPartial = true
	}
	if uint32(len(s.free)) == s.carved {
		// Cached free slots were free before this pass began.
		s.emptyEpoch = p.epoch.Load() - 1
	}
}

// drainShards takes every shard's hot block (when free) and detaches its
// free stacks, and hands their slots back to the central pools. Slots in
// use are not affected. It returns the number of slots moved.
func (p *Pool) drainShards() int {
	moved := 0
	for ci := range p.classes {
		c := &p.classes[ci]
		d := c.dir.Load()
		if d == nil {
			continue
		}
		for si := range p.shards[:p.shardMask+1] {
			sc := &p.shards[si].c[ci]
			var hot uint32
			for {
				w := sc.hot.Load()
				if w == 0 {
					break
				}
				if sc.hot.CompareAndSwap(w, 0) {
					if p.endHot(c, d, sc, w, false) {
						hot = uint32(w & slotMask)
					}
					break
				}
			}
			var top uint32
			for {
				h := sc.head.Load()
				if h&slotMask == 0 {
					break
				}
				if sc.head.CompareAndSwap(h, h&^slotMask+tagOne) {
					top = uint32(h & slotMask)
					sc.bumps.Add(1)
					sc.off.Add(1)
					c.detached.Add(1)
					break
				}
			}
			if top == 0 && hot == 0 {
				continue
			}
			c.mu.Lock()
			if hot != 0 {
				s, k := c.lookup(hot)
				p.toCentral(c, s, k)
				moved++
			}
			for id := top; id != 0; {
				s, k := c.lookup(id)
				next := uint32(s.word(c, k).Load() & slotMask)
				p.toCentral(c, s, k)
				moved++
				id = next
			}
			c.mu.Unlock()
		}
	}
	return moved
}

// releaseSlabs gives slabs whose slots are all back in the central pool,
// and that were emptied at or before epoch, back to the large pool, keeping
// keep empty slabs per class. It returns bytes and slabs released, and the
// pressure events for the caller to deliver once its locks are released.
func (p *Pool) releaseSlabs(beforeEpoch int64, keep int) (bytes uint64, n int, pending []*PressureEvent) {
	for ci := range p.classes {
		c := &p.classes[ci]
		c.mu.Lock()
		empty := 0
		for _, s := range c.slabs {
			if uint32(len(s.free)) == s.carved {
				empty++
			}
		}
		for i := len(c.slabs) - 1; i >= 0 && empty > keep; i-- {
			s := c.slabs[i]
			if uint32(len(s.free)) != s.carved || int64(s.emptyEpoch) > beforeEpoch {
				continue
			}
			var maxGen uint32
			for j := range s.meta {
				maxGen = max(maxGen, uint32(s.meta[j].Load()>>genShift))
			}
			d := c.dir.Load()
			d.meta[s.num].Store(nil)
			d.data[s.num].Store(nil)
			d.slab[s.num].Store(nil)
			c.genBase[s.num] = (maxGen + 1) & genMask
			c.nums = append(c.nums, s.num)
			c.removePartial(s)
			c.slabs = append(c.slabs[:i], c.slabs[i+1:]...)
			b := p.buddy
			b.mu.Lock()
			_ = b.freeLocked(s.arena, s.unit, s.order, s.bgen, true)
			if ev := p.pressureLocked(); ev != nil {
				pending = append(pending, ev)
			}
			b.mu.Unlock()
			bytes += uint64(1) << s.order
			n++
			empty--
		}
		c.mu.Unlock()
	}
	return bytes, n, pending
}
