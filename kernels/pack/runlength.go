package pack

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Run tokens (RunLengthEncoded and Hybrid's run blocks): code+1 in bits 6-7,
// length-1 in bits 0-5 for runs of up to 63; runLong in bits 0-5 means 64
// plus a uvarint. A run of up to 63 codes costs one byte, one of up to 191
// (64 + a one-byte uvarint) two.
const runLong = 63

// runTokenSize is the number of bytes a run of n codes takes.
func runTokenSize(n int) int {
	if n < 64 {
		return 1
	}
	x, size := uint64(n-64), 2
	for ; x >= 0x80; x >>= 7 {
		size++
	}
	return size
}

func appendRun(dst []byte, c int8, n int) []byte {
	tag := byte(c+1) << 6
	if n < 64 {
		return append(dst, tag|byte(n-1))
	}
	return binary.AppendUvarint(append(dst, tag|runLong), uint64(n-64))
}

// appendRuns appends codes as maximal runs.
func appendRuns(dst []byte, codes []int8) []byte {
	for i := 0; i < len(codes); {
		j := i + 1
		for j < len(codes) && codes[j] == codes[i] {
			j++
		}
		dst = appendRun(dst, codes[i], j-i)
		i = j
	}
	return dst
}

// runsSize is len(appendRuns(nil, codes)).
func runsSize(codes []int8) int {
	size := 0
	for i := 0; i < len(codes); {
		j := i + 1
		for j < len(codes) && codes[j] == codes[i] {
			j++
		}
		size += runTokenSize(j - i)
		i = j
	}
	return size
}

// unpackRuns fills d from valid tokens and returns the bytes it read.
func unpackRuns(d []int8, src []byte) int {
	i := 0
	for o := 0; o < len(d); {
		t := src[i]
		i++
		n := int(t&runLong) + 1
		if n == 64 {
			x, k := binary.Uvarint(src[i:])
			i += k
			n += int(x)
		}
		c := int8(t>>6) - 1
		if n <= 8 && o+8 <= len(d) {
			// Short runs, the common case in dense rows: one 8-byte store
			// with no loop to mispredict; the next run overwrites the rest.
			binary.LittleEndian.PutUint64(bytesOf(d[o:]), uint64(uint8(c))*lanes01)
		} else if s := d[o : o+n]; c == 0 {
			clear(s)
		} else {
			for k := range s {
				s[k] = c
			}
		}
		o += n
	}
	return i
}

// checkRuns checks that src opens with canonical tokens covering exactly n
// codes, and returns how many bytes they take. On a fault it returns the
// code index (plus col0) where it lies and what it is.
func checkRuns(src []byte, n, col0 int) (used, col int, msg string) {
	i, o, prev := 0, 0, byte(0xff)
	for o < n {
		if i >= len(src) {
			return i, col0 + o, fmt.Sprintf("runs end after %d of %d codes (truncated)", o, n)
		}
		t := src[i]
		i++
		tag := t >> 6
		if tag == 3 {
			return i, col0 + o, fmt.Sprintf("bad run tag 0b11 in token 0x%02x", t)
		}
		if tag == prev {
			return i, col0 + o, "run repeats the previous run's code"
		}
		prev = tag
		length := uint64(t&runLong) + 1
		if length == 64 {
			x, k := binary.Uvarint(src[i:])
			switch {
			case k == 0:
				return i, col0 + o, "run length truncated"
			case k < 0 || x > math.MaxInt32:
				return i, col0 + o, "run length overflows"
			case k > 1 && src[i+k-1] == 0:
				return i, col0 + o, "run length not minimally encoded"
			}
			i += k
			length += x
		}
		if length > uint64(n-o) {
			return i, col0 + o, fmt.Sprintf("run of %d passes the end at col %d", length, col0+n)
		}
		o += int(length)
	}
	return i, 0, ""
}

type runLength struct{ packed }

func packRunLength(codes []int8, rows, cols int) (*runLength, error) {
	data := make([]byte, 4*rows, 4*rows+len(codes)/8)
	for r := 0; r < rows; r++ {
		data = appendRuns(data, codes[r*cols:(r+1)*cols])
		if int64(len(data)-4*rows) > math.MaxUint32 {
			return nil, fmt.Errorf("pack: RunLengthEncoded %dx%d: runs exceed 4 GiB at row %d", rows, cols, r)
		}
		binary.LittleEndian.PutUint32(data[4*r:], uint32(len(data)-4*rows))
	}
	return &runLength{packed{RunLengthEncoded, rows, cols, data}}, nil
}

func (p *runLength) Unpack() []int8 { return unpackAll(p) }

func (p *runLength) UnpackRow(dst []int8, r int) {
	stream := p.data[4*p.rows:]
	unpackRuns(dst[:p.cols], stream[rowStart(p.data, r):rowEnd(p.data, r)])
}

func (p *runLength) Validate() error {
	return checkRowStreams(&p.packed, func(r int, src []byte) (int, string) {
		used, col, msg := checkRuns(src, p.cols, 0)
		if msg == "" && used < len(src) {
			return p.cols, fmt.Sprintf("%d bytes after the row's runs", len(src)-used)
		}
		return col, msg
	})
}

// checkRowStreams checks the uint32 end offsets that open RunLengthEncoded
// and Hybrid data, then each row's stream with check, which returns the
// column and description of a fault.
func checkRowStreams(p *packed, check func(r int, src []byte) (col int, msg string)) error {
	if len(p.data) < 4*p.rows {
		return fmt.Errorf("pack: %v %dx%d: %d bytes, want at least %d for the row offsets (truncated)", p.s, p.rows, p.cols, len(p.data), 4*p.rows)
	}
	stream := p.data[4*p.rows:]
	if end := rowEnd(p.data, p.rows-1); end != len(stream) {
		return fmt.Errorf("pack: %v %dx%d: rows end at byte %d of a %d-byte stream", p.s, p.rows, p.cols, end, len(stream))
	}
	for r := 0; r < p.rows; r++ {
		start, end := rowStart(p.data, r), rowEnd(p.data, r)
		if end < start || end > len(stream) {
			return fmt.Errorf("pack: %v: row %d spans bytes %d to %d of a %d-byte stream", p.s, r, start, end, len(stream))
		}
		if col, msg := check(r, stream[start:end]); msg != "" {
			return fmt.Errorf("pack: %v: %s at row %d col %d", p.s, msg, r, col)
		}
	}
	return nil
}
