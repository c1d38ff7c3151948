package memory

import (
	"fmt"
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"
)

// TrackingLevel selects how much the pool records. It can be changed at run
// time with SetTracking.
type TrackingLevel int32

const (
	// TrackNone counts allocations per class and the pool's own memory only.
	TrackNone TrackingLevel = iota
	// TrackBasic adds frees, live bytes, peak bytes and per-class live counts.
	TrackBasic
	// TrackDetailed adds a record per live allocation (requested size, time,
	// call site) for leak reports, requested bytes for internal
	// fragmentation, and an event history for pattern detection.
	TrackDetailed
)

func (l TrackingLevel) String() string {
	switch l {
	case TrackNone:
		return "none"
	case TrackBasic:
		return "basic"
	case TrackDetailed:
		return "detailed"
	}
	return fmt.Sprintf("TrackingLevel(%d)", int32(l))
}

// Config configures a pool. The zero value is a CPU pool with tracking off.
type Config struct {
	// Name labels the pool in statistics; it defaults to the device name.
	Name string
	// Backing supplies the memory; nil means NewCPUBacking().
	Backing Backing
	// Alignment is the default alignment (a power of two), 64 when zero.
	Alignment int
	// Tracking is the initial tracking level.
	Tracking TrackingLevel
	// Budget is the memory budget in bytes that pressure levels are measured
	// against (bytes the pool holds in blocks: slabs, large and huge blocks).
	// Zero means no budget: the pressure level stays PressureNone.
	Budget uint64
	// Thresholds are the budget fractions of the pressure levels; zero
	// fields take DefaultThresholds.
	Thresholds PressureThresholds
	// HardLimit makes an allocation that would take the pool past Budget
	// fail with ErrBudgetExceeded (after one trim of cached memory).
	HardLimit bool
	// Shards is the number of small-block shards, a power of two up to 256;
	// 64 when zero.
	Shards int
	// ArenaSize is the size of the buddy arenas, a power of two from 2 MiB
	// to 4 GiB; 256 MiB when zero. Larger requests get a region of their own.
	ArenaSize uintptr
	// MaxArenas bounds the arenas alive at once; 4096 (the most) when zero.
	MaxArenas int
}

const (
	kindSmall = 1
	kindLarge = 2
	kindHuge  = 3

	minLargeOrder = 20 // 1 MiB
	maxAlign      = 1 << 40
)

// Pool is a HybridMemoryPool for one device: a small-block pool (size
// classes below 1 MiB) over a buddy allocator for large blocks. All methods
// are safe for concurrent use.
type Pool struct {
	name      string
	dev       Device
	backing   Backing
	host      bool
	align     uintptr
	shardMask uint32
	level     atomic.Int32
	closed    atomic.Bool
	cas16     bool // frees push and count in one CMPXCHG16B
	shards    []shard
	classes   [numClasses]sizeClass
	buddy     *buddy

	// Tracking.
	trackMu sync.Mutex // serialises SetTracking
	est     atomic.Int64
	peak    atomic.Int64
	detail  atomic.Pointer[detailState]
	lastDet *detailState // kept after leaving Detailed, for pattern history

	// Pressure.
	budget     atomic.Uint64
	thresholds PressureThresholds
	hardLimit  bool
	plevel     atomic.Int32
	callbacks  atomic.Pointer[[]pressureCallback]
	cbMu       sync.Mutex
	cbNext     int
	cbPanics   atomic.Uint64
	lastPanic  atomic.Value // string

	// Cleanup.
	epoch      atomic.Uint64
	cleanupMu  sync.Mutex
	epochTimes []int64 // epochTimes[e] = start time of cleanup pass e (Unix ns)
	cleanups   []CleanupStats
	now        func() int64 // clock for records; coarseNow unless a test sets it
}

