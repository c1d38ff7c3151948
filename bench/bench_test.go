package bench

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench/controls"
	"github.com/bitnet-go/bitnet-bench/bench/cputime"
	"github.com/bitnet-go/bitnet-bench/bench/probe"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	_ "github.com/bitnet-go/bitnet-bench/kernels/cuda"
	"github.com/bitnet-go/bitnet-bench/kernels/ext"
	_ "github.com/bitnet-go/bitnet-bench/kernels/metal"
	_ "github.com/bitnet-go/bitnet-bench/kernels/mlx"
	"github.com/bitnet-go/bitnet-bench/memory"
)

// The benchmarks iterate the same catalogue as the runner, one top-level
// benchmark per op, so `go test -bench 'BitLinear/2560x6912'` selects the
// same cases as `bitnet-bench compare --operations bitlinear --sizes 2560x6912`.
// Every ISA level the machine has runs side by side, and ops that split
// their work also run on all cores; -short runs the quick catalogue. With
// BITNET_EXT_LIBS set, the BitLinear kernels of those libraries run too.
//
// CPU cases report pct-of-peak (GMAC/s over the level's measured int8
// peak) and pct-of-read-bw (GB/s over its measured single-thread read
// bandwidth), scaled by the thread count. BitLinear also runs at b128 (a
// prefill batch; not at the generic level), and each SIMD case of more
// than one token reports speedup-vs-batch-1: a one-token GEMV's time over
// the time per token at M, the two timed alternately in one process; the
// single-threaded ones also report pct-of-peak-paired, the int8 peak loop
// timed alternately with the kernel (both by thread CPU time, so other
// tenants of a shared machine cancel out).

func BenchmarkBitLinear(b *testing.B)           { benchOp(b, kernels.OpBitLinear) }
func BenchmarkMatMul(b *testing.B)              { benchOp(b, kernels.OpMatMul) }
func BenchmarkQuantizeWeights(b *testing.B)     { benchOp(b, kernels.OpQuantizeWeights) }
func BenchmarkQuantizeActivations(b *testing.B) { benchOp(b, kernels.OpQuantizeActivations) }
func BenchmarkPack2Bit(b *testing.B)            { benchOp(b, kernels.OpPack2Bit) }
func BenchmarkUnpack2Bit(b *testing.B)          { benchOp(b, kernels.OpUnpack2Bit) }
func BenchmarkReLU(b *testing.B)                { benchOp(b, kernels.OpReLU) }
func BenchmarkGELU(b *testing.B)                { benchOp(b, kernels.OpGELU) }
func BenchmarkSiLU(b *testing.B)                { benchOp(b, kernels.OpSiLU) }
func BenchmarkSigmoid(b *testing.B)             { benchOp(b, kernels.OpSigmoid) }
func BenchmarkTanh(b *testing.B)                { benchOp(b, kernels.OpTanh) }
func BenchmarkF32ToF16(b *testing.B)            { benchOp(b, kernels.OpF32ToF16) }
func BenchmarkF16ToF32(b *testing.B)            { benchOp(b, kernels.OpF16ToF32) }
func BenchmarkF32ToBF16(b *testing.B)           { benchOp(b, kernels.OpF32ToBF16) }
func BenchmarkBF16ToF32(b *testing.B)           { benchOp(b, kernels.OpBF16ToF32) }

// bigBatch is the prefill batch BitLinear is also timed at.
const bigBatch = 128

// roofline measures this machine's limits once per test binary.
var roofline = sync.OnceValues(func() (map[string]results.Limit, error) {
	lims, err := probe.Roofline(cpu.Levels(), probe.RooflineBufferBytes())
	out := map[string]results.Limit{}
	for _, l := range lims {
		out[l.Level] = l
	}
	return out, err
})

// reportRoofline adds the pct-of-peak and pct-of-read-bw metrics.
func reportRoofline(b *testing.B, backend kernels.Backend, dtype string, bytes, macs int64) {
	if backend.Name() != "cpu" {
		return
	}
	lims, err := roofline()
	if err != nil {
		b.Fatal(err)
	}
	lim, ok := lims[backend.Level()]
	if !ok {
		return
	}
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	ofPeak, ofRead := probe.RooflineShares(lim, threadsOf(backend), dtype, float64(macs)/ns, float64(bytes)/ns)
	if ofPeak > 0 {
		b.ReportMetric(100*ofPeak, "pct-of-peak")
	}
	if ofRead > 0 {
		b.ReportMetric(100*ofRead, "pct-of-read-bw")
	}
}

