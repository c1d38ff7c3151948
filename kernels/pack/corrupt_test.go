package pack

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// decodeChecked decodes data and, when it is accepted, checks that it
// describes a valid matrix: codes in {-1, 0, 1}, UnpackRow agreeing with
// Unpack, and (for every format but Hybrid, whose block choice is the
// encoder's) the canonical encoding of those codes, byte for byte. A
// Hybrid encoding can be no smaller than Pack's, which picks the smallest
// form of each block.
func decodeChecked(t *testing.T, s Strategy, data []byte, rows, cols int) error {
	t.Helper()
	p, err := Decode(s, data, rows, cols)
	if err != nil {
		if p != nil {
			t.Fatalf("%v: Decode returned a Packing with error %v", s, err)
		}
		return err
	}
	codes := p.Unpack()
	if st := Stats(codes); st.Invalid > 0 {
		t.Fatalf("%v %dx%d: accepted % x, which decodes to %d invalid codes", s, rows, cols, data, st.Invalid)
	}
	row := make([]int8, cols)
	for r := 0; r < rows; r++ {
		p.UnpackRow(row, r)
		if !slices.Equal(row, codes[r*cols:(r+1)*cols]) {
			t.Fatalf("%v %dx%d: UnpackRow(%d) disagrees with Unpack", s, rows, cols, r)
		}
	}
	q, err := Pack(s, codes, rows, cols)
	if err != nil {
		t.Fatalf("%v %dx%d: repacking accepted data: %v", s, rows, cols, err)
	}
	switch {
	case s == Hybrid && q.SizeBytes() > len(data):
		t.Fatalf("Hybrid %dx%d: Pack takes %d bytes for codes that % x holds in %d", rows, cols, q.SizeBytes(), data, len(data))
	case s != Hybrid && !slices.Equal(q.Bytes(), p.Bytes()):
		t.Fatalf("%v %dx%d: accepted % x, but those codes pack to % x", s, rows, cols, data, q.Bytes())
	}
	return nil
}

// TestDecodeMutations truncates, extends and changes every byte of valid
// encodings: truncated or extended data is always rejected, and any change
// is rejected or decodes to a valid matrix, never a panic.
func TestDecodeMutations(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	inputs := []struct {
		rows, cols int
		codes      []int8
	}{
		{1, 1, []int8{1}},
		{2, 7, sparseCodes(r, 14, 0.3)},
		{3, 70, sparseCodes(r, 210, 0.9)},
		{1, 300, sparseCodes(r, 300, 0.97)},
		{2, 260, fill(520, func(i int) int8 { return int8(i/100%3) - 1 })},
		{1, 513, sparseCodes(r, 513, 0)},
	}
	for _, in := range inputs {
		for _, s := range Strategies() {
			p, err := Pack(s, in.codes, in.rows, in.cols)
			if err != nil {
				t.Fatal(err)
			}
			good := p.Bytes()
			for n := 0; n < len(good); n++ {
				if err := decodeChecked(t, s, slices.Clone(good[:n]), in.rows, in.cols); err == nil {
					t.Errorf("%v %dx%d: %d of %d bytes accepted", s, in.rows, in.cols, n, len(good))
				}
			}
			for _, extra := range []byte{0, 1, 0x55, 0xff} {
				if err := decodeChecked(t, s, append(slices.Clone(good), extra), in.rows, in.cols); err == nil {
					t.Errorf("%v %dx%d: a trailing byte %#x accepted", s, in.rows, in.cols, extra)
				}
			}
			for i := range good {
				for _, f := range []func(byte) byte{
					func(b byte) byte { return b ^ 1 }, func(b byte) byte { return b ^ 0x80 },
					func(b byte) byte { return b + 1 }, func(b byte) byte { return b - 1 },
					func(byte) byte { return 0 }, func(byte) byte { return 0xff }, func(byte) byte { return 243 },
				} {
					data := slices.Clone(good)
					data[i] = f(data[i])
					decodeChecked(t, s, data, in.rows, in.cols)
				}
			}
		}
	}
}

