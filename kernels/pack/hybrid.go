package pack

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Hybrid block tags, in the order that breaks size ties: the 2-bit and
// base-3 decoders are table lookups with no branches on the data.
const (
	tagTwoBit = iota
	tagBase3
	tagSparse
	tagRuns
	numTags
)

// HybridBlock is the number of codes per Hybrid block.
const HybridBlock = 256

var tagNames = [numTags]string{"2-bit", "base-3", "sparse", "runs"}

// seq2Codes maps a sequential 2-bit byte to its 4 codes as int8 bytes.
var seq2Codes = func() (t [256]uint32) {
	for b := range t {
		for i := 0; i < 4; i++ {
			t[b] |= uint32(uint8(int8(b>>(2*i)&3)-1)) << (8 * i)
		}
	}
	return t
}()

func appendSeq2Bit(dst []byte, c []int8) []byte {
	for j := 0; j < len(c); j += 4 {
		b := byte(0b01010101) // padding codes are 0
		for i := 0; i < 4 && j+i < len(c); i++ {
			b = b&^(3<<(2*i)) | byte(c[j+i]+1)<<(2*i)
		}
		dst = append(dst, b)
	}
	return dst
}

func unpackSeq2Bit(d []byte, src []byte) {
	j := 0
	for ; 4*j+4 <= len(d); j++ {
		binary.LittleEndian.PutUint32(d[4*j:], seq2Codes[src[j]])
	}
	for o := 4 * j; o < len(d); o++ {
		d[o] = byte(seq2Codes[src[j]] >> (8 * (o - 4*j)))
	}
}

// hybridSizes returns each form's payload size for block c (math.MaxInt
// where a form cannot hold it) and the number of nonzeros.
func hybridSizes(c []int8) (sizes [numTags]int, nnz int) {
	for _, v := range c {
		if v != 0 {
			nnz++
		}
	}
	n := len(c)
	sizes = [numTags]int{(n + 3) / 4, Base3Bytes(n), math.MaxInt, runsSize(c)}
	if nnz < 256 { // the count is one byte
		sizes[tagSparse] = 1 + nnz + (nnz+7)/8
	}
	return sizes, nnz
}

func appendHybridBlock(dst []byte, c []int8) []byte {
	sizes, nnz := hybridSizes(c)
	tag := 0
	for t := 1; t < numTags; t++ {
		if sizes[t] < sizes[tag] {
			tag = t
		}
	}
	dst = append(dst, byte(tag))
	switch tag {
	case tagTwoBit:
		return appendSeq2Bit(dst, c)
	case tagBase3:
		return appendBase3(dst, c)
	case tagSparse:
		dst = append(dst, byte(nnz))
		for k, v := range c {
			if v != 0 {
				dst = append(dst, byte(k))
			}
		}
		signs := len(dst)
		dst = append(dst, make([]byte, (nnz+7)/8)...)
		k := 0
		for _, v := range c {
			if v != 0 {
				if v > 0 {
					dst[signs+k/8] |= 1 << (k % 8)
				}
				k++
			}
		}
		return dst
	default:
		return appendRuns(dst, c)
	}
}

type hybrid struct{ packed }

func packHybrid(codes []int8, rows, cols int) (*hybrid, error) {
	data := make([]byte, 4*rows, 4*rows+len(codes)/4)
	for r := 0; r < rows; r++ {
		row := codes[r*cols : (r+1)*cols]
		for c0 := 0; c0 < cols; c0 += HybridBlock {
			data = appendHybridBlock(data, row[c0:min(c0+HybridBlock, cols)])
		}
		if int64(len(data)-4*rows) > math.MaxUint32 {
			return nil, fmt.Errorf("pack: Hybrid %dx%d: blocks exceed 4 GiB at row %d", rows, cols, r)
		}
		binary.LittleEndian.PutUint32(data[4*r:], uint32(len(data)-4*rows))
	}
	return &hybrid{packed{Hybrid, rows, cols, data}}, nil
}

func (p *hybrid) Unpack() []int8 { return unpackAll(p) }

func (p *hybrid) UnpackRow(dst []int8, r int) {
	d := bytesOf(dst[:p.cols])
	src := p.data[4*p.rows:][rowStart(p.data, r):rowEnd(p.data, r)]
	for c0 := 0; c0 < p.cols; c0 += HybridBlock {
		blk := d[c0:min(c0+HybridBlock, p.cols)]
		tag := src[0]
		src = src[1:]
		switch tag {
		case tagTwoBit:
			k := (len(blk) + 3) / 4
			unpackSeq2Bit(blk, src[:k])
			src = src[k:]
		case tagBase3:
			k := Base3Bytes(len(blk))
			unpackBase3(blk, src[:k])
			src = src[k:]
		case tagSparse:
			nnz := int(src[0])
			end := 1 + nnz + (nnz+7)/8
			unpackSparseBlock(blk, src[1:1+nnz], src[1+nnz:end])
			src = src[end:]
		default:
			src = src[unpackRuns(dst[c0:c0+len(blk)], src):]
		}
	}
}

