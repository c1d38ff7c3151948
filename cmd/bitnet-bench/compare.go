package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench"
	"github.com/bitnet-go/bitnet-bench/bench/probe"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/internal/fileset"
	"github.com/bitnet-go/bitnet-bench/internal/units"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	_ "github.com/bitnet-go/bitnet-bench/kernels/cuda"
	_ "github.com/bitnet-go/bitnet-bench/kernels/ext"
	_ "github.com/bitnet-go/bitnet-bench/kernels/metal"
	_ "github.com/bitnet-go/bitnet-bench/kernels/mlx"
	"github.com/bitnet-go/bitnet-bench/memory"
	"github.com/bitnet-go/bitnet-bench/report"
)

// minSamples is the fewest samples that give the median a 95% interval
// (docs/DESIGN.md asks for at least 10 after warm-up).
const minSamples = 10

func runCompare(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "compare", `compare [flags] --output DIR

Runs the benchmark catalogue (operation × size × batch × device) with a
warm-up and N timed samples per case, then writes DIR/results.json,
DIR/results.txt (Go benchmark format, for benchstat) and DIR/report.html.
If --output names a .json file, the .txt and .html are written beside it.`, `  bitnet-bench compare --quick --output out
  bitnet-bench compare --operations bitlinear,matmul --sizes 2560x2560,2560x6912 --batch 1,8 --output out
  bitnet-bench compare --operations gelu,silu --samples 20 --output results.json
  bitnet-bench compare --operations bitlinear --isa all --threads 1,2 --sizes 2560x2560 --output isa
  bitnet-bench compare --operations none --workloads decode,prefill,attention --threads 1,2 --output model
  bitnet-bench compare --operations none --packings all --sparsity 0.5,0.95 --sizes 2560x2560 --output packings
  benchstat out/results.txt`)
	var (
		ops        = fs.String("operations", "", "comma-separated families ("+strings.Join(bench.FamilyNames, ",")+") or op names; default all")
		sizes      = fs.String("sizes", "", "comma-separated NxK weight shapes; default the BitNet b1.58 2B4T shapes")
		batch      = fs.String("batch", "", "comma-separated batch sizes (tokens); default 1,8")
		devices    = fs.String("devices", "", "comma-separated backends ("+strings.Join(kernels.Backends(), ",")+"), or ext:/path/lib.so for another library's kernels (ext alone: those in $BITNET_EXT_LIBS); default cpu")
		isa        = fs.String("isa", "", "CPU ISA levels to measure side by side: all, or a list (generic,avx2,avx512); default the fastest level with each op (BITNET_ISA overrides)")
		threads    = fs.String("threads", "", "comma-separated thread counts for what splits its work over output rows: BitLinear, Unpack2Bit, MatMul at SIMD levels, and the Decode and Prefill workloads; the rest runs once, on one thread; default 1")
		samples    = fs.Int("samples", 0, fmt.Sprintf("timed samples per case (at least %d); default 10", minSamples))
		warmup     = fs.Duration("warmup", 0, "warm-up time per case; default 200ms (50ms with --quick)")
		sampleTime = fs.Duration("sample-time", 0, "target duration of one sample; default 100ms (20ms with --quick)")
		seed       = fs.Uint64("seed", 1, "seed of the random operands")
		workloads  = fs.String("workloads", "", "whole-model cases to add: decode, prefill, attention, or all (BitNet b1.58 on each --devices backend, tokens/s and time per part; a backend without the model reports not implemented)")
		modelName  = fs.String("model", "2B4T", "model shape of --workloads: 2B4T or tiny")
		packings   = fs.String("packings", "", "packing cases to add: all, auto (pack.Select picks per matrix), or strategies ("+strings.Join(packingStrategies(), ",")+"): bits/weight and whole-matrix decode speed per --sizes shape and pattern (absmean weights; random and 64-code blocks of zeros at each --sparsity), on the CPU's generic level")
		sparsity   = fs.String("sparsity", "", "comma-separated fractions of zeros for --packings' random and blocks patterns; default 0.5,0.9,0.99")
		convs      = fs.String("conversions", "", "conversion cases to add: all, or formats (f16,bf16,i8,ternary): the memory pool's conversion engine converting each --sizes f32 tensor directly, streamed and as a batch, with its compression ratio, on the CPU's generic level")
		cleanup    = fs.String("cleanup", "", "cleanup cases to add: all, or strategies (none,idle,periodic,generational,pressure): the memory pool's cleanup pass after each --sizes x --batch BitLinear allocation cycle on a pool of its own, its cost per cycle (page faults included) and bytes released, on the CPU's generic level")
		quick      = fs.Bool("quick", false, "short run: 3 shapes, short samples (under 2 minutes on 2 cores)")
		output     = fs.String("output", "", "output directory, or the path of results.json (required)")
		quiet      = fs.Bool("quiet", false, "print nothing but errors")
		format     = fs.String("format", "text", "also print a table of every case on stdout when done: md (Markdown), csv or json; text prints none")
		roofline   = fs.Bool("roofline", true, "measure this machine's read bandwidth and int8 peak per CPU level, and give every case its % of them")
		configPath = fs.String("config", "", "JSON configuration file (tensor_sizes, batch_sizes, operations, devices, ...); flags override it")
		energy     = fs.Bool("energy", true, "sample energy, power, temperature and clocks (RAPL, NVML, hwmon) beside every case")
		memTrack   = fs.Bool("memory", true, "record Go heap, allocations, GC and process RSS per case")
		interval   = fs.Duration("probe-interval", 100*time.Millisecond, "telemetry sampling interval")
	)
	fs.StringVar(batch, "batch-sizes", "", "alias of --batch")
	if code, stop := parseFlags(e, fs, args); stop {
		return code
	}
	if *output == "" {
		return fail(e, "compare", exitBadInput, "--output is required (a directory, or a path ending in .json)")
	}
	cfg := bench.DefaultConfig()
	if *quick {
		cfg = bench.QuickConfig()
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	if *configPath != "" {
		fc, err := loadConfig(*configPath)
		if err != nil {
			return fail(e, "compare", exitBadInput, "--config: %v", err)
		}
		notes, err := fc.apply(&cfg)
		if err != nil {
			return fail(e, "compare", exitBadInput, "--config: %v", err)
		}
		for _, n := range notes {
			fmt.Fprintf(e.stderr, "bitnet-bench compare: note: %s\n", n)
		}
		if fc.EnableEnergyTracking != nil && !set["energy"] {
			*energy = *fc.EnableEnergyTracking
		}
		if fc.EnableMemoryTracking != nil && !set["memory"] {
			*memTrack = *fc.EnableMemoryTracking
		}
	}
	if *interval < 10*time.Millisecond {
		return fail(e, "compare", exitBadInput, "--probe-interval %v: want at least 10ms", *interval)
	}
	if set["model"] || cfg.Model == "" {
		cfg.Model = *modelName
	}
	// The list flags, each parsed by bench into cfg when given.
	for _, l := range []struct {
		flag, value string
		parse       func(string) error
	}{
		{"workloads", *workloads, func(v string) (err error) { cfg.Workloads, err = bench.ParseWorkloads(v); return err }},
		{"packings", *packings, func(v string) (err error) { cfg.Packings, err = bench.ParsePackings(v); return err }},
		{"cleanup", *cleanup, func(v string) (err error) { cfg.Cleanup, err = bench.ParseCleanup(v); return err }},
		{"conversions", *convs, func(v string) (err error) { cfg.Conversions, err = bench.ParseConversions(v); return err }},
		{"sparsity", *sparsity, func(v string) (err error) { cfg.Sparsities, err = bench.ParseSparsities(v); return err }},
		{"operations", *ops, func(v string) (err error) {
			if v == "none" {
				cfg.Ops = nil
				return nil
			}
			cfg.Ops, err = bench.ParseOps(v)
			return err
		}},
		{"sizes", *sizes, func(v string) (err error) { cfg.Sizes, err = bench.ParseSizes(v); return err }},
		{"batch", *batch, func(v string) (err error) { cfg.Batches, err = bench.ParseBatches(v); return err }},
		{"devices", *devices, func(v string) error {
			cfg.Devices = nil
			for _, d := range strings.Split(v, ",") {
				if d = normalizeDevice(d); d != "" {
					cfg.Devices = append(cfg.Devices, d)
				}
			}
			return nil
		}},
		{"isa", *isa, func(v string) (err error) { cfg.Levels, err = bench.ParseLevels(v); return err }},
		{"threads", *threads, func(v string) (err error) { cfg.Threads, err = bench.ParseThreads(v); return err }},
	} {
		if l.value == "" {
			continue
		}
		if err := l.parse(l.value); err != nil {
			return fail(e, "compare", exitBadInput, "--%s: %v", l.flag, err)
		}
	}
	if *samples != 0 {
		if *samples < minSamples {
			return fail(e, "compare", exitBadInput, "--samples %d: want at least %d so the median has a confidence interval", *samples, minSamples)
		}
		cfg.Samples = *samples
	}
	if *warmup < 0 || *sampleTime < 0 {
		return fail(e, "compare", exitBadInput, "--warmup and --sample-time must not be negative")
	}
	if *warmup > 0 {
		cfg.Warmup = *warmup
	}
	if *sampleTime > 0 {
		cfg.SampleTime = *sampleTime
	}
	cfg.Seed = *seed
	cases, err := bench.Catalogue(cfg)
	if err != nil {
		return fail(e, "compare", exitBadInput, "%v", err)
	}
	// The output is checked, and its staging directory made, before
	// anything runs: a run is never measured only to be lost.
	tableFormat, err := results.ParseFormat(*format)
	if err != nil {
		return fail(e, "compare", exitBadInput, "--format: %v", err)
	}
	out, code := prepareOutput(e, *output, *quiet)
	if out == nil {
		return code
	}
	defer out.w.Abort()

	// The kernels' tensors come from the memory pool, whose metrics go
	// with every case; the controls, measured before each case, let
	// regression-check tell the machine's drift between two runs from the
	// code's.
	rc := bench.RunConfig{
		Config: cfg, Cases: cases,
		Energy: *energy, ProbeInterval: *interval, Memory: *memTrack, Pool: memory.Default(),
		Controls: true, Roofline: *roofline,
		Tool: probe.Tool(version), Command: e.argv, RunID: newRunID(),
	}
	finishProgress := func() {}
	if !*quiet {
		// One short line for the probes; the reasons are in results.json's
		// probes and in bitnet-bench info.
		rc.OnProbes = func(st []probe.Status) {
			var missing []string
			for _, s := range st {
				if !s.Available {
					missing = append(missing, s.Name+" ("+s.Kind+")")
				}
			}
			if len(missing) > 0 {
				fmt.Fprintf(e.stderr, "telemetry: not available here: %s (why: bitnet-bench info, or results.json \"probes\")\n", strings.Join(missing, ", "))
			}
		}
		rc.OnRoofline = func(levels []cpu.Level) {
			fmt.Fprintf(e.stderr, "measuring the roofline (read bandwidth, int8 peak) for %v\n", levels)
		}
		fmt.Fprintf(e.stderr, "bitnet-bench compare: %d cases on %s\n", len(cases), probe.Machine().CPUModel)
		finishProgress = attachProgress(e, &rc, len(cases))
	}
	f, err := bench.Run(ctx, rc)
	finishProgress()
	interrupted := errors.Is(err, context.Canceled)
	if err != nil && !interrupted {
		return fail(e, "compare", exitFailure, "%v", err)
	}
	if code := out.write(e, f, *quiet); code != exitOK {
		return code
	}
	if tableFormat != results.FormatText {
		// A table asked for is all stdout carries, so a script can read it.
		if err := f.WriteTable(e.stdout, tableFormat); err != nil {
			return fail(e, "compare", exitIO, "writing the %s table: %v", tableFormat, err)
		}
	} else if !*quiet {
		writeSideBySide(e.stdout, f.Cases)
		printWorkloads(e, f.Cases)
	}
	if interrupted {
		return fail(e, "compare", exitInterrupted, "interrupted: wrote the %d of %d cases that finished, marked incomplete", len(f.Cases), len(cases))
	}
	failed := 0
	for _, c := range f.Cases {
		if c.Status == results.StatusError || c.Status == results.StatusWrong {
			failed++
			fmt.Fprintf(e.stderr, "bitnet-bench compare: %s failed: %s\n", c.Name, c.Error)
		}
	}
	if failed > 0 {
		return exitFailure
	}
	return exitOK
}

