package bench

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/bitnet-go/bitnet-bench/bench/cputime"
	"github.com/bitnet-go/bitnet-bench/bench/probe"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
)

// The workloads: a whole BitNet b1.58 2B4T decode step, a batched prefill
// and decode-time attention, on every CPU level that has SIMD code for all
// of their parts (so a level never reports another level's loop), one
// thread and all threads. -short runs model.Tiny instead of 2B4T.

const decodeContext = 128 // positions in the KV cache when the timed token is decoded

// modelName is the model the workload benchmarks build.
func modelName() string {
	if testing.Short() {
		return "tiny"
	}
	return "2B4T"
}

func modelWeights() (*model.Weights, error) { return weightsOf(modelName(), 2026) }

// modelBackends are the CPU backends whose level runs every part of the
// model with its own code.
func modelBackends() []*cpu.Backend {
	var bes []*cpu.Backend
	for _, l := range cpu.Levels() {
		if l == cpu.LevelGeneric && !testing.Short() {
			continue // minutes per 2B4T prefill; the portable path is checked on the tiny model
		}
		if model.Supported(cpu.New(l)) != nil {
			continue
		}
		bes = append(bes, cpu.New(l))
		if n := runtime.NumCPU(); n > 1 {
			bes = append(bes, cpu.NewWithOptions(cpu.Options{Level: l, Threads: n}))
		}
	}
	return bes
}

// allModelBackends are modelBackends and the GPU backends available here
// that run the model (their cases are named after the backend, e.g.
// .../cuda).
func allModelBackends() []kernels.Backend {
	var bes []kernels.Backend
	for _, be := range modelBackends() {
		bes = append(bes, be)
	}
	for _, name := range kernels.Backends() {
		be, err := kernels.Lookup(name)
		if err != nil || name == "cpu" {
			continue
		}
		if model.SupportedOn(be) == nil {
			bes = append(bes, be)
		}
	}
	return bes
}

// gpuEnergy starts reading the GPUs' total energy counters (NVML) and
// returns the joules since then (0 on the CPU, or where there is none).
func gpuEnergy(b *testing.B, onCPU bool) func() float64 {
	none := func() float64 { return 0 }
	if onCPU {
		return none
	}
	srcs, _ := probe.Open("energy")
	for _, s := range srcs {
		if s.Name() != "nvml" {
			s.Close()
			continue
		}
		b.Cleanup(func() { s.Close() })
		read := func() float64 {
			r, err := s.Read()
			if err != nil {
				return 0
			}
			var j float64
			for _, v := range r.EnergyJ {
				j += v
			}
			return j
		}
		j0 := read()
		return func() float64 { return read() - j0 }
	}
	return none
}

// reportGPUStep reports what a GPU step's benchmark adds to tokens/s: J per
// token from the energy counter over the timed loop, the parts' device
// times over profiled steps, and for decode the fraction of the HBM bound
// at the backend's measured read rate.
func reportGPUStep(b *testing.B, be kernels.Backend, e *model.Engine, tokens int, joules float64, bytes int64, step func() error) {
	if joules > 0 {
		b.ReportMetric(joules/float64(b.N)/float64(tokens), "J/token")
	}
	if dt, ok := e.DeviceTime(); ok {
		b.ReportMetric(float64(tokens)/dt.Seconds(), "device-tokens/s")
	}
	perTok := b.Elapsed().Seconds() / float64(b.N)
	if rb, ok := be.(readBandwidth); ok && bytes > 0 {
		if bw, err := rb.ReadBandwidth(); err == nil && bw > 0 {
			b.ReportMetric(100*float64(bytes)/bw/perTok, "pct-of-hbm-bound")
		}
	}
	e.ResetTimes()
	e.TimeParts = true
	const profiled = 5
	for range profiled {
		if err := step(); err != nil {
			b.Fatal(err)
		}
	}
	e.TimeParts = false
	for p := range model.NumParts {
		b.ReportMetric(float64(e.Times[p].Nanoseconds())/profiled/1e6, "ms-"+p.String())
	}
}

