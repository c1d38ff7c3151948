// Package codec is the memory conversion engine's codecs (memory.Codec),
// backed by kernels/quant: the whole wiring between the two. The engine
// never converts a value itself, and memory imports nothing of the kernel
// library; the kernel library depends on memory, not the other way.
//
// I8 encodes with a streamable scale (ActivationScale + QuantizeWithScale).
// A per-tensor ternary scale is the mean of |x| over the whole tensor,
// which chunks cannot merge into the same float32 bits (the whole's mean is
// summed in float64), so ternary tensors are converted in one chunk rather
// than streamed with a scale that differs from QuantizeTernary's.

package codec

import (
	"fmt"
	"unsafe"

	"github.com/bitnet-go/bitnet-bench/kernels/quant"
	"github.com/bitnet-go/bitnet-bench/memory"
)

// All returns the codecs for F16, BF16, I8 and Ternary.
func All() []memory.Codec {
	return []memory.Codec{f16Codec{}, bf16Codec{}, i8Codec{}, ternaryCodec{}}
}

// NewEngine returns a conversion engine over pool p (memory.Default() when
// nil) with the kernel library's codecs.
func NewEngine(p *memory.Pool) *memory.Engine { return memory.NewEngine(p, All()...) }

func asU16(b []byte, n int) ([]uint16, error) {
	if len(b) < 2*n {
		return nil, fmt.Errorf("%w: %d bytes for %d 16-bit values", memory.ErrShape, len(b), n)
	}
	if n == 0 {
		return nil, nil
	}
	return unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), n), nil
}

func asI8(b []byte, n int) ([]int8, error) {
	if len(b) < n {
		return nil, fmt.Errorf("%w: %d bytes for %d int8 values", memory.ErrShape, len(b), n)
	}
	if n == 0 {
		return nil, nil
	}
	return unsafe.Slice((*int8)(unsafe.Pointer(&b[0])), n), nil
}

type f16Codec struct{}

func (f16Codec) DType() memory.DType { return memory.F16 }
func (f16Codec) Bits() int           { return 16 }
func (f16Codec) Scaled() bool        { return false }
func (f16Codec) Encode(dst []byte, src []float32) (float32, error) {
	d, err := asU16(dst, len(src))
	if err == nil {
		quant.F32ToF16Slice(d, src)
	}
	return 1, err
}
func (f16Codec) Decode(dst []float32, src []byte, _ float32) error {
	s, err := asU16(src, len(dst))
	if err == nil {
		quant.F16ToF32Slice(dst, s)
	}
	return err
}

type bf16Codec struct{}

func (bf16Codec) DType() memory.DType { return memory.BF16 }
func (bf16Codec) Bits() int           { return 16 }
func (bf16Codec) Scaled() bool        { return false }
func (bf16Codec) Encode(dst []byte, src []float32) (float32, error) {
	d, err := asU16(dst, len(src))
	if err == nil {
		quant.F32ToBF16Slice(d, src)
	}
	return 1, err
}
func (bf16Codec) Decode(dst []float32, src []byte, _ float32) error {
	s, err := asU16(src, len(dst))
	if err == nil {
		quant.BF16ToF32Slice(dst, s)
	}
	return err
}

// i8Codec is per-token absmax int8: scale 127/max|x|, real = q / scale.
type i8Codec struct{}

func (i8Codec) DType() memory.DType { return memory.I8 }
func (i8Codec) Bits() int           { return 8 }
func (i8Codec) Scaled() bool        { return true }
func (i8Codec) Encode(dst []byte, src []float32) (float32, error) {
	d, err := asI8(dst, len(src))
	if err != nil || len(src) == 0 {
		return 1, err
	}
	return quant.QuantizeActivationsRow(d, src), nil
}
func (i8Codec) Decode(dst []float32, src []byte, scale float32) error {
	q, err := asI8(src, len(dst))
	if err != nil {
		return err
	}
	quant.DequantizeActivations(dst, q, scale)
	return nil
}
func (i8Codec) ChunkScale(src []float32) float32 { return quant.ActivationScale(src) }

// MergeScales: the scale is 127/max|x|, so the whole's is the chunks' minimum.
func (i8Codec) MergeScales(scales []float32, _ []int) float32 {
	m := scales[0]
	for _, s := range scales[1:] {
		m = min(m, s)
	}
	return m
}
func (i8Codec) EncodeWithScale(dst []byte, src []float32, scale float32) error {
	d, err := asI8(dst, len(src))
	if err == nil && len(src) > 0 {
		quant.QuantizeWithScale(d, src, scale)
	}
	return err
}

// ternaryCodec is absmean ternary, codes stored one per byte.
type ternaryCodec struct{}

func (ternaryCodec) DType() memory.DType { return memory.Ternary }
func (ternaryCodec) Bits() int           { return 8 }
func (ternaryCodec) Scaled() bool        { return true }
func (ternaryCodec) Encode(dst []byte, src []float32) (float32, error) {
	d, err := asI8(dst, len(src))
	if err != nil || len(src) == 0 {
		return 1, err
	}
	s := quant.AbsMean(src)
	quant.QuantizeTernaryWithScale(d, src, s)
	return s, nil
}
func (ternaryCodec) Decode(dst []float32, src []byte, scale float32) error {
	q, err := asI8(src, len(dst))
	if err != nil || len(dst) == 0 {
		return err
	}
	quant.DequantizeTernary(dst, q, scale)
	return nil
}