// TestDecodeErrors feeds hand-made corruptions to each decoder and checks
// the error names the fault and where it is.
func TestDecodeErrors(t *testing.T) {
	le32 := func(v ...uint32) []byte {
		var b []byte
		for _, x := range v {
			b = append(b, byte(x), byte(x>>8), byte(x>>16), byte(x>>24))
		}
		return b
	}
	cat := func(parts ...[]byte) []byte { return slices.Concat(parts...) }
	pad2 := func(b ...byte) []byte { // a 64-byte 2-bit block, zero padded
		out := make([]byte, 64)
		for i := range out {
			out[i] = 0x55
		}
		copy(out, b)
		return out
	}
	for _, tc := range []struct {
		name       string
		s          Strategy
		rows, cols int
		data       []byte
		want       []string
	}{
		{"uncompressed bad byte", Uncompressed, 2, 3, []byte{0, 1, 0xff, 0, 2, 0}, []string{"0x02", "row 1 col 1"}},
		{"uncompressed short", Uncompressed, 2, 3, []byte{0, 1, 0xff, 0, 0}, []string{"5 bytes, want 6"}},

		{"2-bit 0b11", BitPacked2Bit, 1, 4, pad2(0b01_01_11_01), []string{"0b11", "row 0"}},
		{"2-bit padding", BitPacked2Bit, 1, 4, pad2(0x55, 0x55, 0x55, 0x55, 0x56), []string{"padding code 1 at row 0 col 4"}},
		{"2-bit padding high", BitPacked2Bit, 1, 70, pad2(0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x51), []string{"padding code -1 at row 0 col 70"}},
		{"2-bit short", BitPacked2Bit, 1, 4, make([]byte, 63), []string{"inconsistent"}},

		{"base3 243", Base3Packed, 2, 10, []byte{121, 121, 121, 243}, []string{"byte 243 ≥ 243", "row 1 col 5"}},
		{"base3 255", Base3Packed, 1, 10, []byte{255, 121}, []string{"byte 255 ≥ 243", "row 0 col 0"}},
		{"base3 padding", Base3Packed, 1, 7, []byte{121, 121 + 9}, []string{"padding code 1", "row 0 col 7"}},
		{"base3 padding top", Base3Packed, 1, 6, []byte{121, 121 - 81}, []string{"padding code -1", "row 0 col 9"}},
		{"base3 long", Base3Packed, 1, 5, []byte{121, 121}, []string{"2 bytes, want 1"}},

		{"aligned bad byte", ByteAligned, 1, 3, slices.Concat([]byte{0, 3}, make([]byte, 62)), []string{"0x03", "row 0 col 1"}},
		{"aligned padding", ByteAligned, 2, 3, slices.Concat(make([]byte, 64), []byte{0, 0, 0, 1}, make([]byte, 60)), []string{"padding", "row 1 col 3"}},
		{"aligned short", ByteAligned, 2, 3, make([]byte, 127), []string{"127 bytes, want 128"}},

		{"runs bad tag", RunLengthEncoded, 1, 10, cat(le32(2), []byte{0x44, 0xc4}), []string{"bad run tag", "row 0 col 5"}},
		{"runs past the row end", RunLengthEncoded, 2, 10, cat(le32(1, 3), []byte{0x49, 0x44, 0x85}), []string{"run of 6 passes the end", "row 1 col 5"}},
		{"runs long past the end", RunLengthEncoded, 1, 100, cat(le32(2), []byte{0x7f, 40}), []string{"run of 104 passes the end", "row 0 col 0"}},
		{"runs short row", RunLengthEncoded, 1, 10, cat(le32(2), []byte{0x44, 0x83}), []string{"runs end after 9 of 10 codes", "row 0 col 9"}},
		{"runs repeat", RunLengthEncoded, 1, 10, cat(le32(2), []byte{0x44, 0x44}), []string{"repeats", "row 0 col 5"}},
		{"runs non-minimal", RunLengthEncoded, 1, 64, cat(le32(3), []byte{0x7f, 0x80, 0x00}), []string{"not minimally encoded", "row 0 col 0"}},
		{"runs truncated uvarint", RunLengthEncoded, 1, 300, cat(le32(2), []byte{0x7f, 0x80}), []string{"run length truncated"}},
		{"runs overflow", RunLengthEncoded, 1, 300, cat(le32(12), []byte{0x7f}, slices.Repeat([]byte{0xff}, 10), []byte{1}), []string{"overflows"}},
		{"runs row offsets decrease", RunLengthEncoded, 3, 5, cat(le32(1, 0, 3), []byte{0x44, 0x84, 0x04}), []string{"row 1 spans bytes 1 to 0"}},
		{"runs trailing stream", RunLengthEncoded, 1, 5, cat(le32(1), []byte{0x44, 0x44}), []string{"rows end at byte 1 of a 2-byte stream"}},
		{"runs bytes after a row", RunLengthEncoded, 2, 5, cat(le32(2, 3), []byte{0x44, 0x84, 0x44}), []string{"1 bytes after the row's runs", "row 0"}},
		{"runs no offsets", RunLengthEncoded, 2, 5, le32(0), []string{"truncated"}},

		{"csr first index out of range", CompressedSparse, 1, 10, cat(le32(1), le32(1), []byte{10, 1}), []string{"column index 10 out of range at row 0"}},
		{"csr delta out of range", CompressedSparse, 2, 10, cat(le32(0, 2), le32(0, 2), []byte{5, 5, 0}), []string{"column index 10 out of range at row 1"}},
		{"csr wide out of range", CompressedSparse, 1, 300, cat(le32(1), le32(3), []byte{0xff, 0x2c, 0x01, 1}), []string{"column index 300 out of range at row 0"}},
		{"csr not increasing", CompressedSparse, 1, 10, cat(le32(2), le32(2), []byte{3, 0, 1}), []string{"not increasing at row 0 col 3"}},
		{"csr counts decrease", CompressedSparse, 2, 10, cat(le32(2, 1), le32(2, 2), []byte{3, 1, 1}), []string{"row 1 has -1 nonzeros"}},
		{"csr row overfull", CompressedSparse, 1, 2, cat(le32(3), le32(3), []byte{0, 1, 1, 0}), []string{"row 0 has 3 nonzeros in 2 cols"}},
		{"csr index bytes decrease", CompressedSparse, 2, 10, cat(le32(1, 2), le32(1, 0), []byte{3, 1}), []string{"row 1's indexes end at byte 0, before they start at 1"}},
		{"csr truncated", CompressedSparse, 1, 10, cat(le32(2), le32(2), []byte{3, 1}), []string{"10 bytes, want 11 for 2 nonzeros in 2 index bytes"}},
		{"csr indexes end early", CompressedSparse, 1, 10, cat(le32(2), le32(1), []byte{3, 1}), []string{"row 0's indexes end after 1 of 2 nonzeros"}},
		{"csr bytes after a row", CompressedSparse, 1, 10, cat(le32(1), le32(2), []byte{3, 4, 1}), []string{"1 index bytes after row 0's 1 nonzeros"}},
		{"csr needlessly wide", CompressedSparse, 1, 300, cat(le32(1), le32(3), []byte{0xff, 5, 0, 1}), []string{"delta 5 needlessly wide at row 0 col 0"}},
		{"csr wide truncated", CompressedSparse, 1, 300, cat(le32(1), le32(2), []byte{0xff, 5, 1}), []string{"wide index truncated at row 0 col 0"}},
		{"csr sign padding", CompressedSparse, 1, 10, cat(le32(1), le32(1), []byte{3, 0b11}), []string{"unused sign bits"}},
		{"csr no tables", CompressedSparse, 2, 10, make([]byte, 15), []string{"truncated"}},

		{"hybrid bad tag", Hybrid, 1, 300, cat(le32(4), []byte{2, 0, 4, 0}), []string{"bad block tag 4", "row 0 col 256"}},
		{"hybrid tag 0xff", Hybrid, 1, 10, cat(le32(2), []byte{0xff, 0}), []string{"bad block tag 255", "row 0 col 0"}},
		{"hybrid missing block", Hybrid, 1, 300, cat(le32(2), []byte{2, 0}), []string{"block tag missing", "row 0 col 256"}},
		{"hybrid truncated block", Hybrid, 1, 10, cat(le32(2), []byte{1, 121}), []string{"base-3 block needs 2 bytes, 1 left", "row 0 col 0"}},
		{"hybrid run past the block", Hybrid, 1, 300, cat(le32(5), []byte{2, 0, 3, 0x7f, 0}), []string{"run of 64 passes the end at col 300", "row 0 col 256"}},
		{"hybrid runs short", Hybrid, 1, 10, cat(le32(2), []byte{3, 0x48}), []string{"runs end after 9 of 10", "row 0 col 9"}},
		{"hybrid sparse out of range", Hybrid, 1, 10, cat(le32(4), []byte{2, 1, 10, 0}), []string{"sparse position 10 out of range", "row 0 col 10"}},
		{"hybrid sparse not increasing", Hybrid, 1, 10, cat(le32(5), []byte{2, 2, 4, 4, 0}), []string{"sparse position 4 not increasing", "row 0 col 4"}},
		{"hybrid sparse sign padding", Hybrid, 1, 10, cat(le32(4), []byte{2, 1, 4, 0x80}), []string{"unused sign bits"}},
		{"hybrid base3 243", Hybrid, 1, 10, cat(le32(3), []byte{1, 121, 243}), []string{"byte 243 ≥ 243", "row 0 col 5"}},
		{"hybrid 2-bit 0b11", Hybrid, 1, 3, cat(le32(2), []byte{0, 0b01_11_01_01}), []string{"2-bit code 0b11", "row 0 col 2"}},
		{"hybrid 2-bit padding", Hybrid, 1, 3, cat(le32(2), []byte{0, 0b10_01_01_01}), []string{"2-bit padding code 1", "row 0 col 3"}},
		{"hybrid bytes after the row", Hybrid, 1, 5, cat(le32(3), []byte{1, 121, 0}), []string{"1 bytes after the row's blocks"}},
		{"hybrid offsets past the end", Hybrid, 2, 5, cat(le32(9, 2), []byte{1, 121}), []string{"row 0 spans bytes 0 to 9"}},
	} {
		err := decodeChecked(t, tc.s, tc.data, tc.rows, tc.cols)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q, want it to contain %q", tc.name, err, w)
			}
		}
	}
}