// New returns a pool configured by cfg.
func New(cfg Config) (*Pool, error) {
	b := cfg.Backing
	if b == nil {
		b = NewCPUBacking()
	}
	align := uintptr(cfg.Alignment)
	if align == 0 {
		align = 64
	}
	if align&(align-1) != 0 || cfg.Alignment < 0 {
		return nil, fmt.Errorf("memory: default alignment %d: %w", cfg.Alignment, ErrBadAlignment)
	}
	shards := cfg.Shards
	if shards == 0 {
		shards = 64
	}
	if shards < 1 || shards > maxShards || shards&(shards-1) != 0 {
		return nil, fmt.Errorf("memory: %d shards: want a power of two from 1 to %d", cfg.Shards, maxShards)
	}
	arena := cfg.ArenaSize
	if arena == 0 {
		arena = 256 << 20
	}
	if arena < 2<<20 || arena&(arena-1) != 0 || arena > 1<<(minLargeOrder+12) {
		return nil, fmt.Errorf("memory: arena size %d: want a power of two from 2 MiB to 4 GiB", arena)
	}
	maxArenas := cfg.MaxArenas
	if maxArenas <= 0 || maxArenas > 4096 {
		maxArenas = 4096
	}
	if cfg.Tracking < TrackNone || cfg.Tracking > TrackDetailed {
		return nil, fmt.Errorf("memory: tracking level %d unknown", cfg.Tracking)
	}
	th, err := cfg.Thresholds.withDefaults()
	if err != nil {
		return nil, err
	}
	name := cfg.Name
	if name == "" {
		name = b.Device().Name()
	}
	p := &Pool{
		name: name, dev: b.Device(), backing: b, host: b.HostAccessible(), align: align,
		shardMask: uint32(shards - 1), shards: make([]shard, shards),
		buddy:      newBuddy(b, minLargeOrder, uint(bits.Len64(uint64(arena-1))), maxArenas),
		thresholds: th, hardLimit: cfg.HardLimit, now: coarseNow,
		epochTimes: []int64{0},
	}
	p.cas16 = hasCAS128 && uintptr(unsafe.Pointer(&p.shards[0].c[0].head))%16 == 0
	p.budget.Store(cfg.Budget)
	for i := range p.classes {
		p.classes[i].init(i, minLargeOrder)
	}
	p.SetTracking(cfg.Tracking)
	return p, nil
}

// Name returns the pool's name.
func (p *Pool) Name() string { return p.name }

// Device returns the device whose memory the pool manages.
func (p *Pool) Device() Device { return p.dev }

// HostAccessible reports whether blocks can be used as Go slices.
func (p *Pool) HostAccessible() bool { return p.host }

// Handle names one allocation. Copy it freely; Free it exactly once. The
// zero Handle is invalid. A handle carries its pool, the block's class or
// order, its slot and a generation number, so freeing it twice, freeing a
// stale copy after the block was reused, or giving it to another pool is
// reported as an error and changes nothing.
type Handle struct {
	p *Pool
	// w is gen (32) | kind (2) | class or order (6) | id (24). The id is
	// the slot id for a small block, arena<<12 | unit for a large one, and
	// the region index for a huge one.
	w uint64
}

func mkHandle(p *Pool, kind, cls, id, gen uint32) Handle {
	return Handle{p, uint64(gen)<<32 | uint64(kind)<<30 | uint64(cls)<<24 | uint64(id)}
}

func (h Handle) kind() uint32 { return uint32(h.w>>30) & 3 }
func (h Handle) cls() uint32  { return uint32(h.w>>24) & 63 }
func (h Handle) id() uint32   { return uint32(h.w) & slotMask }
func (h Handle) gen() uint32  { return uint32(h.w >> 32) }

// key identifies the block a handle names (without its generation).
func (h Handle) key() uint64 { return h.w & (1<<32 - 1) }

// Free gives the block back to its pool.
func (h Handle) Free() error { return h.p.freeSmall(h) }

// Pool returns the pool the handle came from (nil for the zero Handle).
func (h Handle) Pool() *Pool { return h.p }

// BlockSize returns the size of the block that holds the allocation: the
// size class, the buddy block or the huge region (page-rounded); 0 for an
// invalid handle.
func (h Handle) BlockSize() int {
	switch h.kind() {
	case kindSmall:
		if h.cls() < numClasses {
			return int(classSize[h.cls()])
		}
	case kindLarge:
		return 1 << h.cls()
	case kindHuge:
		b := h.p.buddy
		b.mu.Lock()
		defer b.mu.Unlock()
		if i := h.id(); int(i) < len(b.huge) && b.huge[i] != nil {
			return int(b.huge[i].region.Size)
		}
	}
	return 0
}

