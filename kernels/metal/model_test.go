package metal

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/internal/modeltest"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/internal/ulp"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
)

// The model device on any OS: its dispatches (model.go: buffers, offsets,
// params, grids) run on the C harness (testdata/model_emu.h), which
// executes model.metal's kernels with the same body functions and thread
// layout. Each part is checked against kernels/model's reference on random
// data and edge shapes, and whole decode steps and a prefill of the tiny
// model against ReferenceLogits within model.LogitTolerance, the CPU
// path's bound. What this cannot check is the Metal compiler and the GPU
// itself (metal_test.go does, on a Mac).

// harnessGPU keeps the buffers in Go memory and runs each program by
// sending every buffer and dispatch to the harness and reading the buffers
// back. It keeps no device time.
type harnessGPU struct {
	t    testing.TB
	bin  string
	tg   int // threads a threadgroup: threadgroup when 0, fewer as a pipeline may allow
	mems [][]byte
}

func (h *harnessGPU) alloc(n int) (int, []byte, error) {
	h.mems = append(h.mems, make([]byte, n))
	return len(h.mems) - 1, h.mems[len(h.mems)-1], nil
}

func (h *harnessGPU) limits(string) (width, tg int, err error) {
	if h.tg == 0 {
		return 32, threadgroup, nil
	}
	return 32, h.tg, nil
}

// threadgroups are the sizes the parts are tested with: the kernels' own,
// and fewer threads than the 2B4T's head dim, not a power of two.
var threadgroups = []int{threadgroup, 96}

func (h *harnessGPU) run(ds []mdispatch, _ *[model.NumParts]time.Duration) (time.Duration, error) {
	var b bytes.Buffer
	put(&b, int32(len(h.mems)))
	for _, m := range h.mems {
		put(&b, int32(len(m)))
		b.Write(m)
	}
	put(&b, int32(len(ds)))
	for _, d := range ds {
		put(&b, int32(len(d.kernel)))
		b.WriteString(d.kernel)
		put(&b, int32(len(d.args)))
		for _, a := range d.args {
			put(&b, int32(a.buf), int32(a.off))
		}
		put(&b, int32(len(d.params)), d.params)
		for _, v := range append(d.groups[:], d.threads[:]...) {
			put(&b, int32(v))
		}
	}
	out := runHarness(h.t, h.bin, "program", b.Bytes())
	for _, m := range h.mems {
		if len(out) < len(m) {
			return 0, fmt.Errorf("harness: short output")
		}
		copy(m, out[:len(m)])
		out = out[len(m):]
	}
	return 0, nil
}

func (h *harnessGPU) close() error { h.mems = nil; return nil }

// harnessBackend is the metal backend with the harness for a GPU, so
// model.NewEngine runs the Metal model device off a Mac.
type harnessBackend struct {
	Backend
	t   testing.TB
	bin string
	tg  int
}

func (harnessBackend) Available() error { return nil }

func (h harnessBackend) NewModelDevice(w *model.Weights, capacity int) (model.Device, error) {
	return newModelDevice(w, capacity, &harnessGPU{t: h.t, bin: h.bin, tg: h.tg})
}

// ccHarness builds the harness with the C compiler once per test.
func ccHarness(t *testing.T) string { return buildHarness(t, compilers[0].name, compilers[0].lang) }

// twoB4T is the 2B4T's shape with few layers and a small vocabulary: the
// widths and head ratio (20 query heads on 5 KV heads of 128) that matter
// to the parts.
func twoB4T(layers, vocab int) model.Config {
	c := model.BitNet2B4T()
	c.Layers, c.Vocab = layers, vocab
	return c
}

