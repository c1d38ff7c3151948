package mlx

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels/internal/ulp"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
)

// Each part of the MLX model device against kernels/model's reference
// parts on random data, the 2B4T's widths and edge positions, with bounds
// derived from the float32 operations MLX runs (the logit bound of a whole
// step is too loose to see, e.g., a sign error in RoPE on a tiny model).

func twoB4T(layers, vocab int) model.Config {
	c := model.BitNet2B4T()
	c.Layers, c.Vocab = layers, vocab
	return c
}

// partsDevice is a model device for c with random embedding rows (no
// layers needed: the parts take their tensors).
func partsDevice(t *testing.T, c model.Config, capacity int, r *rand.Rand) (*modelDevice, *model.Weights) {
	t.Helper()
	w := &model.Weights{Config: c, Embed: make([]int8, c.Vocab*c.Hidden), EmbedRows: make([]float32, c.Vocab)}
	for i := range w.Embed {
		w.Embed[i] = int8(r.IntN(256) - 128)
	}
	for i := range w.EmbedRows {
		w.EmbedRows[i] = 0.001 + 0.01*r.Float32()
	}
	d, err := Backend{}.NewModelDevice(w, capacity)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d.(*modelDevice), w
}

func randn(r *rand.Rand, n int, scale float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64()) * scale
	}
	return x
}