// BenchmarkDecode and BenchmarkPrefill run on the CPU levels and the GPU
// backends present (cases named .../cuda): on a GPU one CUDA graph a step,
// J/token from the energy counter, part times from device timers.
func BenchmarkDecode(b *testing.B) {
	name := modelName()
	w, err := modelWeights()
	if err != nil {
		b.Fatal(err)
	}
	for _, be := range allModelBackends() {
		b.Run(fmt.Sprintf("%s/ctx%d/%s", name, decodeContext, target(be)), func(b *testing.B) {
			e, err := model.NewEngine(w, be, decodeContext, 1)
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			cpuBe, onCPU := be.(*cpu.Backend)
			e.TimeParts = onCPU // a GPU times its parts in steps of their own
			// Fill the cache with the prompt, then time the last position.
			for pos := range decodeContext - 1 {
				if _, err := e.Step(pos%w.Vocab, pos); err != nil {
					b.Fatal(err)
				}
			}
			pos := decodeContext - 1
			step := func() error { _, err := e.Step(1, pos); return err }
			bytes := e.StepBytes(pos)
			b.SetBytes(bytes)
			e.ResetTimes()
			energy := gpuEnergy(b, onCPU)
			cpuDone := cpuTokens(b, onCPU, 1)
			for b.Loop() {
				if err := step(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cpuDone()
			perTok := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(1/perTok, "tokens/s")
			if !onCPU {
				reportGPUStep(b, be, e, 1, energy(), bytes, step)
				return
			}
			for p := range model.NumParts {
				b.ReportMetric(float64(e.Times[p].Nanoseconds())/float64(b.N)/1e6, "ms-"+p.String())
			}
			b.ReportMetric(100*pairedDecodeRatio(b, cpuBe, e, w, pos), "pct-of-bw-bound")
		})
	}
}

// pairedDecodeRatio alternates a read pass over the model's weights (the
// same bytes a token streams, read with the level's streaming loop and
// split over the backend's threads) with a decode step, pairedRounds
// times, and returns the median of (StepBytes / read bandwidth) / step
// time: the fraction of the memory-bandwidth bound the decode reaches, with
// the bandwidth measured side by side with it.
func pairedDecodeRatio(b *testing.B, be *cpu.Backend, e *model.Engine, w *model.Weights, pos int) float64 {
	var bufs [][]byte
	var readBytes int64
	for _, l := range w.Layers {
		for _, p := range [][]byte{l.QKV.Packed.Data, l.O.Packed.Data, l.GateUp.Packed.Data, l.Down.Packed.Data} {
			bufs = append(bufs, p)
			readBytes += int64(len(p))
		}
	}
	// The embedding in slices of 4 MiB, so threads share it.
	emb := int8Bytes(w.Embed)
	for i := 0; i < len(emb); i += 4 << 20 {
		bufs = append(bufs, emb[i:min(i+4<<20, len(emb))])
	}
	readBytes += int64(len(emb))
	// (StepBytes / bandwidth) / step time = StepBytes/readBytes · read/step.
	r := readVersusWork(b, cpu.Level(be.Level()), be.Threads(), bufs, func() error {
		_, err := e.Step(1, pos)
		return err
	})
	return float64(e.StepBytes(pos)) / float64(readBytes) * r
}

// cpuTokens starts reading the process's CPU time and returns the
// function that, called after the timed loop, reports cpu-ns/op and
// tokens per CPU-second over it: on a shared machine the wall-clock
// tokens/s moves with the other tenants' load, the CPU time much less.
// Only on the CPU backend (a GPU step's host CPU time is not its cost);
// where the platform has no process CPU clock it says so and reports
// nothing.
func cpuTokens(b *testing.B, onCPU bool, tokens int) func() {
	if !onCPU {
		return func() {}
	}
	start, err := cputime.Now()
	if err != nil {
		b.Logf("cputime: %v: no tokens/cpu-s reported", err)
		return func() {}
	}
	return func() {
		end, err := cputime.Now()
		if err != nil || b.N == 0 || end <= start {
			return
		}
		cpu := end - start
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), cputime.Unit)
		b.ReportMetric(float64(tokens)*float64(b.N)/cpu.Seconds(), "tokens/cpu-s")
	}
}

