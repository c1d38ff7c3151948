package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// workerPool runs a range of work over a fixed set of goroutines, started
// once, so a kernel call spawns nothing.
//
// The range is cut into a few chunks per thread that the caller and the
// workers claim from an atomic counter. A worker that is slow to wake, or
// that the OS has descheduled (a loaded 2-core machine), then holds up
// nothing: the others take its chunks, and the caller waits only for
// chunks already claimed. Workers spin briefly after a job before parking,
// so back-to-back kernel calls (a decode step, a benchmark loop) usually
// find them awake.
type workerPool struct {
	threads int
	workers []*worker
	mu      sync.Mutex // one run at a time on a pool
}

type worker struct {
	slot     atomic.Pointer[poolJob]
	sleeping atomic.Bool
	wake     chan struct{}
}

// poolJob is one run: chunks [i·per, min((i+1)·per, n)) for i < chunks.
type poolJob struct {
	fn     func(lo, hi int)
	n, per int32
	chunks int32
	next   atomic.Int32 // next chunk to claim
	done   atomic.Int32 // chunks finished
}

// claimAll does chunks until none are left.
func (j *poolJob) claimAll() {
	for {
		i := j.next.Add(1) - 1
		if i >= j.chunks {
			return
		}
		lo := int(i * j.per)
		j.fn(lo, min(lo+int(j.per), int(j.n)))
		j.done.Add(1)
	}
}

// spinFor is how long an idle worker keeps polling before it parks.
const spinFor = 20 * time.Microsecond

// chunksPerThread trades load balance against per-chunk overhead. Two
// beat four, eight and sixteen on the 2-core EPYC for cache-resident GEMV
// at two threads (2560×2560: ~1.75× one thread against ~1.6× with four;
// measured interleaved): each thread then streams long runs of rows.
const chunksPerThread = 2

var (
	poolsMu sync.Mutex
	pools   = map[int]*workerPool{}
)

// poolFor returns the shared pool of the given width, starting it on first
// use. Pools live for the process, like the runtime's own workers.
func poolFor(threads int) *workerPool {
	if threads < 1 {
		threads = 1
	}
	poolsMu.Lock()
	defer poolsMu.Unlock()
	if p, ok := pools[threads]; ok {
		return p
	}
	p := &workerPool{threads: threads}
	for i := 1; i < threads; i++ {
		w := &worker{wake: make(chan struct{}, 1)}
		p.workers = append(p.workers, w)
		go w.loop()
	}
	pools[threads] = p
	return p
}

func (w *worker) loop() {
	for {
		if j := w.slot.Swap(nil); j != nil {
			j.claimAll()
			continue
		}
		deadline := time.Now().Add(spinFor)
		for w.slot.Load() == nil && time.Now().Before(deadline) {
			for i := 0; i < 64 && w.slot.Load() == nil; i++ {
			}
		}
		if w.slot.Load() != nil {
			continue
		}
		w.sleeping.Store(true)
		if w.slot.Load() != nil { // posted between the check and the flag
			w.sleeping.Store(false)
			continue
		}
		<-w.wake
	}
}

func (w *worker) post(j *poolJob) {
	w.slot.Store(j)
	if w.sleeping.CompareAndSwap(true, false) {
		w.wake <- struct{}{}
	}
}

// run calls fn over [0, n) in contiguous chunks whose boundaries are
// multiples of grain, and returns when all are done.
func (p *workerPool) run(n, grain int, fn func(lo, hi int)) {
	if p.threads == 1 || n <= grain {
		fn(0, n)
		return
	}
	chunks := min(p.threads*chunksPerThread, (n+grain-1)/grain)
	// Round the share up, then up to the grain.
	per := ((n+chunks-1)/chunks + grain - 1) / grain * grain
	chunks = (n + per - 1) / per
	j := &poolJob{fn: fn, n: int32(n), per: int32(per), chunks: int32(chunks)}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range p.workers {
		w.post(j)
	}
	j.claimAll()
	// Every chunk is claimed; wait for the ones still running elsewhere.
	for spins := 0; j.done.Load() < j.chunks; spins++ {
		if spins > 256 {
			runtime.Gosched()
		}
	}
}