// partsDevice is a model device on the harness for c with random
// embedding rows (no layers needed: the parts take their tensors).
func partsDevice(t *testing.T, bin string, c model.Config, capacity int, r *rand.Rand, tg int) *modelDevice {
	t.Helper()
	w := &model.Weights{Config: c, Embed: make([]int8, c.Vocab*c.Hidden), EmbedRows: make([]float32, c.Vocab)}
	for i := range w.Embed {
		w.Embed[i] = int8(r.IntN(256) - 128)
	}
	for i := range w.EmbedRows {
		w.EmbedRows[i] = 0.001 + 0.01*r.Float32()
	}
	md, err := newModelDevice(w, capacity, &harnessGPU{t: t, bin: bin, tg: tg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { md.Close() })
	return md
}

func randn(r *rand.Rand, n int, scale float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = scale * float32(r.NormFloat64())
	}
	return x
}

func f32Tensor(t *testing.T, md *modelDevice, x []float32) model.Tensor {
	t.Helper()
	v, err := md.F32(len(x))
	if err != nil {
		t.Fatal(err)
	}
	if err := md.WriteF32(v, x); err != nil {
		t.Fatal(err)
	}
	return v
}

func stepTensor(t *testing.T, md *modelDevice, pos0 int, tokens ...int) model.Tensor {
	t.Helper()
	p, err := md.I32(1 + len(tokens))
	if err != nil {
		t.Fatal(err)
	}
	vals := []int32{int32(pos0)}
	for _, tok := range tokens {
		vals = append(vals, int32(tok))
	}
	if err := md.WriteI32(p, vals); err != nil {
		t.Fatal(err)
	}
	return p
}

func read(t *testing.T, md *modelDevice, v model.Tensor) []float32 {
	t.Helper()
	out, err := md.ReadF32(v, make([]float32, v.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func runOp(t *testing.T, op model.Op, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if err := op.Run(); err != nil {
		t.Fatal(err)
	}
}

func TestModelParts(t *testing.T) {
	bin := ccHarness(t)
	six := model.Tiny()
	six.Heads, six.KVHeads = 6, 1
	t.Run("Embed", func(t *testing.T) { testEmbed(t, bin) })
	t.Run("NormQuantize", func(t *testing.T) { testNormQuantize(t, bin) })
	t.Run("ReLU2Gate", func(t *testing.T) { testReLU2(t, bin) })
	t.Run("LMHead", func(t *testing.T) { testLMHead(t, bin) })
	for _, c := range []model.Config{model.Tiny(), six, twoB4T(1, 3)} {
		name := fmt.Sprintf("heads%dkv%dhd%d", c.Heads, c.KVHeads, c.HeadDim)
		t.Run("RoPEKV/"+name, func(t *testing.T) { testRoPEKV(t, bin, c) })
		t.Run("Attention/"+name, func(t *testing.T) { testAttention(t, bin, c) })
	}
}

func testEmbed(t *testing.T, bin string) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, c := range []model.Config{model.Tiny(), twoB4T(1, 7)} {
		md := partsDevice(t, bin, c, 4, r, 0)
		tokens := []int{0, c.Vocab - 1, r.IntN(c.Vocab)}
		x, _ := md.F32(len(tokens) * c.Hidden)
		op, err := md.Embed(x, stepTensor(t, md, 0, tokens...), len(tokens))
		runOp(t, op, err)
		got := read(t, md, x)
		want := make([]float32, 0, len(got))
		for _, tok := range tokens {
			for _, q := range md.w.Embed[tok*c.Hidden : (tok+1)*c.Hidden] {
				want = append(want, float32(q)*md.w.EmbedRows[tok])
			}
		}
		kernelsExact(t, fmt.Sprintf("embed hidden %d", c.Hidden), got, want)
	}
}

func kernelsExact(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: [%d] = %v, want %v (bit for bit)", what, i, got[i], want[i])
		}
	}
}

