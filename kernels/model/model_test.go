package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

const logitTolerance = LogitTolerance

// enginesUnderTest are the levels that run every part of the model, one
// thread and two.
func enginesUnderTest(t *testing.T) []*cpu.Backend {
	var bes []*cpu.Backend
	for _, l := range cpu.Levels() {
		be := cpu.New(l)
		if err := Supported(be); err != nil {
			if !kernels.IsNotImplemented(err) {
				t.Fatal(err)
			}
			t.Logf("%s: %v", l, err)
			continue
		}
		bes = append(bes, be, cpu.NewWithOptions(cpu.Options{Level: l, Threads: 2}))
	}
	return bes
}

func TestDecodeMatchesReference(t *testing.T) {
	// Tiny has groups of four query heads (the VecMat4 path); the second
	// shape a group of six (four at once, then two alone) and one KV head.
	six := Tiny()
	six.Heads, six.KVHeads, six.HeadDim = 6, 1, 32
	for _, c := range []Config{Tiny(), six} {
		t.Run(fmt.Sprintf("heads%dkv%d", c.Heads, c.KVHeads), func(t *testing.T) { decodeMatchesReference(t, c) })
	}
}

func decodeMatchesReference(t *testing.T, c Config) {
	w, err := NewRandom(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 3))
	tokens := make([]int, 9)
	for i := range tokens {
		tokens[i] = rng.IntN(w.Vocab)
	}
	for _, be := range enginesUnderTest(t) {
		e, err := NewEngine(w, be, len(tokens), 1)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		for pos, tok := range tokens {
			got, err := e.Step(tok, pos)
			if err != nil {
				t.Fatal(err)
			}
			if pos != 0 && pos != len(tokens)-1 {
				continue
			}
			want, err := ReferenceLogits(w, tokens[:pos+1])
			if err != nil {
				t.Fatal(err)
			}
			worst, scale := 0.0, 0.0
			for i := range want {
				worst = max(worst, math.Abs(float64(got[i]-want[i])))
				scale = max(scale, math.Abs(float64(want[i])))
			}
			if scale == 0 || worst > logitTolerance*scale {
				t.Fatalf("%s/t%d position %d: logits differ by %.3g (largest %.3g, tolerance %.0e relative)",
					be.Level(), be.Threads(), pos, worst, scale, logitTolerance)
			}
			t.Logf("%s/t%d position %d: max |Δ| %.3g of largest %.3g", be.Level(), be.Threads(), pos, worst, scale)
		}
	}
}

// TestPrefillMatchesDecode: one batched pass over the prompt must give the
// logits that decoding it token by token gives, bit for bit (the GEMM and
// GEMV paths of BitLinear are exact, the rest is the same code): 8 tokens,
// and 20 (a 16-token tile, the amx level's, and 4 more).
func TestPrefillMatchesDecode(t *testing.T) {
	w, err := NewRandom(Tiny(), 4)
	if err != nil {
		t.Fatal(err)
	}
	long := make([]int, 20)
	for i := range long {
		long[i] = (37*i + 5) % w.Vocab
	}
	for _, tokens := range [][]int{{5, 17, 999, 0, 3, 3, 42, 7}, long} {
		prefillMatchesDecode(t, w, tokens)
	}
}

func prefillMatchesDecode(t *testing.T, w *Weights, tokens []int) {
	for _, be := range enginesUnderTest(t) {
		e, err := NewEngine(w, be, len(tokens), len(tokens))
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		var want []float32
		for pos, tok := range tokens {
			if want, err = e.Step(tok, pos); err != nil {
				t.Fatal(err)
			}
		}
		want = append([]float32(nil), want...)
		got, err := e.Prefill(tokens)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s/t%d, %d tokens: prefill logit %d = %g, decode %g", be.Level(), be.Threads(), len(tokens), i, got[i], want[i])
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	if _, err := NewRandom(Config{Layers: 1, Hidden: 8, FFN: 8, Heads: 3, KVHeads: 2, HeadDim: 4, Vocab: 4, RopeTheta: 100, NormEps: 1e-5}, 1); err == nil {
		t.Error("3 heads over 2 KV heads accepted")
	}
	w, err := NewRandom(Tiny(), 1)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(w, cpu.New(cpu.LevelGeneric), 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Step(0, 4); err == nil {
		t.Error("position past the capacity accepted")
	}
	if _, err := e.Step(w.Vocab, 0); err == nil {
		t.Error("token past the vocabulary accepted")
	}
	if _, err := e.Prefill([]int{1, 2, 3}); err == nil {
		t.Error("prefill of 3 tokens on an engine prepared for 2 accepted")
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Step(0, 0); err == nil {
		t.Error("Step after Close accepted")
	}
	if _, err := e.Prefill([]int{1, 2}); err == nil {
		t.Error("Prefill after Close accepted")
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := NewEngine(w, cpu.New(cpu.LevelGeneric), 2, 3); err == nil {
		t.Error("batch larger than the capacity accepted")
	}
}

// TestStepAllocatesNothing: a decode step on one thread reuses the
// engine's buffers, so timing it measures no allocation or garbage
// collection. (On more threads each kernel call allocates its worker-pool
// job record, 48 bytes.)
func TestStepAllocatesNothing(t *testing.T) {
	w, err := NewRandom(Tiny(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, be := range enginesUnderTest(t) {
		if be.Threads() != 1 {
			continue
		}
		e, err := NewEngine(w, be, 8, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		for pos := range 4 {
			if _, err := e.Step(pos, pos); err != nil {
				t.Fatal(err)
			}
		}
		if n := testing.AllocsPerRun(10, func() { e.Step(1, 4) }); n != 0 {
			t.Errorf("%s/t%d: %v allocations a step", be.Level(), be.Threads(), n)
		}
	}
}

// otherBackend is an available backend without a model device (as Metal
// and MLX are today).
type otherBackend struct{}

func (otherBackend) Name() string                                       { return "other" }
func (otherBackend) Level() string                                      { return "none" }
func (otherBackend) Available() error                                   { return nil }
func (otherBackend) Implements(kernels.Op) bool                         { return false }
func (otherBackend) Prepare(p *kernels.Problem) (kernels.Kernel, error) { return nil, nil }

// TestNoDeviceIsNotImplemented: a backend without a model device makes
// NewEngine fail as not implemented; nothing runs in its place.
func TestNoDeviceIsNotImplemented(t *testing.T) {
	w, err := NewRandom(Tiny(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewEngine(w, otherBackend{}, 8, 1); !kernels.IsNotImplemented(err) {
		t.Errorf("NewEngine on a backend without the model: %v, want not implemented", err)
	}
	if err := SupportedOn(otherBackend{}); !kernels.IsNotImplemented(err) {
		t.Errorf("SupportedOn: %v, want not implemented", err)
	}
	if err := SupportedOn(cpu.New(cpu.LevelGeneric)); err != nil && !kernels.IsNotImplemented(err) {
		t.Errorf("SupportedOn(cpu generic): %v", err)
	}
}
