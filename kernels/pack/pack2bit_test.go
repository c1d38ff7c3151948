package pack

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func randomCodes(r *rand.Rand, n int) []int8 {
	c := make([]int8, n)
	for i := range c {
		c[i] = int8(r.IntN(3)) - 1
	}
	return c
}

// checkPacked verifies the layout of p against codes bit by bit, padding
// included, without using the package's decoder.
func checkPacked(t *testing.T, p *Packed2Bit, codes []int8, rows, cols int) {
	t.Helper()
	stride := (cols + 255) / 256 * 64
	if p.Rows != rows || p.Cols != cols || p.Stride != stride || len(p.Data) != rows*stride {
		t.Fatalf("packed %dx%d stride %d len %d, want %dx%d stride %d len %d",
			p.Rows, p.Cols, p.Stride, len(p.Data), rows, cols, stride, rows*stride)
	}
	for r := 0; r < rows; r++ {
		for k := 0; k < 4*stride; k++ {
			// Block k/256 starts at byte 64·(k/256); within it, code i sits
			// in byte i%64 at bits 2·(i/64).
			i := k % 256
			field := p.Data[r*stride+64*(k/256)+i%64] >> (2 * (i / 64)) & 3
			want := byte(0b01) // padding: code 0
			if k < cols {
				want = byte(codes[r*cols+k] + 1)
			}
			if field != want {
				t.Fatalf("%dx%d: row %d code %d: field %02b, want %02b", rows, cols, r, k, field, want)
			}
		}
	}
}

func TestPack2BitLayout(t *testing.T) {
	// -1→00, 0→01, +1→10; code i of a 256-code block in byte i%64 at bits
	// 2·(i/64); padding 01.
	codes := make([]int8, 300)
	codes[0], codes[1], codes[64], codes[128], codes[192], codes[193], codes[256], codes[299] = -1, 1, -1, 1, 1, -1, 1, -1
	p, err := Pack2Bit(codes, 1, 300)
	if err != nil {
		t.Fatal(err)
	}
	if p.Stride != 128 || len(p.Data) != 128 {
		t.Fatalf("stride %d, %d bytes; want two 64-byte blocks", p.Stride, len(p.Data))
	}
	want := make([]byte, 128)
	for i := range want {
		want[i] = 0b01_01_01_01
	}
	want[0] = 0b10_10_00_00     // codes 0 (-1), 64 (-1), 128 (+1), 192 (+1)
	want[1] = 0b00_01_01_10     // codes 1 (+1), 65, 129 (0), 193 (-1)
	want[64] = 0b01_01_01_10    // code 256 (+1) opens the second block
	want[64+43] = 0b01_01_01_00 // code 299 (-1): block offset 43, bits 0-1
	if !slices.Equal(p.Data, want) {
		t.Errorf("data = %08b\nwant %08b", p.Data, want)
	}
	// Every row starts on a block boundary.
	p, err = Pack2Bit([]int8{1, 1, -1, 0}, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if p.Stride != 64 || p.Data[0] != 0b01_01_01_10 || p.Data[1] != 0b01_01_01_10 || p.Data[64] != 0b01_01_01_00 || p.Data[65] != 0b01_01_01_01 {
		t.Errorf("2x2: stride %d, row starts %08b %08b", p.Stride, p.Data[:2], p.Data[64:66])
	}
}

func TestPack2BitRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	shapes := [][2]int{{1, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 5}, {1, 1000}, {1, 1023}, {7, 1}, {300, 1},
		{2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 7}, {8, 63}, {8, 64}, {8, 65}, {3, 2561}, {2, 6912}}
	for i := 0; i < 40; i++ {
		shapes = append(shapes, [2]int{1 + r.IntN(12), 1 + r.IntN(100)})
	}
	for _, s := range shapes {
		rows, cols := s[0], s[1]
		codes := randomCodes(r, rows*cols)
		p, err := Pack2Bit(codes, rows, cols)
		if err != nil {
			t.Fatalf("%dx%d: %v", rows, cols, err)
		}
		checkPacked(t, p, codes, rows, cols)
		if err := p.Validate(); err != nil {
			t.Errorf("%dx%d: Validate: %v", rows, cols, err)
		}
		if got := p.Unpack(); !slices.Equal(got, codes) {
			t.Fatalf("%dx%d: Unpack differs from the packed codes", rows, cols)
		}
		// Row by row, and a prefix of a row.
		dst := make([]int8, cols)
		for row := 0; row < rows; row++ {
			Unpack2BitRow(dst, p.Row(row))
			if !slices.Equal(dst, codes[row*cols:(row+1)*cols]) {
				t.Fatalf("%dx%d: Unpack2BitRow(%d) = %v, want %v", rows, cols, row, dst, codes[row*cols:(row+1)*cols])
			}
			n := r.IntN(cols + 1)
			Unpack2BitRow(dst[:n], p.Row(row))
			if !slices.Equal(dst[:n], codes[row*cols:row*cols+n]) {
				t.Fatalf("%dx%d: prefix of %d of row %d differs", rows, cols, n, row)
			}
		}
		// Pack2BitInto into a larger, dirty buffer writes exactly the same
		// bytes and leaves the rest alone.
		buf := make([]byte, len(p.Data)+3)
		for i := range buf {
			buf[i] = 0xff
		}
		if err := Pack2BitInto(buf, codes, rows, cols); err != nil {
			t.Fatalf("%dx%d: Pack2BitInto: %v", rows, cols, err)
		}
		if !slices.Equal(buf[:len(p.Data)], p.Data) || !slices.Equal(buf[len(p.Data):], []byte{0xff, 0xff, 0xff}) {
			t.Fatalf("%dx%d: Pack2BitInto wrote %x, want %x then ff ff ff", rows, cols, buf, p.Data)
		}
	}
}

