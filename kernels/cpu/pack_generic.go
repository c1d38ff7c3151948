package cpu

import (
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

func pack2BitGeneric(dst []byte, codes []int8, rows, cols int) error {
	stride := pack.Stride2Bit(cols)
	full := cols / pack.BlockCodes
	for r := 0; r < rows; r++ {
		row := codes[r*cols : (r+1)*cols]
		out := dst[r*stride : (r+1)*stride]
		for b := 0; b < full; b++ {
			c := row[b*pack.BlockCodes : (b+1)*pack.BlockCodes : (b+1)*pack.BlockCodes]
			o := out[b*pack.BlockBytes : (b+1)*pack.BlockBytes : (b+1)*pack.BlockBytes]
			for j := range o {
				b0, b1, b2, b3 := byte(c[j]+1), byte(c[j+64]+1), byte(c[j+128]+1), byte(c[j+192]+1)
				if b0 > 2 || b1 > 2 || b2 > 2 || b3 > 2 {
					// A code outside {-1, 0, 1}: the reference names it.
					return pack.Pack2BitInto(dst, codes, rows, cols)
				}
				o[j] = b0 | b1<<2 | b2<<4 | b3<<6
			}
		}
		if full*pack.BlockCodes < cols {
			if err := pack.Pack2BitInto(out[full*pack.BlockBytes:], row[full*pack.BlockCodes:], 1, cols-full*pack.BlockCodes); err != nil {
				return pack.Pack2BitInto(dst, codes, rows, cols) // names the full position
			}
		}
	}
	return nil
}
