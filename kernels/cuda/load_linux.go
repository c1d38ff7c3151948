//go:build linux

package cuda

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/ebitengine/purego"
)

// The CUDA driver (libcuda) and NVRTC are loaded with purego, so the binary
// needs no cgo and runs, reporting the backend unavailable, on machines
// without them.

// driverPaths lists where libcuda.so.1 is looked for; CUDA_LIBRARY overrides.
func driverPaths() []string {
	if p := os.Getenv("CUDA_LIBRARY"); p != "" {
		return []string{p}
	}
	paths := []string{"libcuda.so.1"} // the loader's own search (ld.so.cache, LD_LIBRARY_PATH)
	for _, dir := range []string{"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64",
		"/usr/local/nvidia/lib64", "/usr/lib/wsl/lib"} {
		paths = append(paths, filepath.Join(dir, "libcuda.so.1"))
	}
	return paths
}

// nvrtcPaths lists where libnvrtc is looked for; NVRTC_LIBRARY overrides.
// Versioned names are globbed newest first, since toolkits install only
// libnvrtc.so.<major> unless the -dev package is present.
func nvrtcPaths() []string {
	if p := os.Getenv("NVRTC_LIBRARY"); p != "" {
		return []string{p}
	}
	arch := map[string]string{"amd64": "x86_64", "arm64": "sbsa"}[runtime.GOARCH]
	var roots []string
	if p := os.Getenv("CUDA_PATH"); p != "" {
		roots = append(roots, p)
	}
	if p := os.Getenv("CUDA_HOME"); p != "" {
		roots = append(roots, p)
	}
	roots = append(roots, "/usr/local/cuda")
	if more, _ := filepath.Glob("/usr/local/cuda-*"); len(more) > 0 {
		roots = append(roots, more...)
	}
	var dirs []string
	for _, r := range roots {
		dirs = append(dirs, filepath.Join(r, "lib64"), filepath.Join(r, "targets", arch+"-linux", "lib"))
	}
	dirs = append(dirs, "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64")
	paths := []string{"libnvrtc.so"}
	for _, d := range dirs {
		found, _ := filepath.Glob(filepath.Join(d, "libnvrtc.so*"))
		// Newest first: "libnvrtc.so.13" sorts after "libnvrtc.so.12" as text,
		// and the alias-free "libnvrtc.so.13.0.88" after both.
		for i := len(found) - 1; i >= 0; i-- {
			if !strings.Contains(filepath.Base(found[i]), "builtins") {
				paths = append(paths, found[i])
			}
		}
	}
	for _, v := range []string{"13", "12", "11.2"} {
		paths = append(paths, "libnvrtc.so."+v)
	}
	return paths
}

func dlopenFirst(what, env string, paths []string) (uintptr, string, error) {
	var first string
	for _, p := range paths {
		h, err := purego.Dlopen(p, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err == nil {
			return h, p, nil
		}
		if first == "" {
			first = err.Error()
		}
	}
	return 0, "", fmt.Errorf("cuda: %s not found (tried %s; set %s to its path): %s", what, strings.Join(paths, ", "), env, first)
}

type symbol struct {
	fn   any
	name string
}

func bind(h uintptr, lib string, syms []symbol) error {
	for _, s := range syms {
		sym, err := purego.Dlsym(h, s.name)
		if err != nil {
			return fmt.Errorf("%s lacks %s (too old?): %v", lib, s.name, err)
		}
		purego.RegisterFunc(s.fn, sym)
	}
	return nil
}

func loadDriver() (*driver, error) {
	h, path, err := dlopenFirst("CUDA driver library libcuda.so.1 (no NVIDIA driver installed?)", "CUDA_LIBRARY", driverPaths())
	if err != nil {
		return nil, err
	}
	d := &driver{path: path}
	err = bind(h, path, []symbol{
		{&d.cuInit, "cuInit"}, {&d.cuDriverGetVersion, "cuDriverGetVersion"},
		{&d.cuDeviceGetCount, "cuDeviceGetCount"}, {&d.cuDeviceGet, "cuDeviceGet"},
		{&d.cuDeviceGetName, "cuDeviceGetName"}, {&d.cuDeviceGetAttribute, "cuDeviceGetAttribute"},
		{&d.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain"}, {&d.cuCtxSetCurrent, "cuCtxSetCurrent"},
		{&d.cuModuleLoadData, "cuModuleLoadData"}, {&d.cuModuleGetFunction, "cuModuleGetFunction"},
		{&d.cuMemAlloc, "cuMemAlloc_v2"}, {&d.cuMemFree, "cuMemFree_v2"},
		{&d.cuMemcpyHtoD, "cuMemcpyHtoD_v2"}, {&d.cuMemcpyDtoH, "cuMemcpyDtoH_v2"},
		{&d.cuMemcpyDtoD, "cuMemcpyDtoD_v2"}, {&d.cuMemsetD8, "cuMemsetD8_v2"},
		{&d.cuLaunchKernel, "cuLaunchKernel"}, {&d.cuCtxSynchronize, "cuCtxSynchronize"},
		{&d.cuEventCreate, "cuEventCreate"}, {&d.cuEventRecord, "cuEventRecord"},
		{&d.cuEventSynchronize, "cuEventSynchronize"}, {&d.cuEventElapsedTime, "cuEventElapsedTime"},
		{&d.cuEventDestroy, "cuEventDestroy_v2"}, {&d.cuGetErrorString, "cuGetErrorString"},
		{&d.cuStreamCreate, "cuStreamCreate"}, {&d.cuStreamDestroy, "cuStreamDestroy_v2"},
		{&d.cuStreamSynchronize, "cuStreamSynchronize"}, {&d.cuStreamBeginCapture, "cuStreamBeginCapture_v2"},
		{&d.cuStreamEndCapture, "cuStreamEndCapture"}, {&d.cuGraphInstantiateWithFlags, "cuGraphInstantiateWithFlags"},
		{&d.cuGraphLaunch, "cuGraphLaunch"}, {&d.cuGraphExecDestroy, "cuGraphExecDestroy"},
		{&d.cuGraphDestroy, "cuGraphDestroy"},
	})
	if err != nil {
		return nil, err
	}
	if sym, err := purego.Dlsym(h, "cuLaunchKernelEx"); err == nil {
		purego.RegisterFunc(&d.cuLaunchKernelEx, sym)
	}
	return d, nil
}

func loadNVRTC() (*nvrtc, error) {
	h, path, err := dlopenFirst("NVRTC library libnvrtc.so (CUDA toolkit not installed?)", "NVRTC_LIBRARY", nvrtcPaths())
	if err != nil {
		return nil, err
	}
	r := &nvrtc{path: path}
	err = bind(h, path, []symbol{
		{&r.nvrtcVersion, "nvrtcVersion"}, {&r.nvrtcGetErrorString, "nvrtcGetErrorString"},
		{&r.nvrtcCreateProgram, "nvrtcCreateProgram"}, {&r.nvrtcCompileProgram, "nvrtcCompileProgram"},
		{&r.nvrtcDestroyProgram, "nvrtcDestroyProgram"},
		{&r.nvrtcGetProgramLogSize, "nvrtcGetProgramLogSize"}, {&r.nvrtcGetProgramLog, "nvrtcGetProgramLog"},
		{&r.nvrtcGetCUBINSize, "nvrtcGetCUBINSize"}, {&r.nvrtcGetCUBIN, "nvrtcGetCUBIN"},
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}
