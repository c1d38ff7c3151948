package cuda

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Compiled modules are kept on disk, so that a process does not compile
// what another already has: NVRTC takes seconds to tens of seconds for
// the larger sources (a cold process spent most of a 20 s device step
// compiling), and every test binary, benchmark and compare run starts
// cold. A cubin is keyed by everything that decides it: the NVRTC
// version, the target architecture, the options and the source as NVRTC
// gets it (prelude included). BITNET_CUDA_CUBINS names the directory
// (default <user cache dir>/bitnet-bench/cubin), "off" turns it off.

// cubinCacheDir is the cache directory, "" for none.
func cubinCacheDir() string { return cachePath("BITNET_CUDA_CUBINS", "cubin") }

// cubinKey names a compiled module by what it was compiled from.
func cubinKey(rtcMajor, rtcMinor int, arch string, opts []string, src string) string {
	h := sha256.New()
	fmt.Fprintf(h, "nvrtc %d.%d\x00%s\x00%s\x00", rtcMajor, rtcMinor, arch, strings.Join(opts, "\x00"))
	h.Write([]byte(src))
	return hex.EncodeToString(h.Sum(nil))
}

// loadCubin returns a cached module, or nil.
func loadCubin(dir, key string) []byte {
	if dir == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, key+".cubin"))
	if err != nil || len(b) == 0 {
		return nil
	}
	return b
}

// storeCubin writes a module atomically (a temporary file renamed), so a
// reader never sees part of one; failing to is not an error (the module
// is compiled again next time).
func storeCubin(dir, key string, cubin []byte) {
	if dir == "" || os.MkdirAll(dir, 0o755) != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, ".cubin-*")
	if err != nil {
		return
	}
	_, err = tmp.Write(cubin)
	if cerr := tmp.Close(); err == nil && cerr == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, key+".cubin"))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
}