// normBound is RMSNorm's bound in units of 2^−24 relative to the output:
// the sum of squares adds ⌈w/nt⌉ terms a thread, then 32 lanes, then the
// SIMD groups' partials (each add ≤ 1 unit of the positive sum); 1/√ halves
// that; the division, +eps, √, 1/ and the two products round once each.
func normBound(w, nt int) float64 {
	return float64(ceilDiv(w, nt)+32+nt/32)/2 + 6
}

func testNormQuantize(t *testing.T, bin string) {
	for _, tg := range threadgroups {
		testNormQuantizeTG(t, bin, tg)
	}
}

func testNormQuantizeTG(t *testing.T, bin string, tg int) {
	r := rand.New(rand.NewPCG(2, 2))
	c := model.Tiny()
	md := partsDevice(t, bin, c, 4, r, tg)
	for _, tc := range []struct {
		m, w     int
		residual bool
		inPlace  bool
		scale    float32
	}{
		{1, 2560, true, false, 1}, {3, 6912, false, true, 1}, {2, 2560, false, true, 10},
		{1, 1, true, false, 1}, {2, 257, true, true, 1e-3}, {1, 640, false, false, 1e4}, {5, 1000, true, false, 1},
	} {
		name := fmt.Sprintf("tg %d m%d w%d residual %v in place %v", tg, tc.m, tc.w, tc.residual, tc.inPlace)
		xs, gs := randn(r, tc.m*tc.w, tc.scale), make([]float32, tc.w)
		for i := range gs {
			gs[i] = 0.75 + 0.5*r.Float32()
		}
		x, g := f32Tensor(t, md, xs), f32Tensor(t, md, gs)
		var res model.Tensor
		var rs []float32
		if tc.residual {
			rs = randn(r, tc.m*tc.w, tc.scale)
			res = f32Tensor(t, md, rs)
		}
		out := x
		if !tc.inPlace {
			out, _ = md.F32(tc.m * tc.w)
		}
		q, scales, err := md.Quantized(tc.m, tc.w)
		if err != nil {
			t.Fatal(err)
		}
		op, err := md.NormQuantize(x, res, g, out, q, scales, tc.m)
		runOp(t, op, err)
		gotX, gotOut, gotS := read(t, md, x), read(t, md, out), read(t, md, scales)
		qq := q.(mquant)
		qmem := md.mem[qq.buf]
		bound, worst := normBound(tc.w, tg), 0.0
		for row := range tc.m {
			in := xs[row*tc.w : (row+1)*tc.w]
			if tc.residual {
				sum := make([]float32, tc.w)
				for i := range sum {
					sum[i] = in[i] + rs[row*tc.w+i]
				}
				in = sum
				if !tc.inPlace {
					kernelsExact(t, name+" x + residual", gotX[row*tc.w:(row+1)*tc.w], in)
				}
			}
			want := model.RefRMSNorm(in, gs, c.NormEps)
			o := gotOut[row*tc.w : (row+1)*tc.w]
			for i := range want {
				d := math.Abs(float64(o[i])-float64(want[i])) / (0x1p-24 * math.Abs(float64(want[i])))
				if want[i] == 0 && o[i] == 0 {
					d = 0
				}
				worst = max(worst, d)
				if d > bound {
					t.Fatalf("%s: out[%d][%d] = %v, reference %v: %.1f units of 2^-24, bound %.1f", name, row, i, o[i], want[i], d, bound)
				}
			}
			// The quantization of the output is the reference's, bit for bit.
			wq := make([]int8, tc.w)
			ws := quant.QuantizeActivationsRow(wq, o)
			kernelsExact(t, name+" scale", gotS[row:row+1], []float32{ws})
			for i := range qq.kp {
				got, wantQ := int8(qmem[row*qq.kp+i]), int8(0) // padding stays zero
				if i < tc.w {
					wantQ = wq[i]
				}
				if got != wantQ {
					t.Fatalf("%s: q[%d][%d] = %d, want %d", name, row, i, got, wantQ)
				}
			}
		}
		t.Logf("%s: worst %.2f units of 2^-24 (bound %.1f)", name, worst, bound)
	}
}

