//go:build !amd64 || purego

package memory

import "sync/atomic"

const hasCAS128 = false

func cas128(addr *atomic.Uint64, oldLo, oldHi, newLo, newHi uint64) bool {
	panic("memory: cas128 without CMPXCHG16B")
}
