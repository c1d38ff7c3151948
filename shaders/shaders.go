// Package shaders embeds the GPU kernel sources, so the binary carries them
// and a GPU backend compiles them at run time for the device it finds
// (NVRTC for CUDA) instead of shipping one prebuilt architecture.
package shaders

import (
	"embed"
	"fmt"
)

//go:embed cuda/*.cu
var cudaFS embed.FS

// CUDA returns the source of shaders/cuda/<name>.
func CUDA(name string) (string, error) {
	b, err := cudaFS.ReadFile("cuda/" + name)
	if err != nil {
		return "", fmt.Errorf("shaders: no CUDA source %q: %w", name, err)
	}
	return string(b), nil
}
