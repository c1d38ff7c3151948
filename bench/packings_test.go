package bench

import (
	"errors"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/bench/controls"
	"github.com/bitnet-go/bitnet-bench/bench/cputime"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// BenchmarkPackings decodes every packing strategy and auto on each
// pattern, reporting bits/weight beside the time: the suite behind
// compare --packings, under the same names.
func BenchmarkPackings(b *testing.B) {
	cfg := Config{Devices: []string{"cpu"}, Packings: mustPackings(b, "all"), Sizes: []Size{{2560, 2560}}, Seed: 1}
	if testing.Short() {
		cfg.Sizes, cfg.Sparsities = []Size{{640, 2560}}, []float64{0.9}
	}
	cases, err := packingCases(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cases {
		benchPrepared(b, c.Name, func() (kernels.Kernel, Work, error) { return preparePacking(&c, cfg.Seed) },
			func(k kernels.Kernel) (float64, string) { return k.(*packingKernel).p.BitsPerWeight(), "bits/weight" })
	}
}

// benchPrepared times a prepared kernel as the op suites do (controls,
// CPU time per op) and reports one more metric of it.
func benchPrepared(b *testing.B, name string, prepare func() (kernels.Kernel, Work, error), metric func(kernels.Kernel) (float64, string)) {
	b.Run(name, func(b *testing.B) {
		k, w, err := prepare()
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(w.Bytes)
		defer controls.Report(b) // the machine's state, as the op suites give it
		cpuDone := cputime.Track(b)
		for b.Loop() {
			if err := k.Run(); err != nil {
				b.Fatal(err)
			}
		}
		cpuDone()
		b.ReportMetric(metric(k))
	})
}

func mustPackings(t testing.TB, list string) []string {
	ps, err := ParsePackings(list)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestParsePackingsAndSparsities(t *testing.T) {
	all := mustPackings(t, "all")
	if len(all) != len(pack.Strategies())+1 || all[len(all)-1] != PackingAuto {
		t.Errorf("all = %v, want every strategy and auto", all)
	}
	if got := mustPackings(t, "hybrid, AUTO"); strings.Join(got, ",") != "Hybrid,auto" {
		t.Errorf("hybrid,AUTO = %v", got)
	}
	for _, bad := range []string{"", "zip", "hybrid,zip"} {
		if _, err := ParsePackings(bad); err == nil {
			t.Errorf("ParsePackings(%q) accepted", bad)
		}
	}
	if s, err := ParseSparsities("0, 0.5,0.999"); err != nil || len(s) != 3 {
		t.Errorf("ParseSparsities: %v %v", s, err)
	}
	for _, bad := range []string{"", "1", "-0.1", "x", "NaN"} {
		if _, err := ParseSparsities(bad); err == nil {
			t.Errorf("ParseSparsities(%q) accepted", bad)
		}
	}
}

// TestPackingCodesPatterns: each pattern has the sparsity asked for, and
// blocks keeps its zeros in whole 64-code runs.
func TestPackingCodesPatterns(t *testing.T) {
	const n, k = 64, 1024
	for _, pk := range []Packing{{Pattern: "random", Sparsity: 0.9}, {Pattern: "blocks", Sparsity: 0.5}, {Pattern: "absmean"}} {
		codes, err := packingCodes(&pk, n, k, 3)
		if err != nil {
			t.Fatal(err)
		}
		st := pack.Stats(codes)
		want := pk.Sparsity
		if pk.Pattern == "absmean" {
			want = 0.31 // absmean of normal weights: P(|x| < mean|x|/2)
		}
		if got := st.Sparsity; got < want-0.03 || got > want+0.03 {
			t.Errorf("%s: %.3f zeros, want %.2f", pk.patternName(), got, want)
		}
		if pk.Pattern == "blocks" {
			for i := 0; i < len(codes); i += 64 {
				zeros := 0
				for _, c := range codes[i : i+64] {
					if c == 0 {
						zeros++
					}
				}
				if zeros != 0 && zeros != 64 {
					t.Fatalf("blocks: run at %d has %d zeros, want 0 or 64", i, zeros)
				}
			}
		}
	}
	if _, err := packingCodes(&Packing{Pattern: "stripes"}, 2, 2, 1); err == nil {
		t.Error("an unknown pattern was drawn")
	}
}

// TestPackingCasesRun: the catalogue names packing cases after the
// generic CPU level, the runner measures them with their size, auto says
// what it chose, and a backend other than the CPU is not implemented.
func TestPackingCasesRun(t *testing.T) {
	cfg := QuickConfig()
	cfg.Ops, cfg.Sizes, cfg.Sparsities = nil, []Size{{8, 300}}, []float64{0.95}
	cfg.Packings = []string{"Hybrid", PackingAuto}
	cfg.Devices = []string{"cpu", "cuda"}
	cfg.Samples, cfg.Warmup, cfg.SampleTime = 10, 0, 0
	cases, err := Catalogue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 2*3*2 {
		t.Fatalf("%d cases, want 2 packings × 3 patterns × 2 devices", len(cases))
	}
	if want := "UnpackHybrid/8x300/random-s95/i2/generic"; cases[2].Name != want {
		t.Errorf("case 2 is %s, want %s", cases[2].Name, want)
	}
	r := Runner{Config: cfg}
	got, err := r.Run(t.Context(), cases)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range got {
		if c.Family != results.FamilyPacking {
			t.Errorf("%s: family %q", c.Name, c.Family)
		}
		if cases[i].Backend.Name() != "cpu" {
			if c.Status != results.StatusNotImplemented && c.Status != results.StatusUnavailable {
				t.Errorf("%s on %s: status %s, want not implemented or unavailable", c.Name, cases[i].Backend.Name(), c.Status)
			}
			continue
		}
		if !c.OK() || c.Extra["bits/weight"] <= 0 || c.Extra["compression-x"] <= 0 || c.BytesPerOp <= 8*300 {
			t.Errorf("%s: %s %s, extra %v, %d bytes/op", c.Name, c.Status, c.Error, c.Extra, c.BytesPerOp)
		}
		if strings.HasPrefix(c.Op, "UnpackAuto") != (c.Variant != "") {
			t.Errorf("%s: variant %q: want the choice on auto cases only", c.Name, c.Variant)
		}
	}
	// Not on another backend, even one that is available.
	c := cases[0]
	c.Backend = otherBackend{}
	if _, _, err := preparePacking(&c, 1); !kernels.IsNotImplemented(err) {
		t.Errorf("a packing on another backend: %v, want not implemented", err)
	}
}

type otherBackend struct{}

func (otherBackend) Name() string               { return "other" }
func (otherBackend) Level() string              { return "x" }
func (otherBackend) Available() error           { return nil }
func (otherBackend) Implements(kernels.Op) bool { return true }
func (otherBackend) Prepare(*kernels.Problem) (kernels.Kernel, error) {
	return nil, errors.New("unused")
}
