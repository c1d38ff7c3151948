//go:build !unix

package memory

import "unsafe"

var pageSize = uintptr(4096)

// Without mmap the regions come from the Go heap. Go's collector does not
// move heap objects, so the addresses stay valid; Discard zeroes instead of
// returning pages.
func reserveHost(size, align uintptr) (Region, error) {
	buf := make([]byte, size+align)
	addr := uintptr(unsafe.Pointer(&buf[0]))
	off := ((addr + align - 1) &^ (align - 1)) - addr
	host := unsafe.Pointer(&buf[off])
	return Region{Addr: addr + off, Size: size, Host: host, Cookie: buf}, nil
}

func releaseHost(r Region) error { return nil }

func discardHost(r Region, off, n uintptr) error {
	clear(unsafe.Slice((*byte)(unsafe.Add(r.Host, off)), n))
	return nil
}
