// Package cuda is the NVIDIA GPU backend: the CUDA driver API and NVRTC,
// loaded at run time with purego (no cgo), running kernels from
// shaders/cuda compiled for the device found.
//
// Implemented ops: BitLinear (W2A8: dp4a straight from the block-
// interleaved 2-bit layout, bit-identical to the reference; three kernels,
// picked by shape), QuantizeActivations (bit-identical), MatMul (f32
// inputs, f32 accumulation: a bandwidth baseline, not a tuned GEMM) and
// the activation functions (evaluated in double and rounded once: equal to
// the float64 reference on every value tested). Every other op reports
// NotImplementedError.
//
// The kernels' device buffers come from one memory.Pool per device over
// cuMemAlloc (NewBacking), so reused blocks skip cuMemAlloc and the pool's
// tracking covers GPU memory too.
package cuda

import (
	"fmt"
	"time"
	"unsafe"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
	"github.com/bitnet-go/bitnet-bench/memory"
)

func init() { kernels.Register("cuda", func() kernels.Backend { return Backend{} }) }

// Backend runs on CUDA device 0.
type Backend struct{}

// The kernels of this backend implement kernels.DeviceTimer: the time of
// the last Run between CUDA events recorded before the first launch and
// after the last one. It leaves out the hand-off to the CUDA thread and the
// wake-up after synchronisation that wall-clock includes, but not the
// host's launch latency, which dominates kernels of a few microseconds.
var _ kernels.DeviceTimer = (*kernel)(nil)

// They also run n times as one submission (kernels.Repeater, repeat.go),
// so the runner's samples time the kernel and not a host round trip per
// run, and name the BitLinear kernel they bound (kernels.Variant).
var (
	_ kernels.Repeater = (*kernel)(nil)
	_ kernels.Variant  = (*kernel)(nil)
)

func (Backend) Name() string { return "cuda" }

// Level is the device architecture, e.g. "sm_90", or "none".
func (Backend) Level() string {
	if d, err := getDevice(); err == nil {
		return d.arch()
	}
	return "none"
}

// Available is nil when libcuda loads, cuInit succeeds, a device with dp4a
// exists and NVRTC loads; otherwise the error says which step failed.
func (Backend) Available() error {
	_, err := getDevice()
	return err
}

// Device describes the GPU in use ("NVIDIA H100 80GB HBM3, sm_90, 132 SMs,
// driver 13.0, NVRTC 13.0"), or why there is none.
func Device() (string, error) {
	d, err := getDevice()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s, %s, %d SMs, driver %d.%d, NVRTC %d.%d (%s)", d.name, d.arch(), d.sms,
		d.driverVersion/1000, d.driverVersion%1000/10, d.rtcMajor, d.rtcMinor, d.rtc.path), nil
}

var actKernels = map[kernels.Op]string{
	kernels.OpReLU: "act_relu", kernels.OpGELU: "act_gelu", kernels.OpSiLU: "act_silu",
	kernels.OpSigmoid: "act_sigmoid", kernels.OpTanh: "act_tanh",
}

// ops is this backend's op table: for each op it has kernels for, how a
// problem is bound to them. The activation functions are one elementwise
// launch of their kernel (actKernels).
var ops = func() map[kernels.Op]func(*kernel) error {
	t := map[kernels.Op]func(*kernel) error{
		kernels.OpBitLinear:           (*kernel).prepareBitLinear,
		kernels.OpQuantizeActivations: (*kernel).prepareQuantize,
		kernels.OpMatMul:              (*kernel).prepareMatMul,
	}
	for op, name := range actKernels {
		t[op] = func(k *kernel) error { return k.prepareActivation(name) }
	}
	return t
}()

func (Backend) Implements(op kernels.Op) bool { _, ok := ops[op]; return ok }

