//go:build !(darwin || linux)

package mlx

import (
	"errors"
	"runtime"
)

// The MLX backend is built for macOS and Linux, where purego loads shared
// libraries without cgo; elsewhere it registers and reports itself
// unavailable.

const libEnv = "BITNET_MLXC_LIB"

func libPaths() []string { return nil }

func loadLib([]string) (*lib, error) {
	return nil, errors.New("mlx: backend not supported on " + runtime.GOOS + "/" + runtime.GOARCH + " (macOS and Linux only)")
}

func newCallback(func(msg *byte, data uintptr)) uintptr { return 0 }
