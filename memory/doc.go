// Package memory is the HybridMemoryPool the kernels allocate from: fast,
// tracked and safe, one pool per device.
//
// # Using it
//
//	p := memory.Default()              // the CPU pool, Basic tracking
//	x, err := p.AllocFloat32(m * k)    // Float32Buf: x.Data() is a []float32
//	if err != nil { ... }
//	defer x.Free()
//	...
//	st := p.Stats()                    // live, peak, allocs, frees, fragmentation, per class
//
// Memory comes from anonymous mmap regions, not from the Go heap: the
// garbage collector neither scans nor moves it, and idle pages really go
// back to the OS. The price is that a buffer's memory is valid only until
// Free: keep no slice of it afterwards (it is reused, or unmapped by Close).
// It is not zeroed (Buf.Zero clears it). Elements are plain numbers; never
// store Go pointers in pool memory.
//
// # Design
//
// Small blocks (below 1 MiB) come from 27 size classes, 64 B to 768 KiB,
// each a multiple of 64 B; a class's blocks are aligned to its largest
// power-of-two divisor, so any power-of-two alignment up to 512 KiB is met
// by picking the class. A class cuts slabs, 1 MiB or larger blocks of the
// large pool, into slots. Free slots sit on lock-free LIFO stacks, one per
// shard and class; a goroutine picks its shard from the address of its own
// stack (Go has no per-P storage for packages, and sync.Pool costs more than
// the whole pair here), so goroutines mostly use different shards and never
// share a cache line. Every slot has a 64-bit metadata word: generation |
// hot bit | home shard | next slot. Each shard and class also names one hot
// block, the one an allocate+free loop reuses: allocating it clears its
// free bit with one CAS on its metadata word, and freeing it checks the
// handle's generation, bumps it and sets the free bit with one CAS, so a
// pair costs two atomic read-modify-writes. Other blocks pop from the stack
// with one CAS and are freed with two (generation, then push); a free makes
// its block the hot block when the shard has none or the hot block has long
// been in use. That is O(1), and none of it is shared between goroutines on
// different shards. An empty stack refills a batch of slots from the
// class's central pool (a mutex, amortised over the batch).
//
// Large blocks (1 MiB and up) come from a binary buddy allocator over arenas
// of ArenaSize (256 MiB by default) reserved from the device, aligned to
// their size, so a block of 2^k bytes is aligned to 2^k. Split and coalesce
// are O(log n) under one mutex; free lists are threaded through per-unit
// arrays, never through the memory, so freeing touches no page and device
// memory works the same way. Up to four freed blocks per order are kept
// whole for the next allocation of that order (lazy coalescing: a 1 MiB
// ping-pong in a 256 MiB arena would otherwise split and merge eight times
// per pair); cleanup merges them. Requests larger than an arena get a region
// of their own.
//
// A Handle names an allocation: its pool, kind, class or order, slot and
// generation. Freeing twice, freeing a stale copy after the block was
// reused, freeing another pool's handle, the zero handle, a zero or negative
// size and an alignment that is not a power of two are all errors (see the
// Err variables), and never corrupt the pool: the generation check and the
// state change are one CAS.
//
// # Devices
//
// A Backing reserves and releases regions of one Device and discards the
// pages of free ones. NewCPUBacking is mmap; a GPU backend implements
// Backing over its device memory with Region.Host == nil (addresses are
// uintptr, never Go pointers), gets a pool from New(Config{Backing: b}) with
// the same pool logic, and registers it with Register so that Lookup(name)
// finds it. Such a pool hands out Blocks (AllocBlock) with device addresses;
// typed Go slices need host memory.
//
// # Tracking
//
// SetTracking switches at run time between TrackNone (allocation counts per
// class only: the stacks' ABA tags count pops, and a hot block's generation
// counts its frees, hence its allocations), TrackBasic (frees, live and
// peak bytes, live blocks per class; stack frees are counted next to the
// stack head, in the same CMPXCHG16B as the push on amd64 or with one more
// atomic add elsewhere, and the live-bytes estimate behind the peak is
// reported per shard in granules) and
// TrackDetailed (a record per live allocation with its requested size, time
// and call site, captured by walking frame pointers, plus an allocation
// history). In Detailed mode a freed block is also filled with PoisonByte
// before it can be reused, and checked when it is allocated again: a byte
// written after the free is a use after free, which UseAfterFrees reports
// with the offset, the site that freed the block and the site that
// allocated it again (so a freed block never comes back with its old
// bytes). Writing and reading every freed byte makes Detailed a debugging
// mode: on the 2-core EPYC VM an allocate+free pair costs about 1.5-4.5 µs
// for 64 B (0.2-0.6 µs without poisoning) and milliseconds for 4 MiB
// (BenchmarkTrackingOverhead). Stats returns the counters and the
// fragmentation ratios; Leaks
// lists live allocations older than an age with their sites; Patterns finds
// repeated sizes, rounding waste, temporal regularity and fragmentation,
// and DetectPatterns adds device imbalance across registered pools, each
// with a concrete suggestion.
//
// A budget (Config.Budget) grades pressure into none, low, medium, high and
// critical on the memory the pool holds in blocks; OnPressure callbacks run
// on every change of level, and a callback that panics is recovered and
// counted. With HardLimit, allocations past the budget fail with
// ErrBudgetExceeded after one trim.
//
// # Cleanup
//
// Trim drains the shard caches, returns empty slabs to the large pool,
// discards (madvise) the pages of free buddy blocks and unmaps free arenas,
// optionally only for memory idle for a duration or for a number of cleanup
// passes; Compact does all of it and sorts the free lists by address so new
// blocks pack low and high arenas drain. Live blocks never move. A
// Scheduler runs Strategies (IdleStrategy, PressureStrategy,
// PeriodicStrategy, GenerationalStrategy) on a ticker and on pressure
// changes; each pass returns CleanupStats (bytes released, slabs, arenas,
// duration).
//
// # Conversion
//
// Engine converts tensors between F32 and F16, BF16, I8 and ternary:
// zero-copy views where the layout allows, in-place downsizing that shrinks
// the block, streaming in chunks through a bounded scratch buffer, batches
// over GOMAXPROCS goroutines, with the compression ratio of each. The value
// conversions are kernels/quant's, behind the Codec interface; package
// kernels/codec provides them (memory imports nothing of the kernels).
package memory
