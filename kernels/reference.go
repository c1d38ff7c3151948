package kernels

import (
	"math"

	"github.com/bitnet-go/bitnet-bench/kernels/pack"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
)

// This file is the oracle: straightforward code that follows the contracts
// literally. It favours obviousness over speed; fast paths are tested
// against it.

// RefBitLinear computes y[m,n] = (Σ_k w[n,k]·xq[m,k]) · wscale(n) / xscales[m]
// with exact int32 accumulation (|sum| ≤ 128·K fits for K < 2^24).
func RefBitLinear(p *Problem) {
	codes := make([]int8, p.K)
	for n := 0; n < p.N; n++ {
		pack.Unpack2BitRow(codes, p.Weights.Packed.Row(n))
		ws := p.Weights.RowScale(n)
		for m := 0; m < p.M; m++ {
			x := p.XQ[m*p.K : (m+1)*p.K]
			var acc int32
			for k, c := range codes {
				acc += int32(c) * int32(x[k])
			}
			p.Y[m*p.N+n] = float32(acc) * ws / p.XScales[m]
		}
	}
}

// RefMatMul computes y = x·Wᵀ, accumulating in float64 so the reference is
// as close to exact as f32 inputs allow.
func RefMatMul(p *Problem) {
	for m := 0; m < p.M; m++ {
		x := p.X[m*p.K : (m+1)*p.K]
		for n := 0; n < p.N; n++ {
			w := p.W[n*p.K : (n+1)*p.K]
			var acc float64
			for k := range x {
				acc += float64(x[k]) * float64(w[k])
			}
			p.Y[m*p.N+n] = float32(acc)
		}
	}
}

// RefActivation applies the elementwise function of p.Op to p.X.
func RefActivation(p *Problem) { refElementwise(p, ActivationFunc(p.Op)) }

// refElementwise applies f to each of p's M×K inputs.
func refElementwise(p *Problem, f func(float32) float32) {
	for i, v := range p.X[:p.M*p.K] {
		p.Y[i] = f(v)
	}
}

// ActivationFunc returns the reference scalar function of an activation op
// (the op table's Scalar), evaluated in float64: exact GELU with erf, not
// the tanh approximation. It panics for an op that has none.
func ActivationFunc(op Op) func(float32) float32 {
	if s, ok := SpecOf(op); ok && s.Scalar != nil {
		return s.Scalar
	}
	panic("kernels: not an activation op: " + string(op))
}

// The activations' reference functions.

func refReLU(x float32) float32 {
	if x > 0 {
		return x
	}
	return 0
}

func refGELU(x float32) float32 {
	v := float64(x)
	return float32(0.5 * v * math.Erfc(-v/math.Sqrt2)) // erfc(-z) = 1+erf(z) without the cancellation of 1+erf for v < -6
}

func refSiLU(x float32) float32 {
	v := float64(x)
	return float32(v / (1 + math.Exp(-v)))
}

func refSigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }
func refTanh(x float32) float32    { return float32(math.Tanh(float64(x))) }

// RefQuantizeWeights quantizes p.W (N×K) to ternary codes with one absmean
// scale per tensor.
func RefQuantizeWeights(p *Problem) error {
	t, err := quant.QuantizeTernary(p.W[:p.N*p.K], p.N, p.K, false)
	if err != nil {
		return err
	}
	copy(p.YQ, t.Codes)
	p.YScales[0] = t.Scale
	return nil
}

// RefQuantizeActivations quantizes p.X per token.
func RefQuantizeActivations(p *Problem) error {
	return quant.QuantizeActivations(p.YQ, p.YScales, p.X, p.M, p.K)
}

// RefPack2Bit packs p.Codes into p.YPacked.
func RefPack2Bit(p *Problem) error { return pack.Pack2BitInto(p.YPacked, p.Codes, p.N, p.K) }

// RefUnpack2Bit unpacks p.Weights into p.YQ.
func RefUnpack2Bit(p *Problem) {
	w := p.Weights.Packed
	for n := 0; n < w.Rows; n++ {
		pack.Unpack2BitRow(p.YQ[n*w.Cols:(n+1)*w.Cols], w.Row(n))
	}
}

// RunReference runs p on the reference implementation (the op table's
// Reference).
func RunReference(p *Problem) error {
	if err := p.Check(); err != nil {
		return err
	}
	s, _ := SpecOf(p.Op) // Check refused an unknown op
	return s.Reference(p)
}
