package memory

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHotBlockPatterns runs the allocation patterns that move blocks in and
// out of the shards' hot words (allocate+free loops, nested pairs, a block
// held while a loop runs beside it, frees from other goroutines, stale and
// double frees) on few shards, so that goroutines share them, while drains
// and Stats run beside. Every block carries a byte pattern; at the end the
// pool's counts must equal the test's own.
func TestHotBlockPatterns(t *testing.T) {
	p := newPool(t, Config{Tracking: TrackBasic, Shards: 2, ArenaSize: 64 << 20})
	sizes := []int{64, 100, 3000, 5000, 70000}
	const workers = 6
	dur := time.Second
	if testing.Short() {
		dur = 250 * time.Millisecond
	}
	var (
		allocs, frees, seq atomic.Uint64
		failures           atomic.Int64
		firstErr           atomic.Value
		wg                 sync.WaitGroup
		stop               = make(chan struct{})
		inbox              = make(chan stressBlock, 256)
	)
	fail := func(err error) {
		failures.Add(1)
		firstErr.CompareAndSwap(nil, err)
	}
	alloc := func(size int) (stressBlock, bool) {
		buf, err := p.AllocBytes(size, 0)
		if err != nil {
			fail(err)
			return stressBlock{}, false
		}
		allocs.Add(1)
		b := stressBlock{buf: buf, seed: seq.Add(1)}
		b.fill()
		return b, true
	}
	free := func(b stressBlock) {
		if err := b.check(); err != nil {
			fail(err)
		}
		if err := b.buf.Free(); err != nil {
			fail(fmt.Errorf("free: %w", err))
			return
		}
		frees.Add(1)
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			var stale []ByteBuf // freed buffers, to free again later
			for {
				select {
				case <-stop:
					return
				default:
				}
				size := sizes[rng.IntN(len(sizes))]
				switch rng.IntN(6) {
				case 0: // allocate+free loop
					for range 1 + rng.IntN(50) {
						if b, ok := alloc(size); ok {
							free(b)
							if rng.IntN(16) == 0 {
								stale = append(stale, b.buf)
							}
						}
					}
				case 1: // nested pairs
					for range 1 + rng.IntN(20) {
						x, ok1 := alloc(size)
						y, ok2 := alloc(size)
						if ok2 {
							free(y)
						}
						if ok1 {
							free(x)
						}
					}
				case 2: // a block held while a loop runs (replaces a busy hot block)
					held, ok := alloc(size)
					for range hotStale + 8 + rng.IntN(40) {
						if b, ok := alloc(size); ok {
							free(b)
						}
					}
					if ok {
						free(held)
					}
				case 3: // hand blocks to whoever takes them
					for range 1 + rng.IntN(8) {
						if b, ok := alloc(size); ok {
							select {
							case inbox <- b:
							default:
								free(b)
							}
						}
					}
				case 4: // free what others handed over
					for range 8 {
						select {
						case b := <-inbox:
							free(b)
						default:
						}
					}
				case 5: // stale handles: the blocks may be reused by now
					for _, s := range stale {
						if err := s.Free(); !errors.Is(err, ErrDoubleFree) {
							fail(fmt.Errorf("stale free gave %v", err))
						}
					}
					stale = stale[:0]
				}
			}
		}()
	}
	var cwg sync.WaitGroup
	cwg.Add(1)
	go func() {
		defer cwg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			if i%2 == 0 {
				p.Trim(TrimOptions{DrainCaches: true})
			} else {
				st := p.Stats()
				if st.Frees > st.Allocs+uint64(workers) {
					fail(fmt.Errorf("stats: %d frees > %d allocs", st.Frees, st.Allocs))
				}
			}
		}
	}()
	time.Sleep(dur)
	close(stop)
	wg.Wait()
	cwg.Wait()
	for len(inbox) > 0 {
		free(<-inbox)
	}
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d failures, first: %v", n, firstErr.Load())
	}
	st := p.Stats()
	if st.Allocs != allocs.Load() || st.Frees != frees.Load() || st.LiveBlocks != 0 || st.LiveBytes != 0 {
		t.Fatalf("stats: allocs %d frees %d live %d (%d bytes); the test made %d allocations and %d frees",
			st.Allocs, st.Frees, st.LiveBlocks, st.LiveBytes, allocs.Load(), frees.Load())
	}
	t.Logf("%d allocations", allocs.Load())
	p.Compact()
	if st := p.Stats(); st.InUseBytes != 0 || st.ReservedBytes != 0 {
		t.Fatalf("after compacting: in use %d, reserved %d", st.InUseBytes, st.ReservedBytes)
	}
}

