//go:build !(linux || darwin)

package bench

import "time"

// threadCPU: no per-thread CPU clock here; the pairs time wall clock.
func threadCPU() (time.Duration, bool) { return 0, false }
