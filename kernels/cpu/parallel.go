package cpu

import (
	"sync"
)

// workerPool runs a range of work split over a fixed set of goroutines,
// started once, so a kernel call spawns nothing. The calling goroutine
// takes the first chunk itself.
type workerPool struct {
	threads int
	jobs    chan poolJob
}

type poolJob struct {
	fn     func(lo, hi int)
	lo, hi int
	done   *sync.WaitGroup
}

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
	p := &workerPool{threads: threads, jobs: make(chan poolJob, threads)}
	for i := 1; i < threads; i++ {
		go func() {
			for j := range p.jobs {
				j.fn(j.lo, j.hi)
				j.done.Done()
			}
		}()
	}
	pools[threads] = p
	return p
}

// run calls fn over [0, n) in at most p.threads contiguous chunks whose
// boundaries are multiples of grain, and returns when all are done.
func (p *workerPool) run(n, grain int, fn func(lo, hi int)) {
	chunks := min(p.threads, (n+grain-1)/grain)
	if chunks <= 1 {
		fn(0, n)
		return
	}
	per := (n/chunks + grain - 1) / grain * grain
	var wg sync.WaitGroup
	lo := per // the caller does [0, per)
	for lo < n {
		hi := min(lo+per, n)
		wg.Add(1)
		p.jobs <- poolJob{fn: fn, lo: lo, hi: hi, done: &wg}
		lo = hi
	}
	fn(0, min(per, n))
	wg.Wait()
}
