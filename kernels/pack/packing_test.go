package pack

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestStrategyNames(t *testing.T) {
	want := []string{"Uncompressed", "BitPacked2Bit", "Base3Packed", "ByteAligned", "RunLengthEncoded", "CompressedSparse", "Hybrid"}
	var got []string
	for _, s := range Strategies() {
		got = append(got, s.String())
		for _, name := range []string{s.String(), strings.ToLower(s.String()), strings.ToUpper(s.String())} {
			if p, err := ParseStrategy(name); err != nil || p != s {
				t.Errorf("ParseStrategy(%q) = %v, %v; want %v", name, p, err, s)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("strategies %v, want %v", got, want)
	}
	if _, err := ParseStrategy("Base3"); err == nil || !strings.Contains(err.Error(), "Base3Packed") {
		t.Errorf("ParseStrategy(Base3) = %v, want an error listing the names", err)
	}
	if s := Strategy(7).String(); s != "Strategy(7)" {
		t.Errorf("Strategy(7) = %q", s)
	}
}

// TestRoundTrip packs every dataset in every shape with every strategy and
// checks Unpack, UnpackRow, sizes and Decode of the bytes.
func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, d := range datasets {
		for _, sh := range shapes {
			rows, cols := sh[0], sh[1]
			codes := d.gen(r, rows*cols, cols)
			for _, s := range Strategies() {
				p, err := Pack(s, codes, rows, cols)
				if err != nil {
					t.Fatalf("%s %v %dx%d: %v", d.name, s, rows, cols, err)
				}
				checkPacking(t, p, s, codes, rows, cols)
				checkDecode(t, p, codes)
			}
		}
	}
}

// TestPackCopies checks that packing does not keep the caller's codes.
func TestPackCopies(t *testing.T) {
	codes := []int8{1, 0, -1, 1, 1, 0}
	for _, s := range Strategies() {
		c := slices.Clone(codes)
		p, err := Pack(s, c, 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		clear(c)
		if got := p.Unpack(); !slices.Equal(got, codes) {
			t.Errorf("%v: Unpack after the input changed = %v, want %v", s, got, codes)
		}
	}
}

// TestSparseWideDeltas crosses the one-byte/wide delta boundary at 255
// and the uint16/uint32 width at 65536 columns.
func TestSparseWideDeltas(t *testing.T) {
	for _, cols := range []int{1 << 16, 1<<16 + 1, 70001} {
		codes := make([]int8, 2*cols)
		// Deltas: row 0: 0, 254, cols-255 (wide); row 1: 0, 255 (wide),
		// cols-256 (wide).
		codes[0], codes[254], codes[cols-1] = 1, -1, -1
		codes[cols], codes[cols+255], codes[2*cols-1] = -1, 1, 1
		p, err := Pack(CompressedSparse, codes, 2, cols)
		if err != nil {
			t.Fatal(err)
		}
		w := SparseWideBytes(cols)
		if want := 16 + 3 + 3*(1+w) + 1; p.SizeBytes() != want {
			t.Errorf("cols %d: %d bytes, want %d (wide deltas of %d bytes)", cols, p.SizeBytes(), want, w)
		}
		checkPacking(t, p, CompressedSparse, codes, 2, cols)
		checkDecode(t, p, codes)
	}
	if SparseWideBytes(1<<16) != 2 || SparseWideBytes(1<<16+1) != 4 {
		t.Errorf("wide widths %d, %d; want 2, 4", SparseWideBytes(1<<16), SparseWideBytes(1<<16+1))
	}
}

// TestTwoBitMatchesReference checks the block packer and the SWAR decoder
// against Pack2Bit and Unpack2BitRow.
func TestTwoBitMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, sh := range shapes {
		rows, cols := sh[0], sh[1]
		codes := sparseCodes(r, rows*cols, 0.3)
		ref, err := Pack2Bit(codes, rows, cols)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Pack(BitPacked2Bit, codes, rows, cols)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.Bytes(), ref.Data) {
			t.Fatalf("%dx%d: bytes differ from Pack2Bit", rows, cols)
		}
		want, got := make([]int8, cols), make([]int8, cols)
		for row := 0; row < rows; row++ {
			Unpack2BitRow(want, ref.Row(row))
			p.UnpackRow(got, row)
			if !slices.Equal(got, want) {
				t.Fatalf("%dx%d: row %d differs from Unpack2BitRow", rows, cols, row)
			}
		}
	}
}