// output is where compare writes its three files.
type output struct {
	w                         *fileset.Writer
	jsonName, txtName, htName string // base names inside w.Dir
}

// prepareOutput maps --output to the three files and checks that they can
// be written: a directory gets results.json, results.txt and report.html,
// replaced as one unit; a .json path gets its .txt and .html siblings,
// each replaced on its own. It returns nil and the exit code when the
// output is unusable.
func prepareOutput(e *env, path string, quiet bool) (*output, int) {
	var (
		o   output
		err error
	)
	if strings.EqualFold(filepath.Ext(path), ".json") {
		stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		o.jsonName, o.txtName, o.htName = filepath.Base(path), stem+".txt", stem+".html"
		o.w, err = fileset.PrepareFiles(filepath.Dir(path), []string{o.jsonName, o.txtName, o.htName})
	} else {
		o.jsonName, o.txtName, o.htName = "results.json", "results.txt", "report.html"
		o.w, err = fileset.Prepare(path, []string{o.jsonName, o.txtName, o.htName})
		if err == nil && !o.w.Atomic && !quiet {
			fmt.Fprintf(e.stderr, "bitnet-bench compare: note: the three files in %s are replaced one by one, not as one unit: %s\n", path, o.w.Reason)
		}
	}
	switch {
	case errors.Is(err, fileset.ErrNotDir) || errors.Is(err, syscall.ENOTDIR):
		return nil, fail(e, "compare", exitBadInput, "--output %s: %v", path, err)
	case err != nil:
		return nil, fail(e, "compare", exitIO, "--output %s cannot be written, so nothing was run: %v", path, err)
	}
	return &o, exitOK
}

