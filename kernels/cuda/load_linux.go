//go:build linux

package cuda

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/bitnet-go/bitnet-bench/kernels/internal/dl"
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
	h, path, err := dl.OpenFirst(paths)
	if path == "" {
		return 0, "", fmt.Errorf("cuda: %s not found (tried %s; set %s to its path): %v", what, strings.Join(paths, ", "), env, err)
	}
	return h, path, nil
}

func bind(h uintptr, lib string, syms []dl.Symbol) error {
	if name, err := dl.Bind(h, syms); err != nil {
		return fmt.Errorf("%s lacks %s (too old?): %v", lib, name, err)
	}
	return nil
}

func loadDriver() (*driver, error) {
	h, path, err := dlopenFirst("CUDA driver library libcuda.so.1 (no NVIDIA driver installed?)", "CUDA_LIBRARY", driverPaths())
	if err != nil {
		return nil, err
	}
	d := &driver{path: path}
	err = bind(h, path, []dl.Symbol{
		{Fn: &d.cuInit, Name: "cuInit"}, {Fn: &d.cuDriverGetVersion, Name: "cuDriverGetVersion"},
		{Fn: &d.cuDeviceGetCount, Name: "cuDeviceGetCount"}, {Fn: &d.cuDeviceGet, Name: "cuDeviceGet"},
		{Fn: &d.cuDeviceGetName, Name: "cuDeviceGetName"}, {Fn: &d.cuDeviceGetAttribute, Name: "cuDeviceGetAttribute"},
		{Fn: &d.cuDevicePrimaryCtxRetain, Name: "cuDevicePrimaryCtxRetain"}, {Fn: &d.cuCtxSetCurrent, Name: "cuCtxSetCurrent"},
		{Fn: &d.cuModuleLoadData, Name: "cuModuleLoadData"}, {Fn: &d.cuModuleGetFunction, Name: "cuModuleGetFunction"},
		{Fn: &d.cuMemAlloc, Name: "cuMemAlloc_v2"}, {Fn: &d.cuMemFree, Name: "cuMemFree_v2"},
		{Fn: &d.cuMemcpyHtoD, Name: "cuMemcpyHtoD_v2"}, {Fn: &d.cuMemcpyDtoH, Name: "cuMemcpyDtoH_v2"},
		{Fn: &d.cuMemcpyDtoD, Name: "cuMemcpyDtoD_v2"}, {Fn: &d.cuMemsetD8, Name: "cuMemsetD8_v2"},
		{Fn: &d.cuLaunchKernel, Name: "cuLaunchKernel"}, {Fn: &d.cuCtxSynchronize, Name: "cuCtxSynchronize"},
		{Fn: &d.cuEventCreate, Name: "cuEventCreate"}, {Fn: &d.cuEventRecord, Name: "cuEventRecord"},
		{Fn: &d.cuEventSynchronize, Name: "cuEventSynchronize"}, {Fn: &d.cuEventElapsedTime, Name: "cuEventElapsedTime"},
		{Fn: &d.cuEventDestroy, Name: "cuEventDestroy_v2"}, {Fn: &d.cuGetErrorString, Name: "cuGetErrorString"},
		{Fn: &d.cuStreamCreate, Name: "cuStreamCreate"}, {Fn: &d.cuStreamDestroy, Name: "cuStreamDestroy_v2"},
		{Fn: &d.cuStreamSynchronize, Name: "cuStreamSynchronize"}, {Fn: &d.cuStreamBeginCapture, Name: "cuStreamBeginCapture_v2"},
		{Fn: &d.cuStreamEndCapture, Name: "cuStreamEndCapture"}, {Fn: &d.cuGraphInstantiateWithFlags, Name: "cuGraphInstantiateWithFlags"},
		{Fn: &d.cuGraphLaunch, Name: "cuGraphLaunch"}, {Fn: &d.cuGraphExecDestroy, Name: "cuGraphExecDestroy"},
		{Fn: &d.cuGraphDestroy, Name: "cuGraphDestroy"}, {Fn: &d.cuFuncSetAttribute, Name: "cuFuncSetAttribute"},
		{Fn: &d.cuFuncGetAttribute, Name: "cuFuncGetAttribute"},
		{Fn: &d.cuMemAllocHost, Name: "cuMemAllocHost_v2"}, {Fn: &d.cuMemFreeHost, Name: "cuMemFreeHost"},
		{Fn: &d.cuMemcpyHtoDAsync, Name: "cuMemcpyHtoDAsync_v2"}, {Fn: &d.cuMemcpyDtoHAsync, Name: "cuMemcpyDtoHAsync_v2"},
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
	err = bind(h, path, []dl.Symbol{
		{Fn: &r.nvrtcVersion, Name: "nvrtcVersion"}, {Fn: &r.nvrtcGetErrorString, Name: "nvrtcGetErrorString"},
		{Fn: &r.nvrtcCreateProgram, Name: "nvrtcCreateProgram"}, {Fn: &r.nvrtcCompileProgram, Name: "nvrtcCompileProgram"},
		{Fn: &r.nvrtcDestroyProgram, Name: "nvrtcDestroyProgram"}, {Fn: &r.nvrtcGetProgramLogSize, Name: "nvrtcGetProgramLogSize"},
		{Fn: &r.nvrtcGetProgramLog, Name: "nvrtcGetProgramLog"}, {Fn: &r.nvrtcGetCUBINSize, Name: "nvrtcGetCUBINSize"},
		{Fn: &r.nvrtcGetCUBIN, Name: "nvrtcGetCUBIN"},
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}
