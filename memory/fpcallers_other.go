//go:build !amd64 || purego

package memory

import "runtime"

// fpCallers fills pcs with the return addresses of the caller's callers.
func fpCallers(pcs []uintptr) int { return runtime.Callers(3, pcs) }
