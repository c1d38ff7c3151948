//go:build !unix

package probe

import "os"

func pid() int { return os.Getpid() }

func peakRSS() uint64 { return 0 }
