package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench/results"
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
		if rc.Status != results.StatusOK || len(rc.SamplesNs) != 10 || rc.Family != "workload" || rc.BytesPerOp <= 0 {
			t.Errorf("%s: status %q (%s), %d samples, family %q, %d bytes", rc.Name, rc.Status, rc.Error, len(rc.SamplesNs), rc.Family, rc.BytesPerOp)
		}
		if strings.HasPrefix(rc.Name, "Decode/tiny/ctx128/") {
			decodes++
			if rc.Extra["ns/token-qkv"] <= 0 || rc.Extra["ns/token-lm_head"] <= 0 || rc.Extra["tokens/s"] <= 0 {
				t.Errorf("%s: parts %v", rc.Name, rc.Extra)
			}
		}
	}
	if decodes == 0 {
		t.Error("no decode case ran")
	}
}
