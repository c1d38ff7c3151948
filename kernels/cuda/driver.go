package cuda

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/bitnet-go/bitnet-bench/kernels/internal/native"
	"github.com/bitnet-go/bitnet-bench/memory"
	"github.com/bitnet-go/bitnet-bench/shaders"
)

// driver holds the CUDA driver API entry points used here (cuda.h). Handles
// (contexts, modules, functions, events) are pointers, device memory a
// 64-bit CUdeviceptr; every call returns a CUresult.
type driver struct {
	path                     string
	cuInit                   func(flags uint32) int32
	cuDriverGetVersion       func(v *int32) int32
	cuDeviceGetCount         func(n *int32) int32
	cuDeviceGet              func(dev *int32, ordinal int32) int32
	cuDeviceGetName          func(name *byte, n int32, dev int32) int32
	cuDeviceGetAttribute     func(v *int32, attr int32, dev int32) int32
	cuDevicePrimaryCtxRetain func(ctx *uintptr, dev int32) int32
	cuCtxSetCurrent          func(ctx uintptr) int32
	cuModuleLoadData         func(mod *uintptr, image *byte) int32
	cuModuleGetFunction      func(fn *uintptr, mod uintptr, name string) int32
	cuMemAlloc               func(p *uint64, size uint64) int32
	cuMemFree                func(p uint64) int32
	cuMemcpyHtoD             func(dst uint64, src unsafe.Pointer, n uint64) int32
	cuMemcpyDtoH             func(dst unsafe.Pointer, src uint64, n uint64) int32
	cuMemcpyDtoD             func(dst, src uint64, n uint64) int32
	cuMemsetD8               func(dst uint64, v uint8, n uint64) int32
	cuLaunchKernel           func(fn uintptr, gx, gy, gz, bx, by, bz, shared uint32, stream uintptr, params *unsafe.Pointer, extra *unsafe.Pointer) int32
	cuCtxSynchronize         func() int32
	cuEventCreate            func(ev *uintptr, flags uint32) int32
	cuEventRecord            func(ev uintptr, stream uintptr) int32
	cuEventSynchronize       func(ev uintptr) int32
	cuEventElapsedTime       func(ms *float32, start, end uintptr) int32
	cuEventDestroy           func(ev uintptr) int32
	cuGetErrorString         func(rc int32, s **byte) int32

	// Streams and graphs, for the benchmarks: a captured sequence of
	// launches replays without per-launch host overhead.
	cuStreamCreate              func(s *uintptr, flags uint32) int32
	cuStreamDestroy             func(s uintptr) int32
	cuStreamSynchronize         func(s uintptr) int32
	cuStreamBeginCapture        func(s uintptr, mode int32) int32
	cuStreamEndCapture          func(s uintptr, g *uintptr) int32
	cuGraphInstantiateWithFlags func(e *uintptr, g uintptr, flags uint64) int32
	cuGraphLaunch               func(e uintptr, s uintptr) int32
	cuGraphExecDestroy          func(e uintptr) int32
	cuGraphDestroy              func(g uintptr) int32

	// cuLaunchKernelEx (CUDA 12.0+), for launches that overlap the kernel
	// before them; nil where the driver lacks it.
	cuLaunchKernelEx func(cfg *cuLaunchConfig, fn uintptr, params *unsafe.Pointer, extra *unsafe.Pointer) int32

	// Page-locked host memory and asynchronous copies, for the model's
	// step: its tokens go up and its logits come back inside the step's
	// graph, with no trip of their own to the CUDA thread.
	cuMemAllocHost    func(p *unsafe.Pointer, size uint64) int32
	cuMemFreeHost     func(p unsafe.Pointer) int32
	cuMemcpyHtoDAsync func(dst uint64, src unsafe.Pointer, n uint64, stream uintptr) int32
	cuMemcpyDtoHAsync func(dst unsafe.Pointer, src uint64, n uint64, stream uintptr) int32

	// cuFuncSetAttribute lets a kernel take more than 48 KiB of dynamic
	// shared memory (tcs.cu's deep pipelines).
	cuFuncSetAttribute func(fn uintptr, attrib int32, value int32) int32
	// cuFuncGetAttribute reads a compiled kernel's registers and local
	// (spilled) bytes per thread, for the tests' log.
	cuFuncGetAttribute func(v *int32, attrib int32, fn uintptr) int32
}

