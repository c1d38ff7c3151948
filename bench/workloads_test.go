package bench

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	"github.com/bitnet-go/bitnet-bench/kernels/model"
)

func TestParseWorkloads(t *testing.T) {
	if w, err := ParseWorkloads("decode, attention"); err != nil || strings.Join(w, ",") != "decode,attention" {
		t.Fatalf("ParseWorkloads = %v, %v", w, err)
	}
	if w, _ := ParseWorkloads("all"); len(w) != 3 {
		t.Fatalf("all = %v", w)
	}
	if _, err := ParseWorkloads("decode,train"); err == nil || !strings.Contains(err.Error(), `"train"`) {
		t.Fatalf("unknown workload: err = %v", err)
	}
}

// TestWorkloadCases runs every workload of the tiny model through the
// runner on every level: levels that lack a part are "not-implemented",
// the others produce samples, and a decode step reports its parts.
func TestWorkloadCases(t *testing.T) {
	cfg := QuickConfig()
	cfg.Ops, cfg.Workloads, cfg.Model = nil, WorkloadNames, "tiny"
	cfg.Levels, cfg.Threads = []string{"all"}, []int{1, 2}
	cfg.Samples, cfg.Warmup, cfg.SampleTime = 10, time.Millisecond, time.Millisecond
	if testing.Short() { // -race: the default level alone
		cfg.Levels, cfg.Threads = nil, []int{1}
	}
	cases, err := Catalogue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no workload cases")
	}
	// The long prefill and sequences only cost time here.
	kept := cases[:0]
	for _, c := range cases {
		if !strings.Contains(c.Name, "/b512/") && !strings.Contains(c.Name, "/seq4096/") && !strings.Contains(c.Name, "/seq1024/") {
			kept = append(kept, c)
		}
	}
	cases = kept
	out, err := (&Runner{Config: cfg}).Run(context.Background(), cases)
	if err != nil {
		t.Fatal(err)
	}
	decodes := 0
	for i, rc := range out {
		be := cases[i].Backend.(*cpu.Backend)
		if model.Supported(be) != nil {
			if rc.Status != results.StatusNotImplemented {
				t.Errorf("%s: status %q, want not-implemented", rc.Name, rc.Status)
			}
			continue
		}
		if rc.Status != results.StatusOK || len(rc.SamplesNs) != 10 || rc.Family != results.FamilyWorkload || rc.BytesPerOp <= 0 {
			t.Errorf("%s: status %q (%s), %d samples, family %q, %d bytes", rc.Name, rc.Status, rc.Error, len(rc.SamplesNs), rc.Family, rc.BytesPerOp)
		}
		if strings.HasPrefix(rc.Name, "Decode/tiny/ctx128/") {
			decodes++
			if rc.Extra["ns/token-qkv"] <= 0 || rc.Extra["ns/token-lm_head"] <= 0 {
				t.Errorf("%s: parts %v", rc.Name, rc.Extra)
			}
		}
		// Tokens per second is the tokens a run handles over its median time.
		wantTokens := map[string]int64{"Decode": 1, "Prefill": int64(rc.Shape.M), "Attention": 0}[string(cases[i].Op)]
		if rc.TokensPerOp != wantTokens {
			t.Errorf("%s: %d tokens per op, want %d", rc.Name, rc.TokensPerOp, wantTokens)
		} else if want := float64(wantTokens) / rc.MedianNs * 1e9; math.Abs(rc.TokensPerS-want) > 1e-9*want {
			t.Errorf("%s: %g tokens/s, want %g", rc.Name, rc.TokensPerS, want)
		}
	}
	if decodes == 0 {
		t.Error("no decode case ran")
	}
}

// modelLessBackend is an available backend that implements no op and no
// model: a workload on it must be reported not implemented, never run on
// the CPU.
type modelLessBackend struct{}

func (modelLessBackend) Name() string               { return "modelless" }
func (modelLessBackend) Level() string              { return "none" }
func (modelLessBackend) Available() error           { return nil }
func (modelLessBackend) Implements(kernels.Op) bool { return false }
func (modelLessBackend) Prepare(p *kernels.Problem) (kernels.Kernel, error) {
	return nil, &kernels.NotImplementedError{Op: p.Op, Backend: "modelless"}
}

func init() { kernels.Register("modelless", func() kernels.Backend { return modelLessBackend{} }) }

// TestWorkloadsStayOnTheirDevice: `compare --devices X --workloads ...`
// names and runs every workload case on X. It was a bug that they ran on
// the CPU under a CPU level's name whatever the devices said.
func TestWorkloadsStayOnTheirDevice(t *testing.T) {
	cfg := QuickConfig()
	cfg.Ops, cfg.Workloads, cfg.Model = nil, []string{"decode", "prefill"}, "tiny"
	cfg.Samples, cfg.Warmup, cfg.SampleTime = 10, time.Millisecond, time.Millisecond
	for _, dev := range []string{"modelless", "cuda"} {
		cfg.Devices = []string{dev}
		cases, err := Catalogue(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) != 3 {
			t.Fatalf("%s: %d cases, want decode and two prefills", dev, len(cases))
		}
		for _, c := range cases {
			if c.Backend.Name() != dev || !strings.HasSuffix(c.Name, "/"+dev) {
				t.Errorf("--devices %s: case %s on backend %s", dev, c.Name, c.Backend.Name())
			}
		}
		if dev != "modelless" {
			continue
		}
		out, err := (&Runner{Config: cfg}).Run(context.Background(), cases)
		if err != nil {
			t.Fatal(err)
		}
		for _, rc := range out {
			if rc.Status != results.StatusNotImplemented || rc.Backend != dev {
				t.Errorf("%s: status %q on %q (%s), want not-implemented on %s", rc.Name, rc.Status, rc.Backend, rc.Error, dev)
			}
		}
	}
	// Both devices: the CPU's cases and the other's, each on its own.
	cfg.Devices = []string{"cpu", "modelless"}
	cases, err := Catalogue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var cpuCases, other int
	for _, c := range cases {
		switch c.Backend.Name() {
		case "cpu":
			cpuCases++
		case "modelless":
			other++
		}
	}
	if cpuCases != 3 || other != 3 {
		t.Errorf("cpu,modelless: %d CPU and %d other cases, want 3 and 3", cpuCases, other)
	}
}

// TestModelLevelAliases: the model cases take the level names the kernel
// cases take ("avx512" is avx512vnni), and keep an unknown one to report.
func TestModelLevelAliases(t *testing.T) {
	bes := cpuModelBackends(Config{Levels: []string{"avx512", "purego", "nonesuch"}})
	got := make([]string, len(bes))
	for i, be := range bes {
		got[i] = be.Level()
	}
	if want := []string{"avx512vnni", "generic", "nonesuch"}; !slices.Equal(got, want) {
		t.Fatalf("levels %v, want %v", got, want)
	}
}
