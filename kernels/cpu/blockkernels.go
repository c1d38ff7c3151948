package cpu

import "github.com/bitnet-go/bitnet-bench/kernels/pack"

// blockKernels are the inner loops one ISA level provides, over whole
// 256-code blocks of the 2-bit layout (see pack.Packed2Bit). Packed fields
// hold c+1 ∈ {0,1,2}; the dot products return Σ (c+1)·x, and the caller
// subtracts Σ x once per token.
type blockKernels struct {
	// dotRows writes out[i] = Σ (c+1)·x for the len(out) rows (a multiple
	// of 4) of w, rows stride bytes long; x holds blocks·256 activations.
	// Row i starts at w[i·stride], or, when wovenRows is set, w holds the
	// rows woven four at a time by pack.InterleaveRowGroups.
	dotRows   func(w []byte, stride int, x []int8, out []int32)
	wovenRows bool
	// dot1 is dot4 for one row.
	dot1 func(row []byte, x []int8) int32
	// unpack decodes len(dst)/256 whole blocks of src into codes in {-1,0,1}.
	unpack func(dst []int8, src []byte)
}

var genericKernels = blockKernels{
	dotRows: func(w []byte, stride int, x []int8, out []int32) {
		n := len(x) / 4
		for i := range out {
			out[i] = dotPackedGeneric(w[i*stride:i*stride+n], x)
		}
	},
	dot1:   dotPackedGeneric,
	unpack: unpackBlocksGeneric,
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

// unpackBlocksGeneric decodes whole blocks: each byte feeds four outputs 64
// apart.
func unpackBlocksGeneric(dst []int8, src []byte) {
	for b := 0; b+pack.BlockCodes <= len(dst); b += pack.BlockCodes {
		in := src[b/4 : b/4+pack.BlockBytes : b/4+pack.BlockBytes]
		out := dst[b : b+pack.BlockCodes : b+pack.BlockCodes]
		for j, v := range in {
			out[j] = int8(v&3) - 1
			out[j+64] = int8(v>>2&3) - 1
			out[j+128] = int8(v>>4&3) - 1
			out[j+192] = int8(v>>6) - 1
		}
	}
}
