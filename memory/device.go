package memory

import (
	"fmt"
	"unsafe"
)

// DeviceKind says what kind of memory a device has.
type DeviceKind int

const (
	DeviceCPU   DeviceKind = iota // host memory, addressable from Go
	DeviceCUDA                    // NVIDIA GPU memory
	DeviceMetal                   // Apple GPU memory
	DeviceOther                   // anything else a backend registers
)

func (k DeviceKind) String() string {
	switch k {
	case DeviceCPU:
		return "cpu"
	case DeviceCUDA:
		return "cuda"
	case DeviceMetal:
		return "metal"
	}
	return "other"
}

// Device names the memory a pool manages.
type Device interface {
	Name() string // unique per process, e.g. "cpu", "cuda:0"
	Kind() DeviceKind
}

// DeviceInfo is a plain Device.
type DeviceInfo struct {
	DeviceName string
	DeviceKind DeviceKind
}

func (d DeviceInfo) Name() string     { return d.DeviceName }
func (d DeviceInfo) Kind() DeviceKind { return d.DeviceKind }

// CPU is the host device.
var CPU Device = DeviceInfo{"cpu", DeviceCPU}

// Region is a range of device memory reserved from a Backing.
//
// Addr is the device address: for host memory the virtual address, for
// device memory whatever the backend uses (an offset, a CUdeviceptr). Host is
// the Go-usable pointer to the same memory when the CPU can address it, nil
// otherwise. Cookie is the backing's own data for Release.
type Region struct {
	Addr   uintptr
	Size   uintptr
	Host   unsafe.Pointer
	Cookie any
}

// Backing reserves and releases memory for a pool. The pool never touches
// memory through a Backing except through Region.Host, so a GPU backend
// registers its device memory by implementing Backing with Host == nil.
//
// Implementations must be safe for concurrent use; the pool calls them from
// its slow paths only (new arenas, huge blocks, cleanup).
type Backing interface {
	Device() Device
	// Reserve returns a region of at least size bytes whose Addr is a
	// multiple of align (a power of two). Fresh memory reads as zero.
	Reserve(size, align uintptr) (Region, error)
	// Release gives a whole region back.
	Release(r Region) error
	// Discard tells the device that [off, off+n) of r holds nothing of
	// value: physical pages may be reclaimed (madvise(MADV_DONTNEED) on the
	// CPU) while the range stays reserved. Later reads may see zeros.
	Discard(r Region, off, n uintptr) error
	// HostAccessible reports whether regions carry a Host pointer.
	HostAccessible() bool
}

// NewCPUBacking returns the host backing: anonymous private mmap regions
// (so the Go garbage collector neither scans nor moves them, and idle pages
// go back to the OS with madvise), or Go heap memory on systems without mmap.
func NewCPUBacking() Backing { return cpuBacking{} }

type cpuBacking struct{}

func (cpuBacking) Device() Device       { return CPU }
func (cpuBacking) HostAccessible() bool { return true }

func (cpuBacking) Reserve(size, align uintptr) (Region, error) {
	if size == 0 || align == 0 || align&(align-1) != 0 {
		return Region{}, fmt.Errorf("memory: cpu reserve size %d align %d: %w", size, align, ErrBadAlignment)
	}
	return reserveHost(size, align)
}

func (cpuBacking) Release(r Region) error { return releaseHost(r) }

func (cpuBacking) Discard(r Region, off, n uintptr) error {
	if off+n > r.Size || off+n < off {
		return fmt.Errorf("memory: discard [%d,%d) outside region of %d bytes", off, off+n, r.Size)
	}
	return discardHost(r, off, n)
}
