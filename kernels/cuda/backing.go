package cuda

import (
	"fmt"

	"github.com/bitnet-go/bitnet-bench/memory"
)

// Device is the memory device of CUDA device 0.
var memDevice memory.Device = memory.DeviceInfo{DeviceName: "cuda:0", DeviceKind: memory.DeviceCUDA}

// NewBacking returns a memory.Backing over cuMemAlloc on device 0, so a
// memory.Pool can manage GPU memory (Region.Addr is the CUdeviceptr, Host
// is nil). It fails when the backend is unavailable. The backend's own
// kernels allocate from a pool over this backing (MemoryPool).
func NewBacking() (memory.Backing, error) {
	d, err := getDevice()
	if err != nil {
		return nil, err
	}
	return backing{d}, nil
}

type backing struct{ d *device }

func (backing) Device() memory.Device { return memDevice }
func (backing) HostAccessible() bool  { return false }

// cuMemAlloc aligns to at least 256 bytes; larger alignments over-allocate
// and round up, keeping the base in the cookie for Release.
const cuAlign = 256

func (b backing) Reserve(size, align uintptr) (memory.Region, error) {
	if size == 0 || align == 0 || align&(align-1) != 0 {
		return memory.Region{}, fmt.Errorf("cuda: reserve size %d align %d: %w", size, align, memory.ErrBadAlignment)
	}
	extra := uintptr(0)
	if align > cuAlign {
		extra = align - cuAlign
	}
	base, err := b.d.alloc(int(size + extra)) // zero-filled, as Backing requires
	if err != nil {
		return memory.Region{}, err
	}
	addr := (uintptr(base) + align - 1) &^ (align - 1)
	return memory.Region{Addr: addr, Size: size, Cookie: base}, nil
}

func (b backing) Release(r memory.Region) error {
	base, ok := r.Cookie.(uint64)
	if !ok {
		return fmt.Errorf("cuda: release of a region this backing did not reserve")
	}
	return b.d.free(base)
}

// Discard keeps the pages: device memory has no cheap decommit, and
// Backing allows Discard to leave the contents as they are.
func (backing) Discard(r memory.Region, off, n uintptr) error {
	if off+n > r.Size || off+n < off {
		return fmt.Errorf("cuda: discard [%d,%d) outside region of %d bytes", off, off+n, r.Size)
	}
	return nil
}
