package cpu

import (
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
)

// opImpl is how this backend runs one op. ops is the one place that lists
// the CPU's ops: Implements, SIMDOps, Parallel and Prepare read it, so an
// op is one entry here beside its kernels.
type opImpl struct {
	// bind returns a kernel for p (checked) at b's level and threads.
	bind func(b *Backend, p *kernels.Problem) (kernels.Kernel, error)
	// simd reports whether level l has SIMD code of its own for the op;
	// nil where no level has.
	simd func(l Level) bool
	// parallel reports whether the op splits its work over threads at
	// level l; nil where it never does.
	parallel func(l Level) bool
}

var ops = opTable()

func opTable() map[kernels.Op]opImpl {
	blocks := func(l Level) bool { return blockKernelsFor(l) != &genericKernels }
	always := func(Level) bool { return true }
	matMulRows := func(l Level) bool { return vecKernelsFor(l).matMulRows != nil }
	t := map[kernels.Op]opImpl{
		kernels.OpBitLinear:  {bind: (*Backend).bitLinear, simd: blocks, parallel: always},
		kernels.OpUnpack2Bit: {bind: (*Backend).unpack, simd: func(l Level) bool { return blocks(l) && blockKernelsFor(l).unpack != nil }, parallel: always},
		// MatMul splits over threads where the level has a SIMD row loop
		// (the generic one is single-threaded).
		kernels.OpMatMul: {bind: (*Backend).matMul, simd: matMulRows, parallel: matMulRows},
		kernels.OpQuantizeWeights: {bind: func(_ *Backend, p *kernels.Problem) (kernels.Kernel, error) {
			return hostKernel(func() error { return kernels.RefQuantizeWeights(p) }), nil
		}},
		kernels.OpQuantizeActivations: {bind: (*Backend).quantizeActivations,
			simd: func(l Level) bool { return vecKernelsFor(l).quantizeRow != nil }},
		kernels.OpPack2Bit: {bind: func(_ *Backend, p *kernels.Problem) (kernels.Kernel, error) {
			return hostKernel(func() error { return pack2BitGeneric(p.YPacked, p.Codes, p.N, p.K) }), nil
		}},
	}
	// The elementwise ops: a level's SIMD loop where it has one, else the
	// generic loop (only ever run at the generic level: Implements).
	f32 := func(p *kernels.Problem) (*[]float32, *[]float32) { return &p.Y, &p.X }
	for op, generic := range genericActivations {
		t[op] = elementwise(generic, func(v *vecKernels) func([]float32, []float32) { return v.activation[op] }, f32)
	}
	for op, generic := range genericToHalf {
		t[op] = elementwise(generic, func(v *vecKernels) func([]uint16, []float32) { return v.toHalf[op] },
			func(p *kernels.Problem) (*[]uint16, *[]float32) { return &p.YH, &p.X })
	}
	for op, generic := range genericFromHalf {
		t[op] = elementwise(generic, func(v *vecKernels) func([]float32, []uint16) { return v.fromHalf[op] },
			func(p *kernels.Problem) (*[]float32, *[]uint16) { return &p.Y, &p.XH })
	}
	// The amx level's code of its own is BitLinear's: its other ops
	// would be avx512vnni's code under its name (the model at the level
	// runs them at avx512vnni: Backend.ForOp).
	for op, impl := range t {
		if simd := impl.simd; op != kernels.OpBitLinear && simd != nil {
			impl.simd = func(l Level) bool { return l != LevelAMX && simd(l) }
			t[op] = impl
		}
	}
	return t
}

// ForOp returns the backend that runs op at b's level: b, except at the
// amx level, whose ops other than BitLinear run at avx512vnni (same
// threads).
func (b *Backend) ForOp(op kernels.Op) *Backend {
	if b.level != LevelAMX || op == kernels.OpBitLinear {
		return b
	}
	return NewWithOptions(Options{Level: LevelAVX512, Threads: b.threads, PerTokenBitLinear: b.perToken})
}

// elementwise is an M×K op from one input to one output of a problem
// (operands points to their fields, read at each Run): the level's loop
// from simd, else generic.
func elementwise[D, S any](generic func(dst []D, src []S), simd func(*vecKernels) func([]D, []S),
	operands func(*kernels.Problem) (dst *[]D, src *[]S)) opImpl {
	return opImpl{
		bind: func(b *Backend, p *kernels.Problem) (kernels.Kernel, error) {
			f := simd(vecKernelsFor(b.level))
			if f == nil {
				f = generic
			}
			dst, src := operands(p)
			return hostKernel(func() error { f((*dst)[:p.M*p.K], (*src)[:p.M*p.K]); return nil }), nil
		},
		simd: func(l Level) bool { return simd(vecKernelsFor(l)) != nil },
	}
}

func (b *Backend) bitLinear(p *kernels.Problem) (kernels.Kernel, error) {
	pool := poolFor(b.threads)
	if gk := gemmFor(b.level); gk != nil && p.M >= 2 && !b.perToken {
		k, err := newGEMMKernel(p, gk, epilogueFor(b.level), pool)
		if err != nil {
			return nil, err // not a typed nil inside the interface
		}
		return k, nil
	}
	k, err := newBitLinearKernel(p, blockKernelsFor(b.level), epilogueFor(b.level), pool)
	if err != nil {
		return nil, err
	}
	return k, nil
}

func (b *Backend) unpack(p *kernels.Problem) (kernels.Kernel, error) {
	u := &unpackKernel{p: p, k: blockKernelsFor(b.level), pool: poolFor(b.threads)}
	u.rows = u.runRows
	return u, nil
}

func (b *Backend) matMul(p *kernels.Problem) (kernels.Kernel, error) {
	if rows := vecKernelsFor(b.level).matMulRows; rows != nil {
		return newMatMulKernel(p, rows, poolFor(b.threads)), nil
	}
	return hostKernel(func() error { matMulGeneric(p.Y, p.X, p.W, p.M, p.N, p.K); return nil }), nil
}

func (b *Backend) quantizeActivations(p *kernels.Problem) (kernels.Kernel, error) {
	row := quant.QuantizeActivationsRow
	if r := vecKernelsFor(b.level).quantizeRow; r != nil {
		row = r
	}
	return hostKernel(func() error {
		for m := 0; m < p.M; m++ {
			p.YScales[m] = row(p.YQ[m*p.K:(m+1)*p.K], p.X[m*p.K:(m+1)*p.K])
		}
		return nil
	}), nil
}
