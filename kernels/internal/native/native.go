// Package native is what the backends that call C libraries through purego
// share: a goroutine locked to one OS thread that runs their calls in
// order (a CUDA context and an MLX stream are per-thread state), and
// reading the C strings those libraries return.
package native

import (
	"runtime"
	"strings"
	"time"
	"unsafe"
)

// Thread runs functions on one locked OS thread, in the order asked,
// whichever goroutine asks.
//
// With spin > 0 both sides poll for that long before they block: for calls
// of a few microseconds, parking either goroutine would cost a futex wake
// and a thread switch each way, several times the call.
type Thread struct {
	reqs chan func()
	spin time.Duration
}

// NewThread starts the thread and runs setup (if not nil) on it first; its
// error is NewThread's. The thread lives as long as the process.
func NewThread(spin time.Duration, setup func() error) (*Thread, error) {
	t := &Thread{reqs: make(chan func(), 64), spin: spin}
	started := make(chan error)
	go func() {
		// Never unlocked: the goroutine lives as long as the process, and
		// its thread keeps the library's per-thread state.
		runtime.LockOSThread()
		if setup != nil {
			if err := setup(); err != nil {
				started <- err
				return
			}
		}
		started <- nil
		for {
			receive(t.reqs, t.spin)()
		}
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return t, nil
}

// Do runs f on the thread and waits for it.
func (t *Thread) Do(f func() error) error {
	done := make(chan error, 1)
	t.reqs <- func() { done <- f() }
	return receive(done, t.spin)
}

// receive takes from c, polling for spin before blocking. With one P there
// is no polling: the spinner would hold the P the sender needs.
func receive[T any](c chan T, spin time.Duration) T {
	if spin <= 0 || runtime.GOMAXPROCS(0) < 2 {
		return <-c
	}
	var deadline time.Time
	for i := 0; ; i++ {
		select {
		case v := <-c:
			return v
		default:
		}
		if i%64 == 0 { // reading the clock costs more than a poll
			now := time.Now()
			if deadline.IsZero() {
				deadline = now.Add(spin)
			} else if now.After(deadline) {
				return <-c
			}
		}
	}
}

// CString reads a NUL-terminated C string.
func CString(p *byte) string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	for i := 0; ; i++ {
		c := *(*byte)(unsafe.Add(unsafe.Pointer(p), i))
		if c == 0 {
			return b.String()
		}
		b.WriteByte(c)
	}
}
