package cuda

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// Benchmarks of the BitLinear GEMV against the memory system. Figures are
// GPU time from CUDA events; GB/s counts the packed 2-bit weights only
// (activations and outputs are < 0.1% of the traffic at M = 1).
//
//   - hot: one weight matrix launched again and again, so it stays in the
//     50 MB L2 of an H100: an upper bound, not HBM;
//   - cold: enough copies of the matrix (≥ 256 MB together) that every
//     launch reads a copy evicted from L2, as a model's layers are;
//   - eager launches one kernel at a time from the host; graph replays a
//     captured CUDA graph of the same launches, removing host overhead.
//
// pct-hbm is against the H100 SXM datasheet peak (3.35 TB/s); pct-read is
// against a streaming read kernel measured in the same process.

const hbmPeak = 3.35e12 // bytes/s, H100 SXM5 HBM3

type gemvShape struct{ n, k int }

// shapes2B4T are the projections of BitNet b1.58 2B4T: q/o, k/v, qkv
// fused, gate/up, gate+up fused, down.
var shapes2B4T = []gemvShape{{2560, 2560}, {640, 2560}, {3840, 2560}, {6912, 2560}, {13824, 2560}, {2560, 6912}}

func benchDevice(b *testing.B) *device {
	b.Helper()
	needGPU(b)
	d, err := getDevice()
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// devFill allocates n bytes set to v; the buffer is freed at cleanup.
func devFill(b *testing.B, d *device, n int, v byte) uint64 {
	b.Helper()
	var p uint64
	err := d.th.Do(func() error {
		if err := d.drv.check("cuMemAlloc", d.drv.cuMemAlloc(&p, uint64(n))); err != nil {
			return err
		}
		return d.drv.check("cuMemsetD8", d.drv.cuMemsetD8(p, v, uint64(n)))
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.free(p) })
	return p
}

// seq is a sequence of launches on its own stream, run eagerly or as a
// captured graph, timed with events.
type seq struct {
	d                               *device
	ls                              []*launch
	stream, graph, exec, start, end uintptr
}

func newSeq(b testing.TB, d *device, ls []*launch, graph bool) *seq {
	b.Helper()
	s := &seq{d: d, ls: ls}
	drv := d.drv
	err := d.th.Do(func() error {
		if err := drv.check("cuStreamCreate", drv.cuStreamCreate(&s.stream, 1)); err != nil { // non-blocking
			return err
		}
		for _, ev := range []*uintptr{&s.start, &s.end} {
			if err := drv.check("cuEventCreate", drv.cuEventCreate(ev, 0)); err != nil {
				return err
			}
		}
		if !graph {
			return nil
		}
		if err := drv.check("cuStreamBeginCapture", drv.cuStreamBeginCapture(s.stream, 1)); err != nil { // thread-local mode
			return err
		}
		for _, l := range ls {
			if err := d.enqueueOn(l, s.stream); err != nil {
				return err
			}
		}
		if err := drv.check("cuStreamEndCapture", drv.cuStreamEndCapture(s.stream, &s.graph)); err != nil {
			return err
		}
		return drv.check("cuGraphInstantiate", drv.cuGraphInstantiateWithFlags(&s.exec, s.graph, 0))
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		d.th.Do(func() error {
			if s.exec != 0 {
				drv.cuGraphExecDestroy(s.exec)
				drv.cuGraphDestroy(s.graph)
			}
			drv.cuEventDestroy(s.start)
			drv.cuEventDestroy(s.end)
			drv.cuStreamDestroy(s.stream)
			return nil
		})
		for _, l := range ls {
			l.release()
		}
	})
	return s
}

// run replays the sequence reps times and returns the GPU time.
func (s *seq) run(reps int) (time.Duration, error) {
	d, drv := s.d, s.d.drv
	var ms float32
	err := d.th.Do(func() error {
		if err := drv.check("cuEventRecord", drv.cuEventRecord(s.start, s.stream)); err != nil {
			return err
		}
		for range reps {
			if s.exec != 0 {
				if err := drv.check("cuGraphLaunch", drv.cuGraphLaunch(s.exec, s.stream)); err != nil {
					return err
				}
				continue
			}
			for _, l := range s.ls {
				if err := d.enqueueOn(l, s.stream); err != nil {
					return err
				}
			}
		}
		if err := drv.check("cuEventRecord", drv.cuEventRecord(s.end, s.stream)); err != nil {
			return err
		}
		if err := drv.check("cuEventSynchronize", drv.cuEventSynchronize(s.end)); err != nil {
			return err
		}
		return drv.check("cuEventElapsedTime", drv.cuEventElapsedTime(&ms, s.start, s.end))
	})
	return time.Duration(float64(ms) * 1e6), err
}

// measure runs the sequence b.N times, reps replays each, and reports the
// GPU time per launch and the bandwidth of bytesPerLaunch; it returns the
// seconds per launch.
func (s *seq) measure(b *testing.B, reps int, bytesPerLaunch float64) float64 {
	b.Helper()
	if _, err := s.run(1); err != nil { // warm-up
		b.Fatal(err)
	}
	b.ResetTimer()
	var gpu time.Duration
	for range b.N {
		t, err := s.run(reps)
		if err != nil {
			b.Fatal(err)
		}
		gpu += t
	}
	per := gpu.Seconds() / float64(b.N*reps*len(s.ls))
	b.ReportMetric(per*1e6, "gpu-us/launch")
	if bytesPerLaunch > 0 {
		bw := bytesPerLaunch / per
		b.ReportMetric(bw/1e9, "GB/s")
		b.ReportMetric(100*bw/hbmPeak, "pct-hbm")
		if rb := readBandwidth(b, s.d); rb > 0 {
			b.ReportMetric(100*bw/rb, "pct-read")
		}
	}
	return per
}

var (
	readBWOnce sync.Once
	readBW     float64
)

// readBandwidth is the device's streaming read bandwidth: read_bw over
// 2 GiB, best of 10 passes.
func readBandwidth(b *testing.B, d *device) float64 {
	readBWOnce.Do(func() {
		const n = 2 << 30
		var p uint64
		d.th.Do(func() error {
			if err := d.drv.check("cuMemAlloc", d.drv.cuMemAlloc(&p, n)); err != nil {
				return err
			}
			return d.drv.check("cuMemsetD8", d.drv.cuMemsetD8(p, 1, n))
		})
		if p == 0 {
			return
		}
		defer d.free(p)
		out := devFill(b, d, 4, 0)
		l, err := d.newLaunch("read_bw", [3]uint32{uint32(d.sms * 8), 1, 1}, [3]uint32{256, 1, 1}, p, int64(n/16), out)
		if err != nil {
			return
		}
		s := newSeq(b, d, []*launch{l}, false)
		best := time.Duration(1 << 62)
		for range 10 {
			t, err := s.run(1)
			if err != nil {
				return
			}
			best = min(best, t)
		}
		readBW = n / best.Seconds()
	})
	return readBW
}

// BenchmarkMemory measures the HBM figures the GEMV is held against: the
// read kernel over 2 GiB, and a device-to-device copy (read + write bytes).
func BenchmarkMemory(b *testing.B) {
	d := benchDevice(b)
	b.Run("read", func(b *testing.B) {
		const n = 2 << 30
		p := devFill(b, d, n, 1)
		out := devFill(b, d, 4, 0)
		l, err := d.newLaunch("read_bw", [3]uint32{uint32(d.sms * 8), 1, 1}, [3]uint32{256, 1, 1}, p, int64(n/16), out)
		if err != nil {
			b.Fatal(err)
		}
		newSeq(b, d, []*launch{l}, false).measure(b, 1, n)
	})
	// read-cold: read_bw over copies of one matrix's bytes (≥ 256 MB in
	// all, so each read misses L2), replayed as a graph: what a kernel that
	// only streams the weights of one 2B4T GEMV takes, launch included.
	for _, s := range shapes2B4T {
		bytes := s.n * pack.Stride2Bit(s.k)
		b.Run(fmt.Sprintf("read-cold/%dx%d", s.n, s.k), func(b *testing.B) {
			out := devFill(b, d, 4, 0)
			ls := make([]*launch, max(8, int(256e6/float64(bytes))+1))
			for i := range ls {
				p := devFill(b, d, bytes, 1)
				l, err := d.newLaunch("read_bw", [3]uint32{uint32(d.sms * 8), 1, 1}, [3]uint32{256, 1, 1}, p, int64(bytes/16), out)
				if err != nil {
					b.Fatal(err)
				}
				ls[i] = l
			}
			newSeq(b, d, ls, true).measure(b, 1, float64(bytes))
		})
	}
	// launch: a graph of 1000 empty launches (read_bw of nothing), one
	// block or a full wave of 128-thread blocks: the floor under any kernel.
	for _, blocks := range []int{1, d.sms * 8} {
		b.Run(fmt.Sprintf("launch/blocks=%d", blocks), func(b *testing.B) {
			out := devFill(b, d, 4, 0)
			l, err := d.newLaunch("read_bw", [3]uint32{uint32(blocks), 1, 1}, [3]uint32{128, 1, 1}, out, int64(0), out)
			if err != nil {
				b.Fatal(err)
			}
			ls := make([]*launch, 1000)
			for i := range ls {
				ls[i] = l
			}
			newSeq(b, d, ls, true).measure(b, 1, 0)
		})
	}
	b.Run("copy", func(b *testing.B) {
		const n = 1 << 30
		src, dst := devFill(b, d, n, 1), devFill(b, d, n, 0)
		var gpu time.Duration
		for range b.N {
			var ms float32
			var start, end uintptr
			err := d.th.Do(func() error {
				drv := d.drv
				drv.cuEventCreate(&start, 0)
				drv.cuEventCreate(&end, 0)
				defer drv.cuEventDestroy(start)
				defer drv.cuEventDestroy(end)
				drv.cuEventRecord(start, 0)
				if err := drv.check("cuMemcpyDtoD", drv.cuMemcpyDtoD(dst, src, n)); err != nil {
					return err
				}
				drv.cuEventRecord(end, 0)
				drv.cuEventSynchronize(end)
				return drv.check("cuEventElapsedTime", drv.cuEventElapsedTime(&ms, start, end))
			})
			if err != nil {
				b.Fatal(err)
			}
			gpu += time.Duration(float64(ms) * 1e6)
		}
		bw := 2 * n * float64(b.N) / gpu.Seconds()
		b.ReportMetric(bw/1e9, "GB/s")
		b.ReportMetric(100*bw/hbmPeak, "pct-hbm")
	})
}

// gemvLaunches binds `copies` weight matrices of n×k (each its own buffer)
// to launches for m tokens, all writing the same output.
func gemvLaunches(b *testing.B, d *device, n, k, m, copies int) []*launch {
	b.Helper()
	stride := pack.Stride2Bit(k)
	kp := stride / pack.BlockBytes * pack.BlockCodes
	x := devFill(b, d, m*kp, 3)
	xs := devFill(b, d, 4*m, 0x3f) // 0x3f3f3f3f ≈ 0.75
	ws := devFill(b, d, 4, 0x3c)
	y := devFill(b, d, 4*m*n, 0)
	ls := make([]*launch, copies)
	for i := range ls {
		w := devFill(b, d, n*stride, 0x96) // codes +1, 0, 0, -1 per byte
		l, err := d.bitLinearLaunch(w, stride, n, x, kp, m, xs, ws, false, y)
		if err != nil {
			b.Fatal(err)
		}
		ls[i] = l
	}
	return ls
}

// BenchmarkGEMV2B4T: BitLinear at M = 1 on the 2B4T shapes.
func BenchmarkGEMV2B4T(b *testing.B) {
	d := benchDevice(b)
	for _, kern := range bitLinearKernels {
		b.Run(kern, func(b *testing.B) { withKernel(kern, func() { benchGEMV(b, d) }) })
	}
}

// benchGEMV runs each shape in the modes of the file comment, and
// graph-pdl: the same graph with each launch allowed to start while
// the one before it finishes (programmatic dependent launch; only kernels
// that wait with griddepcontrol.wait before reading activations, the wave
// kernels on sm_90, and skipped for the others): the next matrix's weight
// loads overlap the previous kernel's tail, as a model's layers may.
func benchGEMV(b *testing.B, d *device) {
	for _, s := range shapes2B4T {
		bytes := float64(s.n * pack.Stride2Bit(s.k))
		copies := max(8, int(256e6/bytes)+1)
		for _, mode := range []struct {
			name         string
			copies, reps int
			graph        bool
		}{
			{"hot/eager", 1, 200, false}, {"hot/graph", 200, 1, true},
			{"cold/eager", copies, 1, false}, {"cold/graph", copies, 1, true}, {"cold/graph-pdl", copies, 1, true},
		} {
			b.Run(fmt.Sprintf("%dx%d/%s", s.n, s.k, mode.name), func(b *testing.B) {
				var ls []*launch
				if mode.name == "hot/graph" {
					one := gemvLaunches(b, d, s.n, s.k, 1, 1)[0]
					for range mode.copies {
						ls = append(ls, one)
					}
				} else {
					ls = gemvLaunches(b, d, s.n, s.k, 1, mode.copies)
				}
				if strings.HasSuffix(mode.name, "-pdl") {
					overlapAll(b, d, ls)
				}
				newSeq(b, d, ls, mode.graph).measure(b, mode.reps, bytes)
			})
		}
	}
}

// overlapAll marks launches for programmatic dependent launch, or skips
// the benchmark where they or the device cannot take it.
func overlapAll(b *testing.B, d *device, ls []*launch) {
	b.Helper()
	for _, l := range ls {
		if !l.overlapOK || d.drv.cuLaunchKernelEx == nil {
			for _, l := range ls {
				l.release() // no seq owns them yet
			}
			b.Skipf("%s cannot overlap the launch before it", l.name)
		}
		l.overlap = true
	}
}

// BenchmarkWaveSweep: the wave kernel at M = 1 on the 2B4T shapes for
// each lane group width G and rows a lane group R, cold, as a graph with
// and without overlapped launches: the figures behind waveGeometry.
func BenchmarkWaveSweep(b *testing.B) {
	d := benchDevice(b)
	for _, s := range shapes2B4T {
		bytes := float64(s.n * pack.Stride2Bit(s.k))
		copies := max(8, int(256e6/bytes)+1)
		for _, gr := range [][2]int{{4, 1}, {8, 1}, {16, 1}, {32, 1}, {8, 2}, {16, 2}, {32, 2}, {8, 4}, {16, 4}, {32, 4}} {
			for _, mode := range []string{"graph", "graph-pdl"} {
				b.Run(fmt.Sprintf("%dx%d/G=%d/R=%d/cold/%s", s.n, s.k, gr[0], gr[1], mode), func(b *testing.B) {
					withLanes("wave", gr[0], gr[1], func() {
						ls := gemvLaunches(b, d, s.n, s.k, 1, copies)
						if mode == "graph-pdl" {
							overlapAll(b, d, ls)
						}
						newSeq(b, d, ls, true).measure(b, 1, bytes)
					})
				})
			}
		}
	}
}

// BenchmarkBatched: every projection of 64 layers of 2B4T (1.1 GB packed),
// as two launches (all K = 2560 rows, all K = 6912 rows): the bandwidth a
// GEMV reaches once launch overhead and L2 no longer matter.
func BenchmarkBatched(b *testing.B) {
	d := benchDevice(b)
	const layers = 64
	rowsPerLayer := 2560 + 640 + 640 + 2560 + 6912 + 6912 // q k v o gate up
	for _, kern := range bitLinearKernels {
		for _, m := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/M=%d", kern, m), func(b *testing.B) {
				withKernel(kern, func() {
					ls := append(gemvLaunches(b, d, rowsPerLayer*layers, 2560, m, 1), gemvLaunches(b, d, 2560*layers, 6912, m, 1)...)
					bytes := float64(rowsPerLayer*layers*pack.Stride2Bit(2560)+2560*layers*pack.Stride2Bit(6912)) / 2
					newSeq(b, d, ls, false).measure(b, 1, bytes)
				})
			})
		}
	}
}

