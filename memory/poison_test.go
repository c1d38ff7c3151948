package memory

import (
	"strings"
	"testing"
	"unsafe"
)

// reuse allocates n-byte blocks until it gets the one at addr back, frees
// the others, and returns it. The pools of these tests have one shard: the
// shard a call uses hashes its stack address, so with several a block
// freed from one frame may wait in a shard that another frame never asks.
func reuse(t *testing.T, p *Pool, n int, addr uintptr) ByteBuf {
	t.Helper()
	var others []ByteBuf
	defer func() {
		for _, o := range others {
			o.Free()
		}
	}()
	for range 10000 {
		b, err := p.AllocBytes(n, 0)
		if err != nil {
			t.Fatal(err)
		}
		if uintptr(unsafe.Pointer(&b.Data()[0])) == addr {
			return b
		}
		others = append(others, b)
	}
	t.Fatalf("the block at %#x never came back", addr)
	return ByteBuf{}
}

// TestUseAfterFreeCaught: in Detailed mode a write through a stale slice
// after Free is found when the block is allocated again, with the offset
// and the sites of the free and of the new allocation.
func TestUseAfterFreeCaught(t *testing.T) {
	for _, n := range []int{200, 3 << 20} { // a small class, a buddy block
		p := newPool(t, Config{Tracking: TrackDetailed, Shards: 1})
		b, err := p.AllocBytes(n, 0)
		if err != nil {
			t.Fatal(err)
		}
		stale := b.Data()
		addr := uintptr(unsafe.Pointer(&stale[0]))
		if err := b.Free(); err != nil {
			t.Fatal(err)
		}
		stale[17] = 1 // the use after free
		stale[18] = 2
		again := reuse(t, p, n, addr)
		found, count := p.UseAfterFrees()
		if count != 1 || len(found) != 1 {
			t.Fatalf("%d bytes: %d uses after free found (%+v), want 1", n, count, found)
		}
		u := found[0]
		if u.Addr != addr || u.Offset != 17 || u.Bytes != 2 {
			t.Errorf("%d bytes: found at %#x+%d (%d bytes), want %#x+17 (2 bytes)", n, u.Addr, u.Offset, u.Bytes, addr)
		}
		if !strings.Contains(u.FreedAt, "TestUseAfterFreeCaught") || !strings.Contains(u.AllocatedAt, "reuse") {
			t.Errorf("%d bytes: freed at %q, allocated at %q: want this test's frames", n, u.FreedAt, u.AllocatedAt)
		}
		again.Free()
	}
}

// TestFreedBlockComesBackPoisoned: in Detailed mode a block comes back
// filled with PoisonByte, not with its old contents, and a clean reuse is
// no finding.
func TestFreedBlockComesBackPoisoned(t *testing.T) {
	p := newPool(t, Config{Tracking: TrackDetailed, Shards: 1})
	b, _ := p.AllocBytes(200, 0)
	for i := range b.Data() {
		b.Data()[i] = 0x42
	}
	addr := uintptr(unsafe.Pointer(&b.Data()[0]))
	b.Free()
	again := reuse(t, p, 200, addr)
	for i, c := range again.Data() {
		if c != PoisonByte {
			t.Fatalf("byte %d of the reused block is %#x, want the poison %#x", i, c, PoisonByte)
		}
	}
	if _, count := p.UseAfterFrees(); count != 0 {
		t.Fatalf("a clean reuse was reported as %d uses after free", count)
	}
}

// TestPoisonSurvivesCleanup: pages a cleanup hands back to the OS read as
// zero, which is not a use after free.
func TestPoisonSurvivesCleanup(t *testing.T) {
	p := newPool(t, Config{Tracking: TrackDetailed, Shards: 1})
	var addrs []uintptr
	for range 4 {
		b, err := p.AllocBytes(3<<20, 0)
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, uintptr(unsafe.Pointer(&b.Data()[0])))
		b.Free()
	}
	p.Compact()
	for range 4 {
		b, err := p.AllocBytes(3<<20, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Free()
	}
	if found, count := p.UseAfterFrees(); count != 0 {
		t.Fatalf("after a cleanup: %d uses after free reported: %+v", count, found)
	}
}

// TestDoubleFreeDoesNotPoisonTheNextOwner: a stale handle freed again is
// refused before anything is written, so the block's new owner keeps its
// bytes.
func TestDoubleFreeDoesNotPoisonTheNextOwner(t *testing.T) {
	p := newPool(t, Config{Tracking: TrackDetailed, Shards: 1})
	b, _ := p.AllocBytes(200, 0)
	addr := uintptr(unsafe.Pointer(&b.Data()[0]))
	b.Free()
	owner := reuse(t, p, 200, addr)
	for i := range owner.Data() {
		owner.Data()[i] = 7
	}
	if err := b.Free(); err == nil {
		t.Fatal("double free accepted")
	}
	for i, c := range owner.Data() {
		if c != 7 {
			t.Fatalf("the new owner's byte %d became %#x after a stale free", i, c)
		}
	}
	owner.Free()
}
