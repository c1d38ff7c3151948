package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/bench/results"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "benchmark_config.json")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigFileErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"tensor_sizes": [[512]]}`, "tensor_sizes[0] = [512]"},
		{`{"tensor_sizes": [[512, -1]]}`, "tensor_sizes[0] = [512,-1]"},
		{`{"tensor_sizes": [[99999999, 99999999]]}`, "tensor_sizes[0] = [99999999,99999999]: 9999999800000001 weights is more than this tool handles"},
		{`{"batch_sizes": [1, 0]}`, "batch_sizes[1] = 0"},
		{`{"batch_sizes": [70000]}`, "batch_sizes[0] = 70000: want a positive integer up to 65536"},
		{`{"operations": ["matmul", "softmax"]}`, `operations = ["matmul","softmax"]`},
		{`{"measurement_iterations": 5}`, "measurement_iterations = 5"},
		{`{"warmup_iterations": -1}`, "warmup_iterations = -1"},
		{`{"simd_config": {"instruction_sets": ["sse2"]}}`, `simd_config.instruction_sets[0] = "sse2"`},
		{`{"simd_config": {"memory_alignments": [48]}}`, "memory_alignments[0] = 48"},
		{`{"simd_config": {"sparsity_levels": [1.5]}}`, "sparsity_levels[0] = 1.5"},
		{`{"packing_config": {"strategies": ["Hybrid", "zip"]}}`, "packing_config.strategies[1] = \"zip\""},
		{`{"packing_config": {"strategies": ["all"]}}`, "packing_config.strategies[0] = \"all\""},
		{`{"batch_sizes": "8"}`, `:1:20: key "batch_sizes"`},
		{"{\n  \"batch_sizes\": [1],\n  \"tensor_size\": [[1, 1]]}", `:3:3: unknown key "tensor_size"`},
		{"{\n  \"simd_config\": {\"instruction_set\": []}}", `:2:19: unknown key "instruction_set"`},
		{"{\"batch_sizes\": [1],\n \"batch_sizes\": [8]}", `:2:2: key "batch_sizes" appears twice`},
		{"{\"batch_sizes\": [1,\n ]}", `:2:3: invalid JSON`},
		{``, "empty file"},
		{`{"batch_sizes": [1]} {}`, "unexpected data"},
	} {
		p := writeConfig(t, tc.body)
		code, _, errOut := runCLI(t, "compare", "--config", p, "--output", t.TempDir())
		if code != exitBadInput || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, p) {
			t.Errorf("config %s: exit %d, stderr %q; want exit 2 naming %q and the file", tc.body, code, errOut, tc.want)
		}
	}
}

// TestConfigFileAppliesAndFlagsOverride: the file sets the run, flags win.
func TestConfigFileAppliesAndFlagsOverride(t *testing.T) {
	p := writeConfig(t, `{
  "tensor_sizes": [[64, 256], [32, 128]],
  "batch_sizes": [1, 2],
  "operations": ["bitlinear"],
  "devices": ["cpu"],
  "warmup_iterations": 3,
  "measurement_iterations": 10,
  "enable_memory_tracking": true,
  "enable_energy_tracking": false,
  "simd_config": {"instruction_sets": ["generic"], "memory_alignments": [64], "sparsity_levels": [0.5]},
  "packing_config": {"strategies": ["BitPacked2Bit"], "auto_selection": true, "compression_analysis": true}
}`)
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "compare", "--config", p, "--batch", "4", "--warmup", "1ms", "--sample-time", "1ms", "--roofline=false", "--quiet", "--output", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Keys recorded but not applied are said so, not ignored silently;
	// the packing keys are applied.
	if !strings.Contains(errOut, "memory_alignments") {
		t.Errorf("no note about memory_alignments in %q", errOut)
	}
	for _, key := range []string{"sparsity_levels", "packing_config"} {
		if strings.Contains(errOut, key) {
			t.Errorf("a note about %s, which is applied: %q", key, errOut)
		}
	}
	f, err := results.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	// 2 sizes × batch 4 from the flag, then the packings: BitPacked2Bit and
	// auto × 2 sizes × absmean, random-s50, blocks-s50.
	var ops []results.Case
	packings := map[string]int{}
	for _, c := range f.Cases {
		if c.Family == "packing" {
			packings[c.Op]++
			if !c.OK() || c.Extra["bits/weight"] <= 0 || (!strings.Contains(c.Name, "/absmean/") && !strings.Contains(c.Name, "-s50/")) {
				t.Errorf("packing case %s: %s, extra %v", c.Name, c.Status, c.Extra)
			}
			continue
		}
		ops = append(ops, c)
	}
	if len(ops) != 2 || packings["UnpackBitPacked2Bit"] != 6 || packings["UnpackAuto"] != 6 || len(packings) != 2 {
		t.Fatalf("%d op cases and packings %v, want 2 and 6 each of UnpackBitPacked2Bit and UnpackAuto", len(ops), packings)
	}
	if got := f.Config.Packings; strings.Join(got, ",") != "BitPacked2Bit,auto" || len(f.Config.Sparsities) != 1 {
		t.Errorf("results config: packings %v sparsities %v", got, f.Config.Sparsities)
	}
	for _, c := range ops {
		if c.Op != "BitLinear" || c.Shape.M != 4 || c.Level != "generic" || len(c.SamplesNs) != 10 {
			t.Errorf("case %s: op %s M=%d level %s samples %d", c.Name, c.Op, c.Shape.M, c.Level, len(c.SamplesNs))
		}
		if c.Telemetry == nil || c.Telemetry.EnergyJPerOp != nil {
			t.Errorf("%s: want memory telemetry and no energy (disabled in the file): %+v", c.Name, c.Telemetry)
		}
	}
	if len(f.Probes) != 0 {
		t.Errorf("energy tracking was off but probes were opened: %v", f.Probes)
	}
}