func f32Tensor(t *testing.T, d *modelDevice, x []float32) model.Tensor {
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

// stepTensor is a params tensor: pos0, then the tokens.
func stepTensor(t *testing.T, d *modelDevice, pos0 int, tokens ...int) model.Tensor {
	t.Helper()
	p := []int32{int32(pos0)}
	for _, tok := range tokens {
		p = append(p, int32(tok))
	}
	v, err := d.I32(len(p))
	if err == nil {
		err = d.WriteI32(v, p)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func read(t *testing.T, d *modelDevice, v model.Tensor) []float32 {
	t.Helper()
	got, err := d.ReadF32(v, make([]float32, v.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), got...)
}

func writeI8(t *testing.T, d *modelDevice, v model.Tensor, x []int8) {
	t.Helper()
	if err := d.write(v, func(g *graph) uintptr { return upload(g, x, len(x)) }); err != nil {
		t.Fatal(err)
	}
}

func readI8(t *testing.T, d *modelDevice, v model.Tensor) []int8 {
	t.Helper()
	got := make([]int8, v.Len())
	if err := d.rt.th.Do(func() error { return readInt8(d.rt.l, v.(*mtensor).a, got) }); err != nil {
		t.Fatal(err)
	}
	return got
}

func runOp(t *testing.T, op model.Op, err error) {
	t.Helper()
	if err == nil {
		err = op.Run()
	}
	if err != nil {
		t.Fatal(err)
	}
}

func exact(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: [%d] = %v, want %v (bit for bit)", what, i, got[i], want[i])
		}
	}
}

func TestModelParts(t *testing.T) {
	needMLX(t)
	six := model.Tiny()
	six.Heads, six.KVHeads = 6, 1
	t.Run("Embed", testEmbed)
	t.Run("NormQuantize", testNormQuantize)
	t.Run("ReLU2Gate", testReLU2)
	t.Run("LMHead", testLMHead)
	for _, c := range []model.Config{model.Tiny(), six, twoB4T(1, 3)} {
		name := fmt.Sprintf("heads%dkv%dhd%d", c.Heads, c.KVHeads, c.HeadDim)
		t.Run("RoPEKV/"+name, func(t *testing.T) { testRoPEKV(t, c) })
		t.Run("Attention/"+name, func(t *testing.T) { testAttention(t, c) })
	}
}

func testEmbed(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, c := range []model.Config{model.Tiny(), twoB4T(1, 7)} {
		d, w := partsDevice(t, c, 4, r)
		tokens := []int{0, c.Vocab - 1, r.IntN(c.Vocab)}
		x, _ := d.F32(len(tokens) * c.Hidden)
		op, err := d.Embed(x, stepTensor(t, d, 0, tokens...), len(tokens))
		runOp(t, op, err)
		want := make([]float32, 0, len(tokens)*c.Hidden)
		for _, tok := range tokens {
			for _, q := range w.Embed[tok*c.Hidden : (tok+1)*c.Hidden] {
				want = append(want, float32(q)*w.EmbedRows[tok])
			}
		}
		exact(t, fmt.Sprintf("embed hidden %d", c.Hidden), read(t, d, x), want)
	}
}

// normBound is RMSNorm's bound in units of 2^−24 relative to the output:
// a float32 sum of w positive squares in any order is within (w−1) units
// of the exact sum; 1/√ halves that; the square, the mean, +eps, the
// rsqrt and the two products round once each.
func normBound(w int) float64 { return float64(w-1)/2 + 6 }

func testNormQuantize(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	c := model.Tiny()
	d, _ := partsDevice(t, c, 4, r)
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
		xs, gs := randn(r, tc.m*tc.w, tc.scale), make([]float32, tc.w)
		for i := range gs {
			gs[i] = 0.75 + 0.5*r.Float32()
		}
		x, g := f32Tensor(t, d, xs), f32Tensor(t, d, gs)
		var res model.Tensor
		var rs []float32
		if tc.residual {
			rs = randn(r, tc.m*tc.w, tc.scale)
			res = f32Tensor(t, d, rs)
		}
		out := x
		if !tc.inPlace {
			out, _ = d.F32(tc.m * tc.w)
		}
		q, scales, err := d.Quantized(tc.m, tc.w)
		if err != nil {
			t.Fatal(err)
		}
		op, err := d.NormQuantize(x, res, g, out, q, scales, tc.m)
		runOp(t, op, err)
		gotX, gotOut, gotS, gotQ := read(t, d, x), read(t, d, out), read(t, d, scales), readI8(t, d, q)
		bound, worst := normBound(tc.w), 0.0
		for row := range tc.m {
			in := xs[row*tc.w : (row+1)*tc.w]
			if tc.residual {
				sum := make([]float32, tc.w)
				for i := range sum {
					sum[i] = in[i] + rs[row*tc.w+i]
				}
				in = sum
				if !tc.inPlace {
					exact(t, name+" x + residual", gotX[row*tc.w:(row+1)*tc.w], in)
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
			// The quantization of the output is the reference's, bit for bit.
			wq := make([]int8, tc.w)
			ws := quant.QuantizeActivationsRow(wq, o)
			exact(t, name+" scale", gotS[row:row+1], []float32{ws})
			for i, v := range wq {
				if gotQ[row*tc.w+i] != v {
					t.Fatalf("%s: q[%d][%d] = %d, want %d", name, row, i, gotQ[row*tc.w+i], v)
				}
			}
		}
		t.Logf("%s: worst %.2f units of 2^-24 (bound %.1f)", name, worst, bound)
	}
}

func testReLU2(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, tc := range []struct{ m, ffn int }{{1, 6912}, {3, 640}, {2, 7}} {
		c := model.Tiny()
		c.FFN = tc.ffn
		d, _ := partsDevice(t, c, 4, r)
		gus := randn(r, tc.m*2*tc.ffn, 2)
		gu := f32Tensor(t, d, gus)
		act, _ := d.F32(tc.m * tc.ffn)
		op, err := d.ReLU2Gate(act, gu, tc.m)
		runOp(t, op, err)
		got := read(t, d, act)
		for row := range tc.m {
			g, u := gus[row*2*tc.ffn:row*2*tc.ffn+tc.ffn], gus[row*2*tc.ffn+tc.ffn:(row+1)*2*tc.ffn]
			want := model.RefReLU2(g, u)
			for i := range want {
				v := got[row*tc.ffn+i]
				rg := max(g[i], 0)
				if twin := (rg * rg) * u[i]; math.Float32bits(v) != math.Float32bits(twin) {
					t.Fatalf("ffn %d: act[%d][%d] = %v for g %v u %v, float32 twin %v", tc.ffn, row, i, v, g[i], u[i], twin)
				}
				if ulp.Distance(v, want[i]) > 2 {
					t.Fatalf("ffn %d: act[%d][%d] = %v, reference %v (bound 2 ulp)", tc.ffn, row, i, v, want[i])
				}
			}
		}
	}
}

// testLMHead: exact integer sums (three slices on the 2B4T's width, one
// past 2^24), then sum·row/xs in float32: three roundings where the
// reference rounds once from float64, so 3 ulp.
func testLMHead(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, c := range []model.Config{model.Tiny(), twoB4T(1, 301)} {
		for _, extreme := range []bool{false, true} {
			d, w := partsDevice(t, c, 4, r)
			xq := make([]int8, c.Hidden)
			for i := range xq {
				xq[i] = int8(r.IntN(256) - 128)
			}
			if extreme { // |Σ| past 2^24 in row 0: the float conversion rounds
				d.Close()
				for i := range xq {
					xq[i] = -128
					w.Embed[i] = -128
				}
				nd, err := Backend{}.NewModelDevice(w, 4)
				if err != nil {
					t.Fatal(err)
				}
				d = nd.(*modelDevice)
				defer d.Close()
			}
			q, s, err := d.Quantized(1, c.Hidden)
			if err != nil {
				t.Fatal(err)
			}
			writeI8(t, d, q, xq)
			xs := 30 + r.Float32()
			if err := d.WriteF32(s, []float32{xs}); err != nil {
				t.Fatal(err)
			}
			logits, _ := d.F32(c.Vocab)
			op, err := d.LMHead(logits, q, s)
			runOp(t, op, err)
			got := read(t, d, logits)
			want := model.RefLMHead(w.Embed, w.EmbedRows, xq, xs)
			worst := uint64(0)
			for i := range want {
				dist := ulp.Distance(got[i], want[i])
				worst = max(worst, dist)
				if dist > 3 {
					t.Fatalf("vocab %d hidden %d: logit %d = %v, reference %v: %d ulp, bound 3", c.Vocab, c.Hidden, i, got[i], want[i], dist)
				}
			}
			t.Logf("vocab %d hidden %d extreme %v: worst %d ulp (bound 3)", c.Vocab, c.Hidden, extreme, worst)
		}
	}
}

// ropeCases are (first position, tokens) for a cache of capacity
// positions: the first position, the last, and prefills.
func ropeCases(capacity int) [][2]int { return [][2]int{{0, 1}, {capacity - 1, 1}, {0, 3}, {2, 3}} }

// testRoPEKV: the rotation is the CPU path's float32 twin bit for bit, and
// within 4 units of 2^−24 of the float64 reference; the cache gets the
// rotated keys and the values at pos0.., nothing elsewhere.
func testRoPEKV(t *testing.T, c model.Config) {
	r := rand.New(rand.NewPCG(5, 5))
	const capacity = 37
	cosT, sinT := model.RopeTable(c.HeadDim, capacity, c.RopeTheta)
	hd, half, qd, kvd := c.HeadDim, c.HeadDim/2, c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	rows := qd + 2*kvd
	for _, rc := range ropeCases(capacity) {
		pos0, m := rc[0], rc[1]
		d, _ := partsDevice(t, c, capacity, r)
		in := randn(r, m*rows, 1)
		qkv := f32Tensor(t, d, in)
		op, err := d.RoPEKV(qkv, stepTensor(t, d, pos0, make([]int, m)...), 0, m)
		runOp(t, op, err)
		got := read(t, d, qkv)
		kc, vc := read(t, d, d.kc[0]), read(t, d, d.vc[0])
		for i := range m {
			pos := pos0 + i
			row, grow := in[i*rows:(i+1)*rows], got[i*rows:(i+1)*rows]
			ref := append([]float32(nil), row[:qd+kvd]...)
			model.RefRoPE(ref, pos, hd, c.RopeTheta)
			for h := 0; h < qd+kvd; h += hd {
				for j := range half {
					a, b := row[h+j], row[h+j+half]
					cs, sn := cosT[pos*half+j], sinT[pos*half+j]
					lo, hi := float32(a*cs)-float32(b*sn), float32(b*cs)+float32(a*sn)
					exact(t, fmt.Sprintf("rope pos %d elem %d", pos, h+j), []float32{grow[h+j], grow[h+j+half]}, []float32{lo, hi})
					bound := 4 * 0x1p-24 * (math.Abs(float64(a)) + math.Abs(float64(b)))
					if math.Abs(float64(lo-ref[h+j])) > bound || math.Abs(float64(hi-ref[h+j+half])) > bound {
						t.Fatalf("rope pos %d elem %d: (%v, %v), float64 reference (%v, %v), bound %.3g", pos, h+j, lo, hi, ref[h+j], ref[h+j+half], bound)
					}
				}
			}
			exact(t, "values untouched", grow[qd+kvd:], row[qd+kvd:])
			for g := range c.KVHeads {
				exact(t, fmt.Sprintf("cached key pos %d group %d", pos, g), kc[(g*capacity+pos)*hd:(g*capacity+pos+1)*hd], grow[qd+g*hd:qd+(g+1)*hd])
				exact(t, fmt.Sprintf("cached value pos %d group %d", pos, g), vc[(g*capacity+pos)*hd:(g*capacity+pos+1)*hd], row[qd+kvd+g*hd:qd+kvd+(g+1)*hd])
			}
		}
		for g := range c.KVHeads {
			for p := range capacity {
				if p >= pos0 && p < pos0+m {
					continue
				}
				for _, v := range kc[(g*capacity+p)*hd : (g*capacity+p+1)*hd] {
					if v != 0 {
						t.Fatalf("pos0 %d m %d: cache position %d of group %d written", pos0, m, p, g)
					}
				}
			}
		}
	}
}

// testAttention holds each output to RefAttention within attentionBound,
// on caches of random keys and values, for decode and prefill positions.
func testAttention(t *testing.T, c model.Config) {
	r := rand.New(rand.NewPCG(6, 6))
	hd, qd, kvd := c.HeadDim, c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	rows := qd + 2*kvd
	for _, capacity := range []int{37, 300} {
		d, _ := partsDevice(t, c, capacity, r)
		keys, vals := randn(r, c.KVHeads*capacity*hd, 1), randn(r, c.KVHeads*capacity*hd, 1)
		if err := d.WriteF32(d.kc[0], keys); err != nil {
			t.Fatal(err)
		}
		if err := d.WriteF32(d.vc[0], vals); err != nil {
			t.Fatal(err)
		}
		for _, rc := range ropeCases(capacity) {
			pos0, m := rc[0], rc[1]
			in := randn(r, m*rows, 2)
			out, _ := d.F32(m * qd)
			op, err := d.Attention(out, f32Tensor(t, d, in), stepTensor(t, d, pos0, make([]int, m)...), 0, m)
			runOp(t, op, err)
			got := read(t, d, out)
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
				bound := attentionBound(q, ks, c, n) * maxV
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
