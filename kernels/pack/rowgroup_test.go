package pack

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestRowGroupsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, shape := range [][2]int{{1, 1}, {3, 300}, {4, 256}, {5, 257}, {8, 512}, {13, 1000}, {64, 2560}} {
		rows, cols := shape[0], shape[1]
		codes := make([]int8, rows*cols)
		for i := range codes {
			codes[i] = int8(rng.IntN(3)) - 1
		}
		p, err := Pack2Bit(codes, rows, cols)
		if err != nil {
			t.Fatal(err)
		}
		woven := make([]byte, len(p.Data))
		if err := InterleaveRowGroups(woven, p); err != nil {
			t.Fatal(err)
		}
		// Spot-check the documented position of every block.
		blocks := p.Stride / BlockBytes
		for n := 0; n < rows; n++ {
			for b := 0; b < blocks; b++ {
				at := n*p.Stride + b*BlockBytes
				if n < rows/RowGroup*RowGroup {
					g, r := n/RowGroup*RowGroup, n%RowGroup
					at = g*p.Stride + (b*RowGroup+r)*BlockBytes
				}
				if !bytes.Equal(woven[at:at+BlockBytes], p.Row(n)[b*BlockBytes:(b+1)*BlockBytes]) {
					t.Fatalf("%dx%d: row %d block %d not at byte %d", rows, cols, n, b, at)
				}
			}
		}
		back := &Packed2Bit{Rows: rows, Cols: cols, Stride: p.Stride, Data: make([]byte, len(p.Data))}
		if err := DeinterleaveRowGroups(back, woven); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back.Data, p.Data) {
			t.Fatalf("%dx%d: deinterleave(interleave(p)) != p", rows, cols)
		}
	}
}

func TestRowGroupsBadArgs(t *testing.T) {
	p, _ := Pack2Bit(make([]int8, 8*256), 8, 256)
	if err := InterleaveRowGroups(make([]byte, len(p.Data)-1), p); err == nil {
		t.Error("short buffer accepted")
	}
	bad := *p
	bad.Stride = 63
	if err := InterleaveRowGroups(make([]byte, len(p.Data)), &bad); err == nil {
		t.Error("stride that is not whole blocks accepted")
	}
}