// IsZero reports whether h is the zero Handle.
func (h Handle) IsZero() bool { return h.p == nil }

// Block is an untyped allocation: its device address and, for host memory,
// a pointer to it. Ptr and Bytes stay valid only until Free.
type Block struct {
	Handle
	Size int            // requested bytes
	Addr uintptr        // device address
	Ptr  unsafe.Pointer // host pointer; nil when the device is not host accessible
}

// Bytes returns the block as a byte slice of the requested size, or nil for
// device memory.
func (b Block) Bytes() []byte {
	if b.Ptr == nil {
		return nil
	}
	return unsafe.Slice((*byte)(b.Ptr), b.Size)
}

// Elem is the set of element types a typed buffer can hold: plain numbers,
// no pointers (the garbage collector does not scan pool memory).
type Elem interface {
	~int8 | ~uint8 | ~int16 | ~uint16 | ~int32 | ~uint32 | ~int64 | ~uint64 |
		~float32 | ~float64 | ~int | ~uint | ~uintptr
}

// Buf is a typed buffer backed by pool memory: Data returns the slice.
// The memory is valid only until Free: after Free it is reused by other
// allocations (or unmapped), so keep no slice of it. It is not zeroed: call
// Zero if that matters. A Buf is four words, small enough for the compiler
// to keep in registers.
type Buf[T Elem] struct {
	ptr *T
	n   int
	p   *Pool
	w   uint64
}

// Data returns the buffer's elements.
func (b Buf[T]) Data() []T { return unsafe.Slice(b.ptr, b.n) }

// Len returns the number of elements.
func (b Buf[T]) Len() int { return b.n }

// Handle returns the handle of the buffer's block.
func (b Buf[T]) Handle() Handle { return Handle{b.p, b.w} }

// Free gives the buffer's block back to its pool.
func (b Buf[T]) Free() error { return b.p.freeSmall(Handle{b.p, b.w}) }

// Zero sets every element to zero.
func (b Buf[T]) Zero() { clear(b.Data()) }

// Typed buffers for the kernels.
type (
	Float32Buf = Buf[float32]
	Int8Buf    = Buf[int8]
	Int32Buf   = Buf[int32]
	ByteBuf    = Buf[byte]
	Uint16Buf  = Buf[uint16]
)

// Alloc allocates n elements of T aligned to the pool's default alignment
// (or T's, if larger).
func Alloc[T Elem](p *Pool, n int) (Buf[T], error) {
	var z T
	h, ptr, m, err := p.allocElems(n, unsafe.Sizeof(z), unsafe.Alignof(z))
	return Buf[T]{(*T)(ptr), m, h.p, h.w}, err
}

// allocElems allocates n elements of es bytes for a typed buffer and
// returns n again, or 0 on error. (The typed wrappers stay small enough to
// be inlined, so that the buffer is built in the caller's registers.)
func (p *Pool) allocElems(n int, es, ea uintptr) (Handle, unsafe.Pointer, int, error) {
	if n <= 0 || uint64(n) > uint64(^uintptr(0)>>1)/uint64(es) {
		return Handle{}, nil, 0, ErrBadSize
	}
	if !p.host {
		return Handle{}, nil, 0, ErrNotHostAccessible
	}
	size, align := uintptr(n)*es, max(p.align, ea)
	if ci := classFor(size, align); ci >= 0 {
		if h, ptr, err := p.allocSmall(ci, size); err == nil {
			return h, ptr, n, nil
		}
	}
	h, ptr, err := p.alloc(size, align)
	if err != nil {
		return Handle{}, nil, 0, err
	}
	return h, ptr, n, nil
}

// AllocFloat32 allocates n float32 values.
func (p *Pool) AllocFloat32(n int) (Float32Buf, error) {
	h, ptr, m, err := p.allocElems(n, 4, 4)
	return Float32Buf{(*float32)(ptr), m, h.p, h.w}, err
}

