package memory

import (
	"fmt"
	"math/bits"
	"slices"
	"sync"
	"unsafe"
)

// The large-block allocator: a binary buddy system over arenas. An arena is
// one region of 2^arenaOrder bytes reserved from the Backing and aligned to
// its size, cut into units of 2^minOrder bytes (1 MiB). A block of order k
// is 2^k bytes, starts at a multiple of 2^k and is split from, and coalesced
// back into, its parent. Per order each arena keeps a doubly linked free list
// threaded through unit-indexed arrays (never through the memory itself, so
// device memory works too and freeing touches no page), and a bit mask of the
// orders that have a free block, so allocation and free are O(log n) under
// one mutex. Requests larger than an arena get a region of their own ("huge").

const (
	unitNone  = 0 // not the head of a block
	unitFree  = 1 // head of a free block
	unitAlloc = 2 // head of an allocated block
)

type arena struct {
	id     uint32
	region Region
	nunits uint32
	order  []uint8  // relative order (k - minOrder) of the block headed here
	state  []uint8  // unitNone, unitFree, unitAlloc
	dirty  []bool   // free block may hold resident pages (touched since last discard)
	gen    []uint32 // bumped when a block headed here is freed
	freed  []uint64 // cleanup epoch at which the free block headed here was freed
	next   []int32
	prev   []int32
	head   []int32 // free list per relative order, -1 when empty
	mask   uint64  // bit r set when head[r] != -1
	free   uint64  // free bytes
	slab   []bool  // allocated block is a small-pool slab
	// fullEpoch is the cleanup epoch at which the arena last became entirely free.
	fullEpoch uint64
}

// quickBlock is a freed large block kept whole for the next allocation of
// its order (lazy coalescing): a ping-pong of 1 MiB blocks in a 256 MiB
// arena would otherwise split and merge eight times per pair.
type quickBlock struct {
	arena, unit uint32
	epoch       uint64 // cleanup epoch of the free
}

const quickMax = 4 // cached blocks per order

type hugeBlock struct {
	region Region
	size   uintptr // requested
	gen    uint32
}

type buddy struct {
	mu         sync.Mutex
	backing    Backing
	minOrder   uint
	arenaOrder uint
	maxArenas  int
	arenas     []*arena // by id; nil after release
	genBase    []uint32 // per arena id: first generation for a reused id
	freeIDs    []uint32

	huge     []*hugeBlock
	hugeGen  []uint32
	hugeFree []uint32

	quick [64][]quickBlock // per order; flushed into the free lists by cleanup

	// Accounting, under mu.
	reserved   uint64 // bytes reserved from the backing
	allocated  uint64 // bytes of allocated buddy blocks (slabs and quick blocks included) and huge regions
	quickBytes uint64 // bytes in quick lists
	slabBytes  uint64 // bytes of allocated blocks that are small-pool slabs
	dirtyFree  uint64 // free buddy bytes that may be resident
	liveLarge  uint64 // user blocks (not slabs), in block bytes
	largeCount [64]uint64
	largeFrees [64]uint64
	released   uint64 // bytes given back to the backing (discard or release), ever
	epoch      uint64 // cleanup epoch, set by the pool
}

func newBuddy(b Backing, minOrder, arenaOrder uint, maxArenas int) *buddy {
	return &buddy{backing: b, minOrder: minOrder, arenaOrder: arenaOrder, maxArenas: maxArenas}
}

func (b *buddy) unit() uintptr      { return 1 << b.minOrder }
func (b *buddy) arenaSize() uintptr { return 1 << b.arenaOrder }

// orderFor returns the buddy order for size bytes aligned to align, or false
// when the request needs a huge region.
func (b *buddy) orderFor(size, align uintptr) (uint, bool) {
	n := max(size, align, b.unit())
	k := uint(bits.Len64(uint64(n - 1)))
	if k > b.arenaOrder {
		return 0, false
	}
	return max(k, b.minOrder), true
}

