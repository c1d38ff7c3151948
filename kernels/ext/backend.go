package ext

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cuda"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// Backend is one kernel of a loaded library at one thread count.
type Backend struct {
	lib     *Library
	k       Kernel
	threads int
}

var _ kernels.Tunable = (*Backend)(nil)

func newBackend(lib *Library, k Kernel) *Backend { return &Backend{lib: lib, k: k, threads: 1} }

// Name is ext-<library>[-<kernel>]: the case target.
func (b *Backend) Name() string { return b.lib.backendName(b.k) }

// Level is where the kernel runs, "cpu" or "cuda" ("none" where it cannot
// run): an external kernel has no ISA level of ours.
func (b *Backend) Level() string {
	switch {
	case b.k.Device != deviceCUDA:
		return "cpu"
	case b.Available() != nil:
		return "none"
	}
	return "cuda"
}

// Library is the library the kernel comes from.
func (b *Backend) Library() *Library { return b.lib }

// Kernel is the kernel's entry in its library's table.
func (b *Backend) Kernel() Kernel { return b.k }

// Available is nil for CPU kernels (the library loaded); a CUDA kernel
// needs a CUDA device.
func (b *Backend) Available() error {
	if b.k.Device == deviceCUDA {
		if _, err := gpu(); err != nil {
			return fmt.Errorf("%s is a CUDA kernel: %w", b.Name(), err)
		}
	}
	return nil
}

// gpu is the CUDA device, stream and events that every CUDA kernel of
// every library shares, opened on first use.
var gpu = sync.OnceValues(cuda.OpenExternal)

// Implements reports whether the library's kernel is op.
func (b *Backend) Implements(op kernels.Op) bool {
	return op == kernels.OpBitLinear && b.k.Op == opBitLinear
}

// Levels is the kernel's one level: --isa chooses among our CPU levels and
// does not apply to another library's kernel.
func (b *Backend) Levels() []string { return []string{b.Level()} }

// Threads is the thread count passed to the library.
func (b *Backend) Threads() int { return b.threads }

// With returns the kernel at another thread count; level is ignored (see
// Levels).
func (b *Backend) With(level string, threads int) (kernels.Backend, error) {
	if threads < 1 {
		return nil, fmt.Errorf("%s: %d threads", b.Name(), threads)
	}
	if threads > 1 && b.k.Flags&flagThreads == 0 {
		return nil, fmt.Errorf("%s: the kernel does not take a thread count (no BB_FLAG_THREADS)", b.Name())
	}
	c := *b
	c.threads = threads
	return &c, nil
}

// Parallel reports whether the kernel splits its work over Threads.
func (b *Backend) Parallel(op kernels.Op) bool { return b.Implements(op) && b.k.Flags&flagThreads != 0 }

// activations is the type the harness passes: int8, as our kernels take
// it, when the kernel offers it.
func (b *Backend) activations() uint32 {
	if b.k.Activations&actI8 != 0 {
		return actI8
	}
	return actF32
}