// TestHotBlockCounts checks the counts of hot blocks through the tracking
// switches: frees made while tracking is off are not counted, and the live
// count restarts at zero.
func TestHotBlockCounts(t *testing.T) {
	p := newPool(t, Config{Shards: 1})
	loop := func(n int) {
		for range n {
			b, err := p.AllocBytes(64, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Free(); err != nil {
				t.Fatal(err)
			}
		}
	}
	loop(100)
	if c := classStats(p.Stats(), 64); c.Allocs != 100 || c.Frees != 0 || c.Live != 0 {
		t.Fatalf("none: %+v", c)
	}
	held, _ := p.AllocBytes(64, 0)
	p.SetTracking(TrackBasic)
	loop(50)
	if c := classStats(p.Stats(), 64); c.Allocs != 151 || c.Frees != 50 || c.Live != 0 {
		t.Fatalf("basic: %+v", c)
	}
	x, _ := p.AllocBytes(64, 0)
	if c := classStats(p.Stats(), 64); c.Allocs != 152 || c.Live != 1 {
		t.Fatalf("basic, one live: %+v", c)
	}
	p.SetTracking(TrackNone)
	loop(30)
	x.Free()
	p.SetTracking(TrackBasic)
	loop(20)
	if c := classStats(p.Stats(), 64); c.Allocs != 202 || c.Frees != 70 || c.Live != 0 {
		t.Fatalf("basic again: %+v", c)
	}
	y, _ := p.AllocBytes(64, 0)
	p.Trim(TrimOptions{DrainCaches: true})
	loop(10)
	if c := classStats(p.Stats(), 64); c.Allocs != 213 || c.Frees != 80 || c.Live != 1 {
		t.Fatalf("after a drain: %+v", c)
	}
	held.Free()
	y.Free()
	if err := y.Free(); !errors.Is(err, ErrDoubleFree) {
		t.Fatalf("double free: %v", err)
	}
}

// TestHotInstallRace makes a free lose the race to publish its block as the
// hot block, first to another free, then with a stale allocation of the
// block in between: the block must end up on the stack (or with its
// allocator), counted once, and nothing may be handed out twice.
func TestHotInstallRace(t *testing.T) {
	t.Cleanup(func() { testHookHotInstall = nil })
	p := newPool(t, Config{Shards: 1, Tracking: TrackBasic})
	ci := classFor(64, 64)
	sc := &p.shards[0].c[ci]
	a, _ := p.AllocBytes(64, 0)
	b, _ := p.AllocBytes(64, 0)
	fillByte(a, 1)
	fillByte(b, 2)

	// 1. While a's free publishes a, b's free publishes b first.
	testHookHotInstall = func() {
		testHookHotInstall = nil
		if err := b.Free(); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Free(); err != nil {
		t.Fatal(err)
	}
	if w := sc.hot.Load(); uint32(w&slotMask) != uint32(b.w&slotMask) {
		t.Fatalf("hot word %#x, want block %#x", w, b.w&slotMask)
	}
	if c := classStats(p.Stats(), 64); c.Allocs != 2 || c.Frees != 2 || c.Live != 0 {
		t.Fatalf("after the lost race: %+v", c)
	}
	x, _ := p.AllocBytes(64, 0) // the hot block, b's
	y, _ := p.AllocBytes(64, 0) // from the stack: a's
	if x.w&slotMask != b.w&slotMask || y.w&slotMask != a.w&slotMask {
		t.Fatalf("got blocks %#x %#x, want %#x %#x", x.w&slotMask, y.w&slotMask, b.w&slotMask, a.w&slotMask)
	}
	fillByte(x, 3)
	fillByte(y, 4)

	// 2. y's free marks y hot; before it publishes, an allocation holding a
	// stale hot word takes y, and a drain takes the hot block (x) away.
	var z ByteBuf
	testHookHotInstall = func() {
		testHookHotInstall = nil
		w := sc.hot.Load()
		sc.hot.Store(hotWord(uint32(y.w&slotMask), 0)) // the stale word
		var err error
		if z, err = p.AllocBytes(64, 0); err != nil {
			t.Fatal(err)
		}
		sc.hot.Store(0)
		c := &p.classes[ci]
		if p.endHot(c, c.dir.Load(), sc, w, false) {
			t.Fatal("the hot block in use ended free")
		}
	}
	// The hot block (x) is in use; make it stale so that y's free replaces it.
	for range hotStale {
		q, _ := p.AllocBytes(64, 0)
		defer q.Free()
	}
	if err := y.Free(); err != nil {
		t.Fatal(err)
	}
	if z.w&slotMask != y.w&slotMask {
		t.Fatalf("stale allocation got %#x, want %#x", z.w&slotMask, y.w&slotMask)
	}
	fillByte(z, 5)
	if err := y.Free(); !errors.Is(err, ErrDoubleFree) {
		t.Fatalf("freeing y again: %v", err)
	}
	if w := sc.hot.Load(); w != 0 {
		t.Fatalf("hot word %#x after the lost race", w)
	}
	if err := z.Free(); err != nil { // y's block never made it to the hot word: the stack path
		t.Fatal(err)
	}
	if err := x.Free(); err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	if c := classStats(st, 64); c.Allocs != 5+hotStale || c.Frees != 5 || c.Live != hotStale {
		t.Fatalf("after the stale allocation: %+v", c)
	}
}

func fillByte(b ByteBuf, v byte) {
	for i := range b.Data() {
		b.Data()[i] = v
	}
}
