package cuda

import (
	"time"
	"unsafe"
)

// External is the CUDA device lent to kernels of other libraries
// (kernels/ext, include/bitnet_bench.h): device 0's primary context, which
// the CUDA runtime of a user's library shares, one stream their launches
// go on, and a pair of events that time them as this backend's own
// kernels are timed.
type External struct {
	d           *device
	stream      uintptr
	start, stop uintptr
}

// OpenExternal opens device 0 and makes a stream and two events for an
// external kernel.
func OpenExternal() (*External, error) {
	d, err := getDevice()
	if err != nil {
		return nil, err
	}
	e := &External{d: d}
	err = d.th.Do(func() error {
		if err := d.drv.check("cuStreamCreate", d.drv.cuStreamCreate(&e.stream, 0)); err != nil {
			return err
		}
		for _, ev := range []*uintptr{&e.start, &e.stop} {
			if err := d.drv.check("cuEventCreate", d.drv.cuEventCreate(ev, 0)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Arch is the device's architecture, e.g. "sm_90".
func (e *External) Arch() string { return e.d.arch() }

// Stream is the CUstream the external kernel enqueues its work on.
func (e *External) Stream() uintptr { return e.stream }

// Do runs fn on the CUDA thread, where the primary context is current: a
// library's prepare, run and free go through it.
func (e *External) Do(fn func() error) error { return e.d.th.Do(fn) }

// Alloc returns n bytes of zeroed device memory.
func (e *External) Alloc(n int) (uint64, error) { return e.d.alloc(n) }

// Free releases memory from Alloc.
func (e *External) Free(p uint64) error { return e.d.free(p) }

// Upload copies n bytes of host memory at src to dst.
func (e *External) Upload(dst uint64, src unsafe.Pointer, n int) error {
	return e.d.upload(dst, src, n)
}

// Download copies n bytes at src to host memory at dst.
func (e *External) Download(dst unsafe.Pointer, src uint64, n int) error {
	return e.d.download(dst, src, n)
}

// Timed runs enqueue on the CUDA thread between two events recorded on the
// stream, waits for the stop event and returns the GPU time between them.
func (e *External) Timed(enqueue func() error) (time.Duration, error) {
	var ms float32
	d := e.d
	err := d.th.Do(func() error {
		if err := d.drv.check("cuEventRecord", d.drv.cuEventRecord(e.start, e.stream)); err != nil {
			return err
		}
		if err := enqueue(); err != nil {
			return err
		}
		if err := d.drv.check("cuEventRecord", d.drv.cuEventRecord(e.stop, e.stream)); err != nil {
			return err
		}
		if err := d.drv.check("cuEventSynchronize", d.drv.cuEventSynchronize(e.stop)); err != nil {
			return err
		}
		return d.drv.check("cuEventElapsedTime", d.drv.cuEventElapsedTime(&ms, e.start, e.stop))
	})
	return time.Duration(float64(ms) * 1e6), err
}

// Close destroys the events and the stream.
func (e *External) Close() error {
	d := e.d
	return d.th.Do(func() error {
		var first error
		for _, ev := range []*uintptr{&e.start, &e.stop} {
			if *ev != 0 {
				if err := d.drv.check("cuEventDestroy", d.drv.cuEventDestroy(*ev)); err != nil && first == nil {
					first = err
				}
				*ev = 0
			}
		}
		if e.stream != 0 {
			if err := d.drv.check("cuStreamDestroy", d.drv.cuStreamDestroy(e.stream)); err != nil && first == nil {
				first = err
			}
			e.stream = 0
		}
		return first
	})
}