// BenchmarkRun goes through the Backend API as the bench runner does:
// wall-clock per Run (one trip to the CUDA thread, launch, event sync)
// next to the event-timed GPU time.
func BenchmarkRun(b *testing.B) {
	needGPU(b)
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range shapes2B4T {
		p := kerneltest.BitLinearProblem(r, 1, s.n, s.k, false)
		b.Run(fmt.Sprintf("BitLinear/1x%dx%d", s.n, s.k), func(b *testing.B) { runKernel(b, p) })
		b.Run(fmt.Sprintf("BitLinear/1x%dx%d/RunN", s.n, s.k), func(b *testing.B) { runKernelN(b, p) })
	}
	b.Run("QuantizeActivations/1x2560", func(b *testing.B) {
		runKernel(b, &kernels.Problem{Op: kernels.OpQuantizeActivations, M: 1, K: 2560,
			X: floatInput(r, 2560, 1), YQ: make([]int8, 2560), YScales: make([]float32, 1)})
	})
	b.Run("GELU/1x6912", func(b *testing.B) {
		runKernel(b, &kernels.Problem{Op: kernels.OpGELU, M: 1, K: 6912, X: floatInput(r, 6912, 1), Y: make([]float32, 6912)})
	})
	b.Run("MatMul/1x2560x2560", func(b *testing.B) {
		runKernel(b, &kernels.Problem{Op: kernels.OpMatMul, M: 1, N: 2560, K: 2560,
			X: floatInput(r, 2560, 1), W: floatInput(r, 2560*2560, 1), Y: make([]float32, 2560)})
	})
}