func TestPack2BitExhaustiveByte(t *testing.T) {
	// Every valid combination of the four codes that share a byte (i, i+64,
	// i+128, i+192) maps to its own byte and back.
	seen := map[byte]bool{}
	for i := 0; i < 81; i++ {
		c := make([]int8, 256)
		c[5], c[69], c[133], c[197] = int8(i%3)-1, int8(i/3%3)-1, int8(i/9%3)-1, int8(i/27%3)-1
		p, err := Pack2Bit(c, 1, 256)
		if err != nil {
			t.Fatal(err)
		}
		b := p.Data[5]
		if seen[b] {
			t.Fatalf("codes %v pack to byte %#x already used", []int8{c[5], c[69], c[133], c[197]}, b)
		}
		seen[b] = true
		if got := p.Unpack(); !slices.Equal(got, c) {
			t.Fatalf("byte %#x does not unpack to its codes", b)
		}
	}
}

func TestBitsPerWeight(t *testing.T) {
	for _, s := range [][2]int{{1, 256}, {3, 512}, {16, 2560}, {5, 6912}} {
		p, err := Pack2Bit(make([]int8, s[0]*s[1]), s[0], s[1])
		if err != nil {
			t.Fatal(err)
		}
		if got := p.BitsPerWeight(); got != 2 {
			t.Errorf("%dx%d: BitsPerWeight = %v, want 2", s[0], s[1], got)
		}
	}
	// Padding counts: a row is padded to whole 256-code blocks.
	for _, tc := range []struct {
		rows, cols int
		want       float64
	}{{1, 128, 4}, {2, 1, 512}, {3, 257, 128.0 * 8 / 257}, {1, 2560 + 64, 2 * 2816.0 / 2624}} {
		p, err := Pack2Bit(make([]int8, tc.rows*tc.cols), tc.rows, tc.cols)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.BitsPerWeight(); got != tc.want {
			t.Errorf("%dx%d: BitsPerWeight = %v, want %v", tc.rows, tc.cols, got, tc.want)
		}
	}
}

func TestStride2Bit(t *testing.T) {
	for cols, want := range map[int]int{1: 64, 3: 64, 256: 64, 257: 128, 512: 128, 2560: 640, 6912: 1728, 6913: 1792} {
		if got := Stride2Bit(cols); got != want {
			t.Errorf("Stride2Bit(%d) = %d, want %d", cols, got, want)
		}
	}
}