func (b *buddy) newArenaLocked() (*arena, error) {
	live := 0
	for _, a := range b.arenas {
		if a != nil {
			live++
		}
	}
	if live >= b.maxArenas {
		return nil, fmt.Errorf("memory: %d arenas of %d MiB in use: %w", live, b.arenaSize()>>20, ErrOutOfMemory)
	}
	r, err := b.backing.Reserve(b.arenaSize(), b.arenaSize())
	if err != nil {
		return nil, err
	}
	n := uint32(1) << (b.arenaOrder - b.minOrder)
	var id uint32
	var base uint32
	if k := len(b.freeIDs); k > 0 {
		id = b.freeIDs[k-1]
		b.freeIDs = b.freeIDs[:k-1]
		base = b.genBase[id]
	} else {
		id = uint32(len(b.arenas))
		if id >= 1<<12 {
			_ = b.backing.Release(r)
			return nil, fmt.Errorf("memory: arena index space exhausted: %w", ErrOutOfMemory)
		}
		b.arenas = append(b.arenas, nil)
		b.genBase = append(b.genBase, 0)
	}
	top := int(b.arenaOrder - b.minOrder)
	a := &arena{
		id: id, region: r, nunits: n,
		order: make([]uint8, n), state: make([]uint8, n), dirty: make([]bool, n),
		gen: make([]uint32, n), freed: make([]uint64, n), slab: make([]bool, n),
		next: make([]int32, n), prev: make([]int32, n), head: make([]int32, top+1),
	}
	for i := range a.gen {
		a.gen[i] = base
	}
	for i := range a.head {
		a.head[i] = -1
	}
	a.push(0, uint8(top), false, b.epoch)
	a.free = uint64(r.Size)
	a.fullEpoch = b.epoch
	b.arenas[id] = a
	b.reserved += uint64(r.Size)
	return a, nil
}

func (a *arena) push(u uint32, r uint8, dirty bool, epoch uint64) {
	a.state[u] = unitFree
	a.order[u] = r
	a.dirty[u] = dirty
	a.freed[u] = epoch
	h := a.head[r]
	a.next[u] = h
	a.prev[u] = -1
	if h >= 0 {
		a.prev[h] = int32(u)
	}
	a.head[r] = int32(u)
	a.mask |= 1 << r
}

func (a *arena) remove(u uint32, r uint8) {
	p, n := a.prev[u], a.next[u]
	if p >= 0 {
		a.next[p] = n
	} else {
		a.head[r] = n
	}
	if n >= 0 {
		a.prev[n] = p
	}
	if a.head[r] < 0 {
		a.mask &^= 1 << r
	}
	a.state[u] = unitNone
}

// used is the memory in use in blocks: allocated minus the quick lists.
func (b *buddy) used() uint64 { return b.allocated - b.quickBytes }

// allocLocked takes a block of order k. It returns the arena and the head
// unit; the block's generation is a.gen[u].
func (b *buddy) allocLocked(k uint, slab bool) (*arena, uint32, error) {
	if q := b.quick[k]; !slab && len(q) > 0 {
		e := q[len(q)-1]
		b.quick[k] = q[:len(q)-1]
		size := uint64(1) << k
		b.quickBytes -= size
		b.liveLarge += size
		b.largeCount[k]++
		return b.arenas[e.arena], e.unit, nil
	}
	rel := uint8(k - b.minOrder)
	var a *arena
	for _, c := range b.arenas {
		if c != nil && c.mask>>rel != 0 {
			a = c
			break
		}
	}
	if a == nil && b.quickBytes > 0 {
		// Merging the cached blocks may make room before a new arena does.
		b.flushQuickLocked()
		for _, c := range b.arenas {
			if c != nil && c.mask>>rel != 0 {
				a = c
				break
			}
		}
	}
	if a == nil {
		var err error
		if a, err = b.newArenaLocked(); err != nil {
			return nil, 0, err
		}
	}
	j := rel + uint8(bits.TrailingZeros64(a.mask>>rel))
	u := uint32(a.head[j])
	dirty := a.dirty[u]
	a.remove(u, j)
	unitBytes := uint64(b.unit())
	if dirty {
		b.dirtyFree -= unitBytes << j
	}
	for j > rel { // split, keeping the lower half
		j--
		bu := u + 1<<j
		a.push(bu, j, dirty, a.freed[u])
		if dirty {
			b.dirtyFree += unitBytes << j
		}
	}
	size := unitBytes << rel
	a.state[u] = unitAlloc
	a.order[u] = rel
	a.slab[u] = slab
	a.free -= size
	b.allocated += size
	if slab {
		b.slabBytes += size
	} else {
		b.liveLarge += size
		b.largeCount[k]++
	}
	return a, u, nil
}

