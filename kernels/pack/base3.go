package pack

import (
	"encoding/binary"
	"fmt"
)

// base3Codes maps a base-3 byte to its 5 codes as int8 bytes, code j in
// byte j of the word, so a decoder stores all 5 with one 8-byte write (the
// 3 extra bytes are overwritten by the next group). Bytes ≥ 243 never reach
// it: Validate rejects them.
var base3Codes = func() (t [256]uint64) {
	for b := 0; b < 243; b++ {
		v := b
		for j := 0; j < 5; j++ {
			t[b] |= uint64(uint8(int8(v%3)-1)) << (8 * j)
			v /= 3
		}
	}
	return t
}()

// Base3Bytes is the number of bytes a Base3Packed row of cols codes takes.
func Base3Bytes(cols int) int { return (cols + 4) / 5 }

// appendBase3 appends codes 5 to a byte, the last group padded with zeros.
// The byte is Σ (c_j+1)·3^j = 121 + Σ c_j·3^j.
func appendBase3(dst []byte, codes []int8) []byte {
	n := len(codes)
	i := 0
	for ; i+5 <= n; i += 5 {
		c := codes[i : i+5 : i+5]
		dst = append(dst, byte(121+int(c[0])+3*int(c[1])+9*int(c[2])+27*int(c[3])+81*int(c[4])))
	}
	if i < n {
		v, pow := 121, 1
		for ; i < n; i++ {
			v += pow * int(codes[i])
			pow *= 3
		}
		dst = append(dst, byte(v))
	}
	return dst
}

// unpackBase3 decodes len(d) codes from valid base-3 bytes: 8 bytes (40
// codes) per step while the 8-byte stores stay inside d, then one byte.
func unpackBase3(d []byte, src []byte) {
	i, o := 0, 0
	for ; o+43 <= len(d) && i+8 <= len(src); i, o = i+8, o+40 {
		x := binary.LittleEndian.Uint64(src[i:])
		g := d[o : o+43 : o+43]
		binary.LittleEndian.PutUint64(g[0:], base3Codes[byte(x)])
		binary.LittleEndian.PutUint64(g[5:], base3Codes[byte(x>>8)])
		binary.LittleEndian.PutUint64(g[10:], base3Codes[byte(x>>16)])
		binary.LittleEndian.PutUint64(g[15:], base3Codes[byte(x>>24)])
		binary.LittleEndian.PutUint64(g[20:], base3Codes[byte(x>>32)])
		binary.LittleEndian.PutUint64(g[25:], base3Codes[byte(x>>40)])
		binary.LittleEndian.PutUint64(g[30:], base3Codes[byte(x>>48)])
		binary.LittleEndian.PutUint64(g[35:], base3Codes[byte(x>>56)])
	}
	for ; o+8 <= len(d); i, o = i+1, o+5 {
		binary.LittleEndian.PutUint64(d[o:], base3Codes[src[i]])
	}
	for ; o < len(d); i++ {
		w := base3Codes[src[i]]
		for j := 0; j < 5 && o < len(d); j, o = j+1, o+1 {
			d[o] = byte(w >> (8 * j))
		}
	}
}

// checkBase3 checks n codes' worth of base-3 bytes: every byte below 243
// and padding trits 0. It returns the code index of a fault and what it is.
func checkBase3(src []byte, n int) (col int, msg string) {
	for i, b := range src {
		if b >= 243 {
			return 5 * i, fmt.Sprintf("base-3 byte %d ≥ 243", b)
		}
	}
	if n%5 != 0 {
		v := int(src[len(src)-1])
		for j := 0; j < 5; j++ {
			if k := n/5*5 + j; k >= n && v%3 != 1 {
				return k, fmt.Sprintf("padding code %d: want 0", v%3-1)
			}
			v /= 3
		}
	}
	return 0, ""
}

type base3 struct{ packed }

func packBase3(codes []int8, rows, cols int) *base3 {
	data := make([]byte, 0, rows*Base3Bytes(cols))
	for r := 0; r < rows; r++ {
		data = appendBase3(data, codes[r*cols:(r+1)*cols])
	}
	return &base3{packed{Base3Packed, rows, cols, data}}
}

func (p *base3) Unpack() []int8 { return unpackAll(p) }

func (p *base3) UnpackRow(dst []int8, r int) {
	bpr := Base3Bytes(p.cols)
	unpackBase3(bytesOf(dst[:p.cols]), p.data[r*bpr:(r+1)*bpr])
}

func (p *base3) Validate() error {
	bpr := Base3Bytes(p.cols)
	if len(p.data) != p.rows*bpr {
		return p.wrongSize(p.rows * bpr)
	}
	for r := 0; r < p.rows; r++ {
		if col, msg := checkBase3(p.data[r*bpr:(r+1)*bpr], p.cols); msg != "" {
			return fmt.Errorf("pack: Base3Packed: %s at row %d col %d", msg, r, col)
		}
	}
	return nil
}