func TestLocate2Bit(t *testing.T) {
	for k, want := range map[int][2]int{0: {0, 0}, 63: {63, 0}, 64: {0, 2}, 130: {2, 4}, 255: {63, 6}, 256: {64, 0}, 6911: {1728 - 1, 6}} {
		off, shift := Locate2Bit(k)
		if off != want[0] || int(shift) != want[1] {
			t.Errorf("Locate2Bit(%d) = %d, %d; want %d, %d", k, off, shift, want[0], want[1])
		}
	}
}

func TestPack2BitInvalidCode(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, bad := range []int8{2, -2, 127, -128, 3, 64} {
		for _, s := range [][3]int{{1, 1, 0}, {1, 5, 4}, {3, 7, 6}, {3, 7, 2}, {4, 8, 7}, {2, 9, 8}, {5, 1, 0}} {
			rows, cols := s[0], s[1]
			row, col := rows-1, s[2]
			codes := randomCodes(r, rows*cols)
			codes[row*cols+col] = bad
			// A later invalid code must not be the one reported.
			if row*cols+col+1 < len(codes) {
				codes[len(codes)-1] = 5
			}
			want := fmt.Sprintf("code %d at row %d col %d", bad, row, col)
			_, err := Pack2Bit(codes, rows, cols)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%dx%d with %d at (%d,%d): error %v, want one containing %q", rows, cols, bad, row, col, err, want)
			}
			err = Pack2BitInto(make([]byte, rows*Stride2Bit(cols)), codes, rows, cols)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Pack2BitInto %dx%d with %d at (%d,%d): error %v, want one containing %q", rows, cols, bad, row, col, err, want)
			}
		}
	}
}

func TestPack2BitShapeErrors(t *testing.T) {
	for _, tc := range []struct {
		n, rows, cols int
		want          string
	}{
		{0, 0, 4, "positive"},
		{4, 4, 0, "positive"},
		{4, -1, -4, "positive"},
		{5, 2, 2, "5 codes"},
		{3, 2, 2, "3 codes"},
	} {
		p, err := Pack2Bit(make([]int8, tc.n), tc.rows, tc.cols)
		if err == nil || p != nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Pack2Bit(len %d, %dx%d) = %v, %v; want an error containing %q", tc.n, tc.rows, tc.cols, p, err, tc.want)
		}
	}
	// Pack2BitInto: short destination or short codes.
	if err := Pack2BitInto(make([]byte, 127), make([]int8, 10), 2, 5); err == nil || !strings.Contains(err.Error(), "needs 128 bytes") {
		t.Errorf("short dst: %v", err)
	}
	if err := Pack2BitInto(make([]byte, 128), make([]int8, 9), 2, 5); err == nil || !strings.Contains(err.Error(), "10 codes") {
		t.Errorf("short codes: %v", err)
	}
}

func TestValidate(t *testing.T) {
	good := func() *Packed2Bit {
		p, err := Pack2Bit([]int8{1, 0, -1, 1, 0, -1, 0, 0, 1, 1}, 2, 5)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("valid matrix: %v", err)
	}
	// 0b11 in every field position of bytes of both rows is caught, naming
	// the row (each row is one 64-byte block).
	for _, i := range []int{0, 1, 63, 64, 65, 127} {
		for shift := 0; shift < 8; shift += 2 {
			p := good()
			p.Data[i] |= 3 << shift
			err := p.Validate()
			want := fmt.Sprintf("byte %d (row %d)", i, i/64)
			if err == nil || !strings.Contains(err.Error(), "0b11") || !strings.Contains(err.Error(), want) {
				t.Errorf("0b11 at byte %d bits %d: Validate = %v, want an error containing 0b11 and %q", i, shift, err, want)
			}
		}
	}
	for name, mutate := range map[string]func(p *Packed2Bit){
		"rows 0":       func(p *Packed2Bit) { p.Rows = 0 },
		"cols 0":       func(p *Packed2Bit) { p.Cols = 0 },
		"rows < 0":     func(p *Packed2Bit) { p.Rows = -2 },
		"stride big":   func(p *Packed2Bit) { p.Stride = 128 },
		"stride small": func(p *Packed2Bit) { p.Stride = 1 },
		"cols > 4·stride": func(p *Packed2Bit) {
			p.Cols = 257
		},
		"data short": func(p *Packed2Bit) { p.Data = p.Data[:127] },
		"data long":  func(p *Packed2Bit) { p.Data = append(p.Data, 0x55) },
		"data nil":   func(p *Packed2Bit) { p.Data = nil },
	} {
		p := good()
		mutate(p)
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "inconsistent") {
			t.Errorf("%s: Validate = %v, want an inconsistent-shape error", name, err)
		}
	}
}