func TestInfoAndEnergyAnalysis(t *testing.T) {
	code, out, _ := runCLI(t, "info")
	if code != exitOK || !strings.Contains(out, "cpu level") || !strings.Contains(out, "probe") || !strings.Contains(out, "generic") {
		t.Fatalf("info: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "info", "--json"); code != exitOK || !strings.Contains(out, `"cpu_levels"`) {
		t.Fatalf("info --json: exit %d\n%s", code, out)
	}
	p := filepath.Join(t.TempDir(), "energy.json")
	code, _, errOut := runCLI(t, "energy-analysis", "--duration", "200ms", "--workload", "BitLinear/256x512/b1",
		"--power-monitoring", "--thermal-monitoring", "--output", p)
	if code != exitOK {
		t.Fatalf("energy-analysis: exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(p)
	if err != nil || !strings.Contains(string(data), `"schema": "bitnet-bench/energy/v1"`) || !strings.Contains(string(data), `"ops":`) {
		t.Fatalf("energy file: %v\n%s", err, data)
	}
	// Every unavailable source is named, in the file and on stderr.
	if strings.Contains(string(data), `"available": false`) && !strings.Contains(errOut, "unavailable") {
		t.Errorf("a missing source was not reported on stderr: %s", errOut)
	}
	for _, bad := range [][]string{
		{"energy-analysis", "--duration", "1s"},
		{"energy-analysis", "--workload", "Softmax/1x1", "--output", p},
		{"energy-analysis", "--workload", "BitLinear/abc", "--output", p},
		{"energy-analysis", "--duration", "-1s", "--output", p},
	} {
		if code, _, _ := runCLI(t, bad...); code != exitBadInput {
			t.Errorf("%v: exit %d, want %d", bad, code, exitBadInput)
		}
	}
}

// TestSizesFlagAndConfigAgree: --sizes and a --config file's tensor_sizes
// go through one validation, so a shape one refuses the other refuses with
// the same reason (tensor_sizes once reached the catalogue and panicked).
func TestSizesFlagAndConfigAgree(t *testing.T) {
	for _, tc := range []struct {
		n, k int
		ok   bool
	}{{99999999, 99999999, false}, {1 << 16, 1<<15 + 1, false}, {1 << 16, 1 << 15, true}} {
		flagCode, _, flagErr := runCLI(t, "compare", "--sizes", fmt.Sprintf("%dx%d", tc.n, tc.k), "--batch", "0", "--output", t.TempDir())
		p := writeConfig(t, fmt.Sprintf(`{"tensor_sizes": [[%d, %d]], "batch_sizes": [0]}`, tc.n, tc.k))
		cfgCode, _, cfgErr := runCLI(t, "compare", "--config", p, "--output", t.TempDir())
		if flagCode != exitBadInput || cfgCode != exitBadInput {
			t.Fatalf("%dx%d: exits %d (--sizes) and %d (--config), want 2 and 2\n%s\n%s", tc.n, tc.k, flagCode, cfgCode, flagErr, cfgErr)
		}
		// A shape both accept fails later, on batch 0.
		tooBig := "more than this tool handles"
		if strings.Contains(flagErr, tooBig) == tc.ok || strings.Contains(cfgErr, tooBig) == tc.ok {
			t.Errorf("%dx%d: want both refused on size = %v:\n%s\n%s", tc.n, tc.k, !tc.ok, flagErr, cfgErr)
		}
	}
}

// TestEnergyWorkloadBackend: a workload runs on the backend its name ends
// in or --device names (never silently on the CPU), the two must agree,
// and an unknown backend is bad input.
func TestEnergyWorkloadBackend(t *testing.T) {
	for _, tc := range []struct{ name, device, backend string }{
		{"BitLinear/256x512/b1", "", "cpu"},
		{"BitLinear/256x512/b1/cuda", "", "cuda"},
		{"BitLinear/256x512/b1/i2/cuda", "", "cuda"},
		{"BitLinear/256x512/b1", "cuda", "cuda"},
		{"GELU/6912/b8/f32/cuda", "cuda", "cuda"},
	} {
		c, err := workloadCase(tc.name, tc.device)
		if tc.backend == "cuda" && err != nil && strings.Contains(err.Error(), "cuda") {
			continue // no GPU here: the case is unavailable, and says so
		}
		if err != nil {
			t.Errorf("%s --device %q: %v", tc.name, tc.device, err)
			continue
		}
		if c.BackendName() != tc.backend || !strings.HasSuffix(c.Name, "/"+tc.backend) && tc.backend != "cpu" {
			t.Errorf("%s --device %q runs %s on %s, want %s", tc.name, tc.device, c.Name, c.BackendName(), tc.backend)
		}
	}
	for _, bad := range [][2]string{{"BitLinear/256x512/b1/cuda", "cpu"}, {"BitLinear/256x512/b1", "nonesuch"}} {
		if _, err := workloadCase(bad[0], bad[1]); err == nil {
			t.Errorf("%s --device %s accepted", bad[0], bad[1])
		}
	}
	p := filepath.Join(t.TempDir(), "energy.json")
	if code, _, _ := runCLI(t, "energy-analysis", "--workload", "BitLinear/256x512/b1", "--device", "nonesuch", "--output", p); code != exitBadInput {
		t.Errorf("unknown --device: exit %d, want %d", code, exitBadInput)
	}
}
