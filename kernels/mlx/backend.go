// Package mlx is the MLX backend: the C API of MLX (libmlxc, from
// github.com/ml-explore/mlx-c) loaded at run time with purego (no cgo).
// MLX runs on the Apple GPU through Metal where it was built with it, and
// on the CPU (BLAS) everywhere, so the backend is tested on Linux too.
//
// The library is BITNET_MLXC_LIB (a full path) or libmlxc.so / .dylib from
// the loader's search or the usual prefixes (/usr/local/lib, /usr/lib,
// /opt/homebrew/lib, ...). The device is MLX's default one (the GPU where
// there is one), or BITNET_MLX_DEVICE=cpu|gpu. Every MLX call runs on one
// goroutine locked to its OS thread, and MLX's error handler is replaced,
// so an MLX error is returned as a Go error instead of ending the process.
//
// Implemented ops, each built from MLX operations:
//
//   - BitLinear (W2A8): the 2-bit weights are repacked at Prepare into
//     MLX's own 2-bit affine layout (q = code+1, scale 1, bias -1, groups
//     of 128) and each Run is mlx_quantized_matmul on the int8 activations
//     cast to float32, then ·wscale(n) / xscale[m] as RefBitLinear does
//     (variant "qmm", used on the GPU; "dense", used on the CPU, keeps the
//     codes as a float32 matrix for mlx_matmul). MLX matmuls are float only, so the integer
//     sums are formed in float32, where every integer of magnitude ≤ 2^24
//     is exact: with |w·x| ≤ 128, every partial sum over L ≤ 2^17 columns
//     is exact whatever the summation order. K is split into slices of
//     2^17 columns whose float32 sums are converted to int32 and added
//     exactly, so the sum is exact for every K, as in the reference; the
//     scaling is the same two float32 operations. The result is therefore
//     bit-identical to the reference wherever MLX's float32 multiply and
//     divide round correctly: its CPU device, where the tests compare bit
//     for bit; MLX builds its Metal kernels with -fno-fast-math, and its
//     Metal quantized kernels also form x·q exactly (x is scaled by powers
//     of 4 against shifted-in-place codes), but that path has not been run
//     by these tests on a Mac.
//   - QuantizeActivations: absmax per token, round half to even, clamp,
//     NaNs as the reference treats them: bit-identical likewise.
//   - MatMul: float32 mlx_matmul (BLAS on the CPU), within the classical
//     bound γ_K·Σ|x||w| of the float64 reference.
//   - ReLU (exact), GELU (erf form), SiLU, Sigmoid, Tanh in float32 with
//     MLX's own transcendental functions: close to, not equal to, the
//     float64 reference; the tests state the tolerance.
//
// Every other op reports NotImplementedError. The backend also runs the
// BitNet model (model.go: model.Backend).
package mlx

import (
	"fmt"
	"math"

	"github.com/bitnet-go/bitnet-bench/kernels"
)

func init() { kernels.Register("mlx", func() kernels.Backend { return Backend{} }) }

// Backend runs on MLX's device through libmlxc.
type Backend struct{}

func (Backend) Name() string { return "mlx" }

// Level is the MLX device in use, "gpu" or "cpu", or "none".
func (Backend) Level() string {
	if rt, err := getRuntime(); err == nil {
		return rt.deviceName()
	}
	return "none"
}

// Available is nil when libmlxc loads and its device opens; otherwise the
// error names the paths tried or the step that failed.
func (Backend) Available() error {
	_, err := getRuntime()
	return err
}

// Device describes the library and device in use ("MLX 0.31.2, cpu
// device, /usr/local/lib/libmlxc.so"), or why there is none.
func Device() (string, error) {
	rt, err := getRuntime()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("MLX %s, %s device, %s", rt.version, rt.deviceName(), rt.l.path), nil
}

// ops is this backend's op table: for each op it has kernels for, how
// Prepare binds a problem (the inputs uploaded on g, the graph each Run
// builds). The activation functions share one binding (activations).
var ops = func() map[kernels.Op]func(*kernel, *graph) {
	t := map[kernels.Op]func(*kernel, *graph){
		kernels.OpBitLinear:           (*kernel).prepareBitLinear,
		kernels.OpMatMul:              (*kernel).prepareMatMul,
		kernels.OpQuantizeActivations: (*kernel).prepareQuantize,
	}
	for op, f := range activations {
		t[op] = func(k *kernel, g *graph) { k.prepareActivation(g, f) }
	}
	return t
}()

