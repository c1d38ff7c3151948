package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// workerPool runs a range of work split over a fixed set of goroutines,
// started once, so a kernel call spawns nothing. The calling goroutine
// takes the first chunk itself.
//
// A cache-resident GEMV takes tens of microseconds, comparable to waking a
// parked goroutine on another thread. So a worker, after a job, spins on
// its slot for spinFor before parking, and back-to-back kernel calls (a
// decode step, a benchmark loop) find it awake; the caller spins too while
// it waits for the workers' chunks.
type workerPool struct {
	threads int
	workers []*worker
	mu      sync.Mutex // one run at a time; kernels on one pool do not overlap
}

type worker struct {
	slot     atomic.Pointer[poolJob]
	sleeping atomic.Bool
	wake     chan struct{}
}

type poolJob struct {
	fn      func(lo, hi int)
	lo, hi  int
	pending *atomic.Int32
}

// spinFor is how long an idle worker keeps polling before it parks.
const spinFor = 50 * time.Microsecond

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
			j.fn(j.lo, j.hi)
			j.pending.Add(-1)
			continue
		}
		// Spin for a while, then park until a job is posted.
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

// run calls fn over [0, n) in at most p.threads contiguous chunks whose
// boundaries are multiples of grain, and returns when all are done.
func (p *workerPool) run(n, grain int, fn func(lo, hi int)) {
	chunks := min(p.threads, (n+grain-1)/grain)
	if chunks <= 1 {
		fn(0, n)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// Round the share up, then up to the grain, so there are at most
	// chunks pieces: one for the caller and one per worker.
	per := ((n+chunks-1)/chunks + grain - 1) / grain * grain
	var pending atomic.Int32
	jobs := make([]poolJob, 0, chunks-1) // one allocation per call
	lo := per                            // the caller does [0, per)
	for i := 0; lo < n; i++ {
		hi := min(lo+per, n)
		jobs = append(jobs, poolJob{fn: fn, lo: lo, hi: hi, pending: &pending})
		pending.Add(1)
		p.workers[i].post(&jobs[len(jobs)-1])
		lo = hi
	}
	fn(0, min(per, n))
	for spins := 0; pending.Load() > 0; spins++ {
		if spins > 1000 {
			runtime.Gosched() // a worker was descheduled: let it run
		}
	}
}
