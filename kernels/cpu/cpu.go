// Package cpu is the CPU backend. Each routine has a generic Go version
// (*_generic.go); SIMD versions in Go assembly sit beside it and are chosen
// at init from the CPU's features.
package cpu

import (
	"fmt"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
)

// Level names an instruction-set level of this backend.
type Level string

// LevelGeneric is the portable Go path, present on every machine.
const LevelGeneric Level = "generic"

// Levels returns the levels this machine can run, slowest first.
func Levels() []Level { return []Level{LevelGeneric} }

func init() {
	kernels.Register("cpu", func() kernels.Backend { return New(LevelGeneric) })
}

// Backend runs kernels on the CPU at a fixed level.
type Backend struct{ level Level }

// New returns a CPU backend at level.
func New(level Level) *Backend { return &Backend{level: level} }

func (b *Backend) Name() string     { return "cpu" }
func (b *Backend) Level() string    { return string(b.level) }
func (b *Backend) Available() error { return nil }
func (b *Backend) Implements(kernels.Op) bool {
	return true // every op has a generic Go kernel
}

// Prepare checks p and returns a kernel bound to it.
func (b *Backend) Prepare(p *kernels.Problem) (kernels.Kernel, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	var run func() error
	switch p.Op {
	case kernels.OpBitLinear:
		scratch := newBitLinearScratch(p.K)
		run = func() error { bitLinearGeneric(p, scratch); return nil }
	case kernels.OpMatMul:
		run = func() error { matMulGeneric(p.Y, p.X, p.W, p.M, p.N, p.K); return nil }
	case kernels.OpQuantizeWeights:
		run = func() error { return kernels.RefQuantizeWeights(p) }
	case kernels.OpQuantizeActivations:
		run = func() error {
			for m := 0; m < p.M; m++ {
				p.YScales[m] = quant.QuantizeActivationsRow(p.YQ[m*p.K:(m+1)*p.K], p.X[m*p.K:(m+1)*p.K])
			}
			return nil
		}
	case kernels.OpPack2Bit:
		run = func() error { return pack2BitGeneric(p.YPacked, p.Codes, p.N, p.K) }
	case kernels.OpUnpack2Bit:
		run = func() error { unpack2BitGeneric(p.YQ, p.Weights.Packed); return nil }
	case kernels.OpReLU, kernels.OpGELU, kernels.OpSiLU, kernels.OpSigmoid, kernels.OpTanh:
		f := activationGeneric(p.Op)
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
