package cpu

import (
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// bitLinearScratch is per-kernel working memory, allocated once in Prepare
// so Run does not allocate.
type bitLinearScratch struct {
	xpad  []int8 // one token's activations, zero-padded to whole blocks
	codes []int8 // one decoded weight row (batched path)
}

func newBitLinearScratch(k int) *bitLinearScratch {
	blocks := (k + pack.BlockCodes - 1) / pack.BlockCodes
	return &bitLinearScratch{xpad: make([]int8, blocks*pack.BlockCodes), codes: make([]int8, k)}
}

// padded returns x zero-padded to whole blocks: padding codes are stored as
// 0b01 (code+1 = 1), so they must meet zero activations.
func (s *bitLinearScratch) padded(x []int8) []int8 {
	if len(x) == len(s.xpad) {
		return x
	}
	copy(s.xpad, x)
	return s.xpad
}

// bitLinearGeneric is the portable BitLinear. Packed fields hold c+1 ∈
// {0,1,2}, so Σ c·x = Σ (c+1)·x − Σ x: the inner loop multiplies raw 2-bit
// fields without decoding them, and Σ x is paid once per token. This is the
// same identity the SIMD kernels use with an unsigned×signed dot product.
func bitLinearGeneric(p *kernels.Problem, s *bitLinearScratch) {
	w := p.Weights.Packed
	if p.M == 1 {
		x := s.padded(p.XQ[:p.K])
		xsum := sumInt8(x)
		for n := 0; n < p.N; n++ {
			acc := dotPackedGeneric(w.Row(n), x) - xsum
			p.Y[n] = float32(acc) * p.Weights.RowScale(n) / p.XScales[0] // the reference's order: bit-exact
		}
		return
	}
	// Batched: decode each weight row once, then dot it with every token.
	for n := 0; n < p.N; n++ {
		unpackRowGeneric(s.codes, w.Row(n))
		ws := p.Weights.RowScale(n)
		for m := 0; m < p.M; m++ {
			acc := dotInt8(s.codes, p.XQ[m*p.K:(m+1)*p.K])
			p.Y[m*p.N+n] = float32(acc) * ws / p.XScales[m]
		}
	}
}

// dotPackedGeneric returns Σ (c+1)·x over a row of whole blocks; x holds
// len(row)·4 activations.
func dotPackedGeneric(row []byte, x []int8) int32 {
	var a0, a1, a2, a3 int32
	for b := 0; b+pack.BlockBytes <= len(row); b += pack.BlockBytes {
		src := row[b : b+pack.BlockBytes : b+pack.BlockBytes]
		xs := x[4*b : 4*b+pack.BlockCodes : 4*b+pack.BlockCodes]
		for j, v := range src {
			a0 += int32(v&3) * int32(xs[j])
			a1 += int32(v>>2&3) * int32(xs[j+64])
			a2 += int32(v>>4&3) * int32(xs[j+128])
			a3 += int32(v>>6) * int32(xs[j+192])
		}
	}
	return a0 + a1 + a2 + a3
}

func sumInt8(x []int8) int32 {
	var s int32
	for _, v := range x {
		s += int32(v)
	}
	return s
}

func dotInt8(a, b []int8) int32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 int32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += int32(a[i]) * int32(b[i])
		s1 += int32(a[i+1]) * int32(b[i+1])
		s2 += int32(a[i+2]) * int32(b[i+2])
		s3 += int32(a[i+3]) * int32(b[i+3])
	}
	for ; i < len(a); i++ {
		s0 += int32(a[i]) * int32(b[i])
	}
	return s0 + s1 + s2 + s3
}
