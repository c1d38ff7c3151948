package memory

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// stressBlock is a live allocation of the stress test with the pattern
// written into it.
type stressBlock struct {
	buf  ByteBuf
	seed uint64
}

// words returns the positions (in 8-byte words) the pattern covers: all of
// a small block, a sample of a large one (so the test stays fast).
func patternWords(n int) []int {
	w := n / 8
	if w <= 4096 {
		out := make([]int, w)
		for i := range out {
			out[i] = i
		}
		return out
	}
	var out []int
	for i := 0; i < 512; i++ {
		out = append(out, i, w-1-i)
	}
	for i := 512; i < w-512; i += 8191 {
		out = append(out, i)
	}
	return out
}

func (b *stressBlock) fill() {
	d := b.buf.Data()
	if len(d) < 8 {
		for i := range d {
			d[i] = byte(b.seed) + byte(i)
		}
		return
	}
	ws := unsafe.Slice((*uint64)(unsafe.Pointer(&d[0])), len(d)/8)
	for _, i := range patternWords(len(d)) {
		ws[i] = b.seed*0x9E3779B97F4A7C15 ^ uint64(i)
	}
}

func (b *stressBlock) check() error {
	d := b.buf.Data()
	if len(d) < 8 {
		for i := range d {
			if d[i] != byte(b.seed)+byte(i) {
				return fmt.Errorf("block %d of %d bytes: byte %d is %d", b.seed, len(d), i, d[i])
			}
		}
		return nil
	}
	ws := unsafe.Slice((*uint64)(unsafe.Pointer(&d[0])), len(d)/8)
	for _, i := range patternWords(len(d)) {
		if want := b.seed*0x9E3779B97F4A7C15 ^ uint64(i); ws[i] != want {
			return fmt.Errorf("block %d of %d bytes: word %d is %#x, want %#x", b.seed, len(d), i, ws[i], want)
		}
	}
	return nil
}

func stressSize(rng *rand.Rand) int {
	switch r := rng.IntN(100); {
	case r < 75:
		return 1 + rng.IntN(4096)
	case r < 95:
		return 4096 + rng.IntN(700<<10)
	default:
		return 1<<20 + rng.IntN(7<<20)
	}
}

// TestConcurrentStress allocates random sizes from several goroutines,
// frees at random, hands blocks to other goroutines to free, and checks on
// every free that the byte pattern written at allocation is intact. A
// cleanup goroutine trims and compacts meanwhile, and the tracking level
// changes under the workers' feet.
func TestConcurrentStress(t *testing.T) {
	p := newPool(t, Config{Tracking: TrackBasic, ArenaSize: 64 << 20, Shards: 4})
	const workers = 6
	dur := 1500 * time.Millisecond
	if testing.Short() {
		dur = 300 * time.Millisecond
	}
	var (
		seq      atomic.Uint64
		failures atomic.Int64
		ops      atomic.Int64
		wg       sync.WaitGroup
		stop     = make(chan struct{})
		inboxes  = make([]chan stressBlock, workers)
		firstErr atomic.Value
	)
	fail := func(err error) {
		failures.Add(1)
		firstErr.CompareAndSwap(nil, err)
	}
	for i := range inboxes {
		inboxes[i] = make(chan stressBlock, 64)
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			var live []stressBlock
			free := func(b stressBlock) {
				if err := b.check(); err != nil {
					fail(err)
				}
				if err := b.buf.Free(); err != nil {
					fail(fmt.Errorf("free: %w", err))
				}
				if rng.IntN(8) == 0 {
					if err := b.buf.Free(); !errors.Is(err, ErrDoubleFree) {
						fail(fmt.Errorf("double free gave %v", err))
					}
				}
			}
			for {
				select {
				case <-stop:
					for _, b := range live {
						free(b)
					}
					// Drain what others send until they are done.
					for {
						select {
						case b := <-inboxes[w]:
							free(b)
						default:
							return
						}
					}
				case b := <-inboxes[w]:
					free(b)
				default:
				}
				ops.Add(1)
				switch r := rng.IntN(100); {
				case r < 55 && len(live) < 48:
					buf, err := p.AllocBytes(stressSize(rng), 0)
					if err != nil {
						fail(err)
						continue
					}
					b := stressBlock{buf: buf, seed: seq.Add(1)}
					b.fill()
					live = append(live, b)
				case r < 85 && len(live) > 0:
					i := rng.IntN(len(live))
					b := live[i]
					live[i] = live[len(live)-1]
					live = live[:len(live)-1]
					free(b)
				case len(live) > 0:
					// Hand a block to another goroutine to free.
					i := rng.IntN(len(live))
					b := live[i]
					select {
					case inboxes[rng.IntN(workers)] <- b:
						live[i] = live[len(live)-1]
						live = live[:len(live)-1]
					default:
					}
				}
			}
		}()
	}
	var cwg sync.WaitGroup
	cwg.Add(1)
	go func() {
		defer cwg.Done()
		levels := []TrackingLevel{TrackBasic, TrackDetailed, TrackNone, TrackBasic}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			switch i % 4 {
			case 0:
				p.Trim(TrimOptions{DrainCaches: true, Discard: true, ReleaseArenas: true})
			case 1:
				p.Compact()
			case 2:
				p.SetTracking(levels[(i/4)%len(levels)])
			case 3:
				_ = p.Stats()
			}
		}
	}()
	time.Sleep(dur)
	close(stop)
	wg.Wait()
	cwg.Wait()
	// Late hand-offs can sit in an inbox whose owner had already drained it.
	for _, in := range inboxes {
		for len(in) > 0 {
			b := <-in
			if err := b.check(); err != nil {
				fail(err)
			}
			if err := b.buf.Free(); err != nil {
				fail(err)
			}
		}
	}
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d failures, first: %v", n, firstErr.Load())
	}
	t.Logf("%d operations, %d allocations", ops.Load(), seq.Load())
	p.SetTracking(TrackBasic)
	p.Compact()
	st := p.Stats()
	if st.InUseBytes != 0 || st.ReservedBytes != 0 {
		t.Fatalf("after freeing everything and compacting: in use %d, reserved %d", st.InUseBytes, st.ReservedBytes)
	}
	p.buddy.mu.Lock()
	defer p.buddy.mu.Unlock()
	if err := p.buddy.checkLocked(); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentDoubleFree frees each handle from two goroutines at once:
