//go:build !linux

package probe

import (
	"fmt"
	"runtime"
)

func init() {
	register("nvml", "energy", func() (Source, []string, error) {
		return nil, nil, fmt.Errorf("NVML: no NVIDIA driver on %s", runtime.GOOS)
	})
}

// GPU describes one NVIDIA GPU seen through NVML.
type GPU struct {
	Index  int    `json:"index"`
	Name   string `json:"name"`
	Driver string `json:"driver"`
}

// NVIDIAGPUs reports that this OS has no NVML.
func NVIDIAGPUs() ([]GPU, error) {
	return nil, fmt.Errorf("NVML: no NVIDIA driver on %s", runtime.GOOS)
}
