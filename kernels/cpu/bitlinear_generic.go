package cpu

import (
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// bitLinearGeneric is the portable BitLinear. Packed codes are stored as
// c+1 ∈ {0,1,2}, so Σ c·x = Σ (c+1)·x − Σ x: the inner loop multiplies raw
// 2-bit fields without decoding them, and Σ x is paid once per token.
func bitLinearGeneric(p *kernels.Problem, scratch []int8) {
	w := p.Weights.Packed
	full := p.K / 4 // whole bytes; the last partial byte is done code by code
	if p.M == 1 {
		x := p.XQ[:p.K]
		xsum := sumInt8(x[:full*4])
		for n := 0; n < p.N; n++ {
			acc := dotPacked(w.Row(n)[:full], x) - xsum
			for k := full * 4; k < p.K; k++ {
				acc += int32(int8(w.Row(n)[k>>2]>>(2*(k&3))&3)-1) * int32(x[k])
			}
			p.Y[n] = float32(acc) * p.Weights.RowScale(n) / p.XScales[0] // same order as the reference: bit-exact
		}
		return
	}
	// Batched: decode each weight row once, then dot it with every token.
	for n := 0; n < p.N; n++ {
		pack.Unpack2BitRow(scratch, w.Row(n))
		ws := p.Weights.RowScale(n)
		for m := 0; m < p.M; m++ {
			acc := dotInt8(scratch, p.XQ[m*p.K:(m+1)*p.K])
			p.Y[m*p.N+n] = float32(acc) * ws / p.XScales[m]
		}
	}
}

// dotPacked returns Σ (c+1)·x over len(row)·4 codes.
func dotPacked(row []byte, x []int8) int32 {
	x = x[:len(row)*4]
	var a0, a1, a2, a3 int32
	for j, b := range row {
		xs := x[4*j : 4*j+4 : 4*j+4]
		a0 += int32(b&3) * int32(xs[0])
		a1 += int32(b>>2&3) * int32(xs[1])
		a2 += int32(b>>4&3) * int32(xs[2])
		a3 += int32(b>>6) * int32(xs[3])
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