func benchOp(b *testing.B, op kernels.Op) {
	cfg := DefaultConfig()
	if testing.Short() {
		cfg = QuickConfig()
	}
	cfg.Ops = []kernels.Op{op}
	cfg.Levels = []string{"all"}
	if os.Getenv(ext.EnvLibs) != "" { // other libraries' kernels beside ours
		cfg.Devices = append(cfg.Devices, "ext")
	}
	if op == kernels.OpBitLinear && !testing.Short() {
		// Prefill-sized batches, where BitLinear is a compute-bound GEMM.
		cfg.Batches = append(cfg.Batches, bigBatch)
	}
	if n := runtime.NumCPU(); n > 1 {
		cfg.Threads = []int{1, n}
	}
	cases, err := Catalogue(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cases {
		b.Run(strings.TrimPrefix(c.Name, string(op)+"/"), func(b *testing.B) {
			if c.Unavailable != "" {
				b.Skipf("%s unavailable: %s", c.Backend.Name(), c.Unavailable)
			}
			if c.Shape.M >= bigBatch && c.Backend.Level() == string(cpu.LevelGeneric) {
				b.Skipf("generic level at b%d: seconds per call; the portable path is timed at b1 and b8", c.Shape.M)
			}
			// The machine's state beside every result line, as compare
			// records it: regression-check reads these controls from the
			// text to tell the machine's drift between runs from the code's.
			defer controls.Report(b)
			// The kernels' tensors come from the memory pool, as in the runner.
			tensors := NewPoolTensors(memory.Default())
			defer tensors.Release()
			p, k, err := PrepareOp(&c, tensors, cfg.Seed)
			if kernels.IsNotImplemented(err) {
				b.Skip(err)
			}
			if err != nil {
				b.Fatal(err)
			}
			defer k.Close()
			w := WorkOf(c.Op, c.Shape)
			b.SetBytes(w.Bytes)
			// CPU time per op of the timed loop alone (the paired
			// measurements below are not the kernel's): regression-check
			// --metric cpu-sec/op gates on it.
			cpuDone := cputime.Track(b)
			for b.Loop() {
				if err := k.Run(); err != nil {
					b.Fatal(err)
				}
			}
			cpuDone()
			if w.MACs > 0 {
				b.ReportMetric(float64(w.MACs)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GMAC/s")
			}
			if c.Op == kernels.OpBitLinear {
				reportRoofline(b, c.Backend, c.DType, w.Bytes, w.MACs)
				if cb, ok := c.Backend.(*cpu.Backend); ok && cb.Threads() > 1 && p.M == 1 {
					b.StopTimer()
					b.ReportMetric(pairedSpeedup(b, cb, p, k), "speedup-vs-1-thread")
				}
				if c.Backend.Name() == "cpu" && c.Backend.Level() != string(cpu.LevelGeneric) && p.M > 1 {
					b.StopTimer()
					b.ReportMetric(pairedBatchSpeedup(b, c.Backend, p, k), "speedup-vs-batch-1")
					if threadsOf(c.Backend) == 1 && hasPeakLoop(c.Backend) {
						b.ReportMetric(pairedPctOfPeak(b, c.Backend, k, w.MACs), "pct-of-peak-paired")
					}
				}
			} else {
				reportRoofline(b, c.Backend, c.DType, w.Bytes, 0)
			}
		})
	}
}

// pairedSpeedup times GEMV kernel k (prepared on the multi-threaded be)
// against the same problem on one thread of the same level, in alternating
// blocks of calls, and returns the median one-thread call time over the
// median call time of k. Side by side, so the machine's drift between the two
// benchmark cases cancels; per call and by the median, because on this VM
// about one call in a hundred stalls for 50 µs (hypervisor), and a stall
// on either core stalls a two-thread call: a mean charges that noise to
// the threading twice.
func pairedSpeedup(b *testing.B, be *cpu.Backend, p *kernels.Problem, k kernels.Kernel) float64 {
	one, err := cpu.New(cpu.Level(be.Level())).Prepare(p)
	if err != nil {
		b.Fatal(err)
	}
	defer one.Close()
	t1, tn := pairedMedians(b, one, k, 50, false)
	return t1 / tn
}

// pairedBatchSpeedup times the M-token kernel k against a one-token GEMV
// of the same weights on the same backend, alternating as pairedSpeedup
// does, and returns the GEMV's median call time over k's median time per
// token: how many times cheaper a token is in a batch of M than alone
// (1/speedup is a token's cost in GEMVs).
func pairedBatchSpeedup(b *testing.B, be kernels.Backend, p *kernels.Problem, k kernels.Kernel) float64 {
	one, err := be.Prepare(&kernels.Problem{Op: p.Op, M: 1, N: p.N, K: p.K, Weights: p.Weights,
		XQ: p.XQ[:p.K], XScales: p.XScales[:1], Y: make([]float32, p.N)})
	if err != nil {
		b.Fatal(err)
	}
	defer one.Close()
	// About as much time per block on either side: a GEMV of M tokens
	// takes M times longer per call.
	t1, tm := pairedMedians(b, one, k, max(50/p.M, 3), threadsOf(be) == 1)
	return t1 / (tm / float64(p.M))
}

// pairedPctOfPeak alternates the single-threaded kernel k with the level's
// int8 peak loop (the roofline's), timed by thread CPU time, and returns
// k's MACs per second as a percentage of the loop's: pct-of-peak measured
// side by side, which a machine shared with other work needs (the
// roofline's peak is measured once, at another moment).
func pairedPctOfPeak(b *testing.B, be kernels.Backend, k kernels.Kernel, macs int64) float64 {
	loop, perIter := cpu.Int8PeakLoop(cpu.Level(be.Level()))
	const iters = 4000 // ~10 µs: short, like the GEMV side of the pairs
	peak := hostKernel(func() error { sinkPeak ^= loop(iters); return nil })
	tp, tk := pairedMedians(b, peak, k, 5, true)
	return 100 * float64(macs) / tk / (float64(iters*perIter) / tp)
}

var sinkPeak uint64

func hasPeakLoop(be kernels.Backend) bool {
	loop, _ := cpu.Int8PeakLoop(cpu.Level(be.Level()))
	return loop != nil
}

// hostKernel is a function as a kernels.Kernel.
type hostKernel func() error

func (k hostKernel) Run() error   { return k() }
func (k hostKernel) Fetch() error { return nil }
func (k hostKernel) Close() error { return nil }

// pairedMedians runs ka and kb in alternating blocks (kb's of callsB
// calls, ka's of 50), pairedRounds times, and returns the median call
// time of each: wall clock, or with cpuClock the calling thread's CPU time
// (see threadCPU; only for single-threaded kernels, where that thread does
// all the work).
func pairedMedians(b *testing.B, ka, kb kernels.Kernel, callsB int, cpuClock bool) (ta, tb float64) {
	now := func() time.Duration { return time.Duration(time.Now().UnixNano()) }
	if cpuClock {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if _, ok := threadCPU(); ok {
			now = func() time.Duration { d, _ := threadCPU(); return d }
		}
	}
	// Each block starts with untimed calls: they wake the pool's workers
	// (parked during the other block) and bring the kernel's own copy of
	// the weights back into the caches.
	warm, callsA, rounds := 5, 50, pairedRounds
	if testing.Short() { // the smoke run: that it works, not a figure
		warm, callsA, callsB, rounds = 1, 2, 2, 2
	}
	block := func(k kernels.Kernel, calls int, into []float64) []float64 {
		for i := range min(warm, calls) + calls {
			t0 := now()
			if err := k.Run(); err != nil {
				b.Fatal(err)
			}
			if i >= min(warm, calls) {
				into = append(into, (now() - t0).Seconds())
			}
		}
		return into
	}
	var xa, xb []float64
	for range rounds {
		xa = block(ka, callsA, xa)
		xb = block(kb, callsB, xb)
	}
	return medianOf(xa), medianOf(xb)
}

func medianOf(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// dramLayers is how many 2B4T layers of projections the DRAM-resident set
// holds: 16 × 17.4 MB = 278 MB of packed weights, past any cache.
const dramLayers = 16

// layerShapes are one 2B4T layer's projections as the kernels see them:
// fused QKV, O, fused gate+up, down.
var layerShapes = []Size{{3840, 2560}, {2560, 2560}, {13824, 2560}, {2560, 6912}}

// dramWeights builds the set once: valid 2-bit bytes drawn at random (each
// field in {0,1,2}), the same for every level.
var dramWeights = sync.OnceValue(func() []*kernels.Weights {
	rng := rand.New(rand.NewPCG(5, 6))
	var ws []*kernels.Weights
	for l := 0; l < dramLayers; l++ {
		for _, s := range layerShapes {
			ws = append(ws, kerneltest.RandomPacked2Bit(rng, s.N, s.K))
		}
	}
	return ws
})

// BenchmarkBitLinearDRAM cycles GEMV over the projections of 16 layers
// (278 MB of packed weights), so every byte comes from DRAM: the target is
// a large fraction of the measured single-thread read bandwidth.
func BenchmarkBitLinearDRAM(b *testing.B) {
	backends := []kernels.Backend{}
	for _, l := range cpu.Levels() {
		if l == cpu.LevelGeneric {
			continue // compute-bound far below DRAM speed; nothing to learn
		}
		backends = append(backends, cpu.New(l))
		if n := runtime.NumCPU(); n > 1 {
			backends = append(backends, cpu.NewWithOptions(cpu.Options{Level: l, Threads: n}))
		}
	}
	for _, be := range backends {
		b.Run(fmt.Sprintf("%dx2B4T/b1/i2/%s", dramLayers, target(be)), func(b *testing.B) {
			var ks []kernels.Kernel
			var bytes, macs int64
			xs := map[int]*kernels.Problem{}
			for _, w := range dramWeights() {
				n, k := w.Packed.Rows, w.Packed.Cols
				x, ok := xs[k]
				if !ok {
					var err error
					if x, err = NewProblem(kernels.OpBitLinear, results.Shape{M: 1, N: 1, K: k}, 1); err != nil {
						b.Fatal(err)
					}
					xs[k] = x
				}
				p := &kernels.Problem{Op: kernels.OpBitLinear, M: 1, N: n, K: k, Weights: w,
					XQ: x.XQ, XScales: x.XScales, Y: make([]float32, n)}
				kern, err := be.Prepare(p)
				if err != nil {
					b.Fatal(err)
				}
				defer kern.Close()
				ks = append(ks, kern)
				wk := WorkOf(kernels.OpBitLinear, results.Shape{M: 1, N: n, K: k})
				bytes, macs = bytes+wk.Bytes, macs+wk.MACs
			}
			b.SetBytes(bytes)
			for b.Loop() {
				for _, k := range ks {
					if err := k.Run(); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(macs)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GMAC/s")
			// The bound is measured side by side: read passes over the same
			// weights with the level's streaming loop, alternating with GEMV
			// passes; the median ratio is reported, so drift in the
			// machine's bandwidth cancels.
			b.StopTimer()
			b.ReportMetric(100*pairedReadRatio(b, be, ks), "pct-of-read-bw")
			if lims, err := roofline(); err == nil && lims[be.Level()].Int8PeakGMACps > 0 {
				ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				b.ReportMetric(100*float64(macs)/ns/(lims[be.Level()].Int8PeakGMACps*float64(threadsOf(be))), "pct-of-peak")
			}
		})
	}
}

// pairedReadRatio alternates a read pass over the DRAM set (split over the
// backend's threads, like the kernels) with a GEMV pass, pairedRounds
// times, and returns the median of read time / GEMV time: the fraction of
// the measured read bandwidth the GEMV streams at.
func pairedReadRatio(b *testing.B, be kernels.Backend, ks []kernels.Kernel) float64 {
	var bufs [][]byte
	for _, w := range dramWeights() {
		bufs = append(bufs, w.Packed.Data)
	}
	return readVersusWork(b, cpu.Level(be.Level()), threadsOf(be), bufs, func() error {
		for _, k := range ks {
			if err := k.Run(); err != nil {
				return err
			}
		}
		return nil
	})
}

// pairedRounds is how many read/work pairs a paired ratio takes the median
// of. The 2-core VM's read bandwidth swings by a quarter from one tenth of
// a second to the next (other tenants); with five pairs the decode ratio
// moved by ±15% between runs of the same binary.
const pairedRounds = 15

// readVersusWork alternates a read pass over copies of bufs (split over
// threads, with the level's streaming loop) with one call of work,
// pairedRounds times, and returns the median of read time / work time.
// The copies are in memory-pool blocks, the memory the CPU kernels stream
// their weights from (huge pages where the OS offers them), so neither
// side gains from the kind of page it reads.
func readVersusWork(b *testing.B, level cpu.Level, threads int, bufs [][]byte, work func() error) float64 {
	read := cpu.StreamRead(level)
	pool := memory.Default()
	copies := make([][]byte, len(bufs))
	for i, src := range bufs {
		buf, err := pool.AllocBytes(len(src), 64)
		if err != nil {
			b.Fatal(err)
		}
		defer buf.Free()
		copies[i] = buf.Data()
		copy(copies[i], src)
	}
	bufs = copies
	var ratios []float64
	rounds := pairedRounds
	if testing.Short() {
		rounds = 3
	}
	for range rounds {
		t0 := time.Now()
		var wg sync.WaitGroup
		for t := range threads {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var sink uint64
				for i := t; i < len(bufs); i += threads {
					sink ^= read(bufs[i])
				}
				dramSink.Add(sink)
			}()
		}
		wg.Wait()
		tr := time.Since(t0)
		t0 = time.Now()
		if err := work(); err != nil {
			b.Fatal(err)
		}
		ratios = append(ratios, tr.Seconds()/time.Since(t0).Seconds())
	}
	return medianOf(ratios)
}

var dramSink atomic.Uint64
