//go:build unix

package probe

import (
	"os"
	"runtime"
	"syscall"
)

func pid() int { return os.Getpid() }

// peakRSS is getrusage's ru_maxrss: kilobytes on Linux, bytes on macOS.
func peakRSS() uint64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return uint64(ru.Maxrss)
	}
	return uint64(ru.Maxrss) * 1024
}