// freeLocked frees the block headed at unit u of arena id, checking it
// against the handle's order and generation.
func (b *buddy) freeLocked(id uint32, u uint32, k uint, gen uint32, slab bool) error {
	if int(id) >= len(b.arenas) || b.arenas[id] == nil {
		return ErrDoubleFree // its arena was released: the block was freed before
	}
	a := b.arenas[id]
	if u >= a.nunits || k < b.minOrder || k > b.arenaOrder {
		return ErrInvalidHandle
	}
	rel := uint8(k - b.minOrder)
	if a.state[u] != unitAlloc || a.order[u] != rel || a.gen[u] != gen || a.slab[u] != slab {
		return ErrDoubleFree
	}
	a.gen[u]++
	size := uint64(b.unit()) << rel
	if !slab && len(b.quick[k]) < quickMax {
		b.quick[k] = append(b.quick[k], quickBlock{id, u, b.epoch})
		b.quickBytes += size
		b.liveLarge -= size
		b.largeFrees[k]++
		return nil
	}
	a.free += size
	b.allocated -= size
	if slab {
		b.slabBytes -= size
	} else {
		b.liveLarge -= size
		b.largeFrees[k]++
	}
	b.coalesceLocked(a, u, rel, true, b.epoch)
	return nil
}

// flushQuickLocked gives the quick lists' blocks back to the free lists,
// merging them with their buddies.
func (b *buddy) flushQuickLocked() {
	for k := range b.quick {
		for _, e := range b.quick[k] {
			a := b.arenas[e.arena]
			size := uint64(1) << k
			a.free += size
			b.allocated -= size
			b.quickBytes -= size
			b.coalesceLocked(a, e.unit, uint8(uint(k)-b.minOrder), true, e.epoch)
		}
		b.quick[k] = b.quick[k][:0]
	}
}

// coalesceLocked puts the free block (u, rel), freed in epoch, on its list,
// merging it with its free buddies first.
func (b *buddy) coalesceLocked(a *arena, u uint32, rel uint8, dirty bool, epoch uint64) {
	a.state[u] = unitNone
	top := uint8(b.arenaOrder - b.minOrder)
	unitBytes := uint64(b.unit())
	for rel < top {
		bu := u ^ 1<<rel
		if a.state[bu] != unitFree || a.order[bu] != rel {
			break
		}
		if a.dirty[bu] {
			b.dirtyFree -= unitBytes << rel
			dirty = true
		}
		a.remove(bu, rel)
		u = min(u, bu)
		rel++
	}
	a.push(u, rel, dirty, epoch)
	if dirty {
		b.dirtyFree += unitBytes << rel
	}
	if rel == top {
		a.fullEpoch = epoch
	}
}

// shrinkLocked turns the allocated block (u, k) into a block of order nk < k,
// freeing the upper part. The generation does not change.
func (b *buddy) shrinkLocked(id, u uint32, k, nk uint, gen uint32) error {
	if int(id) >= len(b.arenas) || b.arenas[id] == nil {
		return ErrDoubleFree
	}
	a := b.arenas[id]
	if u >= a.nunits || k < b.minOrder || k > b.arenaOrder || nk < b.minOrder || nk > k {
		return ErrInvalidHandle
	}
	rel, nrel := uint8(k-b.minOrder), uint8(nk-b.minOrder)
	if a.state[u] != unitAlloc || a.order[u] != rel || a.gen[u] != gen || a.slab[u] {
		return ErrDoubleFree
	}
	unitBytes := uint64(b.unit())
	for r := rel; r > nrel; r-- {
		// The upper half of the order-r block starting at u is free; its
		// buddy (the lower half) stays allocated, so nothing merges.
		bu := u + 1<<(r-1)
		a.push(bu, r-1, true, b.epoch)
		b.dirtyFree += unitBytes << (r - 1)
	}
	a.order[u] = nrel
	freed := (unitBytes << rel) - (unitBytes << nrel)
	a.free += freed
	b.allocated -= freed
	b.liveLarge -= freed
	b.largeCount[k]--
	b.largeCount[nk]++
	return nil
}

