package cuda

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Device memory and launches. Each helper is one trip to the CUDA thread;
// Prepare and Fetch use them, Run batches its launches into a single trip.

func (d *device) alloc(n int) (uint64, error) {
	var p uint64
	err := d.th.Do(func() error {
		if err := d.drv.check(fmt.Sprintf("cuMemAlloc(%d bytes)", n), d.drv.cuMemAlloc(&p, uint64(max(n, 1)))); err != nil {
			return err
		}
		// Fresh memory reads as zero, as memory.Backing promises and the
		// zero-padded activation rows rely on.
		return d.drv.check("cuMemsetD8", d.drv.cuMemsetD8(p, 0, uint64(max(n, 1))))
	})
	return p, err
}

func (d *device) free(p uint64) error {
	if p == 0 {
		return nil
	}
	return d.th.Do(func() error { return d.drv.check("cuMemFree", d.drv.cuMemFree(p)) })
}

// upload copies n bytes at src (Go memory, kept alive by the caller) to dst.
func (d *device) upload(dst uint64, src unsafe.Pointer, n int) error {
	if n == 0 {
		return nil
	}
	return d.th.Do(func() error { return d.drv.check("cuMemcpyHtoD", d.drv.cuMemcpyHtoD(dst, src, uint64(n))) })
}

func (d *device) download(dst unsafe.Pointer, src uint64, n int) error {
	if n == 0 {
		return nil
	}
	return d.th.Do(func() error { return d.drv.check("cuMemcpyDtoH", d.drv.cuMemcpyDtoH(dst, src, uint64(n))) })
}

func uploadSlice[T any](d *device, dst uint64, s []T) error {
	if len(s) == 0 {
		return nil
	}
	err := d.upload(dst, unsafe.Pointer(&s[0]), len(s)*int(unsafe.Sizeof(s[0])))
	runtime.KeepAlive(s)
	return err
}

func downloadSlice[T any](d *device, s []T, src uint64) error {
	if len(s) == 0 {
		return nil
	}
	err := d.download(unsafe.Pointer(&s[0]), src, len(s)*int(unsafe.Sizeof(s[0])))
	runtime.KeepAlive(s)
	return err
}

// launch is one kernel launch with its arguments marshalled once: params
// points at heap copies of the values, pinned for the kernel's lifetime.
type launch struct {
	name   string
	fn     uintptr
	grid   [3]uint32
	block  [3]uint32
	params []unsafe.Pointer
	pin    runtime.Pinner

	// overlapOK: the kernel waits for the grid before it (on sm_90,
	// griddepcontrol.wait) before reading anything but weights, so it may
	// be launched with programmatic stream serialisation. overlap asks for
	// that launch (the benchmarks' "pdl" modes); it needs cuLaunchKernelEx.
	overlapOK, overlap bool
	cfg                *cuLaunchConfig
	// shared is the dynamic shared memory of each block, in bytes.
	shared uint32
	// copy, when not nil, makes this a copy between page-locked host
	// memory and the device instead of a kernel (fn unused).
	copy *hostCopy
	// onRelease frees what the launch owns (tcg.cu's split-K workspace).
	onRelease func()
}

// hostCopy is an asynchronous copy of n bytes between page-locked host
// memory and device memory.
type hostCopy struct {
	toDevice bool
	host     unsafe.Pointer
	dev      uint64
	n        uint64
}

// cuLaunchConfig and cuLaunchAttribute are CUlaunchConfig and
// CUlaunchAttribute of cuda.h (x86-64 and arm64 layout).
type cuLaunchConfig struct {
	grid     [3]uint32
	block    [3]uint32
	shared   uint32
	_        uint32
	stream   uintptr
	attrs    *cuLaunchAttribute
	numAttrs uint32
	_        uint32
}

type cuLaunchAttribute struct {
	id    uint32
	_     uint32
	value [64]byte
}

// attrProgrammaticStreamSerialization is
// CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION: the kernel may
// start before the previous one in the stream has finished; it
// synchronises with griddepcontrol.wait.
const attrProgrammaticStreamSerialization = 6

// newLaunch marshals args (int32, int64, uint64 device pointers, float32).
func (d *device) newLaunch(name string, grid, block [3]uint32, args ...any) (*launch, error) {
	fn, err := d.function(name)
	if err != nil {
		return nil, err
	}
	l := &launch{name: name, fn: fn, grid: grid, block: block}
	for _, a := range args {
		var p unsafe.Pointer
		switch v := a.(type) {
		case int32:
			p = unsafe.Pointer(&v)
		case int64:
			p = unsafe.Pointer(&v)
		case uint64:
			p = unsafe.Pointer(&v)
		case float32:
			p = unsafe.Pointer(&v)
		default:
			return nil, fmt.Errorf("cuda: %s: unsupported kernel argument type %T", name, a)
		}
		l.pin.Pin(p)
		l.params = append(l.params, p)
	}
	if len(l.params) > 0 {
		l.pin.Pin(&l.params[0])
	}
	return l, nil
}

// enqueue launches on the legacy default stream; call on the CUDA thread.
func (d *device) enqueue(l *launch) error { return d.enqueueOn(l, 0) }

// enqueueOn launches on a stream; call on the CUDA thread.
func (d *device) enqueueOn(l *launch, stream uintptr) error {
	if c := l.copy; c != nil {
		if c.toDevice {
			return d.drv.check("cuMemcpyHtoDAsync "+l.name, d.drv.cuMemcpyHtoDAsync(c.dev, c.host, c.n, stream))
		}
		return d.drv.check("cuMemcpyDtoHAsync "+l.name, d.drv.cuMemcpyDtoHAsync(c.host, c.dev, c.n, stream))
	}
	var params *unsafe.Pointer
	if len(l.params) > 0 {
		params = &l.params[0]
	}
	if l.overlap {
		if !l.overlapOK || d.drv.cuLaunchKernelEx == nil {
			return fmt.Errorf("cuda: %s: overlapped launch not supported here", l.name)
		}
		if l.cfg == nil {
			attr := &cuLaunchAttribute{id: attrProgrammaticStreamSerialization}
			attr.value[0] = 1 // programmaticStreamSerializationAllowed
			l.cfg = &cuLaunchConfig{grid: l.grid, block: l.block, shared: l.shared, attrs: attr, numAttrs: 1}
			l.pin.Pin(l.cfg)
			l.pin.Pin(attr)
		}
		l.cfg.stream = stream
		return d.drv.check("cuLaunchKernelEx "+l.name, d.drv.cuLaunchKernelEx(l.cfg, l.fn, params, nil))
	}
	return d.drv.check("cuLaunchKernel "+l.name, d.drv.cuLaunchKernel(l.fn,
		l.grid[0], l.grid[1], l.grid[2], l.block[0], l.block[1], l.block[2], l.shared, stream, params, nil))
}

func (l *launch) release() {
	l.pin.Unpin()
	if f := l.onRelease; f != nil {
		l.onRelease = nil
		f()
	}
}

// cuFuncAttributeMaxDynamicSharedSizeBytes is
// CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES.
const cuFuncAttributeMaxDynamicSharedSizeBytes = 8

// dynamicShared gives l's blocks n bytes of dynamic shared memory, opting
// its kernel in above the default 48 KiB.
func (d *device) dynamicShared(l *launch, n int) error {
	l.shared = uint32(n)
	if n <= 48<<10 {
		return nil
	}
	return d.th.Do(func() error {
		return d.drv.check("cuFuncSetAttribute "+l.name, d.drv.cuFuncSetAttribute(l.fn, cuFuncAttributeMaxDynamicSharedSizeBytes, int32(n)))
	})
}
