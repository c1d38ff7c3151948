//go:build !purego

package cpu

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// The BitLinear tests in cpu_test.go reach dotRows and dot1 of every level
// through the backend, but not unpack (the SIMD levels do not implement
// Pack2Bit, which that test goes through), and only with the shapes a
// problem produces. These tests call the arm64 block kernels directly and
// compare them with the generic ones on arbitrary bytes, including the
// 0b11 field valid data never holds, strides wider than the row and
// several row groups.

// arm64Kernels are the block kernels of every arm64 level this machine runs.
func arm64Kernels(t *testing.T) map[Level]*blockKernels {
	ks := map[Level]*blockKernels{}
	for _, l := range Levels() {
		if l != LevelGeneric {
			ks[l] = blockKernelsFor(l)
		}
	}
	if len(ks) == 0 {
		t.Skip("no arm64 SIMD level here")
	}
	return ks
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func randInt8s(r *rand.Rand, n int) []int8 {
	x := make([]int8, n)
	for i := range x {
		x[i] = int8(r.Uint32())
	}
	return x
}

func TestARM64BlockKernelsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	for l, k := range arm64Kernels(t) {
		for _, blocks := range []int{1, 2, 3, 10, 27} {
			for _, rows := range []int{4, 8, 20} {
				for _, extra := range []int{0, 64, 192} { // stride past the row's blocks
					stride := blocks*pack.BlockBytes + extra
					w := randBytes(r, rows*stride)
					x := randInt8s(r, blocks*pack.BlockCodes)
					label := fmt.Sprintf("%s blocks=%d rows=%d stride=%d", l, blocks, rows, stride)
					checkBlockKernels(t, label, k, w, stride, x, rows)
				}
			}
		}
	}
}

// TestARM64BlockKernelsExtremes drives every int16 and int32 partial sum of
// the kernels to its largest magnitude: all fields 2 (or the never-valid 3)
// against activations all -128 or all 127, and alternating signs.
func TestARM64BlockKernelsExtremes(t *testing.T) {
	const blocks, rows = 40, 8
	stride := blocks * pack.BlockBytes
	fields := map[string]byte{"2": 0b10101010, "1": 0b01010101, "0": 0, "3": 0xff, "mixed": 0b11100100}
	xs := map[string]func(i int) int8{
		"-128": func(int) int8 { return -128 },
		"127":  func(int) int8 { return 127 },
		"alt":  func(i int) int8 { return [2]int8{127, -128}[i%2] },
		"halves": func(i int) int8 { // the sign flips between the 64-code planes
			return [2]int8{-128, 127}[i/64%2]
		},
	}
	for l, k := range arm64Kernels(t) {
		for fn, f := range fields {
			for xn, xf := range xs {
				w := make([]byte, rows*stride)
				for i := range w {
					w[i] = f
				}
				x := make([]int8, blocks*pack.BlockCodes)
				for i := range x {
					x[i] = xf(i)
				}
				checkBlockKernels(t, fmt.Sprintf("%s fields=%s x=%s", l, fn, xn), k, w, stride, x, rows)
			}
		}
	}
}

// checkBlockKernels compares dotRows, dot1 and unpack of k with the generic
// kernels on rows rows of w.
func checkBlockKernels(t *testing.T, label string, k *blockKernels, w []byte, stride int, x []int8, rows int) {
	t.Helper()
	blocks := len(x) / pack.BlockCodes
	want := make([]int32, rows)
	genericKernels.dotRows(w, stride, x, want)
	got := make([]int32, rows)
	for i := range got {
		got[i] = 0x5a5a5a5a
	}
	k.dotRows(w, stride, x, got)
	if !slices.Equal(got, want) {
		t.Fatalf("%s: dotRows = %v, generic %v", label, got, want)
	}
	for i := 0; i < rows; i++ {
		row := w[i*stride : i*stride+blocks*pack.BlockBytes]
		if g, w := k.dot1(row, x), genericKernels.dot1(row, x); g != w {
			t.Fatalf("%s: dot1 row %d = %d, generic %d", label, i, g, w)
		}
	}
	// unpack of the first row, into a buffer with a guard after it.
	src := w[:blocks*pack.BlockBytes]
	gotU := make([]int8, blocks*pack.BlockCodes+16)
	for i := range gotU {
		gotU[i] = 0x5a
	}
	wantU := make([]int8, blocks*pack.BlockCodes)
	genericKernels.unpack(wantU, src)
	k.unpack(gotU[:len(wantU)], src)
	if !slices.Equal(gotU[:len(wantU)], wantU) {
		t.Fatalf("%s: unpack differs from generic", label)
	}
	for _, v := range gotU[len(wantU):] {
		if v != 0x5a {
			t.Fatalf("%s: unpack wrote past its blocks", label)
		}
	}
}

