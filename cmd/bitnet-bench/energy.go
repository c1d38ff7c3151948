package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench"
	"github.com/bitnet-go/bitnet-bench/bench/probe"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
)

func runEnergyAnalysis(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "energy-analysis", `energy-analysis --duration 60s [--power-monitoring] [--thermal-monitoring] --output energy.json

Runs one workload continuously for the duration while the probes sample
power, energy, temperature and clocks, then writes the timelines and the
energy per operation. On a machine without sensors it says exactly which
are missing (in the file and on stderr) and exits 0.`, `  bitnet-bench energy-analysis --duration 60s --power-monitoring --thermal-monitoring --output energy_report.json
  bitnet-bench energy-analysis --workload MatMul/2560x2560/b1 --duration 10s --power-monitoring --output e.json`)
	var (
		duration = fs.Duration("duration", 60*time.Second, "how long to run the workload")
		power    = fs.Bool("power-monitoring", false, "sample energy and power (RAPL, NVML)")
		thermal  = fs.Bool("thermal-monitoring", false, "sample temperatures (hwmon, NVML)")
		workload = fs.String("workload", "BitLinear/2560x6912/b1", "workload as Op/NxK/bM (Op/K/bM for per-token ops), optionally ending in a backend (/cuda), at the backend's default level")
		device   = fs.String("device", "", "backend to run the workload on ("+strings.Join(kernels.Backends(), ",")+"); default the workload's, else cpu")
		interval = fs.Duration("interval", 100*time.Millisecond, "sampling interval")
		output   = fs.String("output", "", "JSON file to write (required)")
	)
	if code, stop := parseFlags(e, fs, args); stop {
		return code
	}
	if *output == "" {
		return fail(e, "energy-analysis", exitBadInput, "--output is required")
	}
	if *duration <= 0 || *interval < 10*time.Millisecond {
		return fail(e, "energy-analysis", exitBadInput, "--duration must be positive and --interval at least 10ms")
	}
	if code, stop := checkOutputs(e, "energy-analysis", "output", *output); stop {
		return code
	}
	if !*power && !*thermal {
		*power, *thermal = true, true // asking for neither means both
	}
	c, err := workloadCase(*workload, *device)
	if err != nil {
		return fail(e, "energy-analysis", exitBadInput, "--workload: %v", err)
	}
	var kinds []string
	if *power {
		kinds = append(kinds, "energy")
	}
	if *thermal {
		kinds = append(kinds, "temperature")
	}
	r, err := bench.Sustain(ctx, bench.SustainConfig{Case: c, Seed: 1, Duration: *duration, Interval: *interval, Kinds: kinds,
		Tool: probe.Tool(version), Command: e.argv,
		OnMissing: func(msg string) { fmt.Fprintf(e.stderr, "energy-analysis: unavailable: %s\n", msg) }})
	if r == nil { // a failure, not an interrupt: no file
		return fail(e, "energy-analysis", exitFailure, "%v", err)
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fail(e, "energy-analysis", exitFailure, "%v", err)
	}
	if err := results.WriteFileAtomic(*output, append(data, '\n'), 0o644); err != nil {
		return fail(e, "energy-analysis", exitIO, "writing %s: %v", *output, err)
	}
	fmt.Fprintf(e.stderr, "energy-analysis: %s ran %d times in %.1fs; wrote %s\n", c.Name, r.Ops, r.Seconds, *output)
	if len(r.EnergyJ) == 0 {
		fmt.Fprintln(e.stderr, "energy-analysis: no energy source on this machine: energy per operation is not reported")
	}
	for _, ch := range slices.Sorted(maps.Keys(r.JPerOp)) {
		fmt.Fprintf(e.stderr, "  %-20s %.3g J/op  %.1f W mean\n", ch, r.JPerOp[ch], r.MeanPowerW[ch])
	}
	if r.Interrupted {
		return exitInterrupted
	}
	return exitOK
}

// workloadCase finds the catalogue case a workload name selects on a
// backend (device, or the one the name ends in, else cpu), at its default
// level. A name may carry its case name's tail: the dtype and the backend
// (BitLinear/2560x6912/b1/i2/cuda).
func workloadCase(name, device string) (*bench.Case, error) {
	cfg := bench.DefaultConfig()
	cfg.Sizes, cfg.Batches = nil, nil
	parts := strings.Split(name, "/")
	if len(parts) > 2 && slices.Contains(kernels.Backends(), parts[len(parts)-1]) {
		if device != "" && device != parts[len(parts)-1] {
			return nil, fmt.Errorf("%q names backend %s, --device %s", name, parts[len(parts)-1], device)
		}
		device, parts = parts[len(parts)-1], parts[:len(parts)-1]
	}
	if len(parts) > 2 && slices.Contains([]string{"i2", "f32", "f16", "bf16"}, parts[len(parts)-1]) {
		parts = parts[:len(parts)-1]
	}
	name = strings.Join(parts, "/")
	if device == "" {
		device = "cpu"
	}
	if _, err := kernels.Lookup(device); err != nil {
		return nil, err
	}
	cfg.Devices = []string{device}
	var op kernels.Op
	var rest string
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			op, rest = kernels.Op(name[:i]), name[i+1:]
			break
		}
	}
	if !op.Known() {
		return nil, fmt.Errorf("%q: want Op/NxK/bM with Op one of %v", name, kernels.Ops)
	}
	cfg.Ops = []kernels.Op{op}
	var n, k, m int
	switch {
	case scan(rest, "%dx%d/b%d", &n, &k, &m) == nil:
	case scan(rest, "%dx%d", &n, &k) == nil:
		m = 1
	case scan(rest, "%d/b%d", &k, &m) == nil:
		n = k
	default:
		return nil, fmt.Errorf("%q: want Op/NxK/bM (e.g. BitLinear/2560x6912/b1) or Op/K/bM (e.g. GELU/6912/b8)", name)
	}
	cfg.Sizes, cfg.Batches = []bench.Size{{N: n, K: k}}, []int{m}
	cases, err := bench.Catalogue(cfg)
	if err != nil {
		return nil, err
	}
	for i := range cases {
		if cases[i].Shape.K == k && (cases[i].Shape.N == n || cases[i].Shape.N == 0) {
			if cases[i].Unavailable != "" {
				return nil, fmt.Errorf("%s: %s", cases[i].Name, cases[i].Unavailable)
			}
			return &cases[i], nil
		}
	}
	return nil, fmt.Errorf("%q matches no case", name)
}

func scan(s, format string, args ...any) error {
	n, err := fmt.Sscanf(s, format, args...)
	if err != nil {
		return err
	}
	if n != len(args) {
		return fmt.Errorf("partial match")
	}
	// Sscanf stops early: make sure the format consumed the whole string.
	var check string
	switch len(args) {
	case 2:
		check = fmt.Sprintf(format, *args[0].(*int), *args[1].(*int))
	case 3:
		check = fmt.Sprintf(format, *args[0].(*int), *args[1].(*int), *args[2].(*int))
	}
	if check != s {
		return fmt.Errorf("trailing text")
	}
	return nil
}
