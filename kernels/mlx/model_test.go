package mlx

import (
	"fmt"
	"testing"

	"github.com/bitnet-go/bitnet-bench/internal/modeltest"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/internal/modelparts"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
)

// TestModelMatchesReference decodes and prefills the tiny models on MLX
// (weights, embedding and KV cache held by MLX, a step one MLX graph) with
// each BitLinear variant, and checks the logits against the pure-Go
// reference within the CPU path's bound.
func TestModelMatchesReference(t *testing.T) {
	needMLX(t)
	defer func(v string) { bitLinearKernel = v }(bitLinearKernel)
	for _, kn := range []string{"qmm", "dense"} {
		bitLinearKernel = kn
		for _, c := range modeltest.Configs() {
			t.Run(fmt.Sprintf("%s/heads%dkv%d", kn, c.Heads, c.KVHeads), func(t *testing.T) { modeltest.EngineMatchesReference(t, Backend{}, c) })
		}
	}
	// A context longer than the tiny one, past a prefill of more tokens.
	bitLinearKernel = "auto"
	t.Run("auto/40tokens", func(t *testing.T) { modeltest.EngineMatchesReferenceN(t, Backend{}, model.Tiny(), 40) })
}

// TestModel2B4TLayer runs one layer of the 2B4T's shape (20 query heads on
// 5 KV heads of 128, widths 2560 and 6912, an LM head of three exact
// slices) with a small vocabulary: decode steps and a prefill against the
// reference.
func TestModel2B4TLayer(t *testing.T) {
	needMLX(t)
	if testing.Short() {
		t.Skip("-short: seconds of CPU")
	}
	modeltest.EngineMatchesReferenceN(t, Backend{}, modelparts.TwoB4T(1, 1000), 3)
}

// TestModelUnavailable runs where there is no libmlxc: the engine fails
// with the availability error, and nothing runs in MLX's place.
func TestModelUnavailable(t *testing.T) {
	avail := Backend{}.Available()
	if avail == nil {
		t.Skip("MLX is available here")
	}
	w, err := model.NewRandom(model.Tiny(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := model.NewEngine(w, Backend{}, 8, 1); err == nil || err.Error() != avail.Error() {
		t.Errorf("NewEngine without libmlxc: %v, want %v", err, avail)
	}
	if err := model.SupportedOn(Backend{}); err == nil || err.Error() != avail.Error() {
		t.Errorf("SupportedOn without libmlxc: %v, want %v", err, avail)
	}
}

// TestModelNoLeak: an engine's steps and its Close give back every array.
func TestModelNoLeak(t *testing.T) {
	needMLX(t)
	active := func() uint64 { return activeMemory(t) }
	w, err := model.NewRandom(model.Tiny(), 1)
	if err != nil {
		t.Fatal(err)
	}
	before := active()
	e, err := model.NewEngine(w, Backend{}, 16, 4)
	if err != nil {
		t.Fatal(err)
	}
	for pos := range 8 {
		e.TimeParts = pos%2 == 0
		if _, err := e.Step(pos, pos); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Prefill([]int{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if after := active(); after != before {
		t.Errorf("MLX active memory %d bytes before the engine, %d after Close: arrays leaked", before, after)
	}
	if _, err := e.Step(1, 1); err == nil {
		t.Error("Step after Close: no error")
	}
}

// TestModelSupported: with libmlxc the MLX backend runs the model.
func TestModelSupported(t *testing.T) {
	needMLX(t)
	if err := model.SupportedOn(Backend{}); err != nil {
		t.Errorf("SupportedOn(mlx) = %v", err)
	}
	var be kernels.Backend = Backend{}
	if _, ok := be.(model.Backend); !ok {
		t.Error("the MLX backend does not implement model.Backend")
	}
}
