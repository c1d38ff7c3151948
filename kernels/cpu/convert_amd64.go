//go:build !purego

package cpu

import (
	"github.com/klauspost/cpuid/v2"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
)

//go:noescape
func f32ToF16AVX512(dst *uint16, src *float32, n16 int)

//go:noescape
func f16ToF32AVX512(dst *float32, src *uint16, n16 int)

//go:noescape
func f32ToF16AVX2(dst *uint16, src *float32, n8 int)

//go:noescape
func f16ToF32AVX2(dst *float32, src *uint16, n8 int)

//go:noescape
func f32ToBF16AVX512(dst *uint16, src *float32, n16 int)

//go:noescape
func bf16ToF32AVX512(dst *float32, src *uint16, n16 int)

//go:noescape
func f32ToBF16AVX2(dst *uint16, src *float32, n16 int)

//go:noescape
func bf16ToF32AVX2(dst *float32, src *uint16, n8 int)

// toHalfWith runs a SIMD loop over whole vectors of width values and the
// scalar quant routine, which gives the same bits, over the tail.
func toHalfWith(loop func(*uint16, *float32, int), width int, tail func([]uint16, []float32)) func([]uint16, []float32) {
	return func(dst []uint16, src []float32) {
		dst = dst[:len(src)]
		n := len(src) / width
		if n > 0 {
			loop(&dst[0], &src[0], n)
		}
		tail(dst[n*width:], src[n*width:])
	}
}

func fromHalfWith(loop func(*float32, *uint16, int), width int, tail func([]float32, []uint16)) func([]float32, []uint16) {
	return func(dst []float32, src []uint16) {
		dst = dst[:len(src)]
		n := len(src) / width
		if n > 0 {
			loop(&dst[0], &src[0], n)
		}
		tail(dst[n*width:], src[n*width:])
	}
}

func init() {
	vecAVX512.toHalf = map[kernels.Op]func([]uint16, []float32){
		kernels.OpF32ToF16:  toHalfWith(f32ToF16AVX512, 16, quant.F32ToF16Slice),
		kernels.OpF32ToBF16: toHalfWith(f32ToBF16AVX512, 16, quant.F32ToBF16Slice),
	}
	vecAVX512.fromHalf = map[kernels.Op]func([]float32, []uint16){
		kernels.OpF16ToF32:  fromHalfWith(f16ToF32AVX512, 16, quant.F16ToF32Slice),
		kernels.OpBF16ToF32: fromHalfWith(bf16ToF32AVX512, 16, quant.BF16ToF32Slice),
	}
	vecAVX2.toHalf = map[kernels.Op]func([]uint16, []float32){
		kernels.OpF32ToBF16: toHalfWith(f32ToBF16AVX2, 16, quant.F32ToBF16Slice),
	}
	vecAVX2.fromHalf = map[kernels.Op]func([]float32, []uint16){
		kernels.OpBF16ToF32: fromHalfWith(bf16ToF32AVX2, 8, quant.BF16ToF32Slice),
	}
	if cpuid.CPU.Supports(cpuid.F16C) { // f16 needs F16C beside AVX2
		vecAVX2.toHalf[kernels.OpF32ToF16] = toHalfWith(f32ToF16AVX2, 8, quant.F32ToF16Slice)
		vecAVX2.fromHalf[kernels.OpF16ToF32] = fromHalfWith(f16ToF32AVX2, 8, quant.F16ToF32Slice)
	}
}