func (b *buddy) allocHugeLocked(size, align uintptr) (uint32, *hugeBlock, error) {
	r, err := b.backing.Reserve(size, max(align, pageSize))
	if err != nil {
		return 0, nil, err
	}
	var idx uint32
	if n := len(b.hugeFree); n > 0 {
		idx = b.hugeFree[n-1]
		b.hugeFree = b.hugeFree[:n-1]
	} else {
		idx = uint32(len(b.huge))
		if idx >= slotMask {
			_ = b.backing.Release(r)
			return 0, nil, fmt.Errorf("memory: huge block index space exhausted: %w", ErrOutOfMemory)
		}
		b.huge = append(b.huge, nil)
		b.hugeGen = append(b.hugeGen, 0)
	}
	h := &hugeBlock{region: r, size: size, gen: b.hugeGen[idx]}
	b.huge[idx] = h
	b.reserved += uint64(r.Size)
	b.allocated += uint64(r.Size)
	b.liveLarge += uint64(r.Size)
	b.largeCount[63]++
	return idx, h, nil
}

func (b *buddy) freeHugeLocked(idx, gen uint32) (uintptr, error) {
	if int(idx) >= len(b.huge) {
		return 0, ErrInvalidHandle
	}
	h := b.huge[idx]
	if h == nil || h.gen != gen {
		return 0, ErrDoubleFree
	}
	if err := b.backing.Release(h.region); err != nil {
		return 0, err
	}
	b.huge[idx] = nil
	b.hugeGen[idx] = gen + 1
	b.hugeFree = append(b.hugeFree, idx)
	sz := uint64(h.region.Size)
	b.reserved -= sz
	b.allocated -= sz
	b.liveLarge -= sz
	b.released += sz
	b.largeFrees[63]++
	return h.region.Size, nil
}

// hostPtr returns the host pointer of unit u of arena a, or nil.
func (a *arena) hostPtr(u uint32, unitShift uint) unsafe.Pointer {
	if a.region.Host == nil {
		return nil
	}
	return unsafe.Add(a.region.Host, uintptr(u)<<unitShift)
}

// largestFree returns the largest free block and all free bytes in arenas.
func (b *buddy) largestFreeLocked() (largest, total uint64) {
	for _, a := range b.arenas {
		if a == nil {
			continue
		}
		total += a.free
		if a.mask != 0 {
			r := uint(63 - bits.LeadingZeros64(a.mask))
			largest = max(largest, uint64(b.unit())<<r)
		}
	}
	return largest, total
}

// discardLocked hands the pages of free blocks freed at or before epoch
// back to the device. It returns the bytes discarded and blocks touched.
func (b *buddy) discardLocked(beforeEpoch int64) (bytes uint64, blocks int, err error) {
	unitShift := b.minOrder
	for _, a := range b.arenas {
		if a == nil {
			continue
		}
		for r := range a.head {
			for u := a.head[r]; u >= 0; u = a.next[u] {
				if !a.dirty[u] || int64(a.freed[u]) > beforeEpoch {
					continue
				}
				sz := uint64(1) << (uint(r) + unitShift)
				if e := b.backing.Discard(a.region, uintptr(u)<<unitShift, uintptr(sz)); e != nil {
					err = e
					continue
				}
				a.dirty[u] = false
				b.dirtyFree -= sz
				bytes += sz
				blocks++
			}
		}
	}
	b.released += bytes
	return bytes, blocks, err
}

