package memory

import (
	"sync"
	"time"
	"unsafe"
)

// Use after free, caught in Detailed mode. A block being freed is filled
// with PoisonByte before the pool can hand it out again, and the site that
// freed it is kept; when an allocation gets the block back its bytes must
// still be poison. Any byte that is not was written after the free: a use
// after free, recorded with the site that freed the block and the site
// that allocated it again (UseAfterFrees). A freed block therefore never
// comes back with its old contents. Pages that read as all zero are let
// pass: a cleanup may have handed them to the OS (madvise), which zeroes
// them.

// PoisonByte fills freed blocks in Detailed mode.
const PoisonByte = 0xDD

// maxUseAfterFrees bounds the findings kept; UseAfterFreeCount counts all.
const maxUseAfterFrees = 64

// UseAfterFree is a freed block found written to when it was allocated
// again.
type UseAfterFree struct {
	Addr      uintptr `json:"addr"`
	BlockSize int     `json:"block_size"` // bytes checked
	// Offset is the first byte, from Addr, that is no longer poison, and
	// Bytes how many differ.
	Offset int `json:"offset"`
	Bytes  int `json:"bytes"`
	// FreedAt is where the block was freed, AllocatedAt where it was
	// allocated again (function file:line, the pool's own frames left out).
	FreedAt     string        `json:"freed_at"`
	FreedStack  []string      `json:"freed_stack,omitempty"`
	AllocatedAt string        `json:"allocated_at"`
	SinceFree   time.Duration `json:"since_free"`
}

type freedRecord struct {
	size uintptr
	t    int64
	n    uint8
	pcs  [maxSite]uintptr
}

// uafLog collects the findings of one Detailed period.
type uafLog struct {
	mu    sync.Mutex
	found []UseAfterFree
	count uint64
}

// poisonFree poisons the block h names, if it is live, before the free
// that publishes it; the free itself then reports a bad handle as usual.
//
//go:noinline
func (p *Pool) poisonFree(h Handle) {
	d := p.detail.Load()
	if d == nil || p.validate(h) != nil {
		return
	}
	b := p.blockBytes(h)
	if b == nil {
		return
	}
	for i := range b {
		b[i] = PoisonByte
	}
	var r freedRecord
	r.n = uint8(fpCallers(r.pcs[:]))
	r.size, r.t = uintptr(len(b)), p.now()
	addr := uintptr(unsafe.Pointer(&b[0]))
	ds := d.shard(uint64(addr >> 6))
	ds.mu.Lock()
	ds.freed[addr] = r
	ds.mu.Unlock()
}

// checkPoison checks a block just allocated against the poison its last
// free left, and records a use after free when a byte changed.
func (p *Pool) checkPoison(d *detailState, h Handle, allocPCs []uintptr) {
	b := p.blockBytes(h)
	if b == nil {
		return
	}
	addr := uintptr(unsafe.Pointer(&b[0]))
	ds := d.shard(uint64(addr >> 6))
	ds.mu.Lock()
	r, ok := ds.freed[addr]
	delete(ds.freed, addr)
	ds.mu.Unlock()
	if !ok {
		return
	}
	b = b[:min(uintptr(len(b)), r.size)]
	first, n := unpoisoned(b, addr)
	if n == 0 {
		return
	}
	u := UseAfterFree{Addr: addr, BlockSize: len(b), Offset: first, Bytes: n, SinceFree: time.Duration(p.now() - r.t)}
	u.FreedAt, u.FreedStack = symbolize(r.pcs[:r.n])
	u.AllocatedAt, _ = symbolize(allocPCs)
	d.uaf.mu.Lock()
	d.uaf.count++
	if len(d.uaf.found) < maxUseAfterFrees {
		d.uaf.found = append(d.uaf.found, u)
	}
	d.uaf.mu.Unlock()
}

// unpoisoned returns the first byte of b that is not poison and how many
// are not, leaving out page-sized pieces (by address) that are all zero.
func unpoisoned(b []byte, addr uintptr) (first, n int) {
	first = -1
	for off := 0; off < len(b); {
		end := min(len(b), off+int(pageSize-(addr+uintptr(off))%pageSize))
		chunk := b[off:end]
		if !allZero(chunk) {
			for i, c := range chunk {
				if c != PoisonByte {
					if first < 0 {
						first = off + i
					}
					n++
				}
			}
		}
		off = end
	}
	return first, n
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// blockBytes returns the whole block h names in host memory, nil for
// device memory or a handle that names nothing.
func (p *Pool) blockBytes(h Handle) []byte {
	if !p.host || h.p != p {
		return nil
	}
	switch h.kind() {
	case kindSmall:
		if h.cls() >= numClasses {
			return nil
		}
		c := &p.classes[h.cls()]
		d := c.dir.Load()
		num, k := c.split(h.id())
		if d == nil || num >= maxSlabsPerClass || k >= c.perSlab {
			return nil
		}
		base := d.data[num].Load()
		if base == nil {
			return nil
		}
		return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(base), uintptr(k)*c.size)), c.size)
	case kindLarge:
		b := p.buddy
		b.mu.Lock()
		defer b.mu.Unlock()
		if a, u := b.arenaOfLocked(h); a != nil {
			if ptr := a.hostPtr(u, b.minOrder); ptr != nil {
				return unsafe.Slice((*byte)(ptr), 1<<h.cls())
			}
		}
	case kindHuge:
		b := p.buddy
		b.mu.Lock()
		defer b.mu.Unlock()
		if i := h.id(); int(i) < len(b.huge) && b.huge[i] != nil && b.huge[i].region.Host != nil {
			return unsafe.Slice((*byte)(b.huge[i].region.Host), b.huge[i].region.Size)
		}
	}
	return nil
}

// UseAfterFrees returns the uses after free found since Detailed tracking
// was switched on (the first 64) and how many there were in all.
func (p *Pool) UseAfterFrees() ([]UseAfterFree, uint64) {
	d := p.detail.Load()
	if d == nil {
		d = p.lastDet
	}
	if d == nil {
		return nil, 0
	}
	d.uaf.mu.Lock()
	defer d.uaf.mu.Unlock()
	return append([]UseAfterFree(nil), d.uaf.found...), d.uaf.count
}
