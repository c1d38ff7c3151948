//go:build darwin

package metal

import (
	"errors"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/ebitengine/purego/objc"

	"github.com/bitnet-go/bitnet-bench/kernels"
)

var (
	selSetMathMode         = objc.RegisterName("setMathMode:")
	selSetFastMath         = objc.RegisterName("setFastMathEnabled:")
	selSetMathFunctions    = objc.RegisterName("setMathFloatingPointFunctions:")
	selNewLibrary          = objc.RegisterName("newLibraryWithSource:options:error:")
	selNewFunction         = objc.RegisterName("newFunctionWithName:")
	selNewPipeline         = objc.RegisterName("newComputePipelineStateWithFunction:error:")
	selExecutionWidth      = objc.RegisterName("threadExecutionWidth")
	selMaxThreads          = objc.RegisterName("maxTotalThreadsPerThreadgroup")
	selNewBuffer           = objc.RegisterName("newBufferWithLength:options:")
	selContents            = objc.RegisterName("contents")
	selCommandBuffer       = objc.RegisterName("commandBuffer")
	selComputeEncoder      = objc.RegisterName("computeCommandEncoder")
	selSetPipeline         = objc.RegisterName("setComputePipelineState:")
	selSetBuffer           = objc.RegisterName("setBuffer:offset:atIndex:")
	selSetBytes            = objc.RegisterName("setBytes:length:atIndex:")
	selDispatchThreadgroup = objc.RegisterName("dispatchThreadgroups:threadsPerThreadgroup:")
	selEndEncoding         = objc.RegisterName("endEncoding")
	selCommit              = objc.RegisterName("commit")
	selWaitUntilCompleted  = objc.RegisterName("waitUntilCompleted")
	selStatus              = objc.RegisterName("status")
	selError               = objc.RegisterName("error")
	selGPUStartTime        = objc.RegisterName("GPUStartTime")
	selGPUEndTime          = objc.RegisterName("GPUEndTime")
)

const (
	storageModeShared = 0 // MTLResourceStorageModeShared: one copy, seen by CPU and GPU
	statusCompleted   = 4 // MTLCommandBufferStatusCompleted
)

// mtlSize is MTLSize, three NSUInteger, passed by value: purego/objc
// places a struct argument as the platform ABI wants (by reference on
// arm64, on the stack on amd64, both for 24 bytes).
type mtlSize struct{ W, H, D uint64 }

func toSize(v [3]int) mtlSize { return mtlSize{uint64(v[0]), uint64(v[1]), uint64(v[2])} }

// library compiles the assembled source once, with fast math off so the
// body's + − × ÷ are IEEE binary32 and nothing is fused or reassociated
// (MTLMathModeSafe and the precise function set from macOS 15;
// fastMathEnabled = NO, which means both, before it).
func (d *device) library() (objc.ID, error) {
	d.libOnce.Do(func() {
		src, err := metalSource()
		if err != nil {
			d.libErr = err
			return
		}
		withPool(func() {
			opts := objc.ID(classCompileOptions).Send(selNew)
			defer opts.Send(selRelease)
			if responds(opts, selSetMathMode) {
				opts.Send(selSetMathMode, int64(mathModeSafe))
				opts.Send(selSetMathFunctions, int64(mathFunctionsPrecise))
			} else {
				opts.Send(selSetFastMath, false)
			}
			errp := new(objc.ID)
			d.lib = d.dev.Send(selNewLibrary, nsString(src), opts, unsafe.Pointer(errp))
			if d.lib == 0 {
				d.libErr = fmt.Errorf("metal: compiling shaders/metal on %s: %s", d.name, nsErrorText(*errp))
			}
		})
	})
	return d.lib, d.libErr
}

// pipeline is a compiled kernel with the limits its dispatches are sized by.
type pipeline struct {
	id         objc.ID
	width      int // threadExecutionWidth: the SIMD width
	maxThreads int // maxTotalThreadsPerThreadgroup
}

// pipeline returns the kernel's pipeline, building it on first use.
func (d *device) pipeline(name string) (*pipeline, error) {
	d.pipeMu.Lock()
	defer d.pipeMu.Unlock()
	if p := d.pipes[name]; p != nil {
		return p, nil
	}
	lib, err := d.library()
	if err != nil {
		return nil, err
	}
	var p *pipeline
	withPool(func() {
		fn := lib.Send(selNewFunction, nsString(name))
		if fn == 0 {
			err = fmt.Errorf("metal: no kernel %s in shaders/metal", name)
			return
		}
		defer fn.Send(selRelease)
		errp := new(objc.ID)
		id := d.dev.Send(selNewPipeline, fn, unsafe.Pointer(errp))
		if id == 0 {
			err = fmt.Errorf("metal: pipeline %s: %s", name, nsErrorText(*errp))
			return
		}
		p = &pipeline{id: id, width: int(objc.Send[uint64](id, selExecutionWidth)), maxThreads: int(objc.Send[uint64](id, selMaxThreads))}
	})
	if err != nil {
		return nil, err
	}
	if p.width <= 0 || p.maxThreads < p.width {
		return nil, fmt.Errorf("metal: pipeline %s: SIMD width %d, at most %d threads a threadgroup", name, p.width, p.maxThreads)
	}
	d.pipes[name] = p
	return p, nil
}

