// Package cpu is the CPU backend. Each inner loop has a generic Go version
// beside its SIMD versions in Go assembly (AVX2, AVX-512 VNNI); the level is
// chosen at init from the CPU's features, or forced with BITNET_ISA or
// New. Building with -tags purego drops all assembly.
package cpu

import (
	"fmt"
	"slices"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
)

func init() {
	kernels.Register("cpu", func() kernels.Backend {
		l, err := DefaultLevel()
		b := New(l)
		b.unavailable = err
		return b
	})
}

// Options configure a CPU backend.
type Options struct {
	Level Level
	// Threads splits BitLinear and unpack over output rows; 0 or 1 runs on
	// the calling goroutine alone.
	Threads int
	// PerTokenBitLinear runs BitLinear of several tokens as the one-token
	// kernel once per token, the path before the GEMM, so the two can be
	// measured side by side (BenchmarkPrefillPaths); results are the same.
	PerTokenBitLinear bool
}

// Backend runs kernels on the CPU at a fixed level.
type Backend struct {
	level       Level
	threads     int
	perToken    bool
	unavailable error
}

// New returns a single-threaded CPU backend at level.
func New(level Level) *Backend { return NewWithOptions(Options{Level: level}) }

// NewWithOptions returns a CPU backend. A level this machine cannot run
// gives a backend whose Available reports why.
func NewWithOptions(o Options) *Backend {
	b := &Backend{level: o.Level, threads: max(o.Threads, 1), perToken: o.PerTokenBitLinear}
	if !Supported(o.Level) {
		b.unavailable = fmt.Errorf("cpu: level %s is not supported by this machine or build (supported: %v)", o.Level, supported)
	}
	return b
}

// Levels lists the levels this machine can run, as strings (kernels.Tunable).
func (b *Backend) Levels() []string {
	out := make([]string, len(supported))
	for i, l := range supported {
		out[i] = string(l)
	}
	return out
}

// With returns a backend at another level and thread count (kernels.Tunable).
func (b *Backend) With(level string, threads int) (kernels.Backend, error) {
	l, err := ParseLevel(level)
	if err != nil {
		return nil, err
	}
	if threads < 1 {
		return nil, fmt.Errorf("cpu: %d threads: want at least 1", threads)
	}
	return NewWithOptions(Options{Level: l, Threads: threads, PerTokenBitLinear: b.perToken}), nil
}

func (b *Backend) Name() string     { return "cpu" }
func (b *Backend) Level() string    { return string(b.level) }
func (b *Backend) Threads() int     { return b.threads }
func (b *Backend) Available() error { return b.unavailable }

// Implements reports whether the backend's level has its own kernel for
// op: every op at the generic level, only the SIMDOps at a SIMD level. A
// SIMD level never runs generic code under its own name.
func (b *Backend) Implements(op kernels.Op) bool {
	return b.level == LevelGeneric || slices.Contains(SIMDOps(b.level), op)
}

// Parallel reports whether op splits its work over the backend's threads:
// BitLinear and unpack at every level, MatMul where the level has a SIMD
// row loop (the generic one is single-threaded).
func (b *Backend) Parallel(op kernels.Op) bool {
	switch op {
	case kernels.OpBitLinear, kernels.OpUnpack2Bit:
		return true
	case kernels.OpMatMul:
		return vecKernelsFor(b.level).matMulRows != nil
	}
	return false
}

// Prepare checks p and returns a kernel bound to it.
func (b *Backend) Prepare(p *kernels.Problem) (kernels.Kernel, error) {
	if b.unavailable != nil {
		return nil, b.unavailable
	}
	if p.Op.Known() && !b.Implements(p.Op) {
		return nil, fmt.Errorf("cpu: %w", &kernels.NotImplementedError{Op: p.Op, Backend: "cpu/" + string(b.level)})
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	bk := blockKernelsFor(b.level)
	vk := vecKernelsFor(b.level)
	pool := poolFor(b.threads)
	var run func() error
	switch p.Op {
	case kernels.OpBitLinear:
		if gk := gemmFor(b.level); gk != nil && p.M >= 2 && !b.perToken {
			k, err := newGEMMKernel(p, gk, epilogueFor(b.level), pool)
			if err != nil {
				return nil, err
			}
			return k, nil
		}
		k, err := newBitLinearKernel(p, bk, epilogueFor(b.level), pool)
		if err != nil {
			return nil, err // not a typed nil inside the interface
		}
		return k, nil
	case kernels.OpUnpack2Bit:
		u := &unpackKernel{p: p, k: bk, pool: pool}
		u.rows = u.runRows
		return u, nil
	case kernels.OpMatMul:
		if vk.matMulRows != nil {
			return newMatMulKernel(p, vk.matMulRows, pool), nil
		}
		run = func() error { matMulGeneric(p.Y, p.X, p.W, p.M, p.N, p.K); return nil }
	case kernels.OpQuantizeWeights:
		run = func() error { return kernels.RefQuantizeWeights(p) }
	case kernels.OpQuantizeActivations:
		row := quant.QuantizeActivationsRow
		if vk.quantizeRow != nil {
			row = vk.quantizeRow
		}
		run = func() error {
			for m := 0; m < p.M; m++ {
				p.YScales[m] = row(p.YQ[m*p.K:(m+1)*p.K], p.X[m*p.K:(m+1)*p.K])
			}
			return nil
		}
	case kernels.OpPack2Bit:
		run = func() error { return pack2BitGeneric(p.YPacked, p.Codes, p.N, p.K) }
	case kernels.OpF32ToF16, kernels.OpF32ToBF16:
		f := vk.toHalf[p.Op]
		if f == nil {
			f = genericToHalf[p.Op]
		}
		run = func() error { f(p.YH[:p.M*p.K], p.X[:p.M*p.K]); return nil }
	case kernels.OpF16ToF32, kernels.OpBF16ToF32:
		f := vk.fromHalf[p.Op]
		if f == nil {
			f = genericFromHalf[p.Op]
		}
		run = func() error { f(p.Y[:p.M*p.K], p.XH[:p.M*p.K]); return nil }
	case kernels.OpReLU, kernels.OpGELU, kernels.OpSiLU, kernels.OpSigmoid, kernels.OpTanh:
		f := vk.activation[p.Op]
		if f == nil {
			f = activationGeneric(p.Op)
		}
		run = func() error { f(p.Y[:p.M*p.K], p.X[:p.M*p.K]); return nil }
	default:
		return nil, fmt.Errorf("cpu: %w", &kernels.NotImplementedError{Op: p.Op, Backend: "cpu/" + string(b.level)})
	}
	return hostKernel(run), nil
}

// hostKernel writes the Problem's outputs directly, so Fetch has nothing to do.
type hostKernel func() error

func (k hostKernel) Run() error   { return k() }
func (k hostKernel) Fetch() error { return nil }
func (k hostKernel) Close() error { return nil }
