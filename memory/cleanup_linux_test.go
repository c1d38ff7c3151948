//go:build linux

package memory

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// resident counts the resident pages of b (mincore).
func resident(t *testing.T, b []byte) int {
	t.Helper()
	vec := make([]byte, (len(b)+int(pageSize)-1)/int(pageSize))
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(unsafe.Pointer(&vec[0])))
	if errno != 0 {
		t.Skipf("mincore: %v", errno)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n
}

func TestTrimReturnsSlabsAndPages(t *testing.T) {
	p := newPool(t, Config{Tracking: TrackBasic})
	var bufs []ByteBuf
	for range 2000 {
		b, _ := p.AllocBytes(4000, 0) // 4 KiB class: 1 MiB slabs of 256
		b.Data()[0] = 1
		bufs = append(bufs, b)
	}
	keep := bufs[0]
	for _, b := range bufs[1:] {
		b.Free()
	}
	before := p.Stats()
	if before.SlabBytes < 8<<20 {
		t.Fatalf("slab bytes %d", before.SlabBytes)
	}
	st := p.Trim(TrimOptions{Strategy: "test", DrainCaches: true, Discard: true})
	if st.SlotsDrained < 1999 || st.Slabs < 7 || st.SlabBytes != uint64(st.Slabs)<<20 {
		t.Fatalf("trim: %+v", st)
	}
	if st.BytesReleased == 0 || st.BlocksDiscarded == 0 {
		t.Fatalf("no pages discarded: %+v", st)
	}
	if st.InUseAfter >= st.InUseBefore || st.Strategy != "test" || st.Duration <= 0 || st.Epoch == 0 {
		t.Fatalf("trim stats: %+v", st)
	}
	after := p.Stats()
	if after.SlabBytes != 1<<20 || after.LiveBlocks != 1 || after.DirtyFreeBytes != 0 {
		t.Fatalf("after trim: slabs %d live %d dirty %d", after.SlabBytes, after.LiveBlocks, after.DirtyFreeBytes)
	}
	if keep.Data()[0] != 1 {
		t.Fatal("live block touched")
	}
	keep.Free()
	if h := p.CleanupHistory(); len(h) != 1 || h[0].Strategy != "test" {
		t.Fatalf("history %+v", h)
	}
}

func TestDiscardReleasesResidentPages(t *testing.T) {
	p := newPool(t, Config{})
	b, _ := p.AllocBytes(8<<20, 0)
	d := b.Data()
	for i := 0; i < len(d); i += int(pageSize) {
		d[i] = 1
	}
	if r := resident(t, d); r < len(d)/int(pageSize)/2 {
		t.Skipf("only %d pages resident after touching them: mincore not meaningful here", r)
	}
	region := unsafe.Slice((*byte)(unsafe.Pointer(&d[0])), len(d))
	b.Free()
	st := p.Trim(TrimOptions{Discard: true})
	if st.BytesReleased < 8<<20 {
		t.Fatalf("released %d", st.BytesReleased)
	}
	if r := resident(t, region); r > 16 {
		t.Fatalf("%d pages still resident after discard", r)
	}
}
