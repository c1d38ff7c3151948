package cputime

import (
	"time"

	"golang.org/x/sys/unix"
)

// processCPU reads CLOCK_PROCESS_CPUTIME_ID: nanosecond resolution, every
// thread of the process.
func processCPU() (time.Duration, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts); err != nil {
		return 0, err
	}
	return time.Duration(ts.Nano()), nil
}