// nvrtc holds the NVRTC entry points (nvrtc.h).
type nvrtc struct {
	path                   string
	nvrtcVersion           func(major, minor *int32) int32
	nvrtcGetErrorString    func(rc int32) string
	nvrtcCreateProgram     func(prog *uintptr, src, name string, nHeaders int32, headers, names **byte) int32
	nvrtcCompileProgram    func(prog uintptr, nOpts int32, opts **byte) int32
	nvrtcDestroyProgram    func(prog *uintptr) int32
	nvrtcGetProgramLogSize func(prog uintptr, n *uint64) int32
	nvrtcGetProgramLog     func(prog uintptr, log *byte) int32
	nvrtcGetCUBINSize      func(prog uintptr, n *uint64) int32
	nvrtcGetCUBIN          func(prog uintptr, cubin *byte) int32
}

// CUresult codes given their own messages.
const (
	cudaSuccess             = 0
	cudaInsufficientDriver  = 35
	cudaNoDevice            = 100
	cudaDeviceNotLicensed   = 102
	attrMultiprocessorCount = 16
	attrCCMajor             = 75
	attrCCMinor             = 76
	eventDefault            = 0
)

// check turns a CUresult into an error naming the call.
func (d *driver) check(call string, rc int32) error {
	if rc == cudaSuccess {
		return nil
	}
	var s *byte
	msg := "unknown error"
	if d.cuGetErrorString(rc, &s) == cudaSuccess && s != nil {
		msg = native.CString(s)
	}
	return fmt.Errorf("cuda: %s: %s (CUresult %d)", call, msg, rc)
}

// spinFor is how long both sides of the CUDA thread (native.Thread) poll
// before they block: a Run takes a few microseconds of GPU time, and
// parking a goroutine costs several times that.
const spinFor = 200 * time.Microsecond

// device is the process-wide CUDA device 0 with its primary context.
type device struct {
	drv                *driver
	rtc                *nvrtc
	th                 *native.Thread
	dev                int32
	ctx                uintptr
	name               string
	major, minor       int
	sms                int
	driverVersion      int
	rtcMajor, rtcMinor int

	modMu   sync.Mutex
	modules map[string]*module

	poolOnce sync.Once
	pool     *memory.Pool
	poolErr  error

	// BitLinear tuning (autotune.go): one shape measured at a time, L2
	// flushed by a launch over a buffer of its own.
	tuneMu sync.Mutex
	flush  *launch
}

// memPool is the device's memory pool, made on first use.
func (d *device) memPool() (*memory.Pool, error) {
	d.poolOnce.Do(func() {
		// Basic tracking: live bytes and frees are counted (TrackNone counts
		// small-block frees only on the slow path), at no cost next to a
		// device allocation.
		d.pool, d.poolErr = memory.New(memory.Config{Name: "cuda:0", Backing: backing{d}, Tracking: memory.TrackBasic})
	})
	return d.pool, d.poolErr
}

// MemoryPool is the pool the backend's kernels allocate device memory from
// (for its statistics), or why there is none.
func MemoryPool() (*memory.Pool, error) {
	d, err := getDevice()
	if err != nil {
		return nil, err
	}
	return d.memPool()
}

// getDevice loads the libraries and opens device 0 once per process.
var getDevice = sync.OnceValues(openDevice)

