package mlx

import (
	"fmt"
	"math"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// bitLinearWeights is a ternary weight matrix held by MLX in the form
// apply multiplies by (see the package comment): the BitLinear kernel's
// and the model device's projections share it.
type bitLinearWeights struct {
	n, k   int
	dense  bool
	slices []weightSlice
	ws     uintptr // the weight scale: a scalar, or one per row
}

// weightSlice is the columns k0..k1 of the matrix (k1 ≤ K), padded to l
// columns in the 2-bit layout (dense slices hold exactly k1-k0).
type weightSlice struct {
	k0, k1, l         int
	w, scales, biases uintptr
}

// newBitLinearWeights uploads w on g for the device's BitLinear variant.
func newBitLinearWeights(g *graph, rt *runtimeState, w *kernels.Weights) *bitLinearWeights {
	pw := w.Packed
	bw := &bitLinearWeights{n: pw.Rows, k: pw.Cols}
	kp := pw.Stride / pack.BlockBytes * pack.BlockCodes // padded to whole blocks
	if exactSlice%pack.BlockCodes != 0 || exactSlice > 1<<17 {
		g.err = fmt.Errorf("mlx: exactSlice %d: want a multiple of %d no larger than 2^17", exactSlice, pack.BlockCodes)
		return bw
	}
	if kp > math.MaxInt32 {
		g.err = fmt.Errorf("mlx: BitLinear K=%d exceeds MLX's shapes", pw.Cols)
		return bw
	}
	variant := pickBitLinearKernel(rt)
	bw.dense = variant == "dense"
	if !bw.dense && variant != "qmm" {
		g.err = fmt.Errorf("mlx: bitLinearKernel %q: want qmm, dense or auto", bitLinearKernel)
		return bw
	}
	n := pw.Rows
	// Codes per row, padded with zeros, which meet zero activations.
	codes := make([]int8, kp)
	for k0 := 0; k0 < kp; k0 += exactSlice {
		s := weightSlice{k0: k0, k1: min(k0+exactSlice, pw.Cols), l: min(exactSlice, kp-k0)}
		if s.k1 <= k0 {
			break // padding only
		}
		if bw.dense {
			// Only the real columns: x needs no padding.
			cols := s.k1 - k0
			wf := make([]float32, n*cols)
			for r := 0; r < n; r++ {
				pack.Unpack2BitRow(codes, pw.Row(r))
				for i, c := range codes[k0:s.k1] {
					wf[r*cols+i] = float32(c)
				}
			}
			s.w = g.transpose(upload(g, wf, n, cols))
		} else {
			// MLX's 2-bit layout: code k of a row at bits 2(k%16) of uint32
			// word k/16, stored as q = code+1, so w = 1·q + (-1).
			l := s.l
			wq := make([]uint32, n*l/16)
			for r := 0; r < n; r++ {
				pack.Unpack2BitRow(codes, pw.Row(r))
				row := wq[r*l/16 : (r+1)*l/16]
				for i, c := range codes[k0 : k0+l] {
					row[i/16] |= uint32(c+1) << (2 * (i % 16))
				}
			}
			ones, neg := make([]float32, n*l/qGroup), make([]float32, n*l/qGroup)
			for i := range ones {
				ones[i], neg[i] = 1, -1
			}
			s.w = upload(g, wq, n, l/16)
			s.scales = upload(g, ones, n, l/qGroup)
			s.biases = upload(g, neg, n, l/qGroup)
		}
		bw.slices = append(bw.slices, s)
	}
	bw.ws = g.scalar(w.Scale)
	if w.RowScales != nil {
		bw.ws = upload(g, w.RowScales[:n], n)
	}
	return bw
}

// apply is x·Wᵀ·wscale/xscale for m tokens: x is m×K int8, xscales m×1.
func (bw *bitLinearWeights) apply(g *graph, x, xscales uintptr, m int) uintptr {
	acc := exactSum(g, len(bw.slices), func(i int) uintptr {
		s := bw.slices[i]
		xs := x
		if s.k0 != 0 || s.k1 != bw.k {
			xs = g.slice(x, []int{0, s.k0}, []int{m, s.k1})
		}
		xs = g.astype(xs, dtFloat32) // exact: int8 values
		if bw.dense {
			return g.matmul(xs, s.w)
		}
		if pad := s.l - (s.k1 - s.k0); pad > 0 {
			xs = g.padEnd(xs, 1, pad, g.scalar(0))
		}
		return g.quantizedMatmul(xs, s.w, s.scales, s.biases, qGroup, 2)
	})
	return g.divide(g.multiply(acc, bw.ws), xscales)
}

// exactSum adds n float32 partial sums, each an integer that float32
// holds exactly, in int32 (exact), and converts the total to float32 once,
// rounding as float32(int32) does. One part is returned as it is.
func exactSum(g *graph, n int, part func(i int) uintptr) uintptr {
	if n == 1 {
		return part(0)
	}
	var acc uintptr
	for i := range n {
		p := g.astype(part(i), dtInt32)
		if i == 0 {
			acc = p
		} else {
			acc = g.add(acc, p)
		}
	}
	return g.astype(acc, dtFloat32)
}
