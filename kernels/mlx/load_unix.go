//go:build darwin || linux

package mlx

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/bitnet-go/bitnet-bench/kernels/internal/dl"
	"github.com/ebitengine/purego"
)

// libEnv names the full path of libmlxc; when set, no other place is tried.
const libEnv = "BITNET_MLXC_LIB"

// libPaths lists where libmlxc is looked for: BITNET_MLXC_LIB alone when
// set; otherwise the loader's own search (DYLD_/LD_LIBRARY_PATH, the cache)
// and then the usual install prefixes, Homebrew's and MacPorts' included.
func libPaths() []string {
	if p := os.Getenv(libEnv); p != "" {
		return []string{p}
	}
	name, dirs := "libmlxc.so", []string{"/usr/local/lib", "/usr/lib", "/usr/lib64",
		"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/opt/mlx-c/lib"}
	if runtime.GOOS == "darwin" {
		name, dirs = "libmlxc.dylib", []string{"/opt/homebrew/lib", "/usr/local/lib", "/opt/local/lib", "/opt/mlx-c/lib"}
	}
	paths := []string{name}
	for _, d := range dirs {
		paths = append(paths, filepath.Join(d, name))
	}
	return paths
}

// loadLib opens the first of paths that loads and binds the entry points.
func loadLib(paths []string) (*lib, error) {
	h, path, err := dl.OpenFirst(paths)
	if path == "" {
		return nil, fmt.Errorf("mlx: libmlxc (the MLX C API, github.com/ml-explore/mlx-c) not found; tried %s (set %s to its full path): %v",
			strings.Join(paths, ", "), libEnv, err)
	}
	l := &lib{path: path}
	if name, err := dl.Bind(h, l.symbols()); err != nil {
		return nil, fmt.Errorf("mlx: %s lacks %s (mlx-c older than 0.4?): %v", path, name, err)
	}
	return l, nil
}

func newCallback(f func(msg *byte, data uintptr)) uintptr { return purego.NewCallback(f) }
