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
// Every slot has one 64-bit metadata word: generation (32 bits) | home shard
// (8) | next slot on the stack (24). A stack head is pop count (40 bits, the
// ABA tag) | top slot (24). Allocation pops with one CAS and reads the
// generation into the handle; free checks the handle's generation and bumps
// it with one CAS on the metadata word (so a double free or stale handle
// fails without touching anything), then pushes with one CAS. Three atomic
// read-modify-writes per allocate+free pair, none shared between goroutines
// that use different shards.

const (
	numClasses       = 27
	slotBits         = 24
	slotMask         = 1<<slotBits - 1
	tagOne           = 1 << slotBits
	homeShift        = 24
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
	meta  []atomic.Uint64
	arena uint32 // backing buddy block
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

// shardClass is one stack. head and frees must stay first and adjacent, 16
// bytes aligned (the struct is 48 bytes): with CMPXCHG16B a free pushes and
// counts itself in one atomic operation.
type shardClass struct {
	head  atomic.Uint64 // pops (40) | top slot (24)
	frees atomic.Uint64 // frees of slots homed here (tracking ≥ Basic)
	bumps atomic.Uint64 // tag bumps by drains
	rep   atomic.Int64  // live bytes last reported to the pool estimate
	base  atomic.Int64  // pops-bumps-frees when tracking was last switched on
	_     uint64
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
}

// shardHint hashes the address of a stack variable: goroutines have
// different stacks, so they mostly land on different shards.
func shardHint() uint32 {
	var x byte
	a := uint64(uintptr(unsafe.Pointer(&x)))
	return uint32((a >> 11) * 0x9E3779B97F4A7C15 >> 40)
}

// lookup decodes a slot id (1-based) into its slab and local index.
func (c *sizeClass) lookup(id uint32) (*slab, uint32) {
	x := id - 1
	num, k := x>>c.shift, x&(1<<c.shift-1)
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

// metaOf returns the metadata word of a slot id, or nil.
func (c *sizeClass) metaOf(id uint32) *atomic.Uint64 {
	x := id - 1
	num, k := x>>c.shift, x&(1<<c.shift-1)
	d := c.dir.Load()
	if d == nil || num >= maxSlabsPerClass || k >= c.perSlab {
		return nil
	}
	mb := d.meta[num].Load()
	if mb == nil {
		return nil
	}
	return (*atomic.Uint64)(unsafe.Add(unsafe.Pointer(mb), uintptr(k)*8))
}

var errClassFull = errors.New("memory: size class full")

// allocSmall pops a slot of class ci (or a larger class when ci is full).
// For host memory it returns the slot's pointer; device pools get the
// address from addrOf.
func (p *Pool) allocSmall(ci int, size uintptr) (Handle, unsafe.Pointer, error) {
	// Fast path: one pop from this goroutine's shard; anything unusual
	// (empty stack, contention, tracking) goes to allocSmallSlow.
	si := shardHint() & p.shardMask
	c := &p.classes[ci]
	sc := &p.shards[si].c[ci]
	h := sc.head.Load()
	d := c.dir.Load()
	if id := uint32(h & slotMask); id != 0 && d != nil {
		x := id - 1
		num, k := x>>c.shift, x&(1<<c.shift-1)
		if num < maxSlabsPerClass {
			if mb := d.meta[num].Load(); mb != nil {
				m := (*atomic.Uint64)(unsafe.Add(unsafe.Pointer(mb), uintptr(k)*8)).Load()
				nh := (h&^slotMask + tagOne) | m&slotMask
				if sc.head.CompareAndSwap(h, nh) {
					hd := Handle{p, m&^(1<<32-1) | kindSmall<<30 | uint64(ci)<<24 | uint64(id)}
					var ptr unsafe.Pointer
					if base := d.data[num].Load(); base != nil {
						ptr = unsafe.Add(unsafe.Pointer(base), uintptr(k)*c.size)
					}
					if lvl := p.level.Load(); lvl != int32(TrackNone) {
						live := (int64(nh>>slotBits) - int64(sc.bumps.Load()) - int64(sc.frees.Load()) - sc.base.Load()) * int64(c.size)
						if live-sc.rep.Load() >= granule(int64(c.size)) || lvl == int32(TrackDetailed) {
							p.trackSmallAlloc(sc, ci, live, hd, size)
						}
					}
					return hd, ptr, nil
				}
			}
		}
	}
	return p.allocSmallSlow(ci, size, si)
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
			x := id - 1
			num, k := x>>c.shift, x&(1<<c.shift-1)
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
			m := (*atomic.Uint64)(unsafe.Add(unsafe.Pointer(mb), uintptr(k)*8)).Load()
			nh := (h&^slotMask + tagOne) | m&slotMask
			if !sc.head.CompareAndSwap(h, nh) {
				continue
			}
			hd := Handle{p, m&^(1<<32-1) | kindSmall<<30 | uint64(ci)<<24 | uint64(id)}
			var ptr unsafe.Pointer
			if base := d.data[num].Load(); base != nil {
				ptr = unsafe.Add(unsafe.Pointer(base), uintptr(k)*c.size)
			}
			if lvl := p.level.Load(); lvl != int32(TrackNone) {
				live := (int64(nh>>slotBits) - int64(sc.bumps.Load()) - int64(sc.frees.Load()) - sc.base.Load()) * int64(c.size)
				if live-sc.rep.Load() >= granule(int64(c.size)) || lvl == int32(TrackDetailed) {
					p.trackSmallAlloc(sc, ci, live, hd, size)
				}
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
	ci, id, gen := h.cls(), h.id(), h.gen()
	if ci >= numClasses || id == 0 {
		return ErrInvalidHandle
	}
	c := &p.classes[ci]
	d := c.dir.Load()
	x := id - 1
	num, k := x>>c.shift, x&(1<<c.shift-1)
	if d == nil || num >= maxSlabsPerClass || k >= c.perSlab {
		return p.freeErr()
	}
	mb := d.meta[num].Load()
	if mb == nil {
		return p.freeErr() // its slab went back to the large pool: freed before
	}
	mp := (*atomic.Uint64)(unsafe.Add(unsafe.Pointer(mb), uintptr(k)*8))
	m := mp.Load()
	if uint32(m>>32) != gen {
		return p.freeErr()
	}
	home := uint32(m>>homeShift) & 0xff
	sc := &p.shards[home].c[ci]
	hd := sc.head.Load()
	nm := uint64(gen+1)<<32 | uint64(home)<<homeShift | hd&slotMask
	if !mp.CompareAndSwap(m, nm) {
		return p.freeErr() // a concurrent free of the same handle won
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
	live := (int64(hd>>slotBits) - int64(sc.bumps.Load()) - int64(f) - sc.base.Load()) * int64(c.size)
	if sc.rep.Load()-live >= granule(int64(c.size)) || lvl == int32(TrackDetailed) {
		p.trackSmallFree(sc, int(ci), live, h)
	}
	return nil
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
		gen := mp.Load() &^ (1<<32 - 1)
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
	s := &slab{
		num: num, base: a.hostPtr(u, b.minOrder), addr: a.region.Addr + uintptr(u)<<b.minOrder,
		meta: make([]atomic.Uint64, c.perSlab), arena: a.id, unit: u, bgen: a.gen[u], order: c.slabOrder,
	}
	if g := c.genBase[num]; g != 0 {
		for i := range s.meta {
			s.meta[i].Store(uint64(g) << 32)
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

// drainShards detaches every shard's free stacks and hands their slots back
// to the central pools. Slots in use are not affected. It returns the number
// of slots moved.
func (p *Pool) drainShards() int {
	moved := 0
	for ci := range p.classes {
		c := &p.classes[ci]
		if c.dir.Load() == nil {
			continue
		}
		for si := range p.shards[:p.shardMask+1] {
			sc := &p.shards[si].c[ci]
			var top uint32
			for {
				h := sc.head.Load()
				if h&slotMask == 0 {
					break
				}
				if sc.head.CompareAndSwap(h, h&^slotMask+tagOne) {
					top = uint32(h & slotMask)
					sc.bumps.Add(1)
					c.detached.Add(1)
					break
				}
			}
			if top == 0 {
				continue
			}
			c.mu.Lock()
			for id := top; id != 0; {
				s, k := c.lookup(id)
				next := uint32(s.meta[k].Load() & slotMask)
				s.free = append(s.free, k)
				if !s.inPartial {
					c.partial = append(c.partial, s)
					s.inPartial = true
				}
				if uint32(len(s.free)) == s.carved {
					// Cached free slots were free before this pass began.
					s.emptyEpoch = p.epoch.Load() - 1
				}
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
				maxGen = max(maxGen, uint32(s.meta[j].Load()>>32))
			}
			d := c.dir.Load()
			d.meta[s.num].Store(nil)
			d.data[s.num].Store(nil)
			d.slab[s.num].Store(nil)
			c.genBase[s.num] = maxGen + 1
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