// FuzzPack2BitRoundTrip turns bytes into a shape and codes. Pack2Bit must
// never panic; valid codes must round trip with 0b01 padding, and an invalid
// code must be reported at its first position. The bytes are also read as a
// packed matrix, which Validate and Unpack must handle.
func FuzzPack2BitRoundTrip(f *testing.F) {
	f.Add([]byte{0, 0, 0})
	f.Add([]byte{3, 4, 1, 0, 1, 2, 0, 1, 2, 2, 2, 1, 0, 0, 1})
	f.Add([]byte{1, 6, 0x80, 0, 1, 2, 0xfe, 0, 1, 2, 0x7f, 2, 0})
	f.Add([]byte{7, 200, 0, 0xff, 0x55, 0xaa, 0x12, 0x34})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 3 {
			return
		}
		rows, cols, mode := 1+int(data[0]%8), 1+int(data[1]), data[2]
		body := data[3:]
		n := rows * cols
		codes := make([]int8, n)
		firstBad := -1
		for i := range codes {
			var b byte
			if len(body) > 0 {
				b = body[i%len(body)]
			}
			if mode&1 == 0 { // valid codes only
				codes[i] = int8(b%3) - 1
			} else { // raw bytes: invalid codes likely
				codes[i] = int8(b)
				if firstBad < 0 && (codes[i] < -1 || codes[i] > 1) {
					firstBad = i
				}
			}
		}
		p, err := Pack2Bit(codes, rows, cols)
		if firstBad >= 0 {
			want := fmt.Sprintf("code %d at row %d col %d", codes[firstBad], firstBad/cols, firstBad%cols)
			if err == nil || p != nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("%dx%d: Pack2Bit = %v, %v; want an error containing %q", rows, cols, p, err, want)
			}
		} else {
			if err != nil {
				t.Fatalf("%dx%d: %v", rows, cols, err)
			}
			checkPacked(t, p, codes, rows, cols)
			if err := p.Validate(); err != nil {
				t.Fatalf("%dx%d: Validate: %v", rows, cols, err)
			}
			if got := p.Unpack(); !slices.Equal(got, codes) {
				t.Fatalf("%dx%d: round trip differs", rows, cols)
			}
		}

		// The raw bytes as a packed matrix.
		q := &Packed2Bit{Rows: rows, Cols: cols, Stride: Stride2Bit(cols), Data: body}
		verr := q.Validate()
		if len(body) != rows*q.Stride {
			if verr == nil {
				t.Fatalf("Validate accepted %d bytes for %dx%d", len(body), rows, cols)
			}
			return
		}
		has11 := false
		for _, b := range body {
			for s := 0; s < 8; s += 2 {
				has11 = has11 || b>>s&3 == 3
			}
		}
		if (verr != nil) != has11 {
			t.Fatalf("Validate = %v with 0b11 present = %v", verr, has11)
		}
		if verr != nil {
			return
		}
		// Valid data: unpacking then packing reproduces every code field.
		back, err := Pack2Bit(q.Unpack(), rows, cols)
		if err != nil {
			t.Fatalf("repacking a valid matrix: %v", err)
		}
		for r := 0; r < rows; r++ {
			for k := 0; k < cols; k++ {
				off, shift := Locate2Bit(k)
				i := r*q.Stride + off
				if (back.Data[i]^q.Data[i])>>shift&3 != 0 {
					t.Fatalf("repacked (%d,%d) differs: %08b vs %08b", r, k, back.Data[i], q.Data[i])
				}
			}
		}
	})
}
