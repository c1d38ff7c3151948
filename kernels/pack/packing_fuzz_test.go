package pack

import (
	"math/rand/v2"
	"testing"
)

// fuzzCodes turns fuzz bytes into a shape and codes. Header: rows, two
// bytes of cols (up to 700, so rows span several 256-code blocks), and a
// mode; the body then gives dense codes, sparse codes or runs.
func fuzzCodes(data []byte) (codes []int8, rows, cols int, ok bool) {
	if len(data) < 4 {
		return nil, 0, 0, false
	}
	rows = 1 + int(data[0]%6)
	cols = 1 + (int(data[1])|int(data[2])<<8)%700
	mode, body := data[3]%3, data[4:]
	codes = make([]int8, rows*cols)
	if len(body) == 0 {
		return codes, rows, cols, true
	}
	switch mode {
	case 0: // dense
		for i := range codes {
			codes[i] = int8(body[i%len(body)]%3) - 1
		}
	case 1: // sparse: a byte below 16 is ±1
		for i := range codes {
			if b := body[i%len(body)]; b < 16 {
				codes[i] = int8(b&1)*2 - 1
			}
		}
	default: // runs: a byte is a code (b%3) and a length (1 + b/3)
		for i, j := 0, 0; i < len(codes); j++ {
			b := body[j%len(body)]
			for k := 0; k <= int(b/3) && i < len(codes); k, i = k+1, i+1 {
				codes[i] = int8(b%3) - 1
			}
		}
	}
	return codes, rows, cols, true
}

// FuzzPackingsRoundTrip packs fuzzed matrices with every strategy: each
// must round trip through Unpack, UnpackRow and Decode of its bytes, with
// exact sizes.
func FuzzPackingsRoundTrip(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{2, 4, 0, 0, 1, 2, 0, 1, 2, 2})
	f.Add([]byte{1, 0xff, 1, 1, 0, 9, 200, 3, 17, 250})
	f.Add([]byte{5, 0x2c, 1, 2, 255, 254, 3, 4, 5})
	f.Add([]byte{3, 0, 1, 2, 190, 2, 191, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		codes, rows, cols, ok := fuzzCodes(data)
		if !ok {
			return
		}
		for _, s := range Strategies() {
			p, err := Pack(s, codes, rows, cols)
			if err != nil {
				t.Fatalf("%v %dx%d: %v", s, rows, cols, err)
			}
			checkPacking(t, p, s, codes, rows, cols)
			checkDecode(t, p, codes)
		}
	})
}

// FuzzDecodeCorrupt feeds arbitrary bytes to every decoder. Header:
// strategy, rows, cols (up to 512). Decode must never panic, and what it
// accepts must be a valid matrix (see decodeChecked). The seeds are valid
// encodings, for the fuzzer to corrupt.
func FuzzDecodeCorrupt(f *testing.F) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, s := range Strategies() {
		for _, in := range []struct {
			rows, cols int
			sparsity   float64
		}{{1, 1, 0}, {2, 7, 0.5}, {3, 70, 0.95}, {1, 300, 0.99}, {2, 511, 0.3}} {
			codes := sparseCodes(r, in.rows*in.cols, in.sparsity)
			p, err := Pack(s, codes, in.rows, in.cols)
			if err != nil {
				f.Fatal(err)
			}
			hdr := []byte{byte(s), byte(in.rows - 1), byte(in.cols - 1), byte((in.cols - 1) >> 8)}
			f.Add(append(hdr, p.Bytes()...))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 {
			return
		}
		s := Strategy(data[0] % byte(numStrategies))
		rows := 1 + int(data[1]%5)
		cols := 1 + int(data[2]) + int(data[3]&1)<<8
		decodeChecked(t, s, data[4:], rows, cols)
	})
}
