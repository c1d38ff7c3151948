//go:build !linux

package probe

import (
	"fmt"
	"runtime"
)

func init() {
	register("rapl", "energy", func() (Source, []string, error) {
		return nil, nil, fmt.Errorf("RAPL: Linux powercap only; not on %s", runtime.GOOS)
	})
}
