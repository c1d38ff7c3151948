package cpu

import (
	"encoding/binary"

	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// unpackLUT maps a packed byte to its four codes, little-endian in a uint32,
// so unpacking writes four codes with one store.
var unpackLUT = func() (t [256]uint32) {
	for b := 0; b < 256; b++ {
		var v uint32
		for i := 0; i < 4; i++ {
			v |= uint32(uint8(int8(b>>(2*i)&3)-1)) << (8 * i)
		}
		t[b] = v
	}
	return t
}()

func unpack2BitGeneric(dst []int8, w *pack.Packed2Bit) {
	full := w.Cols / 4
	for n := 0; n < w.Rows; n++ {
		row := w.Row(n)
		out := dst[n*w.Cols : (n+1)*w.Cols]
		ob := int8sAsBytes(out)
		for j, b := range row[:full] {
			binary.LittleEndian.PutUint32(ob[4*j:], unpackLUT[b])
		}
		if full*4 < w.Cols {
			pack.Unpack2BitRow(out[full*4:], row[full:])
		}
	}
}

func pack2BitGeneric(dst []byte, codes []int8, rows, cols int) error {
	stride := pack.Stride2Bit(cols)
	full := cols / 4
	for r := 0; r < rows; r++ {
		row := codes[r*cols : (r+1)*cols]
		out := dst[r*stride : (r+1)*stride]
		for j := 0; j < full; j++ {
			c := row[4*j : 4*j+4 : 4*j+4]
			b0, b1, b2, b3 := byte(c[0]+1), byte(c[1]+1), byte(c[2]+1), byte(c[3]+1)
			if b0 > 2 || b1 > 2 || b2 > 2 || b3 > 2 {
				// A code outside {-1, 0, 1}: the reference names it.
				return pack.Pack2BitInto(dst, codes, rows, cols)
			}
			out[j] = b0 | b1<<2 | b2<<4 | b3<<6
		}
		if full < stride {
			if err := pack.Pack2BitInto(out[full:], row[full*4:], 1, cols-full*4); err != nil {
				return pack.Pack2BitInto(dst, codes, rows, cols) // names the full position
			}
		}
	}
	return nil
}
