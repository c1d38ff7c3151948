package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/internal/modeltest"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
)

// TestModelMatchesReference decodes and prefills the tiny model on the GPU
// (resident weights and cache, a CUDA graph a step) and checks the logits
// against the pure-Go reference within the CPU path's bound.
func TestModelMatchesReference(t *testing.T) {
	needGPU(t)
	// modeltest's configs (head dim 32), head dims of 128 (the 2B4T's,
	// the widest model_attention_decode takes) and 256
	// (model_attention_rope's), and a context past the 128 positions the
	// decode attention loads before its wait (its tail loops).
	hd128, hd256 := model.Tiny(), model.Tiny()
	hd128.Heads, hd128.KVHeads, hd128.HeadDim = 4, 2, 128
	hd256.Heads, hd256.KVHeads, hd256.HeadDim = 2, 1, 256
	long := hd128
	long.KVHeads = 1
	defer func(f, a, g, s bool, p int) {
		modelFuse, attDecode, modelGEMVFuse, fuseStage, attPrefillMin = f, a, g, s, p
	}(modelFuse, attDecode, modelGEMVFuse, fuseStage, attPrefillMin)
	type config struct {
		c      model.Config
		tokens int
	}
	var cases []config
	for _, c := range modeltest.Configs() {
		cases = append(cases, config{c, 9})
	}
	// Two layers of the 2B4T's widths (a small vocabulary): the one-token
	// BitLinears over K = 2560 and 6912 that the decode's fused launches
	// run with lane groups of 16 and 32.
	wide := model.BitNet2B4T()
	wide.Layers, wide.Vocab = 2, 1000
	cases = append(cases, config{hd128, 9}, config{hd256, 9}, config{long, 150}, config{wide, 3})
	// gemv: one-token norms folded into the BitLinear after them
	// (modelfuse.go), where the attention before a norm is the decode one.
	// stage: its prologue reads through shared memory (cp.async).
	for _, mode := range []struct{ fuse, decode, prefill, gemv, stage bool }{
		{true, true, true, true, true}, {true, true, true, true, false}, {true, true, true, false, true},
		{true, true, false, true, true}, {true, false, false, true, true}, {false, false, true, true, true},
	} {
		modelFuse, attDecode, modelGEMVFuse, fuseStage, attPrefillMin = mode.fuse, mode.decode, mode.gemv, mode.stage, math.MaxInt
		if mode.prefill {
			attPrefillMin = 2
		}
		for _, tc := range cases {
			c := tc.c
			name := fmt.Sprintf("fuse=%v/decodeatt=%v/prefillatt=%v/gemvfuse=%v/stage=%v/heads%dkv%dhd%d/tokens%d",
				mode.fuse, mode.decode, mode.prefill, mode.gemv, mode.stage, c.Heads, c.KVHeads, c.HeadDim, tc.tokens)
			t.Run(name, func(t *testing.T) { modelMatchesReference(t, c, tc.tokens) })
		}
	}
}

func modelMatchesReference(t *testing.T, c model.Config, n int) {
	w, err := model.NewRandom(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 3))
	tokens := make([]int, n)
	for i := range tokens {
		tokens[i] = rng.IntN(w.Vocab)
	}
	e, err := model.NewEngine(w, Backend{}, len(tokens), len(tokens))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, timed := range []bool{false, true} { // one graph a step; op by op with events
		e.TimeParts = timed
		e.ResetTimes()
		for pos, tok := range tokens {
			got, err := e.Step(tok, pos)
			if err != nil {
				t.Fatal(err)
			}
			if pos == 0 || pos == len(tokens)-1 {
				modeltest.CheckLogits(t, w, tokens[:pos+1], got, fmt.Sprintf("decode (timed parts %v) position %d", timed, pos))
			}
		}
		if dt, ok := e.DeviceTime(); !ok || dt <= 0 {
			t.Errorf("device time %v, %v after a step", dt, ok)
		}
		if timed && (e.Times[model.PartQKV] <= 0 || e.Times[model.PartAttention] <= 0 || e.Times[model.PartLMHead] <= 0) {
			t.Errorf("part times %v", e.Times)
		}
		if !timed && e.Times != [model.NumParts]time.Duration{} {
			t.Errorf("untimed steps recorded part times %v", e.Times)
		}
	}
	got, err := e.Prefill(tokens)
	if err != nil {
		t.Fatal(err)
	}
	modeltest.CheckLogits(t, w, tokens, got, "prefill")
}

func TestModelDeviceLimits(t *testing.T) {
	needGPU(t)
	w, err := model.NewRandom(model.Tiny(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := model.NewEngine(w, Backend{}, attMaxPositions+1, 1); err == nil {
		t.Errorf("a cache of %d positions accepted", attMaxPositions+1)
	}
}
