package memory

import (
	"sync"
	"sync/atomic"
	"time"
)

// coarseClock is a process-wide clock that a ticker goroutine refreshes
// every millisecond while at least one pool tracks in Detailed mode. Reading
// the time costs 150-250 ns on some virtual machines, more than the whole
// allocation budget; reading this clock costs one load.
var coarseClock struct {
	mu   sync.Mutex
	refs int
	stop chan struct{}
	done chan struct{}
	now  atomic.Int64
}

const coarseTick = time.Millisecond

func coarseAcquire() {
	c := &coarseClock
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refs++
	if c.refs > 1 {
		return
	}
	c.now.Store(time.Now().UnixNano())
	stop, done := make(chan struct{}), make(chan struct{})
	c.stop, c.done = stop, done
	go func() {
		defer close(done)
		t := time.NewTicker(coarseTick)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				c.now.Store(now.UnixNano())
			}
		}
	}()
}

func coarseRelease() {
	c := &coarseClock
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refs == 0 {
		return
	}
	c.refs--
	if c.refs > 0 {
		return
	}
	close(c.stop)
	<-c.done
	c.now.Store(0)
}

// coarseNow returns the coarse time in Unix nanoseconds, or the exact time
// when the coarse clock is not running.
func coarseNow() int64 {
	if v := coarseClock.now.Load(); v != 0 {
		return v
	}
	return time.Now().UnixNano()
}