// TestLayouts pins each format's bytes for small inputs, worked by hand.
func TestLayouts(t *testing.T) {
	le32 := func(v ...uint32) []byte {
		var b []byte
		for _, x := range v {
			b = append(b, byte(x), byte(x>>8), byte(x>>16), byte(x>>24))
		}
		return b
	}
	cat := func(parts ...[]byte) []byte { return slices.Concat(parts...) }
	long := func(c int8, n int) []int8 { return fill(n, func(int) int8 { return c }) }
	for _, tc := range []struct {
		name       string
		s          Strategy
		codes      []int8
		rows, cols int
		want       []byte
	}{
		{"uncompressed", Uncompressed, []int8{-1, 0, 1, 1}, 2, 2, []byte{0xff, 0, 1, 1}},
		// Digits c+1 = 2,1,0,2,2 → 2 + 3 + 0 + 54 + 162 = 221; then -1
		// and four padding zeros → 0 + 3 + 9 + 27 + 81 = 120.
		{"base3", Base3Packed, []int8{1, 0, -1, 1, 1, -1}, 1, 6, []byte{221, 120}},
		{"base3 rows", Base3Packed, []int8{1, 1, 1, -1, -1, -1}, 2, 3, []byte{121 + 1 + 3 + 9, 121 - 1 - 3 - 9}},
		// Row 0: 5 zeros (0x40|4), one +1 (0x80|0), 64 × -1 (0x00|63,
		// uvarint 0). Row 1: 70 zeros (0x40|63, uvarint 6).
		{"runs", RunLengthEncoded, slices.Concat(long(0, 5), long(1, 1), long(-1, 64), long(0, 70)), 2, 70,
			cat(le32(4, 6), []byte{0x44, 0x80, 0x3f, 0x00, 0x7f, 0x06})},
		// 300 × +1: 64 + 236, uvarint 236 = 0xec 0x01.
		{"runs long", RunLengthEncoded, long(1, 300), 1, 300, cat(le32(3), []byte{0xbf, 0xec, 0x01})},
		// Row 0 has +1 at col 2, -1 at 3, +1 at 9 (indexes 2, 1, 6);
		// row 1 is empty; signs 0b101.
		{"csr", CompressedSparse, []int8{0, 0, 1, -1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 2, 10,
			cat(le32(3, 3), le32(3, 3), []byte{2, 1, 6, 0b101})},
		// +1 at col 0, -1 at 299: a wide delta, 0xff then uint16 299.
		{"csr wide", CompressedSparse, slices.Concat([]int8{1}, make([]int8, 298), []int8{-1}), 1, 300,
			cat(le32(2), le32(4), []byte{0, 0xff, 0x2b, 0x01, 0b01})},
		// One 256-code all-zero block (sparse, count 0) and a 44-code
		// all-zero block, where sparse (1 byte) ties runs (1 byte) and
		// wins by tag order.
		{"hybrid zero", Hybrid, make([]int8, 300), 1, 300, cat(le32(4), []byte{2, 0, 2, 0})},
		// 5 codes with one +1: base-3 takes 1 byte, sparse 3, runs 3.
		{"hybrid base3", Hybrid, []int8{0, 0, 1, 0, 0}, 1, 5, cat(le32(2), []byte{1, 121 + 9})},
		// 3 dense codes: 2-bit and base-3 take 1 byte; 2-bit wins the tie.
		// Fields 10, 00, 10 and padding 01.
		{"hybrid 2-bit", Hybrid, []int8{1, -1, 1}, 1, 3, cat(le32(2), []byte{0, 0b01_10_00_10})},
		// 128 × +1 then 128 × -1: runs take 2 + 2 bytes.
		{"hybrid runs", Hybrid, slices.Concat(long(1, 128), long(-1, 128)), 1, 256, cat(le32(5), []byte{3, 0xbf, 64, 0x3f, 64})},
		// Two nonzeros in 256: count, positions 7 and 200, signs -1, +1.
		{"hybrid sparse", Hybrid, func() []int8 { c := make([]int8, 256); c[7], c[200] = -1, 1; return c }(), 1, 256,
			cat(le32(5), []byte{2, 2, 7, 200, 0b10})},
	} {
		p, err := Pack(tc.s, tc.codes, tc.rows, tc.cols)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !slices.Equal(p.Bytes(), tc.want) {
			t.Errorf("%s: bytes % x, want % x", tc.name, p.Bytes(), tc.want)
		}
		checkPacking(t, p, tc.s, tc.codes, tc.rows, tc.cols)
	}
}

// TestHybridChoice checks the per-block choice on blocks built to favour
// each form.
func TestHybridChoice(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	row := slices.Concat(
		make([]int8, 256),      // empty: sparse, 1 byte
		sparseCodes(r, 256, 0), // dense: base-3, 52 bytes
		fill(256, func(i int) int8 { return int8(i/128*2 - 1) }), // two runs: 4 bytes
		sparseCodes(r, 256, 0.95),                                // ~13 nonzeros: sparse, ~16 bytes
		[]int8{1, -1, 1},                                         // tail of 3: 2-bit ties base-3
	)
	p, err := Pack(Hybrid, row, 1, len(row))
	if err != nil {
		t.Fatal(err)
	}
	checkPacking(t, p, Hybrid, row, 1, len(row))
	got := p.(*hybrid).blockTags(0)
	if want := []string{"sparse", "base-3", "runs", "sparse", "2-bit"}; !slices.Equal(got, want) {
		t.Errorf("tags %v, want %v", got, want)
	}
	// Each block's form is one of the smallest for it.
	for i, tag := range got {
		blk := row[i*HybridBlock : min((i+1)*HybridBlock, len(row))]
		sizes, _ := hybridSizes(blk)
		if k := slices.Index(tagNames[:], tag); sizes[k] != slices.Min(sizes[:]) {
			t.Errorf("block %d: %s takes %d bytes; sizes %v", i, tag, sizes[k], sizes)
		}
	}
}

func TestBitsPerWeightExact(t *testing.T) {
	for _, tc := range []struct {
		s          Strategy
		rows, cols int
		want       float64
	}{
		{Base3Packed, 1, 5, 1.6}, {Base3Packed, 3, 5, 1.6}, {Base3Packed, 2, 2560, 1.6}, {Base3Packed, 7, 1000, 1.6},
		{Base3Packed, 1, 6915, 1.6},
		{Base3Packed, 1, 6, 8 * 2.0 / 6}, {Base3Packed, 2, 2561, 8 * 513.0 / 2561}, {Base3Packed, 3, 1, 8},
		{BitPacked2Bit, 1, 256, 2}, {BitPacked2Bit, 3, 512, 2}, {BitPacked2Bit, 2, 2560, 2}, {BitPacked2Bit, 1, 6912, 2},
		{BitPacked2Bit, 1, 257, 8 * 128.0 / 257},
		{ByteAligned, 1, 64, 8}, {ByteAligned, 3, 128, 8}, {ByteAligned, 2, 2560, 8},
		{ByteAligned, 1, 65, 8 * 128.0 / 65}, {ByteAligned, 2, 1, 8 * 64},
		{Uncompressed, 1, 1, 8}, {Uncompressed, 3, 7, 8}, {Uncompressed, 2, 2561, 8},
	} {
		r := rand.New(rand.NewPCG(uint64(tc.cols), 7))
		p, err := Pack(tc.s, sparseCodes(r, tc.rows*tc.cols, 0.5), tc.rows, tc.cols)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.BitsPerWeight(); got != tc.want {
			t.Errorf("%v %dx%d: BitsPerWeight = %v, want %v", tc.s, tc.rows, tc.cols, got, tc.want)
		}
	}
	// Data-dependent formats, for the inputs of TestLayouts: runs 14
	// bytes for 140 codes, CSR 20 for 20, Hybrid 8 for 300.
	for _, tc := range []struct {
		s          Strategy
		codes      []int8
		rows, cols int
		want       float64
	}{
		{RunLengthEncoded, slices.Concat(make([]int8, 5), []int8{1}, fill(64, func(int) int8 { return -1 }), make([]int8, 70)), 2, 70, 8 * 14.0 / 140},
		{CompressedSparse, []int8{0, 0, 1, -1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 2, 10, 8},
		{Hybrid, make([]int8, 300), 1, 300, 8 * 8.0 / 300},
		// All-zero rows of 2560: runs take 4 + 3 bytes a row (2560 = 64 +
		// 2496, a 2-byte uvarint), CSR 8, Hybrid 4 + 10×2.
		{RunLengthEncoded, make([]int8, 16*2560), 16, 2560, 8 * 7.0 / 2560},
		{CompressedSparse, make([]int8, 16*2560), 16, 2560, 8 * 8.0 / 2560},
		{Hybrid, make([]int8, 16*2560), 16, 2560, 8 * 24.0 / 2560},
	} {
		p, err := Pack(tc.s, tc.codes, tc.rows, tc.cols)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.BitsPerWeight(); got != tc.want {
			t.Errorf("%v %dx%d: BitsPerWeight = %v, want %v", tc.s, tc.rows, tc.cols, got, tc.want)
		}
	}
}

func TestPackInvalidCode(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	for _, s := range Strategies() {
		for _, bad := range []int8{2, -2, 127, -128} {
			for _, sh := range [][3]int{{1, 1, 0}, {1, 5, 4}, {3, 7, 6}, {3, 300, 257}, {4, 8, 0}, {5, 1, 0}} {
				rows, cols, col := sh[0], sh[1], sh[2]
				row := rows - 1
				codes := sparseCodes(r, rows*cols, 0.5)
				codes[row*cols+col] = bad
				if row*cols+col+1 < len(codes) {
					codes[len(codes)-1] = 3 // a later bad code is not the one named
				}
				want := fmt.Sprintf("code %d at row %d col %d", bad, row, col)
				p, err := Pack(s, codes, rows, cols)
				if err == nil || p != nil || !strings.Contains(err.Error(), want) {
					t.Errorf("%v %dx%d with %d at (%d,%d): %v, %v; want an error containing %q", s, rows, cols, bad, row, col, p, err, want)
				}
				if _, err := Select(codes, rows, cols, SelectOptions{}); err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Select %dx%d with %d at (%d,%d): %v; want an error containing %q", rows, cols, bad, row, col, err, want)
				}
			}
		}
	}
}

func TestPackShapeErrors(t *testing.T) {
	for _, s := range Strategies() {
		for _, tc := range []struct {
			n, rows, cols int
			want          string
		}{
			{0, 0, 4, "positive"}, {4, 4, 0, "positive"}, {4, -1, -4, "positive"},
			{5, 2, 2, "5 codes"}, {3, 2, 2, "3 codes"},
			{1, 1 << 25, 1 << 25, "too large"},
		} {
			if p, err := Pack(s, make([]int8, tc.n), tc.rows, tc.cols); err == nil || p != nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v: Pack(len %d, %dx%d) = %v, %v; want an error containing %q", s, tc.n, tc.rows, tc.cols, p, err, tc.want)
			}
			if tc.want != "positive" && tc.want != "too large" {
				continue
			}
			if p, err := Decode(s, nil, tc.rows, tc.cols); err == nil || p != nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v: Decode(%dx%d) = %v, %v; want an error containing %q", s, tc.rows, tc.cols, p, err, tc.want)
			}
		}
	}
	for _, s := range []Strategy{-1, 7} {
		if _, err := Pack(s, []int8{0}, 1, 1); err == nil || !strings.Contains(err.Error(), "unknown strategy") {
			t.Errorf("Pack(%v): %v", s, err)
		}
		if _, err := Decode(s, []byte{0}, 1, 1); err == nil || !strings.Contains(err.Error(), "unknown strategy") {
			t.Errorf("Decode(%v): %v", s, err)
		}
	}
}

func TestStats(t *testing.T) {
	s := Stats([]int8{0, 0, 0, 1, 1, -1, 0, 0, 5, 0})
	want := CodeStats{Codes: 10, Neg: 1, Zero: 6, Pos: 2, Invalid: 1, Sparsity: 0.6, MeanRun: 10.0 / 6, MeanZeroRun: 2}
	if s != want {
		t.Errorf("Stats = %+v, want %+v", s, want)
	}
	if got := s.String(); !strings.Contains(got, "60.0% zeros") || !strings.Contains(got, "1 invalid") {
		t.Errorf("String() = %q", got)
	}
	if s := Stats(nil); s != (CodeStats{}) {
		t.Errorf("Stats(nil) = %+v", s)
	}
	if s := Stats([]int8{1, 1, 1, 1}); s.MeanRun != 4 || s.MeanZeroRun != 0 || s.Sparsity != 0 || s.Pos != 4 {
		t.Errorf("Stats(all +1) = %+v", s)
	}
}