// unpackSparseBlock writes a sparse block: zeros, then ±1 at the positions,
// a sign byte at a time. A full block is a [256]byte, which byte positions
// index without bounds checks.
func unpackSparseBlock(blk, pos, signs []byte) {
	clear(blk)
	if len(blk) == HybridBlock {
		b := (*[HybridBlock]byte)(blk)
		for g, s := range signs {
			for _, j := range pos[8*g : min(8*g+8, len(pos))] {
				b[j] = byte(s&1)*2 - 1
				s >>= 1
			}
		}
		return
	}
	for g, s := range signs {
		for _, j := range pos[8*g : min(8*g+8, len(pos))] {
			blk[j] = byte(s&1)*2 - 1
			s >>= 1
		}
	}
}

// blockTags names the form of each block of row r.
func (p *hybrid) blockTags(r int) []string {
	var tags []string
	src := p.data[4*p.rows:][rowStart(p.data, r):rowEnd(p.data, r)]
	for c0 := 0; c0 < p.cols; c0 += HybridBlock {
		tags = append(tags, tagNames[src[0]])
		used, _, _ := checkHybridBlock(src, min(HybridBlock, p.cols-c0), c0)
		src = src[used:]
	}
	return tags
}

// checkHybridBlock checks the block of n codes at the start of src, which
// holds code col0 of its row onwards, and returns its size, tag included.
// On a fault it returns the column where it lies and what it is.
func checkHybridBlock(src []byte, n, col0 int) (used, col int, msg string) {
	if len(src) == 0 {
		return 0, col0, "block tag missing (truncated)"
	}
	tag, body := src[0], src[1:]
	if tag >= numTags {
		return 0, col0, fmt.Sprintf("bad block tag %d", tag)
	}
	short := func(k int) string {
		if len(body) < k {
			return fmt.Sprintf("%s block needs %d bytes, %d left (truncated)", tagNames[tag], k, len(body))
		}
		return ""
	}
	switch tag {
	case tagTwoBit:
		k := (n + 3) / 4
		if f := short(k); f != "" {
			return 0, col0, f
		}
		for i := 0; i < 4*k; i++ {
			f := body[i/4] >> (2 * (i % 4)) & 3
			switch {
			case f == 3:
				return 0, col0 + i, "2-bit code 0b11"
			case i >= n && f != 1:
				return 0, col0 + i, fmt.Sprintf("2-bit padding code %d: want 0", int(f)-1)
			}
		}
		return 1 + k, 0, ""
	case tagBase3:
		k := Base3Bytes(n)
		if f := short(k); f != "" {
			return 0, col0, f
		}
		if col, msg := checkBase3(body[:k], n); msg != "" {
			return 0, col0 + col, msg
		}
		return 1 + k, 0, ""
	case tagSparse:
		if f := short(1); f != "" {
			return 0, col0, f
		}
		nnz := int(body[0])
		k := 1 + nnz + (nnz+7)/8
		if f := short(k); f != "" {
			return 0, col0, f
		}
		for i, j := range body[1 : 1+nnz] {
			if int(j) >= n {
				return 0, col0 + int(j), fmt.Sprintf("sparse position %d out of range (block of %d codes)", j, n)
			}
			if i > 0 && j <= body[i] {
				return 0, col0 + int(j), fmt.Sprintf("sparse position %d not increasing (after %d)", j, body[i])
			}
		}
		if nnz%8 != 0 && body[k-1]>>(nnz%8) != 0 {
			return 0, col0, "unused sign bits set in a sparse block"
		}
		return 1 + k, 0, ""
	default:
		used, col, msg := checkRuns(body, n, col0)
		return 1 + used, col, msg
	}
}

func (p *hybrid) Validate() error {
	return checkRowStreams(&p.packed, func(r int, src []byte) (int, string) {
		for c0 := 0; c0 < p.cols; c0 += HybridBlock {
			used, col, msg := checkHybridBlock(src, min(HybridBlock, p.cols-c0), c0)
			if msg != "" {
				return col, msg
			}
			src = src[used:]
		}
		if len(src) > 0 {
			return p.cols, fmt.Sprintf("%d bytes after the row's blocks", len(src))
		}
		return 0, ""
	})
}