// releaseArenasLocked gives entirely free arenas that became free at or
// before epoch back to the backing, keeping keep of them.
func (b *buddy) releaseArenasLocked(beforeEpoch int64, keep int) (bytes uint64, n int, err error) {
	top := uint8(b.arenaOrder - b.minOrder)
	free := 0
	for _, a := range b.arenas {
		if a != nil && a.state[0] == unitFree && a.order[0] == top {
			free++
		}
	}
	// Release from the highest id down, so allocation (lowest id first)
	// keeps packing into the low arenas.
	for i := len(b.arenas) - 1; i >= 0 && free > keep; i-- {
		a := b.arenas[i]
		if a == nil || a.state[0] != unitFree || a.order[0] != top || int64(a.fullEpoch) > beforeEpoch {
			continue
		}
		if e := b.backing.Release(a.region); e != nil {
			err = e
			continue
		}
		if a.dirty[0] {
			b.dirtyFree -= uint64(a.region.Size)
		}
		b.genBase[a.id] = slices.Max(a.gen) + 1
		b.arenas[i] = nil
		b.freeIDs = append(b.freeIDs, a.id)
		b.reserved -= uint64(a.region.Size)
		b.released += uint64(a.region.Size)
		bytes += uint64(a.region.Size)
		n++
		free--
	}
	return bytes, n, err
}

// sortFreeListsLocked orders every free list by address, so that the next
// allocations come from the lowest addresses and the high ends of arenas
// drain and coalesce. It returns the number of free blocks.
func (b *buddy) sortFreeListsLocked() int {
	count := 0
	var us []int32
	for _, a := range b.arenas {
		if a == nil {
			continue
		}
		for r := range a.head {
			us = us[:0]
			for u := a.head[r]; u >= 0; u = a.next[u] {
				us = append(us, u)
			}
			if len(us) < 2 {
				count += len(us)
				continue
			}
			slices.Sort(us)
			count += len(us)
			for i, u := range us {
				a.prev[u] = -1
				a.next[u] = -1
				if i > 0 {
					a.prev[u] = us[i-1]
				}
				if i+1 < len(us) {
					a.next[u] = us[i+1]
				}
			}
			a.head[r] = us[0]
		}
	}
	return count
}

// checkLocked verifies the buddy invariants; tests call it.
func (b *buddy) checkLocked() error {
	top := uint8(b.arenaOrder - b.minOrder)
	var dirty uint64
	for _, a := range b.arenas {
		if a == nil {
			continue
		}
		// Walk the blocks from unit 0: heads must tile the arena.
		var free uint64
		for u := uint32(0); u < a.nunits; {
			st := a.state[u]
			if st == unitNone {
				return fmt.Errorf("arena %d: unit %d is inside no block", a.id, u)
			}
			r := a.order[u]
			if r > top || u&(1<<r-1) != 0 {
				return fmt.Errorf("arena %d: block at %d of order %d misaligned", a.id, u, r)
			}
			for v := u + 1; v < u+1<<r; v++ {
				if a.state[v] != unitNone {
					return fmt.Errorf("arena %d: unit %d inside block %d has state %d", a.id, v, u, a.state[v])
				}
			}
			if st == unitFree {
				free += uint64(b.unit()) << r
				if a.dirty[u] {
					dirty += uint64(b.unit()) << r
				}
				// A free block's buddy must not be a free block of the same order.
				if r < top {
					bu := u ^ 1<<r
					if a.state[bu] == unitFree && a.order[bu] == r {
						return fmt.Errorf("arena %d: free buddies %d and %d of order %d not coalesced", a.id, u, bu, r)
					}
				}
			}
			u += 1 << r
		}
		if free != a.free {
			return fmt.Errorf("arena %d: free bytes %d, counted %d", a.id, a.free, free)
		}
		for r := range a.head {
			n := 0
			for u := a.head[r]; u >= 0; u = a.next[u] {
				if a.state[u] != unitFree || int(a.order[u]) != r {
					return fmt.Errorf("arena %d: list %d holds unit %d (state %d order %d)", a.id, r, u, a.state[u], a.order[u])
				}
				if n++; n > int(a.nunits) {
					return fmt.Errorf("arena %d: list %d loops", a.id, r)
				}
			}
			if (a.head[r] >= 0) != (a.mask&(1<<r) != 0) {
				return fmt.Errorf("arena %d: mask bit %d wrong", a.id, r)
			}
		}
	}
	if dirty != b.dirtyFree {
		return fmt.Errorf("dirty free bytes %d, counted %d", b.dirtyFree, dirty)
	}
	return nil
}
