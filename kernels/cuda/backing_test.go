package cuda

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
	"github.com/bitnet-go/bitnet-bench/memory"
)

func TestBackingUnavailable(t *testing.T) {
	avail := Backend{}.Available()
	if avail == nil {
		t.Skip("a CUDA device is available")
	}
	if _, err := NewBacking(); err == nil || err.Error() != avail.Error() {
		t.Fatalf("NewBacking() error = %v, want the availability error", err)
	}
}

func TestBacking(t *testing.T) {
	needGPU(t)
	b, err := NewBacking()
	if err != nil {
		t.Fatal(err)
	}
	if b.HostAccessible() || b.Device().Kind() != memory.DeviceCUDA {
		t.Fatalf("backing: host accessible %v, device %v", b.HostAccessible(), b.Device())
	}
	if _, err := b.Reserve(100, 3); !errors.Is(err, memory.ErrBadAlignment) {
		t.Fatalf("Reserve with align 3: %v, want ErrBadAlignment", err)
	}
	for _, align := range []uintptr{1, 256, 4096, 1 << 21} {
		r, err := b.Reserve(1<<20+7, align)
		if err != nil {
			t.Fatal(err)
		}
		if r.Addr%align != 0 || r.Host != nil || r.Size != 1<<20+7 {
			t.Fatalf("region %+v for align %d", r, align)
		}
		// Fresh memory reads as zero.
		buf := make([]byte, r.Size)
		buf[0], buf[len(buf)-1] = 1, 1
		if err := downloadSlice(b.(backing).d, buf, uint64(r.Addr)); err != nil {
			t.Fatal(err)
		}
		for i, v := range buf {
			if v != 0 {
				t.Fatalf("byte %d of a fresh region is %d", i, v)
			}
		}
		if err := b.Discard(r, 0, r.Size); err != nil {
			t.Fatal(err)
		}
		if err := b.Release(r); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPoolOnDevice runs a memory.Pool over the CUDA backing: large blocks
// come back as device addresses without host pointers.
func TestPoolOnDevice(t *testing.T) {
	needGPU(t)
	b, err := NewBacking()
	if err != nil {
		t.Fatal(err)
	}
	p, err := memory.New(memory.Config{Backing: b, ArenaSize: 2 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, size := range []int{1 << 20, 3 << 20} {
		blk, err := p.AllocBlock(size, 256)
		if err != nil {
			t.Fatal(err)
		}
		if blk.Addr == 0 || blk.Addr%256 != 0 || blk.Ptr != nil {
			t.Fatalf("block of %d bytes: addr %#x ptr %v", size, blk.Addr, blk.Ptr)
		}
		if err := uploadSlice(b.(backing).d, uint64(blk.Addr), make([]byte, size)); err != nil {
			t.Fatalf("device address of a pool block is not writable: %v", err)
		}
		if err := p.Free(blk.Handle); err != nil {
			t.Fatal(err)
		}
	}
}

// TestKernelsAllocateFromPool: a prepared kernel's device buffers (small
// and large) come from the device's pool and go back on Close, and a
// kernel on reused, dirty blocks still matches the reference.
func TestKernelsAllocateFromPool(t *testing.T) {
	needGPU(t)
	pool, err := MemoryPool()
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{64, 4096, 300 << 10} {
		blk, err := pool.AllocBlock(size, 256)
		if err != nil {
			t.Fatal(err)
		}
		dirty := make([]byte, size)
		for i := range dirty {
			dirty[i] = 0xa5
		}
		d, _ := getDevice()
		if err := uploadSlice(d, uint64(blk.Addr), dirty); err != nil {
			t.Fatalf("small pool block of %d bytes is not writable on the device: %v", size, err)
		}
		if err := pool.Free(blk.Handle); err != nil {
			t.Fatal(err)
		}
	}
	before := pool.Stats()
	r := rand.New(rand.NewPCG(41, 42))
	for round := range 3 {
		// K not a multiple of 256: the padding must read as zero on reused
		// blocks that held the dirty bytes above or an earlier round's data.
		gpu, ref := kerneltest.RunBoth(t, Backend{}, kerneltest.BitLinearProblem(r, 8, 300, 1000+round, round%2 == 0))
		kerneltest.ExactF32(t, "Y", gpu.Y, ref.Y)
	}
	after := pool.Stats()
	if after.Allocs == before.Allocs {
		t.Fatal("the kernels allocated nothing from the device pool")
	}
	if after.Allocs-before.Allocs != after.Frees-before.Frees {
		t.Fatalf("pool allocs %d, frees %d after Close", after.Allocs-before.Allocs, after.Frees-before.Frees)
	}
}
