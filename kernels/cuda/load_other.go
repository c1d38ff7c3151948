//go:build !linux

package cuda

import (
	"errors"
	"runtime"
)

// The CUDA backend is built for Linux only (NVIDIA ships no macOS driver);
// elsewhere it registers and reports itself unavailable.

var errPlatform = errors.New("CUDA backend: not supported on " + runtime.GOOS + "/" + runtime.GOARCH + " (Linux only)")

func loadDriver() (*driver, error) { return nil, errPlatform }
func loadNVRTC() (*nvrtc, error)   { return nil, errPlatform }