// AllocInt8 allocates n int8 values.
func (p *Pool) AllocInt8(n int) (Int8Buf, error) {
	h, ptr, m, err := p.allocElems(n, 1, 1)
	return Int8Buf{(*int8)(ptr), m, h.p, h.w}, err
}

// AllocInt32 allocates n int32 values.
func (p *Pool) AllocInt32(n int) (Int32Buf, error) {
	h, ptr, m, err := p.allocElems(n, 4, 4)
	return Int32Buf{(*int32)(ptr), m, h.p, h.w}, err
}

// AllocBytes allocates n bytes aligned to align, a power of two; zero means
// the pool's default alignment.
func (p *Pool) AllocBytes(n, align int) (ByteBuf, error) {
	if n <= 0 {
		return ByteBuf{}, ErrBadSize
	}
	a := p.align
	if align != 0 {
		var err error
		if a, err = p.alignArg(align); err != nil {
			return ByteBuf{}, err
		}
	}
	if !p.host {
		return ByteBuf{}, ErrNotHostAccessible
	}
	if ci := classFor(uintptr(n), a); ci >= 0 {
		if h, ptr, err := p.allocSmall(ci, uintptr(n)); err == nil {
			return ByteBuf{(*byte)(ptr), n, h.p, h.w}, nil
		}
	}
	h, ptr, err := p.alloc(uintptr(n), a)
	if err != nil {
		return ByteBuf{}, err
	}
	return ByteBuf{(*byte)(ptr), n, h.p, h.w}, nil
}

// AllocBlock allocates size bytes aligned to align (zero: the default) and
// returns the block's device address; it works for any device.
func (p *Pool) AllocBlock(size, align int) (Block, error) {
	if size <= 0 {
		return Block{}, ErrBadSize
	}
	a, err := p.alignArg(align)
	if err != nil {
		return Block{}, err
	}
	h, ptr, err := p.alloc(uintptr(size), a)
	if err != nil {
		return Block{}, err
	}
	return Block{Handle: h, Size: size, Addr: p.addr(h, ptr), Ptr: ptr}, nil
}

func (p *Pool) alignArg(align int) (uintptr, error) {
	switch {
	case align == 0:
		return p.align, nil
	case align < 0 || align&(align-1) != 0 || align > maxAlign:
		return 0, fmt.Errorf("memory: alignment %d: %w", align, ErrBadAlignment)
	}
	return uintptr(align), nil
}

// alloc allocates size bytes aligned to align. It returns the host pointer
// (nil for device memory).
func (p *Pool) alloc(size, align uintptr) (Handle, unsafe.Pointer, error) {
	if ci := classFor(size, align); ci >= 0 {
		h, ptr, err := p.allocSmall(ci, size)
		if err == nil {
			return h, ptr, nil
		}
		if err == ErrBudgetExceeded && p.trimForBudget() {
			h, ptr, err = p.allocSmall(ci, size)
		}
		if err != errClassFull {
			return h, ptr, err
		}
	}
	h, ptr, _, err := p.allocLarge(size, align)
	if err == ErrBudgetExceeded && p.trimForBudget() {
		h, ptr, _, err = p.allocLarge(size, align)
	}
	return h, ptr, err
}

// addr returns the device address of the block h names.
func (p *Pool) addr(h Handle, ptr unsafe.Pointer) uintptr {
	if ptr != nil {
		return uintptr(ptr)
	}
	if h.kind() == kindSmall {
		return p.addrOf(h)
	}
	b := p.buddy
	b.mu.Lock()
	defer b.mu.Unlock()
	if h.kind() == kindHuge {
		if i := h.id(); int(i) < len(b.huge) && b.huge[i] != nil {
			return b.huge[i].region.Addr
		}
		return 0
	}
	if id := h.id() >> 12; int(id) < len(b.arenas) && b.arenas[id] != nil {
		return b.arenas[id].region.Addr + uintptr(h.id()&0xfff)<<b.minOrder
	}
	return 0
}

