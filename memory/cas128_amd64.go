//go:build amd64 && !purego

package memory

import (
	"sync/atomic"

	"golang.org/x/sys/cpu"
)

// hasCAS128 reports whether cas128 can be used (CMPXCHG16B).
var hasCAS128 = cpu.X86.HasCX16

// cas128 compares the 16 bytes at addr (16-byte aligned: addr and the word
// after it) with oldLo, oldHi and, if equal, stores newLo, newHi.
//
//go:noescape
func cas128(addr *atomic.Uint64, oldLo, oldHi, newLo, newHi uint64) bool
