package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/bitnet-go/bitnet-bench/bench"
	"github.com/bitnet-go/bitnet-bench/bench/probe"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

func runRoofline(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "roofline", `roofline [--isa all|LEVELS] [--buffer-mib N] [--json]

Measures this machine's limits, in-process, for each CPU ISA level: the
single-thread streaming read bandwidth over a buffer larger than the
caches, and the int8 dot-product peak of one core (the instruction sequence
that level's BitLinear kernels use). Each is the median of several passes.
"compare" records the same figures and gives every case its % of them.`, `  bitnet-bench roofline
  bitnet-bench roofline --isa avx512 --buffer-mib 1024 --json`)
	var (
		isa    = fs.String("isa", "all", "levels to measure: all, or a list (generic,avx2,avx512,amx)")
		bufMiB = fs.Int("buffer-mib", 0, "read-bandwidth buffer in MiB; default max(256, 4×L3)")
		asJSON = fs.Bool("json", false, "print JSON")
	)
	if code, stop := parseFlags(e, fs, args); stop {
		return code
	}
	levels := cpu.Levels()
	if *isa != "all" {
		levels = nil
		names, err := parseLevelList(*isa)
		if err != nil {
			return fail(e, "roofline", exitBadInput, "--isa: %v", err)
		}
		for _, l := range names {
			if !cpu.Supported(l) {
				return fail(e, "roofline", exitBadInput, "--isa: this machine or build cannot run %s (it has %v)", l, cpu.Levels())
			}
			levels = append(levels, l)
		}
	}
	buf := probe.RooflineBufferBytes()
	if *bufMiB != 0 {
		if *bufMiB < 1 {
			return fail(e, "roofline", exitBadInput, "--buffer-mib %d: want at least 1", *bufMiB)
		}
		buf = *bufMiB << 20
	}
	lims, err := probe.Roofline(levels, buf)
	if err != nil {
		return fail(e, "roofline", exitFailure, "%v", err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(lims); err != nil {
			return fail(e, "roofline", exitFailure, "%v", err)
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "level\tread GB/s (1 thread)\tbuffer\tint8 peak GMAC/s (1 core)")
	for _, l := range lims {
		peak := fmt.Sprintf("%.1f", l.Int8PeakGMACps)
		if l.Int8PeakGMACps == 0 {
			peak = "unavailable: " + l.Int8Unavailable
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%d MiB\t%s\n", l.Level, l.ReadGBps, l.BufferBytes>>20, peak)
	}
	if err := tw.Flush(); err != nil {
		return fail(e, "roofline", exitFailure, "%v", err)
	}
	if why := cpu.AMXUnavailable(); why != "" {
		fmt.Fprintf(e.stdout, "amx: no AMX-INT8 level: %s\n", why)
	}
	if len(lims) > 0 {
		fmt.Fprintf(e.stdout, "memory: the read buffer and the kernels' weights come from the memory pool; transparent huge pages: %s\n", lims[0].HugePages)
	}
	return exitOK
}

func parseLevelList(list string) ([]cpu.Level, error) {
	var out []cpu.Level
	names, err := bench.ParseLevels(list)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		l, err := cpu.ParseLevel(n)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}
