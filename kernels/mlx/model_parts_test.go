package mlx

import (
	"math"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels/internal/modelparts"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
)

// TestModelParts holds each part of the MLX model device to kernels/model's
// reference parts (modelparts), with bounds derived from the float32
// operations MLX runs.
func TestModelParts(t *testing.T) {
	needMLX(t)
	parts.Run(t)
}

var parts = modelparts.Parts{
	New: func(t *testing.T, w *model.Weights, capacity int) model.Device {
		t.Helper()
		d, err := Backend{}.NewModelDevice(w, capacity)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	},
	ReadInt8: func(t *testing.T, d model.Device, q model.Tensor, m, k int) []int8 {
		t.Helper()
		md, got := d.(*modelDevice), make([]int8, m*k)
		if err := md.rt.th.Do(func() error { return readInt8(md.rt.l, q.(*mtensor).a, got) }); err != nil {
			t.Fatal(err)
		}
		return got
	},
	WriteInt8: func(t *testing.T, d model.Device, q model.Tensor, x []int8) {
		t.Helper()
		if err := d.(*modelDevice).write(q, func(g *graph) uintptr { return upload(g, x, len(x)) }); err != nil {
			t.Fatal(err)
		}
	},
	Cache: func(d model.Device) (model.Tensor, model.Tensor) {
		md := d.(*modelDevice)
		return md.kc[0], md.vc[0]
	},
	NormBound:      normBound,
	AttentionBound: attentionBound,
	// The integer sums are exact; sum·row/xs rounds three times in float32
	// where the reference rounds once from float64.
	LMHeadULP: 3,
}

// normBound is RMSNorm's bound in units of 2^−24 relative to the output:
// a float32 sum of w positive squares in any order is within (w−1) units
// of the exact sum; 1/√ halves that; the square, the mean, +eps, the
// rsqrt and the two products round once each.
func normBound(w int) float64 { return float64(w-1)/2 + 6 }

// attentionBound bounds |out − reference| / max|v| for one token over n
// positions in float32 with any summation order: each score (q·scale)·k
// has error ≤ (hd+2)·2^−24·Σ|q·k|·scale; a shift of the scores moves the
// normalised probabilities by at most twice the largest shift; MLX's exp
// is allowed 32 ulp (it is an approximation, see actTol); the weighted sum
// over n positions, Σe and the division add their roundings.
func attentionBound(q []float32, keys [][]float32, c model.Config, n int) float64 {
	const u = 0x1p-24
	hd, group := c.HeadDim, c.Heads/c.KVHeads
	scale := 1 / math.Sqrt(float64(hd))
	ds := 0.0
	for h := range c.Heads {
		g := h / group
		for _, k := range keys {
			s := 0.0
			for d := range hd {
				s += math.Abs(float64(q[h*hd+d]) * float64(k[g*hd+d]))
			}
			ds = max(ds, float64(hd+2)*u*s*scale)
		}
	}
	return 2*ds + 32*u + float64(2*n+4)*u
}