func (p *Pool) allocLarge(size, align uintptr) (Handle, unsafe.Pointer, uintptr, error) {
	if p.closed.Load() {
		return Handle{}, nil, 0, ErrClosed
	}
	b := p.buddy
	k, ok := b.orderFor(size, align)
	var h Handle
	var block uintptr
	var ptr unsafe.Pointer
	var addr uintptr
	b.mu.Lock()
	if ok {
		if err := p.checkBudgetLocked(uint64(1) << k); err != nil {
			b.mu.Unlock()
			return Handle{}, nil, 0, err
		}
		a, u, err := b.allocLocked(k, false)
		if err != nil {
			b.mu.Unlock()
			return Handle{}, nil, 0, err
		}
		h = mkHandle(p, kindLarge, uint32(k), a.id<<12|u, a.gen[u])
		block = 1 << k
		ptr = a.hostPtr(u, b.minOrder)
		addr = a.region.Addr + uintptr(u)<<b.minOrder
	} else {
		rounded := (size + pageSize - 1) &^ (pageSize - 1)
		if rounded < size {
			b.mu.Unlock()
			return Handle{}, nil, 0, ErrBadSize
		}
		if err := p.checkBudgetLocked(uint64(rounded)); err != nil {
			b.mu.Unlock()
			return Handle{}, nil, 0, err
		}
		idx, hb, err := b.allocHugeLocked(rounded, align)
		if err != nil {
			b.mu.Unlock()
			return Handle{}, nil, 0, err
		}
		h = mkHandle(p, kindHuge, 0, idx, hb.gen)
		block = hb.region.Size
		ptr, addr = hb.region.Host, hb.region.Addr
	}
	ev := p.pressureLocked()
	b.mu.Unlock()
	if p.level.Load() != int32(TrackNone) {
		p.trackLargeAlloc(h, block, size)
	}
	p.deliver(ev)
	return h, ptr, addr, nil
}

// Free gives the block named by h back to the pool. Freeing a handle twice,
// a stale copy, the zero Handle or another pool's handle is an error and
// changes nothing.
func (p *Pool) Free(h Handle) error { return p.freeSmall(h) }

func (p *Pool) freeOther(h Handle) error {
	if h.p != p {
		if h.p == nil {
			return ErrInvalidHandle
		}
		return ErrForeignHandle
	}
	switch h.kind() {
	case kindLarge, kindHuge:
		if p.level.Load() == int32(TrackDetailed) {
			p.poisonFree(h) // before the free publishes the block
		}
		return p.freeLarge(h)
	}
	return ErrInvalidHandle
}

func (p *Pool) freeLarge(h Handle) error {
	b := p.buddy
	b.mu.Lock()
	var err error
	var block uintptr
	if h.kind() == kindLarge {
		err = b.freeLocked(h.id()>>12, h.id()&0xfff, uint(h.cls()), h.gen(), false)
		block = 1 << h.cls()
	} else {
		block, err = b.freeHugeLocked(h.id(), h.gen())
	}
	if err != nil {
		b.mu.Unlock()
		if err == ErrDoubleFree {
			return p.freeErr()
		}
		return err
	}
	ev := p.pressureLocked()
	b.mu.Unlock()
	if p.level.Load() != int32(TrackNone) {
		p.trackLargeFree(h, block)
	}
	p.deliver(ev)
	return nil
}

// Shrink reduces an allocation in place to newSize bytes (at most its block
// size) and returns its handle from then on. For a large block the upper
// part of the block goes back to the pool and the old handle is no longer
// valid; a small or huge block keeps its memory and its handle. The data
// stays where it is.
func (p *Pool) Shrink(h Handle, newSize int) (Handle, error) {
	if h.p != p {
		if h.p == nil {
			return Handle{}, ErrInvalidHandle
		}
		return Handle{}, ErrForeignHandle
	}
	if p.closed.Load() {
		return Handle{}, ErrClosed
	}
	if err := p.validate(h); err != nil {
		return Handle{}, err
	}
	if newSize <= 0 || newSize > h.BlockSize() {
		return Handle{}, ErrBadSize
	}
	if h.kind() != kindLarge {
		return h, nil
	}
	b := p.buddy
	nk, _ := b.orderFor(uintptr(newSize), 1)
	if nk >= uint(h.cls()) {
		return h, nil
	}
	b.mu.Lock()
	err := b.shrinkLocked(h.id()>>12, h.id()&0xfff, uint(h.cls()), nk, h.gen())
	var ev *PressureEvent
	if err == nil {
		ev = p.pressureLocked()
	}
	b.mu.Unlock()
	if err != nil {
		return Handle{}, err
	}
	nh := mkHandle(p, kindLarge, uint32(nk), h.id(), h.gen())
	if p.level.Load() != int32(TrackNone) {
		p.trackShrink(h, nh, uintptr(newSize))
	}
	p.deliver(ev)
	return nh, nil
}

