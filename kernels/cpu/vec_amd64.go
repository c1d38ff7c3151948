//go:build !purego

package cpu

import (
	"github.com/klauspost/cpuid/v2"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
)

//go:noescape
func absmaxAVX512(x *float32, n16 int) float32

//go:noescape
func absmaxAVX2(x *float32, n8 int) float32

//go:noescape
func quantAVX512(dst *int8, x *float32, n16 int, scale float32)

//go:noescape
func quantAVX2(dst *int8, x *float32, n32 int, scale float32)

//go:noescape
func dot4F32AVX512(x *float32, w *float32, stride int, n16 int, out *[4]float32)

//go:noescape
func vecMatAVX512(y *float32, a *float32, m *float32, rows int, stride int, n16 int)

//go:noescape
func vecMat4AVX512(y0, y1, y2, y3, a0, a1, a2, a3, m *float32, rows int, stride int, n16 int)

//go:noescape
func dot4F32AVX2(x *float32, w *float32, stride int, n8 int, out *[4]float32)

//go:noescape
func sumSquaresAVX512(x *float32, n64 int) float32

//go:noescape
func scaleMulAVX512(dst, x, gain *float32, n16 int, s float32)

// rmsNormAVX512 is rmsNormGeneric with SIMD sums and products; the sum of
// squares is taken in another order, so results may differ from the
// generic loop's in the last bits.
func rmsNormAVX512(dst, x, g []float32, eps float32) {
	n := len(x)
	if n == 0 {
		return
	}
	g, dst = g[:n], dst[:n]
	n64 := n &^ 63
	var s float32
	if n64 > 0 {
		s = sumSquaresAVX512(&x[0], n64)
	}
	for _, v := range x[n64:] {
		s += v * v
	}
	inv := rmsInverse(s, n, eps)
	n16 := n &^ 15
	if n16 > 0 {
		scaleMulAVX512(&dst[0], &x[0], &g[0], n16, inv)
	}
	for i := n16; i < n; i++ {
		dst[i] = x[i] * inv * g[i]
	}
}

//go:noescape
func reluSqGateAVX512(dst, gate, up *float32, n16 int)

func reluSquaredGateAVX512(dst, g, u []float32) {
	n := len(g)
	if n == 0 {
		return
	}
	u, dst = u[:n], dst[:n]
	n16 := n &^ 15
	if n16 > 0 {
		reluSqGateAVX512(&dst[0], &g[0], &u[0], n16)
	}
	reluSquaredGateGeneric(dst[n16:], g[n16:], u[n16:])
}

var (
	vecAVX512 = vecKernels{
		rmsNorm:         rmsNormAVX512,
		reluSquaredGate: reluSquaredGateAVX512,
		quantizeRow:     quantizeRowWith(absmaxAVX512, 16, quantAVX512, 16),
		matMulRows:      matMulRowsWith(dot4F32AVX512, 16),
		vecMat:          vecMatWith(vecMatAVX512, 16),
		vecMat4:         vecMat4Checked,
		expShift: func(dst, src []float32, m float32) float32 {
			if len(src) == 0 {
				return 0
			}
			_ = dst[len(src)-1]
			return expShiftAVX512(&dst[0], &src[0], len(src), m)
		},
		activation: map[kernels.Op]func(dst, src []float32){},
	}
	vecAVX2 = func() vecKernels {
		v := vecKernels{
			quantizeRow: quantizeRowWith(absmaxAVX2, 8, quantAVX2, 32),
			activation:  map[kernels.Op]func(dst, src []float32){},
		}
		if cpuid.CPU.Supports(cpuid.FMA3) { // AVX2 without FMA exists (some VIA/Zhaoxin parts)
			v.matMulRows = matMulRowsWith(dot4F32AVX2, 8)
		}
		return v
	}()
	vecNone = vecKernels{}
)

func vecKernelsFor(l Level) *vecKernels {
	switch l {
	case LevelAVX512, LevelAMX:
		return &vecAVX512
	case LevelAVX2:
		return &vecAVX2
	}
	return &vecNone
}

