//go:build !unix

package cputime

import (
	"fmt"
	"runtime"
	"time"
)

func processCPU() (time.Duration, error) {
	return 0, fmt.Errorf("no process CPU clock on %s", runtime.GOOS)
}
