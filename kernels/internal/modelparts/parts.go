// Package modelparts holds the part-by-part tests of a model device that
// every backend's tests share (kernels/metal on its C harness, kernels/mlx
// on libmlxc): each part against kernels/model's reference parts.
package modelparts

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels/internal/ulp"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
)

// Parts holds each part of a backend's model device to kernels/model's
// reference parts on random data, the 2B4T's widths and edge positions:
// embedding, RoPE (the CPU path's float32 twin), the KV cache rows, the
// quantization and the ReLU² gate bit for bit; RMSNorm, attention and the
// LM head within the backend's bounds. A whole step's logit bound is too
// loose to see some mistakes (a sign error in RoPE moves a tiny model's
// logits by 3e-3 relative); these are not.
type Parts struct {
	// New makes the device of w with a KV cache of capacity positions
	// (closed when the test ends).
	New func(t *testing.T, w *model.Weights, capacity int) model.Device
	// ReadInt8 reads the m rows of k values of a Quantized tensor
	// (checking any padding the layout has).
	ReadInt8 func(t *testing.T, d model.Device, q model.Tensor, m, k int) []int8
	// WriteInt8 writes one row into a Quantized(1, len(x)) tensor.
	WriteInt8 func(t *testing.T, d model.Device, q model.Tensor, x []int8)
	// Cache is layer 0's keys and values, KVHeads × capacity × HeadDim
	// f32 tensors.
	Cache func(d model.Device) (k, v model.Tensor)
	// NormBound bounds RMSNorm over w values, in units of 2^−24 relative
	// to the output.
	NormBound func(w int) float64
	// AttentionBound bounds |out − reference| / max|v| of one token's
	// attention over n positions.
	AttentionBound func(q []float32, keys [][]float32, c model.Config, n int) float64
	// LMHeadULP bounds the logits, in ulp of the reference.
	LMHeadULP uint64
}

// TwoB4T is the 2B4T's shape with few layers and a small vocabulary: the
// widths and head ratio (20 query heads on 5 KV heads of 128) that matter
// to the parts.
func TwoB4T(layers, vocab int) model.Config {
	c := model.BitNet2B4T()
	c.Layers, c.Vocab = layers, vocab
	return c
}

// Run runs every part's test on the tiny model's shapes, a variant with
// six query heads on one KV head, and the 2B4T's.
func (p Parts) Run(t *testing.T) {
	six := model.Tiny()
	six.Heads, six.KVHeads = 6, 1
	t.Run("Embed", p.Embed)
	t.Run("NormQuantize", p.NormQuantize)
	t.Run("ReLU2Gate", p.ReLU2Gate)
	t.Run("LMHead", p.LMHead)
	for _, c := range []model.Config{model.Tiny(), six, TwoB4T(1, 3)} {
		name := fmt.Sprintf("heads%dkv%dhd%d", c.Heads, c.KVHeads, c.HeadDim)
		t.Run("RoPEKV/"+name, func(t *testing.T) { p.RoPEKV(t, c) })
		t.Run("Attention/"+name, func(t *testing.T) { p.Attention(t, c) })
	}
}

// device is p.New on random embedding rows (no layers: the parts take
// their tensors).
func (p Parts) device(t *testing.T, c model.Config, capacity int, r *rand.Rand) (model.Device, *model.Weights) {
	t.Helper()
	w := &model.Weights{Config: c, Embed: make([]int8, c.Vocab*c.Hidden), EmbedRows: make([]float32, c.Vocab)}
	for i := range w.Embed {
		w.Embed[i] = int8(r.IntN(256) - 128)
	}
	for i := range w.EmbedRows {
		w.EmbedRows[i] = 0.001 + 0.01*r.Float32()
	}
	return p.New(t, w, capacity), w
}

// Randn is n normal values times scale.
func Randn(r *rand.Rand, n int, scale float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = scale * float32(r.NormFloat64())
	}
	return x
}