// arenaOfLocked returns the arena and unit a large handle names, nil when
// its arena is gone. b.mu is held.
func (b *buddy) arenaOfLocked(h Handle) (*arena, uint32) {
	id, u := h.id()>>12, h.id()&0xfff
	if int(id) >= len(b.arenas) || b.arenas[id] == nil {
		return nil, u
	}
	return b.arenas[id], u
}

// validate reports whether h names a live block (without freeing it).
func (p *Pool) validate(h Handle) error {
	if h.p != p {
		if h.p == nil {
			return ErrInvalidHandle
		}
		return ErrForeignHandle
	}
	switch h.kind() {
	case kindSmall:
		if h.cls() >= numClasses || h.id() == 0 {
			return ErrInvalidHandle
		}
		mp := p.classes[h.cls()].metaOf(h.id())
		if mp == nil {
			return ErrDoubleFree
		}
		if m := mp.Load(); uint32(m>>genShift) != h.gen() || m&(metaHot|metaFree) == metaHot|metaFree {
			return ErrDoubleFree
		}
		return nil
	case kindLarge:
		b := p.buddy
		b.mu.Lock()
		defer b.mu.Unlock()
		a, u := b.arenaOfLocked(h)
		if a == nil {
			return ErrDoubleFree
		}
		if u >= a.nunits || a.state[u] != unitAlloc || a.gen[u] != h.gen() || uint(a.order[u])+b.minOrder != uint(h.cls()) {
			return ErrDoubleFree
		}
		return nil
	case kindHuge:
		b := p.buddy
		b.mu.Lock()
		defer b.mu.Unlock()
		if int(h.id()) >= len(b.huge) || b.huge[h.id()] == nil || b.huge[h.id()].gen != h.gen() {
			return ErrDoubleFree
		}
		return nil
	}
	return ErrInvalidHandle
}

// Prewarm makes n blocks of size bytes ready in the calling goroutine's
// shard, so that the first allocations of a hot loop find them cached.
func (p *Pool) Prewarm(size, n int) error {
	if size <= 0 || n < 0 {
		return ErrBadSize
	}
	hs := make([]Handle, 0, n)
	var err error
	for range n {
		var h Handle
		if h, _, err = p.alloc(uintptr(size), p.align); err != nil {
			break
		}
		hs = append(hs, h)
	}
	for _, h := range hs {
		_ = p.Free(h)
	}
	return err
}

// Close releases all of the pool's memory back to its backing. Every buffer
// from the pool becomes invalid (touching host memory afterwards faults).
// Further calls return ErrClosed.
func (p *Pool) Close() error {
	if p.closed.Swap(true) {
		return ErrClosed
	}
	p.SetTracking(TrackNone)
	b := p.buddy
	b.mu.Lock()
	defer b.mu.Unlock()
	var first error
	for i, a := range b.arenas {
		if a == nil {
			continue
		}
		if err := b.backing.Release(a.region); err != nil && first == nil {
			first = err
		}
		b.arenas[i] = nil
	}
	for i, h := range b.huge {
		if h == nil {
			continue
		}
		if err := b.backing.Release(h.region); err != nil && first == nil {
			first = err
		}
		b.huge[i] = nil
	}
	b.reserved, b.allocated, b.dirtyFree, b.slabBytes, b.liveLarge, b.quickBytes = 0, 0, 0, 0, 0, 0
	b.quick = [64][]quickBlock{}
	for i := range p.classes {
		c := &p.classes[i]
		c.mu.Lock()
		c.dir.Store(nil)
		c.slabs, c.partial = nil, nil
		c.mu.Unlock()
	}
	unregister(p)
	return first
}