func openDevice() (*device, error) {
	drv, err := loadDriver()
	if err != nil {
		return nil, err
	}
	d := &device{drv: drv, modules: map[string]*module{}}
	d.th, err = native.NewThread(spinFor, func() error {
		if rc := drv.cuInit(0); rc != cudaSuccess {
			switch rc {
			case cudaNoDevice:
				return fmt.Errorf("cuda: no CUDA-capable device (cuInit: CUresult %d; driver %s)", rc, drv.path)
			case cudaInsufficientDriver:
				return fmt.Errorf("cuda: the installed NVIDIA driver is too old for this libcuda (cuInit: CUresult %d)", rc)
			}
			return drv.check("cuInit", rc)
		}
		var v, n int32
		if err := drv.check("cuDriverGetVersion", drv.cuDriverGetVersion(&v)); err != nil {
			return err
		}
		d.driverVersion = int(v)
		if err := drv.check("cuDeviceGetCount", drv.cuDeviceGetCount(&n)); err != nil {
			return err
		}
		if n == 0 {
			return errors.New("cuda: the driver loads but reports no device")
		}
		if err := drv.check("cuDeviceGet", drv.cuDeviceGet(&d.dev, 0)); err != nil {
			return err
		}
		var name [256]byte
		if err := drv.check("cuDeviceGetName", drv.cuDeviceGetName(&name[0], int32(len(name)), d.dev)); err != nil {
			return err
		}
		d.name = native.CString(&name[0])
		var major, minor, sms int32
		for _, a := range []struct {
			v    *int32
			attr int32
		}{{&major, attrCCMajor}, {&minor, attrCCMinor}, {&sms, attrMultiprocessorCount}} {
			if err := drv.check("cuDeviceGetAttribute", drv.cuDeviceGetAttribute(a.v, a.attr, d.dev)); err != nil {
				return err
			}
		}
		d.major, d.minor, d.sms = int(major), int(minor), int(sms)
		if d.major < 6 || d.major == 6 && d.minor < 1 {
			return fmt.Errorf("cuda: %s is compute capability %d.%d; the kernels need dp4a (6.1 or later)", d.name, d.major, d.minor)
		}
		if err := drv.check("cuDevicePrimaryCtxRetain", drv.cuDevicePrimaryCtxRetain(&d.ctx, d.dev)); err != nil {
			return err
		}
		return drv.check("cuCtxSetCurrent", drv.cuCtxSetCurrent(d.ctx))
	})
	if err != nil {
		return nil, err
	}
	// NVRTC is part of availability: without it no kernel can be built.
	if d.rtc, err = loadNVRTC(); err != nil {
		return nil, fmt.Errorf("cuda: device %s found, but %w", d.name, err)
	}
	var ma, mi int32
	if rc := d.rtc.nvrtcVersion(&ma, &mi); rc == 0 {
		d.rtcMajor, d.rtcMinor = int(ma), int(mi)
	}
	return d, nil
}

// arch is the device's real architecture, e.g. "sm_90".
func (d *device) arch() string { return fmt.Sprintf("sm_%d%d", d.major, d.minor) }

// clusters reports thread block clusters and distributed shared memory
// (sm_90 on), which tck.cu's K splits need.
func (d *device) clusters() bool { return d.major >= 9 }

// wgmma reports warpgroup tensor-core instructions (sm_90 exactly: tcw.cu
// is compiled for sm_90a).
func (d *device) wgmma() bool { return d.major == 9 && d.minor == 0 }

// kernelPrelude is source put before a file of shaders/cuda when it is
// compiled: #defines that switches read from the environment set.
var kernelPrelude = map[string]string{}

// archSpecific names the sources compiled for sm_90a rather than sm_90 on
// an sm_90 device: their instructions (wgmma) are not in the portable
// architecture.
var archSpecific = map[string]bool{"tcw.cu": true}

// kernelFiles maps each source in shaders/cuda to its entry points. Each
// file is its own module, compiled on first use, so a kernel that fails to
// build takes down only the ops that need it.
var kernelFiles = map[string][]string{
	"bitlinear.cu": {"bitlinear_w2a8", "quantize_act", "matmul_f32",
		"act_relu", "act_gelu", "act_silu", "act_sigmoid", "act_tanh", "read_bw"},
	"gemv.cu": {"bitlinear_gemv_t1", "bitlinear_gemv_t8"},
	"wave.cu": waveKernelNames(),
	"tc.cu":   tcKernelNames(),
	"tcs.cu":  tcsKernelNames(),
	"tcg.cu":  tcgKernelNames(),
	"tck.cu":  tckKernelNames(),
	"tcw.cu":  tcwKernelNames(),
}

// module is one compiled source file.
type module struct {
	once sync.Once
	fns  map[string]uintptr
	err  error
}

// function returns a kernel, compiling its module on first use.
func (d *device) function(name string) (uintptr, error) {
	for file, names := range kernelFiles {
		if !slices.Contains(names, name) {
			continue
		}
		d.modMu.Lock()
		m := d.modules[file]
		if m == nil {
			m = &module{}
			d.modules[file] = m
		}
		d.modMu.Unlock()
		m.once.Do(func() { m.fns, m.err = d.buildModule(file, names) })
		if m.err != nil {
			return 0, m.err
		}
		return m.fns[name], nil
	}
	return 0, fmt.Errorf("cuda: no kernel %q in shaders/cuda", name)
}

