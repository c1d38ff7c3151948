package cpu

import (
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
)

// vecKernels are a level's SIMD loops for the float ops. A nil entry means
// the level has no SIMD code for that op: the op is then not implemented at
// that level (it runs at the generic level under its own name instead).
type vecKernels struct {
	// quantizeRow quantizes one token per the absmax contract and returns
	// its scale; results are bit-identical to quant.QuantizeActivationsRow.
	quantizeRow func(dst []int8, x []float32) float32
	// matMulRows computes y[i] = Σ_k x[k]·w[i·k+k'] for the len(y) rows of
	// w (row-major, len(x) columns): one token against a block of rows.
	matMulRows func(y []float32, x, w []float32)
	// vecMat computes y[j] = Σ_i a[i]·m[i·stride+j] for j < len(y), i <
	// len(a): a vector times a matrix, the form attention wants.
	vecMat func(y, a, m []float32, stride int)
	// vecMat4 is vecMat for four vectors a[h] against one matrix, into
	// y[h] (all of len(y[0]) columns and len(a[0]) rows).
	vecMat4 func(y, a *[4][]float32, m []float32, stride int)
	// rmsNorm writes x / sqrt(mean(x²) + eps) · g into dst.
	rmsNorm func(dst, x, g []float32, eps float32)
	// reluSquaredGate writes relu(g)²·u into dst (the ReLU² GLU of
	// BitNet b1.58's FFN), bit-identical to reluSquaredGateGeneric.
	reluSquaredGate func(dst, g, u []float32)
	// expShift writes dst[i] = e^(src[i]−m) and returns their sum: the
	// softmax numerators and denominator.
	expShift func(dst, src []float32, m float32) float32
	// activations, elementwise over len(src); accuracy bounds are in
	// activation_*.go.
	activation map[kernels.Op]func(dst, src []float32)
	// format conversions, bit-identical to kernels/quant.
	toHalf   map[kernels.Op]func(dst []uint16, src []float32) // F32ToF16, F32ToBF16
	fromHalf map[kernels.Op]func(dst []float32, src []uint16) // F16ToF32, BF16ToF32
}

// SIMDOps lists the ops that have SIMD code at level l, in the op
// table's order (kernels.Ops).
func SIMDOps(l Level) []kernels.Op {
	if l == LevelGeneric {
		return nil
	}
	var simd []kernels.Op
	for _, op := range kernels.Ops {
		if impl, ok := ops[op]; ok && impl.simd != nil && impl.simd(l) {
			simd = append(simd, op)
		}
	}
	return simd
}

// genericToHalf and genericFromHalf are the portable conversions.
var (
	genericToHalf = map[kernels.Op]func(dst []uint16, src []float32){
		kernels.OpF32ToF16: quant.F32ToF16Slice, kernels.OpF32ToBF16: quant.F32ToBF16Slice,
	}
	genericFromHalf = map[kernels.Op]func(dst []float32, src []uint16){
		kernels.OpF16ToF32: quant.F16ToF32Slice, kernels.OpBF16ToF32: quant.BF16ToF32Slice,
	}
)
