package ext

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/internal/native"
)

// EnvLibs lists the libraries a bare "ext" device opens.
const EnvLibs = "BITNET_EXT_LIBS"

func init() { kernels.RegisterScheme("ext", Open) }

// calls are the library's entry points, bound by load.
type calls struct {
	abiVersion func() uint32
	info       func() *libraryInfo
	prepare    func(p *problem, handle *uintptr, err *byte, errLen uintptr) int32
	run        func(handle uintptr, m int64, x, xScales, y uintptr, err *byte, errLen uintptr) int32
	free       func(handle uintptr)
	lastRunNs  func(handle uintptr) int64 // nil when the library does not export it
}

// Library is one loaded shared library and what it says about itself.
type Library struct {
	Path    string
	Name    string
	Version string
	Kernels []Kernel
	calls   calls
}

// Kernel is one entry of a library's kernel table.
type Kernel struct {
	Index        int
	Name         string
	WeightFormat string
	Op           uint32
	Activations  uint32
	Device       uint32
	Flags        uint32
	KMultiple    int
	NMultiple    int
}

var (
	openMu sync.Mutex
	opened = map[string]*Library{} // by absolute path: dlopen once
)

// Open is the "ext" scheme: arg is a library path, or "" for every path in
// BITNET_EXT_LIBS. It returns one backend per kernel of each library.
func Open(arg string) ([]kernels.Backend, error) {
	paths := []string{arg}
	if arg == "" {
		paths = filepath.SplitList(os.Getenv(EnvLibs))
		paths = slices.DeleteFunc(paths, func(p string) bool { return strings.TrimSpace(p) == "" })
		if len(paths) == 0 {
			return nil, fmt.Errorf("device ext: name a library (ext:/path/libfoo.so) or list them in %s", EnvLibs)
		}
	}
	var out []kernels.Backend
	for _, p := range paths {
		lib, err := Load(p)
		if err != nil {
			return nil, err
		}
		for _, k := range lib.Kernels {
			out = append(out, newBackend(lib, k))
		}
	}
	return out, nil
}

// Load opens the library at path (once per process), checks its ABI
// version and symbols and reads its kernel table. Every error names the
// path and what is wrong.
func Load(path string) (*Library, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("ext: %s: %v", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("ext: %s: %v", path, err)
	}
	openMu.Lock()
	defer openMu.Unlock()
	if lib, ok := opened[abs]; ok {
		return lib, nil
	}
	lib := &Library{Path: abs}
	if err := load(abs, &lib.calls); err != nil {
		return nil, fmt.Errorf("ext: %s: %w", path, err)
	}
	if err := lib.describe(); err != nil {
		return nil, fmt.Errorf("ext: %s: %w", path, err)
	}
	opened[abs] = lib
	return lib, nil
}

// namePattern is what library and kernel names may hold: they end case
// names, so no '/' and nothing a -bench regexp or a shell would mangle.
var namePattern = regexp.MustCompile(`^[a-z0-9_.-]*$`)

// describe checks the ABI version, then reads and validates the info table.
func (lib *Library) describe() error {
	if v := lib.calls.abiVersion(); v != ABIVersion {
		return fmt.Errorf("ABI version mismatch: the library was built for bitnet_bench.h ABI %d, this bitnet-bench speaks ABI %d (rebuild it against include/bitnet_bench.h)", v, ABIVersion)
	}
	info := lib.calls.info()
	if info == nil {
		return errors.New("bitnet_bench_info returned NULL")
	}
	if info.ABIVersion != ABIVersion {
		return fmt.Errorf("ABI version mismatch: bitnet_bench_info says ABI %d, bitnet_bench_abi_version %d", info.ABIVersion, ABIVersion)
	}
	lib.Name, lib.Version = native.CString(info.Name), native.CString(info.Version)
	if lib.Name == "" || !namePattern.MatchString(lib.Name) {
		return fmt.Errorf("library name %q: want [a-z0-9_.-]+", lib.Name)
	}
	if info.NKernels == 0 || info.Kernels == nil {
		return errors.New("bitnet_bench_info lists no kernels")
	}
	if info.NKernels > 1024 {
		return fmt.Errorf("bitnet_bench_info lists %d kernels: not a kernel table (ABI mismatch?)", info.NKernels)
	}
	seen := map[string]bool{}
	for i, ki := range unsafe.Slice(info.Kernels, info.NKernels) {
		k := Kernel{Index: i, Name: native.CString(ki.Name), WeightFormat: native.CString(ki.WeightFormat),
			Op: ki.Op, Activations: ki.Activations, Device: ki.Device, Flags: ki.Flags,
			KMultiple: int(ki.KMultiple), NMultiple: int(ki.NMultiple)}
		where := fmt.Sprintf("kernels[%d] %q", i, k.Name)
		switch {
		case !namePattern.MatchString(k.Name):
			return fmt.Errorf("%s: name: want [a-z0-9_.-]*", where)
		case seen[k.Name]:
			return fmt.Errorf("%s: name repeated", where)
		case k.Op != opBitLinear:
			return fmt.Errorf("%s: op %d: ABI %d knows BB_OP_BITLINEAR (1) only", where, k.Op, ABIVersion)
		case k.Activations&(actI8|actF32) == 0 || k.Activations&^(actI8|actF32) != 0:
			return fmt.Errorf("%s: activations %#x: want a mask of BB_ACT_I8 (1) and BB_ACT_F32 (2)", where, k.Activations)
		case k.Device != deviceCPU && k.Device != deviceCUDA:
			return fmt.Errorf("%s: device %d: want BB_DEVICE_CPU (0) or BB_DEVICE_CUDA (1)", where, k.Device)
		case k.KMultiple < 1 || k.NMultiple < 1:
			return fmt.Errorf("%s: k_multiple %d, n_multiple %d: want at least 1", where, k.KMultiple, k.NMultiple)
		case k.Flags&flagTimesSelf != 0 && lib.calls.lastRunNs == nil:
			return fmt.Errorf("%s: sets BB_FLAG_TIMES_SELF but the library does not export bitnet_bench_last_run_ns", where)
		}
		seen[k.Name] = true
		lib.Kernels = append(lib.Kernels, k)
	}
	return nil
}

// backendName is the case target of kernel k: ext-<library>[-<kernel>].
func (lib *Library) backendName(k Kernel) string {
	if k.Name == "" {
		return "ext-" + lib.Name
	}
	return "ext-" + lib.Name + "-" + k.Name
}

// cString reads the NUL-terminated message a call left in buf.
func cString(buf []byte) string {
	if i := slices.Index(buf, 0); i >= 0 {
		buf = buf[:i]
	}
	if len(buf) == 0 {
		return "no message"
	}
	return string(buf)
}
