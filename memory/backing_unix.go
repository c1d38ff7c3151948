//go:build unix

package memory

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

var pageSize = uintptr(os.Getpagesize())

func reserveHost(size, align uintptr) (Region, error) {
	size = (size + pageSize - 1) &^ (pageSize - 1)
	if align < pageSize {
		align = pageSize
	}
	if size >= hugePageSize && align < hugePageSize {
		// Large regions start on a huge-page boundary so that adviseHuge
		// can back all of them with huge pages.
		align = hugePageSize
	}
	total := size + align - pageSize
	if total < size {
		return Region{}, ErrBadSize
	}
	base, err := unix.MmapPtr(-1, 0, nil, total, unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	if err != nil {
		return Region{}, fmt.Errorf("memory: mmap %d bytes: %v: %w", total, err, ErrOutOfMemory)
	}
	// Trim the mapping so that it starts on an align boundary.
	addr := uintptr(base)
	aligned := (addr + align - 1) &^ (align - 1)
	if head := aligned - addr; head > 0 {
		if err := unix.MunmapPtr(base, head); err != nil {
			return Region{}, fmt.Errorf("memory: munmap head: %w", err)
		}
	}
	host := unsafe.Add(base, aligned-addr)
	if tail := total - (aligned - addr) - size; tail > 0 {
		if err := unix.MunmapPtr(unsafe.Add(host, size), tail); err != nil {
			return Region{}, fmt.Errorf("memory: munmap tail: %w", err)
		}
	}
	if size >= hugePageSize {
		adviseHuge(unsafe.Slice((*byte)(host), size))
	}
	return Region{Addr: aligned, Size: size, Host: host}, nil
}

func releaseHost(r Region) error {
	if r.Host == nil {
		return ErrInvalidHandle
	}
	return unix.MunmapPtr(r.Host, r.Size)
}

func discardHost(r Region, off, n uintptr) error {
	// Only whole pages can be discarded; shrink the range to them.
	start := (off + pageSize - 1) &^ (pageSize - 1)
	end := (off + n) &^ (pageSize - 1)
	if end <= start {
		return nil
	}
	b := unsafe.Slice((*byte)(unsafe.Add(r.Host, start)), end-start)
	return unix.Madvise(b, unix.MADV_DONTNEED)
}