// F32 is a device tensor holding x.
func F32(t *testing.T, d model.Device, x []float32) model.Tensor {
	t.Helper()
	v, err := d.F32(len(x))
	if err == nil {
		err = d.WriteF32(v, x)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Params is a params tensor: pos0, then the tokens.
func Params(t *testing.T, d model.Device, pos0 int, tokens ...int) model.Tensor {
	t.Helper()
	vals := []int32{int32(pos0)}
	for _, tok := range tokens {
		vals = append(vals, int32(tok))
	}
	p, err := d.I32(len(vals))
	if err == nil {
		err = d.WriteI32(p, vals)
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Read is a copy of t's values.
func Read(t *testing.T, d model.Device, v model.Tensor) []float32 {
	t.Helper()
	out, err := d.ReadF32(v, make([]float32, v.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), out...)
}

// RunOp runs an op as the device made it.
func RunOp(t *testing.T, op model.Op, err error) {
	t.Helper()
	if err == nil {
		err = op.Run()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Exact fails unless got and want are equal bit for bit.
func Exact(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: [%d] = %v, want %v (bit for bit)", what, i, got[i], want[i])
		}
	}
}

// Embed: the rows of the params' tokens, dequantized bit for bit.
func (p Parts) Embed(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, c := range []model.Config{model.Tiny(), TwoB4T(1, 7)} {
		d, w := p.device(t, c, 4, r)
		tokens := []int{0, c.Vocab - 1, r.IntN(c.Vocab)}
		x, err := d.F32(len(tokens) * c.Hidden)
		if err != nil {
			t.Fatal(err)
		}
		op, err := d.Embed(x, Params(t, d, 0, tokens...), len(tokens))
		RunOp(t, op, err)
		want := make([]float32, 0, len(tokens)*c.Hidden)
		for _, tok := range tokens {
			for _, q := range w.Embed[tok*c.Hidden : (tok+1)*c.Hidden] {
				want = append(want, float32(q)*w.EmbedRows[tok])
			}
		}
		Exact(t, fmt.Sprintf("embed hidden %d", c.Hidden), Read(t, d, x), want)
	}
}

// NormQuantize: x + residual bit for bit, RMSNorm within NormBound, and
// the quantization of the output the reference's bit for bit; one row and
// several, widths of one to 6912, in place and not, small and large values.
func (p Parts) NormQuantize(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	c := model.Tiny()
	d, _ := p.device(t, c, 4, r)
	for _, tc := range []struct {
		m, w     int
		residual bool
		inPlace  bool
		scale    float32
	}{
		{1, 2560, true, false, 1}, {3, 6912, false, true, 1}, {2, 2560, false, true, 10},
		{1, 1, true, false, 1}, {2, 257, true, true, 1e-3}, {1, 640, false, false, 1e4}, {5, 1000, true, false, 1},
	} {
		name := fmt.Sprintf("m%d w%d residual %v in place %v", tc.m, tc.w, tc.residual, tc.inPlace)
		xs, gs := Randn(r, tc.m*tc.w, tc.scale), make([]float32, tc.w)
		for i := range gs {
			gs[i] = 0.75 + 0.5*r.Float32()
		}
		x, g := F32(t, d, xs), F32(t, d, gs)
		var res model.Tensor
		var rs []float32
		if tc.residual {
			rs = Randn(r, tc.m*tc.w, tc.scale)
			res = F32(t, d, rs)
		}
		out := x
		if !tc.inPlace {
			out = F32(t, d, make([]float32, tc.m*tc.w))
		}
		q, scales, err := d.Quantized(tc.m, tc.w)
		if err != nil {
			t.Fatal(err)
		}
		op, err := d.NormQuantize(x, res, g, out, q, scales, tc.m)
		RunOp(t, op, err)
		gotX, gotOut, gotS := Read(t, d, x), Read(t, d, out), Read(t, d, scales)
		gotQ := p.ReadInt8(t, d, q, tc.m, tc.w)
		bound, worst := p.NormBound(tc.w), 0.0
		for row := range tc.m {
			in := xs[row*tc.w : (row+1)*tc.w]
			if tc.residual {
				sum := make([]float32, tc.w)
				for i := range sum {
					sum[i] = in[i] + rs[row*tc.w+i]
				}
				in = sum
				if !tc.inPlace {
					Exact(t, name+" x + residual", gotX[row*tc.w:(row+1)*tc.w], in)
				}
			}
			want := model.RefRMSNorm(in, gs, c.NormEps)
			o := gotOut[row*tc.w : (row+1)*tc.w]
			for i := range want {
				dist := math.Abs(float64(o[i])-float64(want[i])) / (0x1p-24 * math.Abs(float64(want[i])))
				if want[i] == 0 && o[i] == 0 {
					dist = 0
				}
				worst = max(worst, dist)
				if dist > bound {
					t.Fatalf("%s: out[%d][%d] = %v, reference %v: %.1f units of 2^-24, bound %.1f", name, row, i, o[i], want[i], dist, bound)
				}
			}
			wq := make([]int8, tc.w)
			ws := quant.QuantizeActivationsRow(wq, o)
			Exact(t, name+" scale", gotS[row:row+1], []float32{ws})
			for i, v := range wq {
				if gotQ[row*tc.w+i] != v {
					t.Fatalf("%s: q[%d][%d] = %d, want %d", name, row, i, gotQ[row*tc.w+i], v)
				}
			}
		}
		t.Logf("%s: worst %.2f units of 2^-24 (bound %.1f)", name, worst, bound)
	}
}

// ReLU2Gate: bit for bit the float32 twin (relu, square, product, each
// rounded) and within 2 ulp of the float64 reference, NaN, ±0, ±Inf and
// tiny gates included.
func (p Parts) ReLU2Gate(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, tc := range []struct{ m, ffn int }{{1, 6912}, {3, 640}, {2, 7}} {
		c := model.Tiny()
		c.FFN = tc.ffn
		d, _ := p.device(t, c, 4, r)
		gus := Randn(r, tc.m*2*tc.ffn, 2)
		specials := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1)), 1e-30, -1e-30}
		for i, s := range specials {
			if i < tc.ffn {
				gus[i] = s
			}
		}
		act, err := d.F32(tc.m * tc.ffn)
		if err != nil {
			t.Fatal(err)
		}
		op, err := d.ReLU2Gate(act, F32(t, d, gus), tc.m)
		RunOp(t, op, err)
		got := Read(t, d, act)
		for row := range tc.m {
			g, u := gus[row*2*tc.ffn:row*2*tc.ffn+tc.ffn], gus[row*2*tc.ffn+tc.ffn:(row+1)*2*tc.ffn]
			want := model.RefReLU2(g, u)
			for i := range want {
				v := got[row*tc.ffn+i]
				rg := g[i]
				if !(rg > 0) && rg == rg {
					rg = 0
				}
				twin := (rg * rg) * u[i]
				if math.Float32bits(v) != math.Float32bits(twin) && !(v != v && twin != twin) {
					t.Fatalf("ffn %d: act[%d][%d] = %v for g %v u %v, float32 twin %v", tc.ffn, row, i, v, g[i], u[i], twin)
				}
				if !ulp.SameSpecial(v, want[i]) || (v == v && !math.IsInf(float64(v), 0) && ulp.Distance(v, want[i]) > 2) {
					t.Fatalf("ffn %d: act[%d][%d] = %v, reference %v (bound 2 ulp)", tc.ffn, row, i, v, want[i])
				}
			}
		}
	}
}

// LMHead: within LMHeadULP of the reference's exact integer sums, on the
// tiny width and the 2B4T's, and with a row whose sum passes 2^24.
func (p Parts) LMHead(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, c := range []model.Config{model.Tiny(), TwoB4T(1, 301)} {
		for _, extreme := range []bool{false, true} {
			d, w := p.device(t, c, 4, r)
			xq := make([]int8, c.Hidden)
			for i := range xq {
				xq[i] = int8(r.IntN(256) - 128)
			}
			if extreme { // |Σ| past 2^24 in row 0: the float conversion rounds
				for i := range xq {
					xq[i] = -128
					w.Embed[i] = -128
				}
				d = p.New(t, w, 4)
			}
			q, s, err := d.Quantized(1, c.Hidden)
			if err != nil {
				t.Fatal(err)
			}
			p.WriteInt8(t, d, q, xq)
			xs := 30 + r.Float32()
			if err := d.WriteF32(s, []float32{xs}); err != nil {
				t.Fatal(err)
			}
			logits, err := d.F32(c.Vocab)
			if err != nil {
				t.Fatal(err)
			}
			op, err := d.LMHead(logits, q, s)
			RunOp(t, op, err)
			got := Read(t, d, logits)
			want := model.RefLMHead(w.Embed, w.EmbedRows, xq, xs)
			worst := uint64(0)
			for i := range want {
				dist := ulp.Distance(got[i], want[i])
				worst = max(worst, dist)
				if dist > p.LMHeadULP {
					t.Fatalf("vocab %d hidden %d: logit %d = %v, reference %v: %d ulp, bound %d", c.Vocab, c.Hidden, i, got[i], want[i], dist, p.LMHeadULP)
				}
			}
			t.Logf("vocab %d hidden %d extreme %v: worst %d ulp (bound %d)", c.Vocab, c.Hidden, extreme, worst, p.LMHeadULP)
		}
	}
}

// ropeCases are (first position, tokens) for a cache of capacity
// positions: the first position, the last, and prefills.
func ropeCases(capacity int) [][2]int { return [][2]int{{0, 1}, {capacity - 1, 1}, {0, 3}, {2, 3}} }

// RoPEKV: the rotation is the CPU path's float32 twin bit for bit and
// within 4 units of 2^−24 of the float64 reference; the values are left as
// they are; the cache gets the rotated keys and the values at pos0.. and
// nothing elsewhere.
func (p Parts) RoPEKV(t *testing.T, c model.Config) {
	r := rand.New(rand.NewPCG(5, 5))
	const capacity = 37
	cosT, sinT := model.RopeTable(c.HeadDim, capacity, c.RopeTheta)
	hd, half, qd, kvd := c.HeadDim, c.HeadDim/2, c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	rows := qd + 2*kvd
	for _, rc := range ropeCases(capacity) {
		pos0, m := rc[0], rc[1]
		d, _ := p.device(t, c, capacity, r)
		in := Randn(r, m*rows, 1)
		qkv := F32(t, d, in)
		op, err := d.RoPEKV(qkv, Params(t, d, pos0, make([]int, m)...), 0, m)
		RunOp(t, op, err)
		got := Read(t, d, qkv)
		kt, vt := p.Cache(d)
		kc, vc := Read(t, d, kt), Read(t, d, vt)
		for i := range m {
			pos := pos0 + i
			row, grow := in[i*rows:(i+1)*rows], got[i*rows:(i+1)*rows]
			ref := append([]float32(nil), row[:qd+kvd]...)
			model.RefRoPE(ref, pos, hd, c.RopeTheta)
			for h := 0; h < qd+kvd; h += hd {
				for j := range half {
					a, b := row[h+j], row[h+j+half]
					cs, sn := cosT[pos*half+j], sinT[pos*half+j]
					lo, hi := float32(a*cs)-float32(b*sn), float32(b*cs)+float32(a*sn) // the CPU device's
					Exact(t, fmt.Sprintf("rope pos %d elem %d", pos, h+j), []float32{grow[h+j], grow[h+j+half]}, []float32{lo, hi})
					bound := 4 * 0x1p-24 * (math.Abs(float64(a)) + math.Abs(float64(b)))
					if math.Abs(float64(lo-ref[h+j])) > bound || math.Abs(float64(hi-ref[h+j+half])) > bound {
						t.Fatalf("rope pos %d elem %d: (%v, %v), float64 reference (%v, %v), bound %.3g", pos, h+j, lo, hi, ref[h+j], ref[h+j+half], bound)
					}
				}
			}
			Exact(t, "values untouched", grow[qd+kvd:], row[qd+kvd:])
			for g := range c.KVHeads {
				Exact(t, fmt.Sprintf("cached key pos %d group %d", pos, g), kc[(g*capacity+pos)*hd:(g*capacity+pos+1)*hd], grow[qd+g*hd:qd+(g+1)*hd])
				Exact(t, fmt.Sprintf("cached value pos %d group %d", pos, g), vc[(g*capacity+pos)*hd:(g*capacity+pos+1)*hd], row[qd+kvd+g*hd:qd+kvd+(g+1)*hd])
			}
		}
		for g := range c.KVHeads {
			for q := range capacity {
				if q >= pos0 && q < pos0+m {
					continue
				}
				for _, v := range kc[(g*capacity+q)*hd : (g*capacity+q+1)*hd] {
					if v != 0 {
						t.Fatalf("pos0 %d m %d: cache position %d of group %d written", pos0, m, q, g)
					}
				}
			}
		}
	}
}

// Attention: each output within AttentionBound of RefAttention, on caches
// of random keys and values of 37 and 300 positions, for decode and
// prefill positions.
func (p Parts) Attention(t *testing.T, c model.Config) {
	r := rand.New(rand.NewPCG(6, 6))
	hd, qd, kvd := c.HeadDim, c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	rows := qd + 2*kvd
	for _, capacity := range []int{37, 300} {
		d, _ := p.device(t, c, capacity, r)
		keys, vals := Randn(r, c.KVHeads*capacity*hd, 1), Randn(r, c.KVHeads*capacity*hd, 1)
		kt, vt := p.Cache(d)
		if err := d.WriteF32(kt, keys); err != nil {
			t.Fatal(err)
		}
		if err := d.WriteF32(vt, vals); err != nil {
			t.Fatal(err)
		}
		for _, rc := range ropeCases(capacity) {
			pos0, m := rc[0], rc[1]
			in := Randn(r, m*rows, 2)
			out, err := d.F32(m * qd)
			if err != nil {
				t.Fatal(err)
			}
			op, err := d.Attention(out, F32(t, d, in), Params(t, d, pos0, make([]int, m)...), 0, m)
			RunOp(t, op, err)
			got := Read(t, d, out)
			worst, loosest := 0.0, 0.0
			for i := range m {
				n := pos0 + i + 1
				ks, vs := make([][]float32, n), make([][]float32, n)
				maxV := 0.0
				for j := range n {
					for g := range c.KVHeads {
						ks[j] = append(ks[j], keys[(g*capacity+j)*hd:(g*capacity+j+1)*hd]...)
						vs[j] = append(vs[j], vals[(g*capacity+j)*hd:(g*capacity+j+1)*hd]...)
					}
					for _, v := range vs[j] {
						maxV = max(maxV, math.Abs(float64(v)))
					}
				}
				q := in[i*rows : i*rows+qd]
				want := model.RefAttention(q, ks, vs, c)
				bound := p.AttentionBound(q, ks, c, n) * maxV
				loosest = max(loosest, bound/maxV)
				for k := range want {
					dist := math.Abs(float64(got[i*qd+k] - want[k]))
					worst = max(worst, dist/maxV)
					if dist > bound {
						t.Fatalf("capacity %d pos %d: out[%d] = %v, reference %v: |Δ| %.3g, bound %.3g", capacity, pos0+i, k, got[i*qd+k], want[k], dist, bound)
					}
				}
			}
			t.Logf("capacity %d pos0 %d m %d: worst |Δ| %.3g·max|v| (bound up to %.3g·max|v|)", capacity, pos0, m, worst, loosest)
		}
	}
}
