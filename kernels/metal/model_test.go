package metal

import (
	"bytes"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/internal/modeltest"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/internal/modelparts"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
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

// harnessParts is the shared part tests (modelparts) on the harness with
// threadgroups of tg threads.
func harnessParts(bin string, tg int) modelparts.Parts {
	nt := tg // the threads the bounds count
	if nt == 0 {
		nt = threadgroup
	}
	return modelparts.Parts{
		New: func(t *testing.T, w *model.Weights, capacity int) model.Device {
			t.Helper()
			md, err := newModelDevice(w, capacity, &harnessGPU{t: t, bin: bin, tg: tg})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { md.Close() })
			return md
		},
		ReadInt8: func(t *testing.T, d model.Device, q model.Tensor, m, k int) []int8 {
			t.Helper()
			md, qq := d.(*modelDevice), q.(mquant)
			mem, got := md.mem[qq.buf], make([]int8, 0, m*k)
			for row := range m {
				for i := range qq.kp {
					v := int8(mem[row*qq.kp+i])
					if i >= k && v != 0 {
						t.Fatalf("q[%d][%d] = %d in the padding, want 0", row, i, v)
					}
					if i < k {
						got = append(got, v)
					}
				}
			}
			return got
		},
		WriteInt8: func(t *testing.T, d model.Device, q model.Tensor, x []int8) {
			copy(d.(*modelDevice).mem[q.(mquant).buf], asBytes(x))
		},
		Cache: func(d model.Device) (model.Tensor, model.Tensor) {
			md := d.(*modelDevice)
			n := md.c.KVHeads * md.capacity * md.c.HeadDim
			return mtensor{md.kc[0].buf, md.kc[0].off, n}, mtensor{md.vc[0].buf, md.vc[0].off, n}
		},
		NormBound: func(w int) float64 { return normBound(w, nt) },
		AttentionBound: func(q []float32, keys [][]float32, c model.Config, n int) float64 {
			return attentionBound(q, keys, c, n, nt)
		},
		LMHeadULP: 2,
	}
}

// TestModelParts holds each part to kernels/model's reference parts
// (modelparts), the norms and attention with each of threadgroups.
func TestModelParts(t *testing.T) {
	bin := ccHarness(t)
	p := harnessParts(bin, 0)
	six := model.Tiny()
	six.Heads, six.KVHeads = 6, 1
	t.Run("Embed", p.Embed)
	t.Run("ReLU2Gate", p.ReLU2Gate)
	t.Run("LMHead", p.LMHead)
	for _, tg := range threadgroups {
		t.Run(fmt.Sprintf("NormQuantize/tg%d", tg), harnessParts(bin, tg).NormQuantize)
	}
	for _, c := range []model.Config{model.Tiny(), six, modelparts.TwoB4T(1, 3)} {
		name := fmt.Sprintf("heads%dkv%dhd%d", c.Heads, c.KVHeads, c.HeadDim)
		t.Run("RoPEKV/"+name, func(t *testing.T) { p.RoPEKV(t, c) })
		for _, tg := range threadgroups {
			pt := harnessParts(bin, tg)
			t.Run(fmt.Sprintf("Attention/tg%d/%s", tg, name), func(t *testing.T) { pt.Attention(t, c) })
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
	modeltest.EngineMatchesReferenceN(t, harnessBackend{t: t, bin: bin}, modelparts.TwoB4T(1, 1000), 3)
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