// TestARM64BlockKernelsBounds: the wrappers panic in Go, before the
// assembly can read or write out of bounds.
func TestARM64BlockKernelsBounds(t *testing.T) {
	for l, k := range arm64Kernels(t) {
		x := make([]int8, 2*pack.BlockCodes)
		for name, f := range map[string]func(){
			"dotRows short w":  func() { k.dotRows(make([]byte, 4*2*pack.BlockBytes-1), 2*pack.BlockBytes, x, make([]int32, 4)) },
			"dot1 short row":   func() { k.dot1(make([]byte, 2*pack.BlockBytes-1), x) },
			"unpack short src": func() { k.unpack(make([]int8, 2*pack.BlockCodes), make([]byte, 2*pack.BlockBytes-1)) },
			"dotRows short row": func() {
				k.dotRows(make([]byte, 3*2*pack.BlockBytes+pack.BlockBytes), 2*pack.BlockBytes, x, make([]int32, 4))
			},
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s %s: no panic", l, name)
					}
				}()
				f()
			}()
		}
		// No whole block: nothing is read, and dotRows zeroes its outputs.
		out := []int32{1, 2, 3, 4}
		k.dotRows(nil, 0, make([]int8, pack.BlockCodes-1), out)
		if !slices.Equal(out, make([]int32, 4)) {
			t.Errorf("%s: dotRows with no block left %v", l, out)
		}
		if got := k.dot1(nil, make([]int8, 10)); got != 0 {
			t.Errorf("%s: dot1 with no block = %d", l, got)
		}
		k.unpack(make([]int8, 100), nil)
	}
}

// TestARM64Limits runs the streaming read on sizes that are not multiples
// of its 128-byte step and checks it reads every byte of the whole steps,
// and that the peak loops run, for zero iterations too.
func TestARM64Limits(t *testing.T) {
	for l := range arm64Kernels(t) {
		read := readerFor(l)
		r := rand.New(rand.NewPCG(63, 64))
		for _, n := range []int{0, 1, 127, 128, 256, 300, 4096} {
			b := randBytes(r, n)
			var want [16]byte
			for i := 0; i < n/128*128; i++ {
				want[i%16] ^= b[i]
			}
			var w uint64
			for i := 0; i < 8; i++ {
				w |= uint64(want[i]^want[i+8]) << (8 * i)
			}
			if got := read(b); got != w {
				t.Errorf("%s: read of %d bytes = %#x, want %#x", l, n, got, w)
			}
		}
		peak, macs := peakFor(l)
		if peak == nil || macs <= 0 {
			t.Fatalf("%s: no peak loop", l)
		}
		peak(0)
		peak(3)
		// TestMeasureLimits holds the figures to plausible hardware rates,
		// which emulation (CI runs these tests under qemu) cannot meet, so
		// this checks only that the measurement runs and reports something.
		lim, err := MeasureLimits(l, 1<<20)
		if err != nil || !(lim.ReadBytesPerSec > 0) || !(lim.Int8MACsPerSec > 0) || lim.Int8Unavailable != "" {
			t.Errorf("%s: MeasureLimits = %+v, %v", l, lim, err)
		}
	}
}
