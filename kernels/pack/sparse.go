package pack

import (
	"encoding/binary"
	"fmt"
	"math"
)

// sparseEscape opens a wide CompressedSparse delta.
const sparseEscape = 0xff

// SparseWideBytes is the width of a wide CompressedSparse delta: a uint16
// when cols ≤ 65536, so every column and distance fits, else a uint32.
func SparseWideBytes(cols int) int {
	if cols <= 1<<16 {
		return 2
	}
	return 4
}

// sparseDeltaSize is the number of bytes a delta of d takes.
func sparseDeltaSize(d, wide int) int {
	if d < sparseEscape {
		return 1
	}
	return 1 + wide
}

type sparse struct{ packed }

func packSparse(codes []int8, rows, cols int) (*sparse, error) {
	wide := SparseWideBytes(cols)
	nnz, idxBytes := 0, 0
	for r := 0; r < rows; r++ {
		prev := 0
		for col, c := range codes[r*cols : (r+1)*cols] {
			if c != 0 {
				idxBytes += sparseDeltaSize(col-prev, wide)
				prev = col
				nnz++
			}
		}
	}
	if int64(idxBytes) > math.MaxUint32 {
		return nil, fmt.Errorf("pack: CompressedSparse %dx%d: %d nonzeros take %d index bytes, at most %d fit", rows, cols, nnz, idxBytes, uint32(math.MaxUint32))
	}
	data := make([]byte, 8*rows+idxBytes+(nnz+7)/8)
	idx, signs := data[8*rows:8*rows+idxBytes], data[8*rows+idxBytes:]
	k, o := 0, 0
	for r := 0; r < rows; r++ {
		prev := 0
		for col, c := range codes[r*cols : (r+1)*cols] {
			if c == 0 {
				continue
			}
			switch d := col - prev; {
			case d < sparseEscape:
				idx[o] = byte(d)
				o++
			case wide == 2:
				idx[o] = sparseEscape
				binary.LittleEndian.PutUint16(idx[o+1:], uint16(d))
				o += 3
			default:
				idx[o] = sparseEscape
				binary.LittleEndian.PutUint32(idx[o+1:], uint32(d))
				o += 5
			}
			if c > 0 {
				signs[k/8] |= 1 << (k % 8)
			}
			prev = col
			k++
		}
		binary.LittleEndian.PutUint32(data[4*r:], uint32(k))
		binary.LittleEndian.PutUint32(data[4*(rows+r):], uint32(o))
	}
	return &sparse{packed{CompressedSparse, rows, cols, data}}, nil
}

func (p *sparse) Unpack() []int8 { return unpackAll(p) }

// rowRange returns row r's nonzeros [k0, k1) and index bytes [o0, o1).
func (p *sparse) rowRange(r int) (k0, k1, o0, o1 int) {
	offs := p.data[4*p.rows : 8*p.rows]
	return rowStart(p.data, r), rowEnd(p.data, r), rowStart(offs, r), rowEnd(offs, r)
}

// sections returns the index stream and the sign bitmap.
func (p *sparse) sections() (idx, signs []byte) {
	end := 8*p.rows + rowEnd(p.data[4*p.rows:], p.rows-1)
	return p.data[8*p.rows : end], p.data[end:]
}

func (p *sparse) UnpackRow(dst []int8, r int) {
	d := dst[:p.cols]
	clear(d)
	k0, k1, o, _ := p.rowRange(r)
	idx, signs := p.sections()
	wide := SparseWideBytes(p.cols)
	col := 0
	for k := k0; k < k1; k++ {
		if b := idx[o]; b != sparseEscape {
			col += int(b)
			o++
		} else if wide == 2 {
			col += int(binary.LittleEndian.Uint16(idx[o+1:]))
			o += 3
		} else {
			col += int(binary.LittleEndian.Uint32(idx[o+1:]))
			o += 5
		}
		d[col] = int8(signs[k/8]>>(k%8)&1)*2 - 1
	}
}

func (p *sparse) Validate() error {
	if len(p.data) < 8*p.rows {
		return fmt.Errorf("pack: CompressedSparse %dx%d: %d bytes, want at least %d for the row tables (truncated)", p.rows, p.cols, len(p.data), 8*p.rows)
	}
	offs := p.data[4*p.rows : 8*p.rows]
	for r := 0; r < p.rows; r++ {
		if n := rowEnd(p.data, r) - rowStart(p.data, r); n < 0 || n > p.cols {
			return fmt.Errorf("pack: CompressedSparse: row %d has %d nonzeros in %d cols", r, n, p.cols)
		}
		if rowEnd(offs, r) < rowStart(offs, r) {
			return fmt.Errorf("pack: CompressedSparse: row %d's indexes end at byte %d, before they start at %d", r, rowEnd(offs, r), rowStart(offs, r))
		}
	}
	nnz, idxBytes := rowEnd(p.data, p.rows-1), rowEnd(offs, p.rows-1)
	if want := 8*p.rows + idxBytes + (nnz+7)/8; len(p.data) != want {
		return fmt.Errorf("pack: CompressedSparse %dx%d: %d bytes, want %d for %d nonzeros in %d index bytes", p.rows, p.cols, len(p.data), want, nnz, idxBytes)
	}
	idx, signs := p.sections()
	wide := SparseWideBytes(p.cols)
	for r := 0; r < p.rows; r++ {
		k0, k1, o, o1 := p.rowRange(r)
		col := 0
		for k := k0; k < k1; k++ {
			if o >= o1 {
				return fmt.Errorf("pack: CompressedSparse: row %d's indexes end after %d of %d nonzeros (truncated)", r, k-k0, k1-k0)
			}
			var d uint64
			if idx[o] != sparseEscape {
				d = uint64(idx[o])
				o++
			} else {
				if o1-o < 1+wide {
					return fmt.Errorf("pack: CompressedSparse: wide index truncated at row %d col %d", r, col)
				}
				if wide == 2 {
					d = uint64(binary.LittleEndian.Uint16(idx[o+1:]))
				} else {
					d = uint64(binary.LittleEndian.Uint32(idx[o+1:]))
				}
				if d < sparseEscape {
					return fmt.Errorf("pack: CompressedSparse: delta %d needlessly wide at row %d col %d", d, r, col)
				}
				o += 1 + wide
			}
			if d == 0 && k > k0 {
				return fmt.Errorf("pack: CompressedSparse: column index not increasing at row %d col %d (nonzero %d)", r, col, k)
			}
			if d >= uint64(p.cols-col) {
				return fmt.Errorf("pack: CompressedSparse: column index %d out of range at row %d (nonzero %d, %d cols)", uint64(col)+d, r, k, p.cols)
			}
			col += int(d)
		}
		if o != o1 {
			return fmt.Errorf("pack: CompressedSparse: %d index bytes after row %d's %d nonzeros", o1-o, r, k1-k0)
		}
	}
	if nnz%8 != 0 && signs[len(signs)-1]>>(nnz%8) != 0 {
		return fmt.Errorf("pack: CompressedSparse: unused sign bits set in the last byte (%d nonzeros)", nnz)
	}
	return nil
}