func (Backend) Implements(op kernels.Op) bool { _, ok := ops[op]; return ok }

// Prepare uploads p's inputs once (weights repacked for MLX) and binds the
// graph each Run builds and evaluates.
func (b Backend) Prepare(p *kernels.Problem) (kernels.Kernel, error) {
	if !b.Implements(p.Op) {
		return nil, &kernels.NotImplementedError{Op: p.Op, Backend: "mlx"}
	}
	rt, err := getRuntime()
	if err != nil {
		return nil, err
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	k := &kernel{rt: rt, p: p}
	err = rt.th.Do(func() error {
		g := &graph{rt: rt}
		ops[p.Op](k, g)
		if g.err == nil {
			// What Prepare made is evaluated now, so Run times the op only.
			g.eval(g.own...)
		}
		if g.err != nil {
			return g.release()
		}
		k.inputs, g.own = g.own, nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// kernel is a problem bound to MLX arrays. build, called on the MLX thread
// by each Run, makes the output arrays from the inputs; fetch copies the
// evaluated outputs into the Problem.
type kernel struct {
	rt     *runtimeState
	p      *kernels.Problem
	inputs []uintptr
	outs   []uintptr
	build  func(g *graph) []uintptr
	fetch  func(outs []uintptr) error
}

// bitLinearKernel selects how BitLinear runs: "qmm" (2-bit weights,
// mlx_quantized_matmul), "dense" (float32 codes, mlx_matmul) or "auto":
// qmm on the GPU, which streams 2 bits a weight through MLX's Metal
// kernels for quantized models, dense on the CPU, where MLX's quantized
// matmul is a scalar loop and BLAS is faster (MLX 0.31.2 on 2 shared
// x86 cores, 2560x6912: 20 vs 7 ms at one token, 128 vs 17 ms at 8).
// Both are exact; tests run each.
var bitLinearKernel = "auto"

// pickBitLinearKernel resolves bitLinearKernel on the device in use.
func pickBitLinearKernel(rt *runtimeState) string {
	if bitLinearKernel != "auto" {
		return bitLinearKernel
	}
	if rt.devType == deviceGPU {
		return "qmm"
	}
	return "dense"
}

// exactSlice is the most columns whose float32 sums of products
// |w·x| ≤ 128 are exact: 128·2^17 = 2^24. A multiple of the 256-code block;
// tests lower it to exercise the int32 combination of slices.
var exactSlice = 1 << 17

// qGroup is the group size of the MLX affine layout (it divides 256).
const qGroup = 128

func (k *kernel) prepareMatMul(g *graph) {
	p := k.p
	x := upload(g, p.X[:p.M*p.K], p.M, p.K)
	wt := g.transpose(upload(g, p.W[:p.N*p.K], p.N, p.K))
	k.build = func(g *graph) []uintptr { return []uintptr{g.matmul(x, wt)} }
	k.fetch = func(outs []uintptr) error { return readFloat32(k.rt.l, outs[0], p.Y[:p.M*p.N]) }
}

func (k *kernel) prepareBitLinear(g *graph) {
	p := k.p
	bw := newBitLinearWeights(g, k.rt, p.Weights)
	x := upload(g, p.XQ[:p.M*p.K], p.M, p.K)
	xscales := upload(g, p.XScales[:p.M], p.M, 1)
	k.build = func(g *graph) []uintptr { return []uintptr{bw.apply(g, x, xscales, p.M)} }
	k.fetch = func(outs []uintptr) error { return readFloat32(k.rt.l, outs[0], p.Y[:p.M*p.N]) }
}

// prepareQuantize binds per-token absmax quantization (quantizeRows).
func (k *kernel) prepareQuantize(g *graph) {
	p := k.p
	x := upload(g, p.X[:p.M*p.K], p.M, p.K)
	c := newQuantConsts(g)
	k.build = func(g *graph) []uintptr {
		q, s := quantizeRows(g, x, c)
		return []uintptr{q, s}
	}
	k.fetch = func(outs []uintptr) error {
		if err := readInt8(k.rt.l, outs[0], p.YQ[:p.M*p.K]); err != nil {
			return err
		}
		return readFloat32(k.rt.l, outs[1], p.YScales[:p.M])
	}
}

// quantConsts are the scalars quantizeRows uses, made once.
type quantConsts struct{ zero, floor, c127, lo uintptr }

func newQuantConsts(g *graph) quantConsts {
	return quantConsts{zero: g.scalar(0), floor: g.scalar(1e-5), c127: g.scalar(127), lo: g.scalar(-128)}
}

// quantizeRows is per-row absmax quantization of the m×k float32 x, step
// for step as quant.QuantizeActivations: m = max|x| ignoring NaNs, floored
// at ScaleFloor; s = 127/m; q = clamp(roundeven(x·s), -128, 127), NaN → 0.
// It returns q (m×k int8) and s (m×1).
func quantizeRows(g *graph, x uintptr, c quantConsts) (q, s uintptr) {
	ax := g.where(g.isnan(x), c.zero, g.abs(x))
	m := g.maximum(g.maxAxis(ax, 1, true), c.floor)
	s = g.divide(c.c127, m)
	v := g.multiply(x, s)
	r := g.where(g.isnan(v), c.zero, g.clip(g.round(v), c.lo, c.c127))
	return g.astype(r, dtInt8), s
}

// actConsts are the scalars the activation graphs use, made at Prepare.
type actConsts struct{ zero, half, one, rsqrt2 uintptr }

// activations build each activation function's graph on x.
var activations = map[kernels.Op]func(g *graph, x uintptr, c actConsts) uintptr{
	kernels.OpReLU: func(g *graph, x uintptr, c actConsts) uintptr {
		return g.where(g.greater(x, c.zero), x, c.zero) // NaN and -0 give +0, as the reference
	},
	kernels.OpSigmoid: func(g *graph, x uintptr, _ actConsts) uintptr { return g.sigmoid(x) },
	kernels.OpTanh:    func(g *graph, x uintptr, _ actConsts) uintptr { return g.tanh(x) },
	kernels.OpSiLU:    func(g *graph, x uintptr, _ actConsts) uintptr { return g.multiply(x, g.sigmoid(x)) },
	kernels.OpGELU: func(g *graph, x uintptr, c actConsts) uintptr {
		return g.multiply(g.multiply(c.half, x), g.add(c.one, g.erf(g.multiply(x, c.rsqrt2))))
	},
}

// prepareActivation binds the activation function f over the M×K values.
func (k *kernel) prepareActivation(g *graph, f func(g *graph, x uintptr, c actConsts) uintptr) {
	p := k.p
	x := upload(g, p.X[:p.M*p.K], p.M, p.K)
	c := actConsts{zero: g.scalar(0), half: g.scalar(0.5), one: g.scalar(1), rsqrt2: g.scalar(float32(1 / math.Sqrt2))}
	k.build = func(g *graph) []uintptr { return []uintptr{f(g, x, c)} }
	k.fetch = func(outs []uintptr) error { return readFloat32(k.rt.l, outs[0], p.Y[:p.M*p.K]) }
}

// Run builds the op's graph on the bound inputs and evaluates it; it
// returns when the device has finished. The outputs are kept for Fetch.
func (k *kernel) Run() error {
	if k.build == nil {
		return fmt.Errorf("mlx: %s: kernel is closed", k.p.Op)
	}
	return k.rt.th.Do(func() error {
		g := &graph{rt: k.rt}
		outs := k.build(g)
		g.eval(outs...)
		if g.err == nil {
			old := k.outs
			k.outs = g.keep(outs...)
			g.own = append(g.own, old...)
		}
		return g.release()
	})
}

// Fetch copies the outputs of the last Run into the Problem.
func (k *kernel) Fetch() error {
	if k.fetch == nil {
		return fmt.Errorf("mlx: %s: kernel is closed", k.p.Op)
	}
	return k.rt.th.Do(func() error {
		if k.outs == nil {
			return fmt.Errorf("mlx: %s: Fetch before a successful Run", k.p.Op)
		}
		return k.fetch(k.outs)
	})
}

// Close frees the MLX arrays.
func (k *kernel) Close() error {
	if k.build == nil && k.inputs == nil {
		return nil
	}
	k.build, k.fetch = nil, nil
	return k.rt.th.Do(func() error {
		err := freeArrays(k.rt.l, append(k.inputs, k.outs...))
		k.inputs, k.outs = nil, nil
		return err
	})
}