// buildModule compiles a source with NVRTC to a cubin for this exact
// device and loads it.
func (d *device) buildModule(file string, names []string) (map[string]uintptr, error) {
	src, err := shaders.CUDA(file)
	if err != nil {
		return nil, err
	}
	src = kernelPrelude[file] + src
	arch, opts := d.compileOptions(file)
	dir, key := cubinCacheDir(), cubinKey(d.rtcMajor, d.rtcMinor, arch, opts, src)
	cubin := loadCubin(dir, key)
	cached := cubin != nil
	if !cached {
		if cubin, err = d.compile(src, file); err != nil {
			return nil, err
		}
	}
	fns := map[string]uintptr{}
	err = d.th.Do(func() error {
		var mod uintptr
		rc := d.drv.cuModuleLoadData(&mod, &cubin[0])
		if rc != 0 && cached { // a damaged cache entry: compile it again
			var err error
			if cubin, err = d.compile(src, file); err != nil {
				return err
			}
			cached = false
			rc = d.drv.cuModuleLoadData(&mod, &cubin[0])
		}
		if err := d.drv.check("cuModuleLoadData "+file, rc); err != nil {
			return err
		}
		if !cached {
			storeCubin(dir, key, cubin)
		}
		for _, n := range names {
			var fn uintptr
			if err := d.drv.check("cuModuleGetFunction "+n, d.drv.cuModuleGetFunction(&fn, mod, n)); err != nil {
				return err
			}
			fns[n] = fn
		}
		return nil
	})
	return fns, err
}

// compileOptions are the target architecture and NVRTC options of a
// source.
func (d *device) compileOptions(name string) (arch string, opts []string) {
	arch = d.arch()
	if archSpecific[name] && arch == "sm_90" {
		arch = "sm_90a" // wgmma exists only for the exact architecture
	}
	return arch, []string{"--gpu-architecture=" + arch, "--std=c++17", "--prec-div=true", "--prec-sqrt=true"}
}

// compile runs NVRTC. IEEE division and no fast math are NVRTC's defaults;
// they are spelled out because BitLinear and quantization must match the
// CPU reference bit for bit.
func (d *device) compile(src, name string) ([]byte, error) {
	r := d.rtc
	var prog uintptr
	if rc := r.nvrtcCreateProgram(&prog, src, name, 0, nil, nil); rc != 0 {
		return nil, fmt.Errorf("cuda: nvrtcCreateProgram: %s", r.nvrtcGetErrorString(rc))
	}
	defer r.nvrtcDestroyProgram(&prog)
	arch, opts := d.compileOptions(name)
	cOpts := make([]*byte, len(opts))
	keep := make([][]byte, len(opts))
	for i, o := range opts {
		keep[i] = append([]byte(o), 0)
		cOpts[i] = &keep[i][0]
	}
	rc := r.nvrtcCompileProgram(prog, int32(len(cOpts)), &cOpts[0])
	runtime.KeepAlive(keep)
	if rc != 0 {
		var n uint64
		log := ""
		if r.nvrtcGetProgramLogSize(prog, &n) == 0 && n > 1 {
			buf := make([]byte, n)
			if r.nvrtcGetProgramLog(prog, &buf[0]) == 0 {
				log = strings.TrimRight(string(buf), "\x00\n")
			}
		}
		return nil, fmt.Errorf("cuda: NVRTC %d.%d (%s) compiling %s for %s: %s\n%s", d.rtcMajor, d.rtcMinor, r.path, name, arch, r.nvrtcGetErrorString(rc), log)
	}
	var n uint64
	if rc := r.nvrtcGetCUBINSize(prog, &n); rc != 0 || n == 0 {
		return nil, fmt.Errorf("cuda: nvrtcGetCUBINSize: %s", r.nvrtcGetErrorString(rc))
	}
	cubin := make([]byte, n)
	if rc := r.nvrtcGetCUBIN(prog, &cubin[0]); rc != 0 {
		return nil, fmt.Errorf("cuda: nvrtcGetCUBIN: %s", r.nvrtcGetErrorString(rc))
	}
	return cubin, nil
}
