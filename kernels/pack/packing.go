package pack

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unsafe"
)

// Strategy names a lossless storage format for a Rows×Cols ternary matrix.
// Every format is one byte string (Packing.Bytes) whose layout is given
// below; the shape is not part of it, and BitsPerWeight is that string's
// length in bits over Rows·Cols, padding and indexes included.
type Strategy int

const (
	// Uncompressed is the codes themselves, one int8 per byte (0xff, 0x00,
	// 0x01), row-major, no padding: 8 bits per weight.
	Uncompressed Strategy = iota

	// BitPacked2Bit is Packed2Bit: 4 codes per byte in 256-code blocks laid
	// out for the SIMD kernels; Bytes is Packed2Bit.Data with stride
	// Stride2Bit(cols). 2 bits per weight when cols is a multiple of 256.
	BitPacked2Bit

	// Base3Packed holds 5 codes per byte (3^5 = 243 ≤ 256): byte i of a row
	// is Σ_j (c[5i+j]+1)·3^j. Each row takes ceil(cols/5) bytes, its last
	// one padded with zero codes; bytes ≥ 243 are invalid. 1.6 bits per
	// weight when cols is a multiple of 5.
	Base3Packed

	// ByteAligned is one code per byte like Uncompressed, but every row
	// starts on a 64-byte boundary of a 64-byte aligned buffer (stride
	// StrideByteAligned(cols), padding codes 0), so a vector load never
	// splits a cache line. 8 bits per weight when cols is a multiple of 64.
	ByteAligned

	// RunLengthEncoded stores each row as runs of equal codes. The data is
	// rows little-endian uint32 end offsets of each row's runs within the
	// run stream, then the stream. A run is a token byte: bits 6-7 hold
	// code+1 (0b11 is invalid), bits 0-5 hold length-1 for runs of 1 to 63;
	// 0b111111 means 64+x codes, x following as a minimal uvarint. Runs do
	// not cross rows and two neighbours never share a code.
	RunLengthEncoded

	// CompressedSparse is CSR of the nonzeros: rows little-endian uint32
	// cumulative nonzero counts, then rows uint32 cumulative index-byte
	// counts (row r's nonzeros and index bytes run from row r-1's counts to
	// its own), then the indexes, then a sign bitmap: bit k%8 of byte k/8
	// set when nonzero k is +1, unused bits clear. A row's first index is
	// its column, each next the distance from the previous column (> 0):
	// one byte when below 255, else 0xff and the distance as a uint16 when
	// cols ≤ 65536 (as a uint32 beyond). At 1% density most distances fit
	// a byte, about 10 bits per nonzero with its sign; fixed uint16 indexes
	// would take 17, no fewer than Hybrid's sparse blocks.
	CompressedSparse

	// Hybrid cuts each row into blocks of 256 codes (the last one shorter)
	// and stores each block in whichever of four forms is smallest, behind
	// a tag byte; ties go to the faster decoder, in tag order. Like
	// RunLengthEncoded it starts with rows uint32 end offsets. Tags:
	//   0: 2-bit, ceil(n/4) bytes, code 4j+i in bits 2i..2i+1 of byte j,
	//      stored as code+1, padding 0b01;
	//   1: base 3, ceil(n/5) bytes as in Base3Packed;
	//   2: sparse, a count c < 256, c increasing uint8 positions in the
	//      block, then ceil(c/8) sign bytes as in CompressedSparse;
	//   3: runs, tokens as in RunLengthEncoded covering the block.
	Hybrid

	numStrategies
)

var strategyNames = [numStrategies]string{
	"Uncompressed", "BitPacked2Bit", "Base3Packed", "ByteAligned",
	"RunLengthEncoded", "CompressedSparse", "Hybrid",
}

func (s Strategy) String() string {
	if s >= 0 && s < numStrategies {
		return strategyNames[s]
	}
	return fmt.Sprintf("Strategy(%d)", int(s))
}

// Strategies lists every strategy, in declaration order.
func Strategies() []Strategy {
	s := make([]Strategy, numStrategies)
	for i := range s {
		s[i] = Strategy(i)
	}
	return s
}

// ParseStrategy returns the strategy named name, ignoring case.
func ParseStrategy(name string) (Strategy, error) {
	for i, n := range strategyNames {
		if strings.EqualFold(name, n) {
			return Strategy(i), nil
		}
	}
	return 0, fmt.Errorf("pack: unknown strategy %q: want one of %s", name, strings.Join(strategyNames[:], ", "))
}

