// Package pack stores ternary codes compactly. BitPacked2Bit is the format
// the BitLinear kernels read: 2 bits per weight, 4 weights per byte.
package pack

import "fmt"

// Packed2Bit holds a Rows×Cols ternary matrix, 2 bits per code, row-major,
// in the block-interleaved layout the SIMD kernels read.
//
// A row is a sequence of blocks of BlockBytes (64) bytes, each holding
// BlockCodes (256) codes. Byte j of a block holds the block's codes j, j+64,
// j+128 and j+192 in bits 0-1, 2-3, 4-5 and 6-7, each stored as code+1
// (-1→0b00, 0→0b01, +1→0b10; 0b11 never occurs). A vector kernel loads 64
// bytes, and a shift and a mask give 64 consecutive codes, lined up with 64
// consecutive activations, ready for an unsigned×signed byte dot product.
// Codes past Cols are padding, stored as 0 (0b01), so kernels may read whole
// blocks; the last block of a row is padded to 256 codes.
type Packed2Bit struct {
	Rows, Cols int
	Stride     int // bytes per row: BlockBytes·ceil(Cols/BlockCodes)
	Data       []byte
}

// Block geometry of the 2-bit layout.
const (
	BlockCodes = 256
	BlockBytes = BlockCodes / 4
)

// Stride2Bit is the number of bytes a row of cols codes takes.
func Stride2Bit(cols int) int { return (cols + BlockCodes - 1) / BlockCodes * BlockBytes }

// Locate2Bit returns the byte offset within a row and the bit shift of code k.
func Locate2Bit(k int) (offset int, shift uint) {
	r := k % BlockCodes
	return k/BlockCodes*BlockBytes + r%BlockBytes, uint(2 * (r / BlockBytes))
}

// BitsPerWeight is the storage cost of the format, padding included: 2 when
// Cols is a multiple of 256, more for short rows.
func (p *Packed2Bit) BitsPerWeight() float64 {
	return float64(len(p.Data)*8) / float64(p.Rows*p.Cols)
}

// Pack2Bit packs row-major codes in {-1, 0, 1}.
func Pack2Bit(codes []int8, rows, cols int) (*Packed2Bit, error) {
	if rows <= 0 || cols <= 0 {
		return nil, fmt.Errorf("pack: shape %dx%d: want positive dimensions", rows, cols)
	}
	if len(codes) != rows*cols {
		return nil, fmt.Errorf("pack: %d codes, want %d×%d = %d", len(codes), rows, cols, rows*cols)
	}
	stride := Stride2Bit(cols)
	p := &Packed2Bit{Rows: rows, Cols: cols, Stride: stride, Data: make([]byte, rows*stride)}
	if err := Pack2BitInto(p.Data, codes, rows, cols); err != nil {
		return nil, err
	}
	return p, nil
}

// Pack2BitInto packs into dst, which must hold rows·Stride2Bit(cols) bytes.
// It reports the position of the first code outside {-1, 0, 1}.
func Pack2BitInto(dst []byte, codes []int8, rows, cols int) error {
	stride := Stride2Bit(cols)
	if len(dst) < rows*stride || len(codes) < rows*cols {
		return fmt.Errorf("pack: %dx%d needs %d bytes and %d codes, got %d and %d",
			rows, cols, rows*stride, rows*cols, len(dst), len(codes))
	}
	for r := 0; r < rows; r++ {
		row := codes[r*cols : (r+1)*cols]
		out := dst[r*stride : (r+1)*stride]
		for i := range out {
			out[i] = 0b01010101 // padding codes are 0
		}
		for k, c := range row {
			if c < -1 || c > 1 {
				return fmt.Errorf("pack: code %d at row %d col %d: want -1, 0 or 1", c, r, k)
			}
			off, shift := Locate2Bit(k)
			out[off] = out[off]&^(3<<shift) | byte(c+1)<<shift
		}
	}
	return nil
}

// Unpack returns the codes as a row-major Rows×Cols slice.
func (p *Packed2Bit) Unpack() []int8 {
	out := make([]int8, p.Rows*p.Cols)
	for r := 0; r < p.Rows; r++ {
		Unpack2BitRow(out[r*p.Cols:(r+1)*p.Cols], p.Row(r))
	}
	return out
}

// Row returns the packed bytes of row r.
func (p *Packed2Bit) Row(r int) []byte { return p.Data[r*p.Stride : (r+1)*p.Stride] }

// Unpack2BitRow decodes len(dst) codes from a packed row.
func Unpack2BitRow(dst []int8, row []byte) {
	for k := range dst {
		off, shift := Locate2Bit(k)
		dst[k] = int8(row[off]>>shift&3) - 1
	}
}

// Validate checks the shape and that no 0b11 code is present.
func (p *Packed2Bit) Validate() error {
	if p.Rows <= 0 || p.Cols <= 0 || p.Stride != Stride2Bit(p.Cols) || len(p.Data) != p.Rows*p.Stride {
		return fmt.Errorf("pack: inconsistent 2-bit matrix: %dx%d stride %d with %d bytes", p.Rows, p.Cols, p.Stride, len(p.Data))
	}
	for i, b := range p.Data {
		for s := 0; s < 8; s += 2 {
			if b>>s&3 == 3 {
				return fmt.Errorf("pack: invalid 2-bit code 0b11 in byte %d (row %d)", i, i/p.Stride)
			}
		}
	}
	return nil
}
