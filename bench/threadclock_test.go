//go:build linux || darwin

package bench

import (
	"time"

	"golang.org/x/sys/unix"
)

// threadCPU is the CPU time of the calling thread (which must be locked to
// it). The paired single-thread ratios time with it: on a shared machine a
// call of several milliseconds is preempted almost every time and one of
// a few microseconds almost never, so wall-clock medians charge the other
// tenants to the long calls; CPU time charges each call its own run.
func threadCPU() (time.Duration, bool) {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