func testReLU2(t *testing.T, bin string) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, tc := range []struct{ m, ffn int }{{1, 6912}, {3, 640}, {2, 7}} {
		c := model.Tiny()
		c.FFN = tc.ffn
		md := partsDevice(t, bin, c, 4, r, 0)
		gus := randn(r, tc.m*2*tc.ffn, 2)
		specials := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1)), 1e-30, -1e-30}
		for i, s := range specials {
			if i < tc.ffn {
				gus[i] = s
			}
		}
		gu := f32Tensor(t, md, gus)
		act, _ := md.F32(tc.m * tc.ffn)
		op, err := md.ReLU2Gate(act, gu, tc.m)
		runOp(t, op, err)
		got := read(t, md, act)
		for row := range tc.m {
			g, u := gus[row*2*tc.ffn:row*2*tc.ffn+tc.ffn], gus[row*2*tc.ffn+tc.ffn:(row+1)*2*tc.ffn]
			want := model.RefReLU2(g, u)
			for i := range want {
				v := got[row*tc.ffn+i]
				// The float32 twin: relu, square, product, each rounded.
				rg := g[i]
				if !(rg > 0) && rg == rg {
					rg = 0
				}
				twin := (rg * rg) * u[i]
				if math.Float32bits(v) != math.Float32bits(twin) && !(v != v && twin != twin) {
					t.Fatalf("ffn %d: act[%d][%d] = %v for g %v u %v, float32 twin %v", tc.ffn, row, i, v, g[i], u[i], twin)
				}
				if !sameSpecial(v, want[i]) || (v == v && !math.IsInf(float64(v), 0) && ulp.Distance(v, want[i]) > 2) {
					t.Fatalf("ffn %d: act[%d][%d] = %v, reference %v (bound 2 ulp)", tc.ffn, row, i, v, want[i])
				}
			}
		}
	}
}

func testLMHead(t *testing.T, bin string) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, c := range []model.Config{model.Tiny(), twoB4T(1, 301)} {
		md := partsDevice(t, bin, c, 4, r, 0)
		for _, extreme := range []bool{false, true} {
			xq := make([]int8, c.Hidden)
			for i := range xq {
				xq[i] = int8(r.IntN(256) - 128)
			}
			if extreme { // |Σ| past 2^24 in row 0: the float conversion rounds
				for i := range xq {
					xq[i] = -128
					md.w.Embed[i] = -128
				}
				copy(md.mem[md.emb.buf], asBytes(md.w.Embed))
			}
			q, s, err := md.Quantized(1, c.Hidden)
			if err != nil {
				t.Fatal(err)
			}
			copy(md.mem[q.(mquant).buf], asBytes(xq))
			xs := 30 + r.Float32()
			md.WriteF32(s, []float32{xs})
			logits, _ := md.F32(c.Vocab)
			op, err := md.LMHead(logits, q, s)
			runOp(t, op, err)
			got := read(t, md, logits)
			want := model.RefLMHead(md.w.Embed, md.w.EmbedRows, xq, xs)
			worst := uint64(0)
			for i := range want {
				d := ulp.Distance(got[i], want[i])
				worst = max(worst, d)
				if d > 2 {
					t.Fatalf("vocab %d hidden %d: logit %d = %v, reference %v: %d ulp, bound 2", c.Vocab, c.Hidden, i, got[i], want[i], d)
				}
			}
			t.Logf("vocab %d hidden %d extreme %v: worst %d ulp (bound 2)", c.Vocab, c.Hidden, extreme, worst)
		}
	}
}

// ropeCases are (first position, tokens) for a cache of capacity
// positions: the first position, the last, and a prefill.
func ropeCases(capacity int) [][2]int { return [][2]int{{0, 1}, {capacity - 1, 1}, {0, 3}, {2, 3}} }