// Packing is a packed ternary matrix in one of the Strategy formats. Its
// methods only read, so goroutines may decode one Packing concurrently.
type Packing interface {
	Strategy() Strategy
	Name() string // Strategy().String()
	Rows() int
	Cols() int
	// SizeBytes is len(Bytes()): everything needed to decode given the shape.
	SizeBytes() int
	// BitsPerWeight is 8·SizeBytes/(Rows·Cols).
	BitsPerWeight() float64
	// Bytes is the packed form, as Decode reads it. It is not a copy: the
	// caller must not modify it.
	Bytes() []byte
	// Unpack returns the codes as a new row-major Rows×Cols slice.
	Unpack() []int8
	// UnpackRow writes row r's codes to dst[:Cols]. Like slice indexing it
	// panics when r is out of range or dst is shorter than Cols.
	UnpackRow(dst []int8, r int)
	// Validate checks that the bytes are well formed and canonical: one
	// byte string per matrix, except that Hybrid accepts any block form
	// that holds the block, not only the smallest.
	Validate() error
}

// Pack packs row-major codes in {-1, 0, 1} with strategy s. It reports the
// first code outside {-1, 0, 1} by row and column.
func Pack(s Strategy, codes []int8, rows, cols int) (Packing, error) {
	if s < 0 || s >= numStrategies {
		return nil, fmt.Errorf("pack: unknown strategy %v", s)
	}
	if err := checkCodes(codes, rows, cols); err != nil {
		return nil, err
	}
	switch s {
	case Uncompressed:
		data := make([]byte, len(codes))
		copy(data, bytesOf(codes))
		return &uncompressed{packed{s, rows, cols, data}}, nil
	case BitPacked2Bit:
		return packTwoBit(codes, rows, cols), nil
	case Base3Packed:
		return packBase3(codes, rows, cols), nil
	case ByteAligned:
		return packByteAligned(codes, rows, cols), nil
	case RunLengthEncoded:
		return packRunLength(codes, rows, cols)
	case CompressedSparse:
		return packSparse(codes, rows, cols)
	default:
		return packHybrid(codes, rows, cols)
	}
}

