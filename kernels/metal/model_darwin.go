//go:build darwin

package metal

import (
	"errors"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/ebitengine/purego/objc"

	"github.com/bitnet-go/bitnet-bench/kernels/model"
)

// metalGPU is the model device's gpu on a Mac: shared MTLBuffers (one
// copy, seen by the CPU and the GPU) and serial compute dispatches. Like
// driver_darwin.go it builds in CI (GOOS=darwin) but runs only on a Mac.
type metalGPU struct {
	d    *device
	mu   sync.Mutex
	bufs []objc.ID
}

func (d *device) newModelGPU() (gpu, error) { return &metalGPU{d: d}, nil }

func (g *metalGPU) alloc(n int) (int, []byte, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n = max(n, 4) // Metal refuses empty buffers
	var id objc.ID
	var mem []byte
	withPool(func() {
		id = g.d.dev.Send(selNewBuffer, uint64(n), uint64(storageModeShared))
		if id != 0 {
			mem = unsafe.Slice((*byte)(objc.Send[unsafe.Pointer](id, selContents)), n)
		}
	})
	if id == 0 {
		return 0, nil, fmt.Errorf("newBufferWithLength:%d failed (out of memory?)", n)
	}
	clear(mem)
	g.bufs = append(g.bufs, id)
	return len(g.bufs) - 1, mem, nil
}

// limits sizes threadgroups as kernel.build does.
func (g *metalGPU) limits(kernel string) (width, tg int, err error) {
	p, err := g.d.pipeline(kernel)
	if err != nil {
		return 0, 0, err
	}
	tg = threadgroup
	if p.maxThreads < tg {
		tg = p.maxThreads / p.width * p.width
	}
	return p.width, tg, nil
}

// run encodes ds into one command buffer, or, timed, one command buffer
// per run of dispatches of the same part, all committed before the first
// wait; each buffer's GPU time goes to its part.
func (g *metalGPU) run(ds []mdispatch, times *[model.NumParts]time.Duration) (time.Duration, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.bufs == nil {
		return 0, errors.New("metal: model: run after Close")
	}
	var total time.Duration
	var err error
	withPool(func() { total, err = g.encode(ds, times) })
	return total, err
}

func (g *metalGPU) encode(ds []mdispatch, times *[model.NumParts]time.Duration) (time.Duration, error) {
	type segment struct {
		cb   objc.ID
		part model.Part
	}
	var segs []segment
	for i := 0; i < len(ds); {
		j := i + 1
		if times != nil {
			for j < len(ds) && ds[j].part == ds[i].part {
				j++
			}
		} else {
			j = len(ds)
		}
		cb := g.d.queue.Send(selCommandBuffer)
		if cb == 0 {
			return 0, errors.New("metal: commandBuffer returned nil")
		}
		enc := cb.Send(selComputeEncoder) // serial dispatch: each sees the writes before it
		if enc == 0 {
			return 0, errors.New("metal: computeCommandEncoder returned nil")
		}
		for _, d := range ds[i:j] {
			p, err := g.d.pipeline(d.kernel)
			if err != nil {
				enc.Send(selEndEncoding)
				return 0, err
			}
			enc.Send(selSetPipeline, p.id)
			for idx, a := range d.args {
				enc.Send(selSetBuffer, g.bufs[a.buf], uint64(a.off), uint64(idx))
			}
			enc.Send(selSetBytes, unsafe.Pointer(&d.params[0]), uint64(4*len(d.params)), uint64(len(d.args)))
			enc.Send(selDispatchThreadgroup, toSize(d.groups), toSize(d.threads))
		}
		enc.Send(selEndEncoding)
		cb.Send(selCommit)
		segs = append(segs, segment{cb, ds[i].part})
		i = j
	}
	var total time.Duration
	for _, s := range segs {
		s.cb.Send(selWaitUntilCompleted)
		if st := objc.Send[uint64](s.cb, selStatus); st != statusCompleted {
			return 0, fmt.Errorf("metal: model: command buffer ended with status %d: %s", st, nsErrorText(s.cb.Send(selError)))
		}
		start, end := objc.Send[float64](s.cb, selGPUStartTime), objc.Send[float64](s.cb, selGPUEndTime)
		dt := time.Duration((end - start) * 1e9)
		total += dt
		if times != nil {
			times[s.part] += dt
		}
	}
	return total, nil
}

func (g *metalGPU) close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, b := range g.bufs {
		b.Send(selRelease)
	}
	g.bufs = nil
	return nil
}