func BenchmarkPrefill(b *testing.B) {
	name := modelName()
	w, err := modelWeights()
	if err != nil {
		b.Fatal(err)
	}
	batches := []int{128, 512}
	if testing.Short() {
		batches = []int{16}
	}
	for _, be := range allModelBackends() {
		for _, n := range batches {
			b.Run(fmt.Sprintf("%s/b%d/%s", name, n, target(be)), func(b *testing.B) {
				e, err := model.NewEngine(w, be, n, n)
				if err != nil {
					b.Fatal(err)
				}
				defer e.Close()
				_, onCPU := be.(*cpu.Backend)
				e.TimeParts = onCPU // the parts' shares say where a prefill's time goes
				tokens := make([]int, n)
				for i := range tokens {
					tokens[i] = (7 * i) % w.Vocab
				}
				step := func() error { _, err := e.Prefill(tokens); return err }
				energy := gpuEnergy(b, onCPU)
				e.ResetTimes()
				cpuDone := cpuTokens(b, onCPU, n)
				for b.Loop() {
					if err := step(); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				cpuDone()
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
				if !onCPU {
					reportGPUStep(b, be, e, n, energy(), 0, step)
					return
				}
				for p := range model.NumParts {
					b.ReportMetric(float64(e.Times[p].Nanoseconds())/float64(b.N)/1e6, "ms-"+p.String())
				}
			})
		}
	}
}

// BenchmarkPrefillPaths times a prefill as Prefill runs it (BitLinear of
// the batch on the GEMM path) against the same prefill with BitLinear as
// the one-token kernel once per token (cpu.Options.PerTokenBitLinear, the
// path before the GEMM): two engines on the same weights, one thread,
// alternated prefill by prefill for 5 rounds (3 with -short) and timed by
// the thread's CPU time. It reports speedup-vs-per-token, the median of
// the rounds' ratios (issue 16's prefill target is this ratio).
func BenchmarkPrefillPaths(b *testing.B) {
	name := modelName()
	w, err := modelWeights()
	if err != nil {
		b.Fatal(err)
	}
	n, rounds := 128, 5
	if testing.Short() {
		n, rounds = 16, 3
	}
	for _, be := range modelBackends() {
		if be.Threads() > 1 || cpu.Level(be.Level()) == cpu.LevelGeneric {
			continue // one thread; the generic level has no GEMM path
		}
		b.Run(fmt.Sprintf("%s/b%d/%s", name, n, target(be)), func(b *testing.B) {
			if _, ok := threadCPU(); !ok {
				b.Skip("no thread CPU clock here")
			}
			per := cpu.NewWithOptions(cpu.Options{Level: cpu.Level(be.Level()), PerTokenBitLinear: true})
			engines := [2]*model.Engine{}
			for i, bk := range []kernels.Backend{be, per} {
				e, err := model.NewEngine(w, bk, n, n)
				if err != nil {
					b.Fatal(err)
				}
				defer e.Close()
				e.TimeParts = false
				engines[i] = e
			}
			tokens := make([]int, n)
			for i := range tokens {
				tokens[i] = (7 * i) % w.Vocab
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			prefill := func(e *model.Engine) time.Duration {
				t0, _ := threadCPU()
				if _, err := e.Prefill(tokens); err != nil {
					b.Fatal(err)
				}
				t1, _ := threadCPU()
				return t1 - t0
			}
			for b.Loop() {
				prefill(engines[0])
			}
			b.StopTimer()
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
			prefill(engines[1]) // its first run, like the loop's
			ratios := make([]float64, rounds)
			for i := range ratios {
				gemm := prefill(engines[0])
				ratios[i] = prefill(engines[1]).Seconds() / gemm.Seconds()
			}
			slices.Sort(ratios)
			b.ReportMetric(ratios[rounds/2], "speedup-vs-per-token")
		})
	}
}

func BenchmarkAttention(b *testing.B) {
	name := modelName()
	c, err := modelNamed(name)
	if err != nil {
		b.Fatal(err)
	}
	seqs := []int{128, 512, 1024, 4096}
	if testing.Short() {
		seqs = []int{128}
	}
	for _, be := range modelBackends() {
		if be.Threads() > 1 {
			continue // one layer's attention is single-threaded
		}
		for _, seq := range seqs {
			b.Run(fmt.Sprintf("%s/gqa%dx%d/seq%d/%s", name, c.Heads, c.KVHeads, seq, target(be)), func(b *testing.B) {
				a, err := model.NewAttention(c, be, seq, 1)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(a.Bytes())
				for b.Loop() {
					a.Run()
				}
				b.ReportMetric(float64(a.FLOPs())*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// int8Bytes views int8 values as bytes, for the read pass.
func int8Bytes(x []int8) []byte {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), len(x))
}
