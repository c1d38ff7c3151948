package metal

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// A plan is what Prepare decides for a problem, before any Metal call: the
// buffers to create (inputs with their bytes, outputs with their size and
// where Fetch copies them), and the dispatches. It is built on every OS, so
// the tests check it where there is no Mac.
type plan struct {
	bufs       []planBuf
	dispatches []dispatch
}

type planBuf struct {
	name  string
	in    []byte       // initial contents (an input); nil for an output
	size  int          // bytes
	fetch func([]byte) // copies an output back into the Problem
}

// dispatch is one kernel launch. grid sizes it for the pipeline's SIMD
// width and threadgroup size, known only once the pipeline is built.
type dispatch struct {
	kernel string
	bufs   map[string]int // argument name → index in plan.bufs
	params []uint32
	grid   func(width, tg int) (groups, threads [3]int)
}

// threadgroup is the threadgroup size the kernels are written for; a
// pipeline that allows fewer threads gets fewer (quantize_act and the row
// kernels adapt to any multiple of the SIMD width).
const threadgroup = 256

// blTokens is the token tile of bitlinear_gemm (T in kernels.metal).
const blTokens = 8

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// asBytes views a slice's memory as bytes (no copy).
func asBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(zero)))
}

func (pl *plan) input(name string, b []byte) int {
	pl.bufs = append(pl.bufs, planBuf{name: name, in: b, size: len(b)})
	return len(pl.bufs) - 1
}

func (pl *plan) output(name string, out []byte) int {
	pl.bufs = append(pl.bufs, planBuf{name: name, size: len(out), fetch: func(b []byte) { copy(out, b) }})
	return len(pl.bufs) - 1
}

func (pl *plan) add(kernel string, bufs map[string]int, params map[string]uint32, grid func(width, tg int) (groups, threads [3]int)) error {
	for name := range bufs {
		if _, err := argIndex(kernel, name); err != nil {
			return err
		}
	}
	ps, err := packParams(kernel, params)
	if err != nil {
		return err
	}
	pl.dispatches = append(pl.dispatches, dispatch{kernel: kernel, bufs: bufs, params: ps, grid: grid})
	return nil
}

// fits32 reports whether every index a kernel computes stays below 2^32
// (the kernels index with uint).
func fits32(vals ...int) bool {
	for _, v := range vals {
		if v < 0 || v > math.MaxUint32 {
			return false
		}
	}
	return true
}

// rowsGrid spreads rows over threadgroups of tg threads, one SIMD group of
// width lanes per row, and tiles of tile tokens over grid.y.
func rowsGrid(rows, tokens, tile int) func(width, tg int) (groups, threads [3]int) {
	return func(width, tg int) (groups, threads [3]int) {
		perGroup := tg / width
		return [3]int{ceilDiv(rows, perGroup), ceilDiv(tokens, tile), 1}, [3]int{tg, 1, 1}
	}
}

// ops is this backend's op table: for each op it has kernels for, how a
// problem becomes a plan. The activation functions are one elementwise
// dispatch of their kernel (actKernels).
var ops = func() map[kernels.Op]func(*plan, *kernels.Problem) error {
	t := map[kernels.Op]func(*plan, *kernels.Problem) error{
		kernels.OpBitLinear:           (*plan).bitLinear,
		kernels.OpQuantizeActivations: (*plan).quantize,
		kernels.OpMatMul:              (*plan).matMul,
	}
	for op, kernel := range actKernels {
		t[op] = func(pl *plan, p *kernels.Problem) error { return pl.activation(kernel, p) }
	}
	return t
}()

// newPlan binds p (already checked) to buffers and dispatches.
func newPlan(p *kernels.Problem) (*plan, error) {
	bind, ok := ops[p.Op]
	if !ok {
		return nil, &kernels.NotImplementedError{Op: p.Op, Backend: "metal"}
	}
	pl := &plan{}
	if err := bind(pl, p); err != nil {
		return nil, err
	}
	return pl, nil
}