// Prepare uploads p's inputs once and binds the launches; Run only
// launches, so weights stay on the device between runs.
func (b Backend) Prepare(p *kernels.Problem) (kernels.Kernel, error) {
	if !b.Implements(p.Op) {
		return nil, &kernels.NotImplementedError{Op: p.Op, Backend: "cuda"}
	}
	d, err := getDevice()
	if err != nil {
		return nil, err
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	k := &kernel{d: d, p: p}
	if err := k.prepare(); err != nil {
		k.Close()
		return nil, err
	}
	return k, nil
}

// kernel is a problem bound to device buffers and launches.
type kernel struct {
	d        *device
	p        *kernels.Problem
	bufs     []memory.Handle
	launches []*launch
	fetch    []func() error
	start    uintptr
	stop     uintptr
	last     time.Duration
	variant  string // the BitLinear kernel bound, and for "auto" why

	// RunN's replay (repeat.go): a stream and a graph of repeatN copies of
	// the launches, made on first use.
	stream, graph, exec uintptr
}

// buf allocates n zeroed device bytes from the device's pool: a block the
// pool reuses holds an earlier kernel's data, and the zero-padded
// activation rows rely on zeros.
func (k *kernel) buf(n int) (uint64, error) {
	pool, err := k.d.memPool()
	if err != nil {
		return 0, err
	}
	b, err := pool.AllocBlock(max(n, 1), cuAlign)
	if err != nil {
		return 0, fmt.Errorf("cuda: device buffer of %d bytes: %w", n, err)
	}
	k.bufs = append(k.bufs, b.Handle)
	p := uint64(b.Addr)
	err = k.d.th.Do(func() error { return k.d.drv.check("cuMemsetD8", k.d.drv.cuMemsetD8(p, 0, uint64(max(n, 1)))) })
	return p, err
}

// bufFrom allocates a device copy of s.
func bufFrom[T any](k *kernel, s []T) (uint64, error) {
	var zero T
	p, err := k.buf(len(s) * int(unsafe.Sizeof(zero)))
	if err != nil {
		return 0, err
	}
	return p, uploadSlice(k.d, p, s)
}

// output allocates a device buffer for out and arranges Fetch to copy it.
func output[T any](k *kernel, out []T) (uint64, error) {
	var zero T
	p, err := k.buf(len(out) * int(unsafe.Sizeof(zero)))
	if err != nil {
		return 0, err
	}
	k.fetch = append(k.fetch, func() error { return downloadSlice(k.d, out, p) })
	return p, nil
}

func (k *kernel) add(name string, grid, block [3]uint32, args ...any) error {
	l, err := k.d.newLaunch(name, grid, block, args...)
	if err == nil {
		k.launches = append(k.launches, l)
	}
	return err
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// Launch geometry of bitlinear_w2a8: 128 threads are 4 warps of 4 rows
// (8 lanes a row); at most 16 blocks per SM are resident, and beyond that
// blocks loop over rows.
const (
	blThreads      = 128
	blRowsPerBlock = blThreads / 32 * 4
	blTokens       = 8
)

func (k *kernel) prepare() error {
	p, d := k.p, k.d
	for _, ev := range []*uintptr{&k.start, &k.stop} {
		if err := d.th.Do(func() error { return d.drv.check("cuEventCreate", d.drv.cuEventCreate(ev, eventDefault)) }); err != nil {
			return err
		}
	}
	return ops[p.Op](k)
}

func (k *kernel) prepareQuantize() error {
	p := k.p
	x, err := bufFrom(k, p.X[:p.M*p.K])
	if err != nil {
		return err
	}
	q, err := output(k, p.YQ[:p.M*p.K])
	if err != nil {
		return err
	}
	s, err := output(k, p.YScales[:p.M])
	if err != nil {
		return err
	}
	return k.add("quantize_act", [3]uint32{uint32(p.M), 1, 1}, [3]uint32{256, 1, 1}, x, int32(p.K), q, s)
}

func (k *kernel) prepareMatMul() error {
	p := k.p
	x, err := bufFrom(k, p.X[:p.M*p.K])
	if err != nil {
		return err
	}
	w, err := bufFrom(k, p.W[:p.N*p.K])
	if err != nil {
		return err
	}
	y, err := output(k, p.Y[:p.M*p.N])
	if err != nil {
		return err
	}
	if p.M*p.N > 1<<26 {
		return fmt.Errorf("cuda: MatMul %dx%d outputs exceed the grid of this baseline kernel", p.M, p.N)
	}
	return k.add("matmul_f32", [3]uint32{uint32(ceilDiv(p.M*p.N*32, 256)), 1, 1}, [3]uint32{256, 1, 1},
		x, w, y, int32(p.M), int32(p.N), int32(p.K))
}

// prepareActivation launches the elementwise kernel name over the M×K values.
func (k *kernel) prepareActivation(name string) error {
	p := k.p
	n := p.M * p.K
	x, err := bufFrom(k, p.X[:n])
	if err != nil {
		return err
	}
	y, err := output(k, p.Y[:n])
	if err != nil {
		return err
	}
	grid := min(ceilDiv(n, 256), k.d.sms*8)
	return k.add(name, [3]uint32{uint32(grid), 1, 1}, [3]uint32{256, 1, 1}, x, y, int64(n))
}

func (k *kernel) prepareBitLinear() error {
	p, d := k.p, k.d
	w := p.Weights.Packed
	kp := w.Stride / pack.BlockBytes * pack.BlockCodes // codes per row, padded to whole blocks
	if int64(kp)*int64(p.M) >= 1<<31 || ceilDiv(p.M, blTokens) > 65535 {
		return fmt.Errorf("cuda: BitLinear %dx%dx%d: too many tokens for one launch (M·K < 2³¹ and M ≤ 524280)", p.M, p.N, p.K)
	}
	wbuf, err := bufFrom(k, w.Data[:p.N*w.Stride])
	if err != nil {
		return err
	}
	// Activations are padded to whole blocks with zeros, which meet the
	// padding codes, and Σx includes no padding.
	xpad := make([]int8, p.M*kp)
	for m := 0; m < p.M; m++ {
		copy(xpad[m*kp:], p.XQ[m*p.K:(m+1)*p.K])
	}
	x, err := bufFrom(k, xpad)
	if err != nil {
		return err
	}
	xs, err := bufFrom(k, p.XScales[:p.M])
	if err != nil {
		return err
	}
	scales, rowScales := []float32{p.Weights.Scale}, false
	if p.Weights.RowScales != nil {
		scales, rowScales = p.Weights.RowScales[:p.N], true
	}
	ws, err := bufFrom(k, scales)
	if err != nil {
		return err
	}
	y, err := output(k, p.Y[:p.M*p.N])
	if err != nil {
		return err
	}
	l, variant, err := d.bitLinearLaunchAs(bitLinearKernel, wbuf, w.Stride, p.N, x, kp, p.M, xs, ws, rowScales, y)
	if err == nil {
		k.launches = append(k.launches, l)
		k.variant = variant
	}
	return err
}

// bitLinearKernel selects the BitLinear kernel: "gemv" (gemv.cu: a warp
// per 4 rows, loads batched per lane), "w2a8" (bitlinear.cu: 8 lanes per
// row, blocks looping over rows), "wave" (wave.cu: every weight load of a
// lane issued up front, the grid one wave), "tc" (tc.cu: int8 tensor
// cores, tcDefault's tiling), "tcs" (tcs.cu: staged in shared memory,
// tcsDefault's tiling), "tcg" (tcg.cu: the GEMM with large warp tiles
// and split K, tcgDefault's choice), "tck" (tck.cu: all tokens of a
// tile in one block, K split over a cluster, tckDefault's choice), one
// tc.cu, tcs.cu, tcg.cu or tck.cu instantiation by name (tcg's with its
// split, _k<S>), or "auto":
// the fastest of them measured on this GPU model for the shape
// (autotune.go). All are exact; tests and benchmarks run each.
var bitLinearKernel = "auto"

// waveCaps lists, per lane group width G and rows a lane group R, the
// capacities JC (chunks a lane holds a row) that wave.cu instantiates as
// bitlinear_wave_g<G>_r<R>_c<JC>_t1; the kernel runs any J ≤ JC. Several
// tokens use bitlinear_wave_g8_r1_c4_t8.
var waveCaps = map[[2]int][]int{
	{4, 1}: {4, 8, 12, 16}, {8, 1}: {2, 4, 6, 8, 12, 16}, {16, 1}: {2, 4, 8, 16}, {32, 1}: {2, 4, 8, 16},
	{8, 2}: {2, 3, 4, 5, 7, 8}, {16, 2}: {2, 3, 4, 5, 7, 8}, {32, 2}: {2, 3, 4, 5, 7, 8},
	{8, 4}: {2, 3, 4, 5}, {16, 4}: {2, 3, 4, 5}, {32, 4}: {2, 3, 4, 5},
}

// forceLanes and forceRows, when non-zero, override the lane group width
// G and the rows a lane group R that waveGeometry picks for one token (the
// benchmarks sweep them).
var forceLanes, forceRows = 0, 0

// waveThreads is the block size of the wave kernels.
const waveThreads = 128

// waveGeometry picks the wave kernel for n rows of `chunks` 16-byte chunks
// and m tokens: G lanes a row, R rows a lane group, J chunks a lane a
// round, and the instantiation's name.
func waveGeometry(n, chunks, m int) (g, r, j int, name string) {
	if m > 1 {
		return 8, 1, min(ceilDiv(chunks, 8), 4), "bitlinear_wave_g8_r1_c4_t8"
	}
	// Measured on an H100 (cold L2, CUDA graph) over G in 4..32 and R in
	// 1, 2, 4: 16 lanes and 2 rows are best or within noise (±0.1 µs) of it
	// for K = 2560 from 2560 rows up (3.10 µs at 2560x2560, 4.35 at
	// 6912x2560, 6.35 at 13824x2560, where R = 1 takes 7.0 µs: the
	// activation loads through L1 halve); rows of more than 64 chunks
	// (K > 4096) want 32 lanes (2560x6912: 5.05 vs 5.29 µs), and fewer than
	// 2048 rows a lane group each, 32 lanes a row (640x2560: 2.47 vs 2.70).
	g, r = 16, 2
	if chunks > 64 {
		g = 32
	}
	if n < 2048 {
		g, r = 32, 1
	}
	if forceLanes != 0 {
		g = forceLanes
	}
	if forceRows != 0 {
		r = forceRows
	}
	caps := waveCaps[[2]int{g, r}]
	if caps == nil { // G = 4 exists for R = 1 only
		r, caps = 1, waveCaps[[2]int{g, 1}]
	}
	j = ceilDiv(chunks, g)
	c := waveCap(caps, j)
	return g, r, min(j, c), fmt.Sprintf("bitlinear_wave_g%d_r%d_c%d_t1", g, r, c)
}

// waveCap is the smallest of a kernel's instantiated capacities caps
// (ascending) that holds j chunks a lane, else the largest (more rounds).
func waveCap(caps []int, j int) int {
	for _, v := range caps {
		if v >= j {
			return v
		}
	}
	return caps[len(caps)-1]
}

// waveKernelNames are the entry points of wave.cu.
func waveKernelNames() []string {
	var names []string
	for _, r := range []int{1, 2, 4} {
		for _, g := range []int{4, 8, 16, 32} {
			for _, c := range waveCaps[[2]int{g, r}] {
				names = append(names, fmt.Sprintf("bitlinear_wave_g%d_r%d_c%d_t1", g, r, c))
			}
		}
	}
	return append(names, "bitlinear_wave_g8_r1_c4_t8")
}

// bitLinearLaunch binds the BitLinear kernel to device buffers: packed
// weights (n rows of stride bytes), m tokens of kp zero-padded int8
// activations, their m scales, 1 or n weight scales, and m×n outputs.
// Under "auto" the first binding of a shape on a GPU model measures the
// candidates on these buffers (their outputs land in y, as the chosen
// kernel's will).
func (d *device) bitLinearLaunch(w uint64, stride, n int, x uint64, kp, m int, xs, ws uint64, rowScales bool, y uint64) (*launch, error) {
	l, _, err := d.bitLinearLaunchAs(bitLinearKernel, w, stride, n, x, kp, m, xs, ws, rowScales, y)
	return l, err
}

// bitLinearLaunchAs is bitLinearLaunch with the kernel named; it also
// says which kernel runs, and for "auto" why.
func (d *device) bitLinearLaunchAs(kern string, w uint64, stride, n int, x uint64, kp, m int, xs, ws uint64, rowScales bool, y uint64) (*launch, string, error) {
	bind := func(kern string) (*launch, error) {
		return d.bitLinearLaunchOf(kern, w, stride, n, x, kp, m, xs, ws, rowScales, y)
	}
	if kern != "auto" {
		l, err := bind(kern)
		name := kern
		if l != nil {
			name = l.name
		}
		return l, name, err
	}
	r, err := d.autoBitLinear(tuneKey{GPU: d.name, Code: tuneCode(), N: n, Kp: kp, M: m, RowScaling: rowScales}, bind)
	if err != nil {
		return nil, "", err
	}
	l, err := bind(r.Kernel)
	return l, r.describe(), err
}

// bitLinearLaunchOf binds one named kernel.
func (d *device) bitLinearLaunchOf(kern string, w uint64, stride, n int, x uint64, kp, m int, xs, ws uint64, rowScales bool, y uint64) (*launch, error) {
	rs := int32(0)
	if rowScales {
		rs = 1
	}
	args := []any{w, int32(stride), int32(n), x, int32(kp), int32(m), xs, ws, rs, y}
	switch kern {
	case "tc":
		kern = tcDefault(m).name()
	case "tcs":
		kern = tcsDefault.name()
	case "tcg":
		kern = tcgDefault(n, stride/64, m, d.sms).name()
	case "tck":
		kern = tckDefault(n, stride/64, m, d.sms, d.clusters()).name()
	case "tcw":
		kern = tcwDefault(n, stride/64, m, d.sms).name()
	}
	if c, ok := tcConfigNamed(kern); ok {
		grid, block := tcGrid(c, n, m)
		return d.newLaunch(kern, grid, block, args...)
	}
	if c, ok := tcgChoiceNamed(kern); ok {
		return d.tcgLaunch(c, args, n, m)
	}
	if c, ok := tckConfigNamed(kern); ok {
		if c.S > 1 && !d.clusters() {
			return nil, fmt.Errorf("cuda: %s splits K over a cluster, which %s (%s) does not have", kern, d.name, d.arch())
		}
		grid, block := tckGrid(c, n, m)
		return d.sharedLaunch(kern, grid, block, c.sharedBytes(), args)
	}
	if c, ok := tcwConfigNamed(kern); ok {
		if !d.wgmma() {
			return nil, fmt.Errorf("cuda: %s needs wgmma (sm_90), which %s (%s) does not have", kern, d.name, d.arch())
		}
		grid, block := tcwGrid(c, n, m)
		return d.sharedLaunch(kern, grid, block, c.sharedBytes(), args)
	}
	if c, ok := tcsConfigNamed(kern); ok {
		grid, block := tcsGrid(c, n, m)
		return d.sharedLaunch(kern, grid, block, c.sharedBytes(), args)
	}
	switch kern {
	case "w2a8":
		grid := [3]uint32{uint32(min(ceilDiv(n, blRowsPerBlock), d.sms*16)), uint32(ceilDiv(m, blTokens)), 1}
		return d.newLaunch("bitlinear_w2a8", grid, [3]uint32{blThreads, 1, 1}, args...)
	case "wave":
		g, r, j, name := waveGeometry(n, stride/16, m)
		tile := 1
		if m > 1 {
			tile = 8
		}
		grid := [3]uint32{uint32(ceilDiv(ceilDiv(n, r)*g, waveThreads)), uint32(ceilDiv(m, tile)), 1}
		l, err := d.newLaunch(name, grid, [3]uint32{waveThreads, 1, 1}, append(args, int32(j))...)
		if l != nil {
			// It waits for the grid before it (griddepcontrol.wait) before it
			// reads activations or writes outputs.
			l.overlapOK = d.major >= 9
		}
		return l, err
	case "gemv":
		// gemv.cu: 4 warps of 4 rows a block, one block per 16 rows; one
		// token, or tiles of 8.
		name, tile := "bitlinear_gemv_t1", 1
		if m > 1 {
			name, tile = "bitlinear_gemv_t8", 8
		}
		grid := [3]uint32{uint32(ceilDiv(n, 16)), uint32(ceilDiv(m, tile)), 1}
		return d.newLaunch(name, grid, [3]uint32{128, 1, 1}, args...)
	}
	return nil, fmt.Errorf("cuda: no BitLinear kernel %q (want gemv, w2a8, wave, tc, tcs, tcg, tck, tcw, a tc.cu, tcs.cu, tcg.cu, tck.cu or tcw.cu instantiation, or auto)", kern)
}

// sharedLaunch binds a kernel with shared bytes of dynamic shared memory
// a block.
func (d *device) sharedLaunch(kern string, grid, block [3]uint32, shared int, args []any) (*launch, error) {
	l, err := d.newLaunch(kern, grid, block, args...)
	if err != nil {
		return nil, err
	}
	if err := d.dynamicShared(l, shared); err != nil {
		l.release()
		return nil, err
	}
	return l, nil
}

// Run launches the kernels and waits for them: the stop event is recorded
// after the last launch and synchronised, so Run returns only when the GPU
// has finished (and any kernel fault surfaces here).
func (k *kernel) Run() error {
	d := k.d
	return d.th.Do(func() error {
		if err := d.drv.check("cuEventRecord", d.drv.cuEventRecord(k.start, 0)); err != nil {
			return err
		}
		for _, l := range k.launches {
			if err := d.enqueue(l); err != nil {
				return err
			}
		}
		if err := d.drv.check("cuEventRecord", d.drv.cuEventRecord(k.stop, 0)); err != nil {
			return err
		}
		if err := d.drv.check("cuEventSynchronize", d.drv.cuEventSynchronize(k.stop)); err != nil {
			return err
		}
		var ms float32
		if err := d.drv.check("cuEventElapsedTime", d.drv.cuEventElapsedTime(&ms, k.start, k.stop)); err != nil {
			return err
		}
		k.last = time.Duration(float64(ms) * 1e6)
		return nil
	})
}

// DeviceTime is the event-timed GPU time of the last Run.
func (k *kernel) DeviceTime() time.Duration { return k.last }

// Fetch copies the outputs of the last Run into the Problem.
func (k *kernel) Fetch() error {
	for _, f := range k.fetch {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// Variant names the BitLinear kernel bound ("" for other ops).
func (k *kernel) Variant() string { return k.variant }

// Close frees the device buffers, events and any replay graph.
func (k *kernel) Close() error {
	first := k.closeReplay()
	for _, l := range k.launches {
		l.release()
	}
	k.launches = nil
	if pool, err := k.d.memPool(); err == nil {
		for _, h := range k.bufs {
			if err := pool.Free(h); err != nil && first == nil {
				first = err
			}
		}
	}
	k.bufs = nil
	for _, ev := range []*uintptr{&k.start, &k.stop} {
		if *ev != 0 {
			e := *ev
			if err := k.d.th.Do(func() error { return k.d.drv.check("cuEventDestroy", k.d.drv.cuEventDestroy(e)) }); err != nil && first == nil {
				first = err
			}
			*ev = 0
		}
	}
	return first
}