// newRunID names a run by its start time and a random suffix, so that two
// runs started in the same second still differ.
func newRunID() string {
	var b [4]byte
	rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// commitOutput writes the set; tests replace it to make the write fail.
var commitOutput = (*fileset.Writer).Commit

// write renders the three files in memory and writes them as one set. If
// that fails, they are saved in a temporary directory, which the error
// names, so the run is not lost (exit 3).
func (o *output) write(e *env, f *results.File, quiet bool) int {
	var files []fileset.File
	var errs []string
	if err := f.Validate(); err != nil {
		// A bug: the runner wrote a case the file's invariants refuse.
		errs = append(errs, fmt.Sprintf("%s: %v", o.jsonName, err))
	}
	if data, err := f.Encode(); err != nil {
		errs = append(errs, fmt.Sprintf("%s: %v", o.jsonName, err))
	} else {
		files = append(files, fileset.File{Name: o.jsonName, Data: data})
	}
	var txt bytes.Buffer
	if err := f.WriteBenchText(&txt); err != nil {
		errs = append(errs, fmt.Sprintf("%s: %v", o.txtName, err))
	} else {
		files = append(files, fileset.File{Name: o.txtName, Data: txt.Bytes()})
	}
	if html, err := report.Render(report.Input{Results: f}); err != nil {
		errs = append(errs, fmt.Sprintf("%s: %v", o.htName, err))
	} else {
		files = append(files, fileset.File{Name: o.htName, Data: html})
	}
	code := exitFailure // a file could not be rendered
	if len(errs) == 0 {
		err := commitOutput(o.w, files)
		if err == nil {
			if !quiet {
				fmt.Fprintf(e.stderr, "wrote %s, %s and %s in %s\n", o.jsonName, o.txtName, o.htName, o.w.Dir)
			}
			return exitOK
		}
		errs = append(errs, fmt.Sprintf("writing %s: %v", o.w.Dir, err))
		code = exitIO
	}
	o.w.Abort()
	dir, err := fileset.SaveAside(files)
	if err != nil {
		// The last place left: the results on stdout.
		fmt.Fprintf(e.stderr, "bitnet-bench compare: %s; saving them in a temporary directory failed too (%v): results.json follows on stdout\n", strings.Join(errs, "; "), err)
		if data, err := f.Encode(); err == nil {
			e.stdout.Write(data)
		}
		return code
	}
	return fail(e, "compare", code, "%s; the run was saved in %s instead", strings.Join(errs, "; "), dir)
}

// printWorkloads prints a line per model step that ran: tokens/s, its
// share of the HBM bound where the backend measured one, and J per token
// per energy channel.
func printWorkloads(e *env, cases []results.Case) {
	for _, c := range cases {
		if c.Family != results.FamilyWorkload || !c.OK() || c.TokensPerS <= 0 {
			continue
		}
		line := fmt.Sprintf("%s: %s tokens/s", c.Name, units.Count(c.TokensPerS)) // 0.43 stays 0.43
		if v := c.Extra["pct-of-hbm-bound"]; v > 0 {
			line += fmt.Sprintf(", %.1f%% of the HBM bound (%.0f GB/s measured read rate)", v, c.Extra["read-GB/s"])
		}
		var chans []string
		for k := range c.Extra {
			if strings.HasPrefix(k, "J/token-") {
				chans = append(chans, k)
			}
		}
		sort.Strings(chans)
		for _, k := range chans {
			line += fmt.Sprintf(", %.3g J/token (%s)", c.Extra[k], strings.TrimPrefix(k, "J/token-"))
		}
		fmt.Fprintln(e.stdout, line)
	}
}