// exactly one free may succeed, and the block must be reusable afterwards.
func TestConcurrentDoubleFree(t *testing.T) {
	p := newPool(t, Config{Tracking: TrackBasic})
	for _, size := range []int{64, 3000, 2 << 20} {
		for range 200 {
			b, err := p.AllocBytes(size, 0)
			if err != nil {
				t.Fatal(err)
			}
			var ok atomic.Int32
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					switch err := b.Free(); {
					case err == nil:
						ok.Add(1)
					case !errors.Is(err, ErrDoubleFree):
						t.Errorf("free: %v", err)
					}
				}()
			}
			wg.Wait()
			if ok.Load() != 1 {
				t.Fatalf("size %d: %d frees succeeded", size, ok.Load())
			}
		}
	}
	// The stacks are intact: allocate many, all distinct.
	seen := map[uintptr]bool{}
	var bufs []ByteBuf
	for range 300 {
		b, _ := p.AllocBytes(64, 0)
		a := uintptr(unsafe.Pointer(&b.Data()[0]))
		if seen[a] {
			t.Fatalf("address %#x handed out twice", a)
		}
		seen[a] = true
		bufs = append(bufs, b)
	}
	for _, b := range bufs {
		b.Free()
	}
}

// TestSharedStackContention makes every goroutine share one shard, so that
// pops, pushes and drains race on the same stack heads.
func TestSharedStackContention(t *testing.T) {
	for _, lvl := range []TrackingLevel{TrackNone, TrackBasic} {
		p := newPool(t, Config{Shards: 1, Tracking: lvl})
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var bad atomic.Int64
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var live []stressBlock
				seed := uint64(w) << 40
				for {
					select {
					case <-stop:
						for _, b := range live {
							if b.check() != nil || b.buf.Free() != nil {
								bad.Add(1)
							}
						}
						return
					default:
					}
					for range 8 {
						buf, err := p.AllocBytes(64, 0)
						if err != nil {
							bad.Add(1)
							continue
						}
						seed++
						b := stressBlock{buf: buf, seed: seed}
						b.fill()
						live = append(live, b)
					}
					for _, b := range live {
						if b.check() != nil || b.buf.Free() != nil {
							bad.Add(1)
						}
					}
					live = live[:0]
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
					p.Trim(TrimOptions{DrainCaches: true})
				}
			}
		}()
		time.Sleep(300 * time.Millisecond)
		close(stop)
		wg.Wait()
		if n := bad.Load(); n > 0 {
			t.Fatalf("tracking %v: %d corrupted blocks or failed frees", lvl, n)
		}
		st := p.Stats()
		if lvl == TrackBasic && (st.LiveBlocks != 0 || st.Allocs != st.Frees) {
			t.Fatalf("live %d allocs %d frees %d", st.LiveBlocks, st.Allocs, st.Frees)
		}
	}
}