// kernel is a plan bound to shared buffers and pipelines.
type kernel struct {
	d     *device
	mu    sync.Mutex
	bufs  []objc.ID
	mem   [][]byte // each buffer's contents
	outs  []int    // indices of the output buffers
	fetch []func([]byte)
	steps []step
	last  time.Duration
}

// step is one encoded dispatch.
type step struct {
	pipe       objc.ID
	binds      [][2]uint64 // buffer index, buffer
	params     []uint32
	paramIndex int
	groups     mtlSize
	threads    mtlSize
}

func (d *device) open(pl *plan) (kernels.Kernel, error) {
	k := &kernel{d: d}
	var err error
	withPool(func() { err = k.build(pl) })
	if err != nil {
		return nil, errors.Join(err, k.Close())
	}
	return k, nil
}

func (k *kernel) build(pl *plan) error {
	for _, b := range pl.bufs {
		n := max(b.size, 4) // Metal refuses empty buffers
		id := k.d.dev.Send(selNewBuffer, uint64(n), uint64(storageModeShared))
		if id == 0 {
			return fmt.Errorf("newBufferWithLength:%d failed (%s: out of memory?)", n, b.name)
		}
		mem := unsafe.Slice((*byte)(objc.Send[unsafe.Pointer](id, selContents)), n)
		k.bufs, k.mem = append(k.bufs, id), append(k.mem, mem)
		copy(mem, b.in)
		if b.fetch != nil {
			k.outs, k.fetch = append(k.outs, len(k.bufs)-1), append(k.fetch, b.fetch)
		}
	}
	for _, ds := range pl.dispatches {
		p, err := k.d.pipeline(ds.kernel)
		if err != nil {
			return err
		}
		tg := threadgroup
		if p.maxThreads < tg {
			tg = p.maxThreads / p.width * p.width
		}
		groups, threads := ds.grid(p.width, tg)
		st := step{pipe: p.id, params: ds.params, groups: toSize(groups), threads: toSize(threads)}
		for name, bi := range ds.bufs {
			idx, err := argIndex(ds.kernel, name)
			if err != nil {
				return err
			}
			st.binds = append(st.binds, [2]uint64{uint64(idx), uint64(k.bufs[bi])})
		}
		if st.paramIndex, err = argIndex(ds.kernel, "params"); err != nil {
			return err
		}
		k.steps = append(k.steps, st)
	}
	return nil
}

// Run encodes the dispatches into one command buffer, commits it and waits
// for it, so Run returns only when the GPU has finished (and a GPU fault
// surfaces here).
func (k *kernel) Run() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.bufs == nil {
		return errors.New("metal: Run after Close")
	}
	var err error
	withPool(func() { err = k.run() })
	return err
}

func (k *kernel) run() error {
	cb := k.d.queue.Send(selCommandBuffer)
	if cb == 0 {
		return errors.New("metal: commandBuffer returned nil")
	}
	enc := cb.Send(selComputeEncoder)
	if enc == 0 {
		return errors.New("metal: computeCommandEncoder returned nil")
	}
	for _, st := range k.steps {
		enc.Send(selSetPipeline, st.pipe)
		for _, b := range st.binds {
			enc.Send(selSetBuffer, objc.ID(b[1]), uint64(0), b[0])
		}
		enc.Send(selSetBytes, unsafe.Pointer(&st.params[0]), uint64(4*len(st.params)), uint64(st.paramIndex))
		enc.Send(selDispatchThreadgroup, st.groups, st.threads)
	}
	enc.Send(selEndEncoding)
	cb.Send(selCommit)
	cb.Send(selWaitUntilCompleted)
	if s := objc.Send[uint64](cb, selStatus); s != statusCompleted {
		return fmt.Errorf("metal: command buffer ended with status %d: %s", s, nsErrorText(cb.Send(selError)))
	}
	start, end := objc.Send[float64](cb, selGPUStartTime), objc.Send[float64](cb, selGPUEndTime)
	k.last = time.Duration((end - start) * 1e9)
	return nil
}

var _ kernels.DeviceTimer = (*kernel)(nil)

// DeviceTime is the GPU time of the last Run's command buffer.
func (k *kernel) DeviceTime() time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.last
}

// Fetch copies the outputs of the last Run from the shared buffers into
// the Problem.
func (k *kernel) Fetch() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i, b := range k.outs {
		k.fetch[i](k.mem[b])
	}
	return nil
}

// Close releases the buffers; pipelines stay cached on the device.
func (k *kernel) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, b := range k.bufs {
		b.Send(selRelease)
	}
	k.bufs, k.mem, k.steps = nil, nil, nil
	return nil
}