func testRoPEKV(t *testing.T, bin string, c model.Config) {
	r := rand.New(rand.NewPCG(5, 5))
	const capacity = 37
	cosT, sinT := model.RopeTable(c.HeadDim, capacity, c.RopeTheta)
	hd, half, qd, kvd := c.HeadDim, c.HeadDim/2, c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	rows := qd + 2*kvd
	for _, rc := range ropeCases(capacity) {
		pos0, m := rc[0], rc[1]
		md := partsDevice(t, bin, c, capacity, r, 0)
		in := randn(r, m*rows, 1)
		qkv := f32Tensor(t, md, in)
		op, err := md.RoPEKV(qkv, stepTensor(t, md, pos0, make([]int, m)...), 0, m)
		runOp(t, op, err)
		got := read(t, md, qkv)
		kc, vc := f32s(md.mem[md.kc[0].buf]), f32s(md.mem[md.vc[0].buf])
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
					kernelsExact(t, fmt.Sprintf("rope pos %d head elem %d", pos, h+j), []float32{grow[h+j], grow[h+j+half]}, []float32{lo, hi})
					bound := 4 * 0x1p-24 * (math.Abs(float64(a)) + math.Abs(float64(b)))
					if math.Abs(float64(lo-ref[h+j])) > bound || math.Abs(float64(hi-ref[h+j+half])) > bound {
						t.Fatalf("rope pos %d elem %d: (%v, %v), float64 reference (%v, %v), bound %.3g", pos, h+j, lo, hi, ref[h+j], ref[h+j+half], bound)
					}
				}
			}
			kernelsExact(t, "values untouched", grow[qd+kvd:], row[qd+kvd:])
			for g := range c.KVHeads {
				kernelsExact(t, fmt.Sprintf("cached key pos %d group %d", pos, g), kc[(g*capacity+pos)*hd:(g*capacity+pos+1)*hd], grow[qd+g*hd:qd+(g+1)*hd])
				kernelsExact(t, fmt.Sprintf("cached value pos %d group %d", pos, g), vc[(g*capacity+pos)*hd:(g*capacity+pos+1)*hd], row[qd+kvd+g*hd:qd+kvd+(g+1)*hd])
			}
		}
		// Positions outside pos0..pos0+m-1 stay zero.
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

func testAttention(t *testing.T, bin string, c model.Config) {
	for _, tg := range threadgroups {
		testAttentionTG(t, bin, c, tg)
	}
}

func testAttentionTG(t *testing.T, bin string, c model.Config, tg int) {
	r := rand.New(rand.NewPCG(6, 6))
	hd, qd, kvd := c.HeadDim, c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	rows := qd + 2*kvd
	for _, capacity := range []int{37, 300} { // 300: more positions than threads
		md := partsDevice(t, bin, c, capacity, r, tg)
		keys, vals := randn(r, c.KVHeads*capacity*hd, 1), randn(r, c.KVHeads*capacity*hd, 1)
		copy(md.mem[md.kc[0].buf], asBytes(keys))
		copy(md.mem[md.vc[0].buf], asBytes(vals))
		for _, rc := range ropeCases(capacity) {
			pos0, m := rc[0], rc[1]
			in := randn(r, m*rows, 2)
			out, _ := md.F32(m * qd)
			op, err := md.Attention(out, f32Tensor(t, md, in), stepTensor(t, md, pos0, make([]int, m)...), 0, m)
			runOp(t, op, err)
			got := read(t, md, out)
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
				bound := attentionBound(q, ks, c, n, tg) * maxV
				loosest = max(loosest, bound/maxV)
				for k := range want {
					d := math.Abs(float64(got[i*qd+k] - want[k]))
					worst = max(worst, d/maxV)
					if d > bound {
						t.Fatalf("tg %d capacity %d pos %d: out[%d] = %v, reference %v: |Δ| %.3g, bound %.3g", tg, capacity, pos0+i, k, got[i*qd+k], want[k], d, bound)
					}
				}
			}
			t.Logf("tg %d capacity %d pos0 %d m %d: worst |Δ| %.3g·max|v| (bound up to %.3g·max|v|)", tg, capacity, pos0, m, worst, loosest)
		}
	}
}