func (pl *plan) quantize(p *kernels.Problem) error {
	if !fits32(p.M * p.K) {
		return fmt.Errorf("metal: QuantizeActivations %dx%d: more than 2^32 elements", p.M, p.K)
	}
	x := pl.input("x", asBytes(p.X[:p.M*p.K]))
	q := pl.output("q", asBytes(p.YQ[:p.M*p.K]))
	s := pl.output("scales", asBytes(p.YScales[:p.M]))
	return pl.add("quantize_act", map[string]int{"x": x, "q": q, "scales": s},
		map[string]uint32{"k": uint32(p.K)},
		func(width, tg int) (groups, threads [3]int) { return [3]int{p.M, 1, 1}, [3]int{tg, 1, 1} })
}

func (pl *plan) matMul(p *kernels.Problem) error {
	if !fits32(p.M*p.K, p.N*p.K, p.M*p.N) {
		return fmt.Errorf("metal: MatMul %dx%dx%d: an operand has more than 2^32 elements", p.M, p.N, p.K)
	}
	x := pl.input("x", asBytes(p.X[:p.M*p.K]))
	w := pl.input("w", asBytes(p.W[:p.N*p.K]))
	y := pl.output("y", asBytes(p.Y[:p.M*p.N]))
	return pl.add("matmul_f32", map[string]int{"x": x, "w": w, "y": y},
		map[string]uint32{"m": uint32(p.M), "n": uint32(p.N), "k": uint32(p.K)},
		rowsGrid(p.M*p.N, 1, 1))
}

// activation dispatches the elementwise kernel over the M×K values.
func (pl *plan) activation(kernel string, p *kernels.Problem) error {
	n := p.M * p.K
	if !fits32(n) {
		return fmt.Errorf("metal: %s over %d elements: more than 2^32", p.Op, n)
	}
	x := pl.input("x", asBytes(p.X[:n]))
	y := pl.output("y", asBytes(p.Y[:n]))
	return pl.add(kernel, map[string]int{"x": x, "y": y}, map[string]uint32{"n": uint32(n)},
		func(width, tg int) (groups, threads [3]int) { return [3]int{ceilDiv(n, tg), 1, 1}, [3]int{tg, 1, 1} })
}

// bitLinear: weights as 32-bit words (the stride is whole 64-byte blocks),
// activations zero-padded to whole blocks, one gemv launch for a single
// token, gemm tiles of 8 otherwise.
func (pl *plan) bitLinear(p *kernels.Problem) error {
	w := p.Weights.Packed
	words := w.Stride / 4
	kp := w.Stride / pack.BlockBytes * pack.BlockCodes
	if !fits32(p.M*kp, p.N*words, p.M*p.N) {
		return fmt.Errorf("metal: BitLinear %dx%dx%d: an operand has more than 2^32 elements", p.M, p.N, p.K)
	}
	xpad := make([]int8, p.M*kp) // padding zeros meet the padding codes
	for m := 0; m < p.M; m++ {
		copy(xpad[m*kp:], p.XQ[m*p.K:(m+1)*p.K])
	}
	scales, rowScales := []float32{p.Weights.Scale}, uint32(0)
	if p.Weights.RowScales != nil {
		scales, rowScales = p.Weights.RowScales[:p.N], 1
	}
	bufs := map[string]int{
		"w":      pl.input("w", w.Data[:p.N*w.Stride]),
		"x":      pl.input("x", asBytes(xpad)),
		"xscale": pl.input("xscale", asBytes(p.XScales[:p.M])),
		"wscale": pl.input("wscale", asBytes(scales)),
		"y":      pl.output("y", asBytes(p.Y[:p.M*p.N])),
	}
	kernel, tile := "bitlinear_gemv", 1
	if p.M > 1 {
		kernel, tile = "bitlinear_gemm", blTokens
	}
	return pl.add(kernel, bufs,
		map[string]uint32{"n": uint32(p.N), "m": uint32(p.M), "words": uint32(words), "kp": uint32(kp), "row_scales": rowScales},
		rowsGrid(p.N, p.M, tile))
}

var actKernels = map[kernels.Op]string{
	kernels.OpReLU: "act_relu", kernels.OpGELU: "act_gelu", kernels.OpSiLU: "act_silu",
	kernels.OpSigmoid: "act_sigmoid", kernels.OpTanh: "act_tanh",
}