// quantizeRowWith builds the per-token quantizer from an absmax loop over
// multiples of maxW values and a quantize loop over multiples of qW. The
// tails use the reference's scalar code, which gives the same bits, and
// the scale is computed exactly as quant.ActivationScale does.
func quantizeRowWith(absmax func(*float32, int) float32, maxW int,
	quantize func(*int8, *float32, int, float32), qW int) func(dst []int8, x []float32) float32 {
	return func(dst []int8, x []float32) float32 {
		dst = dst[:len(x)]
		var m float32
		if n := len(x) / maxW; n > 0 {
			m = absmax(&x[0], n)
		}
		for _, v := range x[len(x)/maxW*maxW:] {
			if v < 0 {
				v = -v
			}
			if v > m {
				m = v
			}
		}
		if m < quant.ScaleFloor {
			m = quant.ScaleFloor
		}
		s := 127 / m
		n := len(x) / qW
		if n > 0 {
			quantize(&dst[0], &x[0], n, s)
		}
		if tail := n * qW; tail < len(x) {
			quant.QuantizeWithScale(dst[tail:], x[tail:], s)
		}
		return s
	}
}

// matMulRowsWith builds the row loop of the f32 GEMV from a 4-row dot
// product over multiples of width values; the last 1-3 rows and the K tail
// are finished in Go.
func matMulRowsWith(dot4 func(x, w *float32, stride, n int, out *[4]float32), width int) func(y []float32, x, w []float32) {
	return func(y []float32, x, w []float32) {
		k := len(x)
		_ = w[len(y)*k-1]
		n := k / width
		body := n * width
		r := 0
		for ; r+4 <= len(y) && n > 0; r += 4 {
			// Straight into y: a local [4]float32 would escape through
			// the function value, an allocation per four rows.
			dot4(&x[0], &w[r*k], k, n, (*[4]float32)(y[r:r+4]))
		}
		for ; r < len(y); r++ {
			y[r] = dotF32(x[:body], w[r*k:r*k+body])
		}
		if body < k {
			for i := range y {
				y[i] += dotF32(x[body:], w[i*k+body:(i+1)*k])
			}
		}
	}
}

// vecMatWith wraps a vector × matrix loop over multiples of width columns;
// the last columns use the portable loop.
func vecMatWith(body func(y, a, m *float32, rows, stride, n int), width int) func(y, a, m []float32, stride int) {
	return func(y, a, m []float32, stride int) {
		if len(y) == 0 {
			return
		}
		if len(a) == 0 {
			clear(y)
			return
		}
		_ = m[(len(a)-1)*stride+len(y)-1]
		n := len(y) / width
		if n > 0 {
			body(&y[0], &a[0], &m[0], len(a), stride, n)
		}
		if n*width < len(y) {
			vecMatGeneric(y[n*width:], a, m[n*width:], stride)
		}
	}
}

// vecMat4Checked checks the bounds vecMat4AVX512 relies on. The last
// columns (fewer than 16) run through the same loop into a scratch block
// where m has the 16 columns on every row (attention's keys: a row is the
// cache's capacity long, a multiple of 16, and the scores stop at the
// position; the portable loop there was half of a 2B4T prefill's
// attention time), else through the portable loop.
func vecMat4Checked(y, a *[4][]float32, m []float32, stride int) {
	cols, rows := len(y[0]), len(a[0])
	if cols == 0 {
		return
	}
	for h := range 4 {
		_, _ = y[h][cols-1], a[h][:rows]
	}
	if rows == 0 {
		for h := range 4 {
			clear(y[h][:cols])
		}
		return
	}
	_ = m[(rows-1)*stride+cols-1]
	n := cols / 16
	if n > 0 {
		vecMat4AVX512(&y[0][0], &y[1][0], &y[2][0], &y[3][0], &a[0][0], &a[1][0], &a[2][0], &a[3][0], &m[0], rows, stride, n)
	}
	if n*16 == cols {
		return
	}
	if (rows-1)*stride+(n+1)*16 <= len(m) {
		var tail [4][16]float32
		vecMat4AVX512(&tail[0][0], &tail[1][0], &tail[2][0], &tail[3][0], &a[0][0], &a[1][0], &a[2][0], &a[3][0], &m[n*16], rows, stride, 1)
		for h := range 4 {
			copy(y[h][n*16:cols], tail[h][:])
		}
		return
	}
	for h := range 4 {
		vecMatGeneric(y[h][n*16:cols], a[h][:rows], m[n*16:], stride)
	}
}
