// Package ext is the backend for kernels of other shared libraries: any
// library that implements the C ABI of include/bitnet_bench.h (C, C++, Rust,
// CUDA) is loaded with purego, no cgo, and its BitLinear kernels go through
// the same catalogue, reference check, timing, roofline, telemetry and
// report as this module's own.
//
// A device named ext:/path/libfoo.so opens one library; a bare "ext" opens
// every library listed in BITNET_EXT_LIBS (a path list, ':'-separated). A
// library offers one or more kernels, each a backend named
// ext-<library>[-<kernel>], so a case reads
// BitLinear/2560x2560/b1/i2/ext-ggml-tq2_0.
//
// Before a kernel is timed, Prepare runs it once and compares its output
// with the pure-Go reference; a kernel that disagrees is a
// *kernels.WrongResultError (status "wrong"), never a time. Each new shape
// is first tried in a child process, so a library that crashes in prepare
// or run is reported with its signal instead of taking the run down.
package ext

// The Go twins of include/bitnet_bench.h. Layouts match the C structs on
// LP64 targets: fields are ordered so that neither side pads.

// ABIVersion is the BITNET_BENCH_ABI_VERSION this package speaks.
const ABIVersion = 1

// Constants of the ABI (BB_*).
const (
	opBitLinear = 1

	actI8  = 1
	actF32 = 2

	deviceCPU  = 0
	deviceCUDA = 1

	flagThreads   = 1
	flagTimesSelf = 2
)

// libraryInfo is bb_library_info.
type libraryInfo struct {
	ABIVersion uint32
	NKernels   uint32
	Name       *byte
	Version    *byte
	Kernels    *kernelInfo
}

// kernelInfo is bb_kernel_info.
type kernelInfo struct {
	Name         *byte
	WeightFormat *byte
	Op           uint32
	Activations  uint32
	Device       uint32
	Flags        uint32
	KMultiple    int64
	NMultiple    int64
}

// problem is bb_problem. Pointers are held as uintptr: they point at Go
// memory kept alive across the call, or at device memory.
type problem struct {
	StructSize  uint32
	Kernel      uint32
	Activations uint32
	Threads     int32
	N, K        int64
	MaxM        int64
	Codes       uintptr
	Scales      uintptr
	Stream      uintptr
}
