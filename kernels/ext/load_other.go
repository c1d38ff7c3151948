//go:build !darwin && !linux

package ext

import (
	"errors"
	"runtime"
)

func load(path string, c *calls) error {
	return errors.New("external kernels are loaded on Linux and macOS only, not " + runtime.GOOS)
}
