//go:build !darwin

package metal

import (
	"errors"
	"runtime"

	"github.com/bitnet-go/bitnet-bench/kernels"
)

// Metal exists on Apple platforms only; elsewhere the backend registers and
// reports itself unavailable, so `compare --devices cpu,metal` says why.

var errPlatform = errors.New("metal: Metal needs macOS (darwin); this is " + runtime.GOOS + "/" + runtime.GOARCH)

// device is never opened here.
type device struct{ family string }

func getDevice() (*device, error) { return nil, errPlatform }

func (d *device) describe() string { return "" }

func (d *device) open(*plan) (kernels.Kernel, error) { return nil, errPlatform }

func (d *device) newModelGPU() (gpu, error) { return nil, errPlatform }