// Prepare hands p's weights to the library as codes and row scales, runs
// the kernel once and checks its output against the pure-Go reference: a
// kernel that disagrees returns a *kernels.WrongResultError and is never
// timed. A shape the kernel's blocks do not divide is not implemented.
func (b *Backend) Prepare(p *kernels.Problem) (kernels.Kernel, error) {
	if err := b.Available(); err != nil {
		return nil, err
	}
	if !b.Implements(p.Op) {
		return nil, &kernels.NotImplementedError{Op: p.Op, Backend: b.Name()}
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	if p.K%b.k.KMultiple != 0 || p.N%b.k.NMultiple != 0 {
		return nil, &kernels.NotImplementedError{Op: p.Op, Backend: b.Name(),
			Why: fmt.Sprintf("N×K = %d×%d: the kernel takes N a multiple of %d and K a multiple of %d", p.N, p.K, b.k.NMultiple, b.k.KMultiple)}
	}
	if err := guard(b, p.N, p.K, p.M); err != nil {
		return nil, err
	}
	codes, scales := canonical(p)
	var (
		k   kernels.Kernel
		err error
	)
	if b.k.Device == deviceCUDA {
		k, err = b.prepareCUDA(p, codes, scales)
	} else {
		k, err = b.prepareCPU(p, codes, scales)
	}
	if err != nil {
		return nil, err
	}
	if err := b.check(k, p); err != nil {
		k.Close()
		return nil, err
	}
	return k, nil
}

// canonical unpacks p's weights into N×K codes and N row scales: the
// library's input, whatever layout it packs them into.
func canonical(p *kernels.Problem) (codes []int8, scales []float32) {
	codes = make([]int8, p.N*p.K)
	scales = make([]float32, p.N)
	for n := range p.N {
		pack.Unpack2BitRow(codes[n*p.K:(n+1)*p.K], p.Weights.Packed.Row(n))
		scales[n] = p.Weights.RowScale(n)
	}
	return codes, scales
}

// floatActivations are xq/x_scale, what a BB_ACT_F32 kernel takes.
func floatActivations(p *kernels.Problem) []float32 {
	x := make([]float32, p.M*p.K)
	for m := range p.M {
		for k := range p.K {
			x[m*p.K+k] = float32(p.XQ[m*p.K+k]) / p.XScales[m]
		}
	}
	return x
}

// Tolerances of the reference check, relative to the largest |y| of a
// token: int8 activations leave only the kernel's float rounding (ggml's
// f16 block scale is 2^-11 relative); float activations add the kernel's
// own quantization of x.
const (
	tolI8  = 1e-3
	tolF32 = 2e-2
)

// check runs k once and compares p.Y with the reference.
func (b *Backend) check(k kernels.Kernel, p *kernels.Problem) error {
	for i := range p.M * p.N {
		p.Y[i] = float32(math.NaN()) // an output the kernel does not write is noticed
	}
	if err := k.Run(); err != nil {
		return err
	}
	if err := k.Fetch(); err != nil {
		return err
	}
	ref := *p
	ref.Y = make([]float32, p.M*p.N)
	kernels.RefBitLinear(&ref)
	tol := tolI8
	if b.activations() == actF32 {
		tol = tolF32
	}
	if msg := compare(p.Y[:p.M*p.N], ref.Y, p.M, p.N, tol); msg != "" {
		return &kernels.WrongResultError{Op: p.Op, Backend: b.Name(), Msg: msg}
	}
	return nil
}

// compare returns "" when every output is within tol·max|ref| of its
// token, or where the first one is not and how many are not.
func compare(got, ref []float32, m, n int, tol float64) string {
	bad, first := 0, ""
	for t := range m {
		var scale float64
		for _, v := range ref[t*n : (t+1)*n] {
			scale = max(scale, math.Abs(float64(v)))
		}
		limit := tol * max(scale, 1e-30)
		for j := range n {
			g, r := float64(got[t*n+j]), float64(ref[t*n+j])
			if d := math.Abs(g - r); !(d <= limit) { // NaN fails too
				if bad == 0 {
					first = fmt.Sprintf("y[m=%d, n=%d] = %g, reference %g (|diff| %.3g > %.3g, %g of the token's max |y|)", t, j, g, r, d, limit, tol)
				}
				bad++
			}
		}
	}
	if bad == 0 {
		return ""
	}
	return fmt.Sprintf("%s; %d of %d outputs differ", first, bad, m*n)
}

// newProblem is the bb_problem of p for this backend.
func (b *Backend) newProblem(p *kernels.Problem, codes []int8, scales []float32, stream uintptr) problem {
	pr := problem{
		StructSize: uint32(unsafe.Sizeof(problem{})), Kernel: uint32(b.k.Index), Activations: b.activations(),
		N: int64(p.N), K: int64(p.K), MaxM: int64(p.M),
		Codes: uintptr(unsafe.Pointer(&codes[0])), Scales: uintptr(unsafe.Pointer(&scales[0])), Stream: stream,
	}
	if b.k.Flags&flagThreads != 0 {
		pr.Threads = int32(b.threads)
	}
	return pr
}

// errBufLen is the room a library gets for an error message.
const errBufLen = 1024

// prepareLib calls bitnet_bench_prepare; codes and scales must stay alive
// until it returns (the caller's KeepAlive).
func (b *Backend) prepareLib(pr *problem) (uintptr, error) {
	var h uintptr
	buf := make([]byte, errBufLen)
	if rc := b.lib.calls.prepare(pr, &h, &buf[0], uintptr(len(buf))); rc != 0 {
		return 0, fmt.Errorf("%s: bitnet_bench_prepare(N=%d, K=%d, max_m=%d) returned %d: %s", b.Name(), pr.N, pr.K, pr.MaxM, rc, cString(buf))
	}
	if h == 0 {
		return 0, fmt.Errorf("%s: bitnet_bench_prepare returned 0 but no handle", b.Name())
	}
	return h, nil
}

// cpuKernel runs a CPU kernel on the Problem's host memory.
type cpuKernel struct {
	b      *Backend
	p      *kernels.Problem
	h      uintptr
	x      unsafe.Pointer // XQ, or its float twin
	xs     unsafe.Pointer // XScales, or nil
	keep   any            // the float twin, alive while the kernel is
	errBuf []byte
}

func (b *Backend) prepareCPU(p *kernels.Problem, codes []int8, scales []float32) (kernels.Kernel, error) {
	pr := b.newProblem(p, codes, scales, 0)
	h, err := b.prepareLib(&pr)
	runtime.KeepAlive(codes)
	runtime.KeepAlive(scales)
	if err != nil {
		return nil, err
	}
	k := &cpuKernel{b: b, p: p, h: h, errBuf: make([]byte, errBufLen)}
	if b.activations() == actI8 {
		k.x, k.xs = unsafe.Pointer(&p.XQ[0]), unsafe.Pointer(&p.XScales[0])
	} else {
		xf := floatActivations(p)
		k.x, k.keep = unsafe.Pointer(&xf[0]), xf
	}
	if b.k.Flags&flagTimesSelf != 0 {
		return &timedCPUKernel{k}, nil
	}
	return k, nil
}

// Run calls bitnet_bench_run for the Problem's M tokens.
func (k *cpuKernel) Run() error {
	rc := k.b.lib.calls.run(k.h, int64(k.p.M), uintptr(k.x), uintptr(k.xs), uintptr(unsafe.Pointer(&k.p.Y[0])), &k.errBuf[0], uintptr(len(k.errBuf)))
	runtime.KeepAlive(k.p)
	runtime.KeepAlive(k.keep)
	if rc != 0 {
		return fmt.Errorf("%s: bitnet_bench_run(m=%d) returned %d: %s", k.b.Name(), k.p.M, rc, cString(k.errBuf))
	}
	return nil
}

// Fetch is a no-op: the library writes the Problem's Y.
func (k *cpuKernel) Fetch() error { return nil }

// Close frees the handle; a second Close does nothing.
func (k *cpuKernel) Close() error {
	if k.h != 0 {
		k.b.lib.calls.free(k.h)
		k.h = 0
	}
	return nil
}

// timedCPUKernel is a CPU kernel that reports its own time
// (BB_FLAG_TIMES_SELF).
type timedCPUKernel struct{ *cpuKernel }

// DeviceTime is bitnet_bench_last_run_ns of the last Run.
func (k *timedCPUKernel) DeviceTime() time.Duration {
	return time.Duration(k.b.lib.calls.lastRunNs(k.h))
}

// cudaKernel runs a CUDA kernel on device copies of the Problem's operands,
// timed with CUDA events on the library's stream.
type cudaKernel struct {
	b        *Backend
	p        *kernels.Problem
	g        *cuda.External
	h        uintptr
	x, xs, y uint64
	last     time.Duration
	errBuf   []byte
}

func (b *Backend) prepareCUDA(p *kernels.Problem, codes []int8, scales []float32) (kernels.Kernel, error) {
	g, err := gpu()
	if err != nil {
		return nil, err
	}
	k := &cudaKernel{b: b, p: p, g: g, errBuf: make([]byte, errBufLen)}
	var x unsafe.Pointer
	var xBytes int
	var xf []float32
	if b.activations() == actI8 {
		x, xBytes = unsafe.Pointer(&p.XQ[0]), p.M*p.K
	} else {
		xf = floatActivations(p)
		x, xBytes = unsafe.Pointer(&xf[0]), 4*p.M*p.K
	}
	fail := func(err error) (kernels.Kernel, error) { k.Close(); return nil, err }
	if k.x, err = g.Alloc(xBytes); err != nil {
		return fail(err)
	}
	if err := g.Upload(k.x, x, xBytes); err != nil {
		return fail(err)
	}
	runtime.KeepAlive(xf)
	if b.activations() == actI8 {
		if k.xs, err = g.Alloc(4 * p.M); err != nil {
			return fail(err)
		}
		if err := g.Upload(k.xs, unsafe.Pointer(&p.XScales[0]), 4*p.M); err != nil {
			return fail(err)
		}
	}
	if k.y, err = g.Alloc(4 * p.M * p.N); err != nil {
		return fail(err)
	}
	pr := b.newProblem(p, codes, scales, g.Stream())
	err = g.Do(func() error {
		k.h, err = b.prepareLib(&pr)
		return err
	})
	runtime.KeepAlive(codes)
	runtime.KeepAlive(scales)
	if err != nil {
		return fail(err)
	}
	return k, nil
}

// Run enqueues the kernel between two events and waits for it.
func (k *cudaKernel) Run() error {
	var rc int32
	d, err := k.g.Timed(func() error {
		rc = k.b.lib.calls.run(k.h, int64(k.p.M), uintptr(k.x), uintptr(k.xs), uintptr(k.y), &k.errBuf[0], uintptr(len(k.errBuf)))
		return nil
	})
	if rc != 0 {
		return fmt.Errorf("%s: bitnet_bench_run(m=%d) returned %d: %s", k.b.Name(), k.p.M, rc, cString(k.errBuf))
	}
	if err != nil {
		return fmt.Errorf("%s: %w", k.b.Name(), err)
	}
	k.last = d
	return nil
}

// DeviceTime is the event-timed GPU time of the last Run.
func (k *cudaKernel) DeviceTime() time.Duration { return k.last }

// Fetch copies y back into the Problem.
func (k *cudaKernel) Fetch() error {
	err := k.g.Download(unsafe.Pointer(&k.p.Y[0]), k.y, 4*k.p.M*k.p.N)
	runtime.KeepAlive(k.p)
	return err
}

// Close frees the handle and the device buffers.
func (k *cudaKernel) Close() error {
	var first error
	if k.h != 0 {
		h := k.h
		first = k.g.Do(func() error { k.b.lib.calls.free(h); return nil })
		k.h = 0
	}
	for _, p := range []*uint64{&k.x, &k.xs, &k.y} {
		if *p != 0 {
			if err := k.g.Free(*p); err != nil && first == nil {
				first = err
			}
			*p = 0
		}
	}
	return first
}