// attentionBound bounds |out − reference| / max|v| for one token over n
// positions: each score q·k/√hd has error ≤ (hd/32 + 32 + 2)·2^−24·Σ|q·k|/√hd
// (a lane's sum, the SIMD sum, the scaling and products); a shift of the
// scores moves the normalised probabilities by at most twice the largest
// shift; bn_exp adds 2 ulp; the weighted sum, Σe and 1/Σe add their adds.
func attentionBound(q []float32, keys [][]float32, c model.Config, n, nt int) float64 {
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
			ds = max(ds, float64(hd/32+32+2)*u*s*scale)
		}
	}
	groups := max(nt/hd, 1)
	adds := float64(n/groups+groups) + float64(n/nt+1+32+nt/32) + 4
	return 2*ds + 3*u + adds*u
}

// TestModelMatchesReference decodes and prefills the tiny model through
// model.Engine on the Metal model device, its kernels run by the harness,
// and checks the logits against the pure-Go reference within the CPU
// path's bound.
func TestModelMatchesReference(t *testing.T) {
	bin := ccHarness(t)
	for _, tg := range threadgroups {
		t.Run(fmt.Sprintf("tg%d", tg), func(t *testing.T) { modelMatchesReference(t, harnessBackend{t: t, bin: bin, tg: tg}) })
	}
}

// TestModel2B4TLayer runs one layer of the 2B4T's shape (20 query heads on 5
// KV heads of 128, widths 2560 and 6912) with a small vocabulary the same
// way: decode steps and a prefill against ReferenceLogits.
func TestModel2B4TLayer(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: seconds of CPU")
	}
	bin := ccHarness(t)
	modeltest.EngineMatchesReferenceN(t, harnessBackend{t: t, bin: bin}, twoB4T(1, 1000), 3)
}

// TestModelGPU is the same on the Mac's GPU.
func TestModelGPU(t *testing.T) {
	needGPU(t)
	modelMatchesReference(t, Backend{})
}

func modelMatchesReference(t *testing.T, be kernels.Backend) {
	for _, c := range modeltest.Configs() {
		t.Run(fmt.Sprintf("heads%dkv%d", c.Heads, c.KVHeads), func(t *testing.T) { modeltest.EngineMatchesReference(t, be, c) })
	}
}

// TestModelDeviceLimits: shapes the kernels cannot hold are refused when
// the device is made, not at run time.
func TestModelDeviceLimits(t *testing.T) {
	w, err := model.NewRandom(model.Tiny(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newModelDevice(w, attMaxPositions+1, &harnessGPU{t: t}); err == nil {
		t.Errorf("a cache of %d positions accepted", attMaxPositions+1)
	}
	big := *w
	big.HeadDim = attMaxHeadDim + 2
	if _, err := newModelDevice(&big, 8, &harnessGPU{t: t}); err == nil {
		t.Errorf("head dim %d accepted", big.HeadDim)
	}
}

// TestModelUnavailable: off a Mac the backend offers no model device and
// says why; nothing runs elsewhere in its place.
func TestModelUnavailable(t *testing.T) {
	if (Backend{}).Available() == nil {
		t.Skip("a Metal device is available")
	}
	w, err := model.NewRandom(model.Tiny(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := model.NewEngine(w, Backend{}, 4, 1); err == nil {
		t.Fatal("NewEngine on an unavailable Metal backend succeeded")
	}
	if err := model.SupportedOn(Backend{}); err == nil || kernels.IsNotImplemented(err) {
		t.Errorf("SupportedOn = %v, want the availability error", err)
	}
}