func runKernel(b *testing.B, p *kernels.Problem) {
	k, err := Backend{}.Prepare(p)
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	if err := k.Run(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var gpu time.Duration
	for range b.N {
		if err := k.Run(); err != nil {
			b.Fatal(err)
		}
		gpu += k.(kernels.DeviceTimer).DeviceTime()
	}
	b.ReportMetric(gpu.Seconds()*1e6/float64(b.N), "gpu-us/op")
}

// int8Peak is the dense int8 tensor-core peak of the GPU (ops/s, from
// NVIDIA's datasheets), 0 when this table does not know the model.
func int8Peak(d *device) float64 {
	switch {
	case strings.Contains(d.name, "H100") && strings.Contains(d.name, "PCIe"):
		return 1513e12
	case strings.Contains(d.name, "H100"), strings.Contains(d.name, "H200"), strings.Contains(d.name, "H800"):
		return 1979e12
	}
	return 0
}

// hbmPeakOf is the GPU's datasheet HBM bandwidth, 0 when unknown.
func hbmPeakOf(d *device) float64 {
	switch {
	case strings.Contains(d.name, "H200"):
		return 4.8e12
	case strings.Contains(d.name, "H100") && strings.Contains(d.name, "PCIe"):
		return 2.0e12
	case strings.Contains(d.name, "H100"):
		return hbmPeak
	}
	return 0
}

// prefillKernels are the kernels BenchmarkPrefill2B4T times beside "auto";
// BITNET_BENCH_KERNELS (comma-separated) replaces the list.
var prefillKernels = func() []string {
	if v := os.Getenv("BITNET_BENCH_KERNELS"); v != "" {
		return strings.Split(v, ",")
	}
	return []string{"auto", "tc", "tcs", "tcg", "tck", "wave"}
}()

// BenchmarkPrefill2B4T: BitLinear for M tokens on the 2B4T shapes, cold
// (copies of the weights, ≥ 256 MB together, replayed as a graph), for
// "auto" (what the Backend API binds: measured per shape), the tensor-core
// kernels at their default tilings (registers: tc; shared memory: tcs), and wave (M = 1's kernel; at more tokens
// the dp4a path of before). Besides time: int8 TOP/s and their share of
// the tensor-core peak, and the bytes of weights, activations and outputs
// over the HBM datasheet peak. kernels/cuda/testdata/torch_linear.py
// times torch's bf16 F.linear the same way, for the side-by-side figures.
func BenchmarkPrefill2B4T(b *testing.B) {
	d := benchDevice(b)
	for _, m := range []int{1, 8, 128, 512} {
		for _, s := range shapes2B4T {
			stride := pack.Stride2Bit(s.k)
			kp := stride / pack.BlockBytes * pack.BlockCodes
			wbytes := float64(s.n * stride)
			bytes := wbytes + float64(m*kp+4*m*s.n)
			ops := 2 * float64(m) * float64(s.n) * float64(s.k)
			copies := max(8, int(256e6/wbytes)+1)
			for _, kern := range prefillKernels {
				b.Run(fmt.Sprintf("M=%d/%dx%d/%s", m, s.n, s.k, kern), func(b *testing.B) {
					withKernel(kern, func() {
						ls := gemvLaunches(b, d, s.n, s.k, m, copies)
						if kern == "auto" {
							b.Logf("auto binds %s", ls[0].name)
						}
						per := newSeq(b, d, ls, true).measure(b, 1, 0)
						b.ReportMetric(ops/per/1e12, "TOP/s")
						if p := int8Peak(d); p > 0 {
							b.ReportMetric(100*ops/per/p, "pct-int8-peak")
						}
						if p := hbmPeakOf(d); p > 0 {
							b.ReportMetric(100*bytes/per/p, "pct-hbm")
						}
					})
				})
			}
		}
	}
	b.Logf("tuned:\n%s", strings.Join(tuneTable(), "\n"))
}

// runKernelN times the kernel as the runner does when it can: RunN
// batches of up to 256 runs, one host round trip each; ns/op is wall time.
func runKernelN(b *testing.B, p *kernels.Problem) {
	k, err := Backend{}.Prepare(p)
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	rep := k.(kernels.Repeater)
	if err := rep.RunN(256); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var gpu time.Duration
	for left := b.N; left > 0; {
		n := min(left, 256)
		if err := rep.RunN(n); err != nil {
			b.Fatal(err)
		}
		gpu += k.(kernels.DeviceTimer).DeviceTime()
		left -= n
	}
	b.ReportMetric(gpu.Seconds()*1e6/float64(b.N), "gpu-us/op")
}
