//go:build unix && !linux

package cputime

import (
	"syscall"
	"time"
)

// processCPU reads getrusage(RUSAGE_SELF): user plus system time, in
// microseconds.
func processCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
