package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/bitnet-go/bitnet-bench/bench/probe"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

// infoReport is what `info --json` prints.
type infoReport struct {
	Tool     results.Tool          `json:"tool"`
	Machine  results.Machine       `json:"machine"`
	Backends []backendInfo         `json:"backends"`
	Levels   []levelInfo           `json:"cpu_levels"`
	Default  string                `json:"cpu_default_level"`
	Forced   string                `json:"cpu_level_error,omitempty"`
	Probes   []results.ProbeStatus `json:"probes"`
	GPUs     []probe.GPU           `json:"nvidia_gpus,omitempty"`
	GPUError string                `json:"nvidia_gpus_unavailable,omitempty"`
}

type backendInfo struct {
	Name      string `json:"name"`
	Level     string `json:"level"`
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
}

type levelInfo struct {
	Level    string   `json:"level"`
	SIMDOps  []string `json:"simd_ops"`
	Generic  bool     `json:"generic,omitempty"`
	Selected bool     `json:"selected,omitempty"`
}

func runInfo(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "info", `info [--json]

Lists what this machine and build can measure: the backends and whether
each is available (and why not), the CPU ISA levels with the ops that run
SIMD code at each, the telemetry probes (energy, temperature) with the
reason for each one that is missing, and NVIDIA GPUs seen through NVML.`, `  bitnet-bench info
  BITNET_ISA=avx2 bitnet-bench info --json`)
	asJSON := fs.Bool("json", false, "print JSON")
	if code, stop := parseFlags(e, fs, args); stop {
		return code
	}
	r := infoReport{Tool: probe.Tool(version), Machine: probe.Machine()}
	for _, name := range kernels.Backends() {
		b, err := kernels.Lookup(name)
		if err != nil {
			return fail(e, "info", exitFailure, "%v", err)
		}
		bi := backendInfo{Name: name, Level: b.Level(), Available: b.Available() == nil}
		if err := b.Available(); err != nil {
			bi.Reason = err.Error()
		}
		r.Backends = append(r.Backends, bi)
	}
	def, err := cpu.DefaultLevel()
	r.Default = string(def)
	if err != nil {
		r.Forced = err.Error()
	}
	for _, l := range cpu.Levels() {
		li := levelInfo{Level: string(l), Generic: l == cpu.LevelGeneric, Selected: l == def}
		for _, op := range cpu.SIMDOps(l) {
			li.SIMDOps = append(li.SIMDOps, string(op))
		}
		r.Levels = append(r.Levels, li)
	}
	srcs, st := probe.Open()
	for _, s := range srcs {
		s.Close()
	}
	r.Probes = probe.StatusesForResults(st)
	if r.GPUs, err = probe.NVIDIAGPUs(); err != nil {
		r.GPUError = err.Error()
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return fail(e, "info", exitFailure, "%v", err)
		}
		return exitOK
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	m := r.Machine
	fmt.Fprintf(w, "bitnet-bench %s (%s, commit %s)\n\n", r.Tool.Version, r.Tool.GoVersion, orDash(r.Tool.Commit))
	fmt.Fprintf(w, "machine\t%s/%s, %s, %d logical cores, GOMAXPROCS %d\n", m.OS, m.Arch, orDash(m.CPUModel), m.LogicalCores, m.GOMAXPROCS)
	fmt.Fprintf(w, "caches\tL1d %s, L2 %s, L3 %s\n", kib(m.L1DBytes), kib(m.L2Bytes), kib(m.L3Bytes))
	fmt.Fprintf(w, "memory\t%.1f GiB\n", float64(m.MemoryBytes)/(1<<30))
	for k, v := range m.Unavailable {
		fmt.Fprintf(w, "  %s\tunavailable: %s\n", k, v)
	}
	fmt.Fprintln(w, "\nbackend\tlevel\tstatus")
	for _, b := range r.Backends {
		status := "available"
		if !b.Available {
			status = "unavailable: " + b.Reason
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", b.Name, b.Level, status)
	}
	fmt.Fprintln(w, "\ncpu level\tSIMD ops")
	for _, l := range r.Levels {
		ops := strings.Join(l.SIMDOps, ", ")
		if l.Generic {
			ops = "none: portable Go for every op"
		}
		mark := ""
		if l.Selected {
			mark = "  (default)"
		}
		fmt.Fprintf(w, "%s%s\t%s\n", l.Level, mark, ops)
	}
	if r.Forced != "" {
		fmt.Fprintf(w, "!\t%s\n", r.Forced)
	}
	fmt.Fprintln(w, "\nprobe\tkind\tstatus")
	for _, p := range r.Probes {
		status := "available: " + strings.Join(p.Channels, ", ")
		if !p.Available {
			status = "unavailable: " + p.Reason
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", p.Name, p.Kind, status)
	}
	fmt.Fprintln(w)
	if r.GPUError != "" {
		fmt.Fprintf(w, "nvidia gpus\tnone: %s\n", r.GPUError)
	}
	for _, g := range r.GPUs {
		fmt.Fprintf(w, "gpu%d\t%s (driver %s)\n", g.Index, g.Name, g.Driver)
	}
	if err := w.Flush(); err != nil {
		return fail(e, "info", exitFailure, "%v", err)
	}
	return exitOK
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func kib(b int) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%d KiB", b>>10)
}
