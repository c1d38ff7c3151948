// Package modeltest holds the check every model backend's tests share: an
// Engine on the backend decodes and prefills a small model and its logits
// are held to kernels/model's pure-Go reference within the CPU path's
// bound.
package modeltest

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
)

// Configs are the tiny model (groups of four query heads) and a variant
// with one KV head for six query heads.
func Configs() []model.Config {
	six := model.Tiny()
	six.Heads, six.KVHeads = 6, 1
	return []model.Config{model.Tiny(), six}
}

// EngineMatchesReference decodes nine random tokens one at a time on be
// (untimed, then with part times) and prefills them at once, checking the
// logits at the first and last positions and after the prefill against
// model.ReferenceLogits within model.LogitTolerance.
func EngineMatchesReference(t *testing.T, be kernels.Backend, c model.Config) {
	t.Helper()
	EngineMatchesReferenceN(t, be, c, 9)
}

// EngineMatchesReferenceN is EngineMatchesReference over n tokens (fewer
// for a large model, where the float64 reference is slow).
func EngineMatchesReferenceN(t *testing.T, be kernels.Backend, c model.Config, n int) {
	t.Helper()
	w, err := model.NewRandom(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 3))
	tokens := make([]int, n)
	for i := range tokens {
		tokens[i] = rng.IntN(w.Vocab)
	}
	e, err := model.NewEngine(w, be, len(tokens), len(tokens))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, timed := range []bool{false, true} {
		e.TimeParts = timed
		for pos, tok := range tokens {
			got, err := e.Step(tok, pos)
			if err != nil {
				t.Fatal(err)
			}
			if pos == 0 || pos == len(tokens)-1 {
				CheckLogits(t, w, tokens[:pos+1], got, fmt.Sprintf("decode (timed parts %v) position %d", timed, pos))
			}
		}
	}
	got, err := e.Prefill(tokens)
	if err != nil {
		t.Fatal(err)
	}
	CheckLogits(t, w, tokens, got, "prefill")
}

// CheckLogits holds got, the logits after tokens, to the reference.
func CheckLogits(t *testing.T, w *model.Weights, tokens []int, got []float32, what string) {
	t.Helper()
	want, err := model.ReferenceLogits(w, tokens)
	if err != nil {
		t.Fatal(err)
	}
	worst, scale := model.LogitError(got, want)
	if scale == 0 || worst > model.LogitTolerance*scale {
		t.Fatalf("%s: logits differ by %.3g (largest %.3g, tolerance %.0e relative)", what, worst, scale, model.LogitTolerance)
	}
	t.Logf("%s: max |Δ| %.3g of largest %.3g", what, worst, scale)
}