// Decode reads data as a rows×cols matrix packed with strategy s, as
// Packing.Bytes returns it, and validates it fully: malformed data is an
// error, never a panic. The Packing keeps data (ByteAligned copies it when
// it is not 64-byte aligned); the caller must not modify it afterwards.
// Run-length and sparse data may describe a matrix far larger than itself:
// check Rows·Cols before unpacking untrusted data.
func Decode(s Strategy, data []byte, rows, cols int) (Packing, error) {
	if err := checkShape(rows, cols); err != nil {
		return nil, err
	}
	var p Packing
	base := packed{s, rows, cols, data}
	switch s {
	case Uncompressed:
		p = &uncompressed{base}
	case BitPacked2Bit:
		p = &twoBit{base, &Packed2Bit{Rows: rows, Cols: cols, Stride: Stride2Bit(cols), Data: data}}
	case Base3Packed:
		p = &base3{base}
	case ByteAligned:
		if len(data) > 0 && uintptr(unsafe.Pointer(&data[0]))%AlignBytes != 0 {
			base.data = alignedBytes(len(data))
			copy(base.data, data)
		}
		p = &byteAligned{base}
	case RunLengthEncoded:
		p = &runLength{base}
	case CompressedSparse:
		p = &sparse{base}
	case Hybrid:
		p = &hybrid{base}
	default:
		return nil, fmt.Errorf("pack: unknown strategy %v", s)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// maxCodes bounds Rows·Cols: 2^48 codes (256 TiB unpacked) on 64-bit
// machines.
const maxCodes = min(1<<48, math.MaxInt/16)

func checkShape(rows, cols int) error {
	if rows <= 0 || cols <= 0 {
		return fmt.Errorf("pack: shape %dx%d: want positive dimensions", rows, cols)
	}
	// Bounding each side and the code count keeps every size computation
	// far from overflow, and lets uint32 hold any column index.
	if cols > math.MaxInt32 || rows > math.MaxInt32 || int64(rows)*int64(cols) > maxCodes {
		return fmt.Errorf("pack: shape %dx%d: too large", rows, cols)
	}
	return nil
}

func checkCodes(codes []int8, rows, cols int) error {
	if err := checkShape(rows, cols); err != nil {
		return err
	}
	if len(codes) != rows*cols {
		return fmt.Errorf("pack: %d codes, want %d×%d = %d", len(codes), rows, cols, rows*cols)
	}
	for i, c := range codes {
		if uint8(c+1) > 2 {
			return fmt.Errorf("pack: code %d at row %d col %d: want -1, 0 or 1", c, i/cols, i%cols)
		}
	}
	return nil
}

// packed is what every format shares: the shape and the packed bytes.
type packed struct {
	s          Strategy
	rows, cols int
	data       []byte
}

func (p *packed) Strategy() Strategy { return p.s }
func (p *packed) Name() string       { return p.s.String() }
func (p *packed) Rows() int          { return p.rows }
func (p *packed) Cols() int          { return p.cols }
func (p *packed) SizeBytes() int     { return len(p.data) }
func (p *packed) Bytes() []byte      { return p.data }
func (p *packed) BitsPerWeight() float64 {
	return float64(8*len(p.data)) / float64(p.rows*p.cols)
}

func (p *packed) wrongSize(want int) error {
	return fmt.Errorf("pack: %v %dx%d: %d bytes, want %d", p.s, p.rows, p.cols, len(p.data), want)
}

func unpackAll(p Packing) []int8 {
	rows, cols := p.Rows(), p.Cols()
	out := make([]int8, rows*cols)
	for r := 0; r < rows; r++ {
		p.UnpackRow(out[r*cols:(r+1)*cols], r)
	}
	return out
}

// bytesOf views int8 codes as bytes, so decoders can store 4 or 8 codes at
// once; int8 and byte have the same size and alignment.
func bytesOf(s []int8) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// validCodeByte reports whether b is an int8 code -1, 0 or 1.
func validCodeByte(b byte) bool { return b+1 <= 2 }

// rowEnd reads the uint32 end offsets that open RunLengthEncoded,
// CompressedSparse and Hybrid data.
func rowEnd(data []byte, r int) int { return int(binary.LittleEndian.Uint32(data[4*r:])) }

func rowStart(data []byte, r int) int {
	if r == 0 {
		return 0
	}
	return rowEnd(data, r-1)
}

// Uncompressed.

type uncompressed struct{ packed }

func (p *uncompressed) Unpack() []int8 { return unpackAll(p) }

func (p *uncompressed) UnpackRow(dst []int8, r int) {
	copy(bytesOf(dst[:p.cols]), p.data[r*p.cols:(r+1)*p.cols])
}

func (p *uncompressed) Validate() error {
	if len(p.data) != p.rows*p.cols {
		return p.wrongSize(p.rows * p.cols)
	}
	for i, b := range p.data {
		if !validCodeByte(b) {
			return fmt.Errorf("pack: Uncompressed: byte 0x%02x at row %d col %d: want 0xff, 0 or 1", b, i/p.cols, i%p.cols)
		}
	}
	return nil
}

// ByteAligned.

// AlignBytes is the row alignment of ByteAligned: one cache line, and one
// AVX-512 register.
const AlignBytes = 64

// StrideByteAligned is the number of bytes a ByteAligned row of cols codes
// takes.
func StrideByteAligned(cols int) int { return (cols + AlignBytes - 1) / AlignBytes * AlignBytes }

// alignedBytes returns n zero bytes starting on an AlignBytes boundary; Go's
// collector does not move heap objects, so the alignment holds.
func alignedBytes(n int) []byte {
	buf := make([]byte, n+AlignBytes-1)
	off := int(-uintptr(unsafe.Pointer(unsafe.SliceData(buf))) & (AlignBytes - 1))
	return buf[off : off+n : off+n]
}

type byteAligned struct{ packed }

func packByteAligned(codes []int8, rows, cols int) *byteAligned {
	stride := StrideByteAligned(cols)
	data := alignedBytes(rows * stride)
	src := bytesOf(codes)
	for r := 0; r < rows; r++ {
		copy(data[r*stride:], src[r*cols:(r+1)*cols])
	}
	return &byteAligned{packed{ByteAligned, rows, cols, data}}
}

func (p *byteAligned) Unpack() []int8 { return unpackAll(p) }

func (p *byteAligned) UnpackRow(dst []int8, r int) {
	stride := StrideByteAligned(p.cols)
	copy(bytesOf(dst[:p.cols]), p.data[r*stride:r*stride+p.cols])
}

func (p *byteAligned) Validate() error {
	stride := StrideByteAligned(p.cols)
	if len(p.data) != p.rows*stride {
		return p.wrongSize(p.rows * stride)
	}
	for i, b := range p.data {
		r, c := i/stride, i%stride
		switch {
		case c >= p.cols && b != 0:
			return fmt.Errorf("pack: ByteAligned: padding byte 0x%02x at row %d col %d: want 0", b, r, c)
		case !validCodeByte(b):
			return fmt.Errorf("pack: ByteAligned: byte 0x%02x at row %d col %d: want 0xff, 0 or 1", b, r, c)
		}
	}
	return nil
}

// BitPacked2Bit.

type twoBit struct {
	packed
	p *Packed2Bit
}

// packTwoBit packs whole 256-code blocks a byte at a time, as the kernels'
// generic packer does; the partial last block goes through Pack2BitInto.
// The codes are already checked.
func packTwoBit(codes []int8, rows, cols int) *twoBit {
	stride := Stride2Bit(cols)
	data := make([]byte, rows*stride)
	full := cols / BlockCodes
	for r := 0; r < rows; r++ {
		row := codes[r*cols : (r+1)*cols]
		out := data[r*stride : (r+1)*stride]
		for b := 0; b < full; b++ {
			c := row[b*BlockCodes : (b+1)*BlockCodes]
			o := out[b*BlockBytes : (b+1)*BlockBytes]
			for j := range o {
				o[j] = byte(c[j]+1) | byte(c[j+64]+1)<<2 | byte(c[j+128]+1)<<4 | byte(c[j+192]+1)<<6
			}
		}
		if tail := cols - full*BlockCodes; tail > 0 {
			// Cannot fail: the codes are valid and the sizes match.
			_ = Pack2BitInto(out[full*BlockBytes:], row[full*BlockCodes:], 1, tail)
		}
	}
	return &twoBit{packed{BitPacked2Bit, rows, cols, data}, &Packed2Bit{Rows: rows, Cols: cols, Stride: stride, Data: data}}
}

func (p *twoBit) Unpack() []int8 { return unpackAll(p) }

// Per-byte SWAR constants: a 2-bit field f in 0..2 becomes the int8 f-1 as
// ((f | 0x80) - 1) ^ 0x80, with no borrow between bytes.
const (
	lanes03 = 0x0303030303030303
	lanes80 = 0x8080808080808080
	lanes01 = 0x0101010101010101
)

// fieldsToCodes turns the low 2-bit field of each byte of x into an int8 code.
func fieldsToCodes(x uint64) uint64 { return ((x&lanes03 | lanes80) - lanes01) ^ lanes80 }

// unpack2BitBlock decodes one 64-byte block into 256 codes, 8 source bytes
// at a time: each shift by 0, 2, 4, 6 yields 8 consecutive codes of one
// quarter of the block.
func unpack2BitBlock(d []byte, src []byte) {
	d = d[:256]
	src = src[:64]
	for j := 0; j < 64; j += 8 {
		x := binary.LittleEndian.Uint64(src[j:])
		binary.LittleEndian.PutUint64(d[j:], fieldsToCodes(x))
		binary.LittleEndian.PutUint64(d[64+j:], fieldsToCodes(x>>2))
		binary.LittleEndian.PutUint64(d[128+j:], fieldsToCodes(x>>4))
		binary.LittleEndian.PutUint64(d[192+j:], fieldsToCodes(x>>6))
	}
}

func (p *twoBit) UnpackRow(dst []int8, r int) {
	d := bytesOf(dst[:p.cols])
	row := p.p.Row(r)
	full := p.cols / BlockCodes
	for b := 0; b < full; b++ {
		unpack2BitBlock(d[b*BlockCodes:], row[b*BlockBytes:])
	}
	if full*BlockCodes < p.cols {
		var tmp [BlockCodes]byte
		unpack2BitBlock(tmp[:], row[full*BlockBytes:])
		copy(d[full*BlockCodes:], tmp[:])
	}
}

// Validate adds to Packed2Bit.Validate that padding codes are 0, which the
// kernels rely on when they read whole blocks.
func (p *twoBit) Validate() error {
	if err := p.p.Validate(); err != nil {
		return err
	}
	end := (p.cols + BlockCodes - 1) / BlockCodes * BlockCodes
	for r := 0; r < p.rows; r++ {
		row := p.p.Row(r)
		for k := p.cols; k < end; k++ {
			off, shift := Locate2Bit(k)
			if f := row[off] >> shift & 3; f != 1 {
				return fmt.Errorf("pack: BitPacked2Bit: padding code %d at row %d col %d: want 0", int(f)-1, r, k)
			}
		}
	}
	return nil
}
