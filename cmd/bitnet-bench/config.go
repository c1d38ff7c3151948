package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bitnet-go/bitnet-bench/bench"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/internal/jsonpos"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

// fileConfig is the JSON configuration file, in the shape users of earlier
// BitNet benchmark suites already write. Every key is optional; flags
// given on the command line override it.
type fileConfig struct {
	TensorSizes           [][]int        `json:"tensor_sizes"`
	BatchSizes            []int          `json:"batch_sizes"`
	Operations            []string       `json:"operations"`
	Devices               []string       `json:"devices"`
	WarmupIterations      *int           `json:"warmup_iterations"`
	MeasurementIterations *int           `json:"measurement_iterations"`
	EnableMemoryTracking  *bool          `json:"enable_memory_tracking"`
	EnableEnergyTracking  *bool          `json:"enable_energy_tracking"`
	SIMD                  *simdConfig    `json:"simd_config"`
	Packing               *packingConfig `json:"packing_config"`
}

type simdConfig struct {
	InstructionSets  []string  `json:"instruction_sets"`
	MemoryAlignments []int     `json:"memory_alignments"`
	SparsityLevels   []float64 `json:"sparsity_levels"`
}

type packingConfig struct {
	Strategies          []string `json:"strategies"`
	AutoSelection       *bool    `json:"auto_selection"`
	CompressionAnalysis *bool    `json:"compression_analysis"`
}

// configError names the key and the value that are wrong.
type configError struct {
	file, key string
	value     any
	want      string
}

func (e *configError) Error() string {
	v, _ := json.Marshal(e.value)
	return fmt.Sprintf("%s: %s = %s: %s", e.file, e.key, v, e.want)
}

// loadConfig reads a configuration file strictly: unknown keys, wrong
// types and out-of-range values are errors that name the key.
func loadConfig(path string) (*fileConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte(results.BOM))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c fileConfig
	if err := dec.Decode(&c); err != nil {
		var typ *json.UnmarshalTypeError
		var syn *json.SyntaxError
		switch {
		case errors.As(err, &typ):
			line, col := jsonpos.LineCol(data, typ.Offset)
			return nil, fmt.Errorf("%s:%d:%d: key %q: got JSON %s, want %v", path, line, col, typ.Field, typ.Value, typ.Type)
		case errors.As(err, &syn):
			line, col := jsonpos.LineCol(data, syn.Offset)
			return nil, fmt.Errorf("%s:%d:%d: invalid JSON: %v", path, line, col, syn)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			where := path
			if pe := jsonpos.Check(data, &c); pe != nil {
				where = fmt.Sprintf("%s:%d:%d", path, pe.Line, pe.Col)
			}
			return nil, fmt.Errorf("%s: unknown key %s (known keys: tensor_sizes, batch_sizes, operations, devices, warmup_iterations, measurement_iterations, enable_memory_tracking, enable_energy_tracking, simd_config, packing_config)",
				where, strings.TrimPrefix(err.Error(), "json: unknown field "))
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("%s: empty file: want a JSON object", path)
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if dec.More() {
		line, col := jsonpos.LineCol(data, dec.InputOffset())
		return nil, fmt.Errorf("%s:%d:%d: unexpected data after the configuration object", path, line, col)
	}
	// encoding/json keeps the last of a repeated key without a word.
	if pe := jsonpos.Check(data, &c); pe != nil {
		return nil, fmt.Errorf("%s:%v", path, pe)
	}
	return &c, c.validate(path)
}

func (c *fileConfig) validate(file string) error {
	bad := func(key string, v any, want string) error { return &configError{file, key, v, want} }
	for i, s := range c.TensorSizes {
		if len(s) != 2 {
			return bad(fmt.Sprintf("tensor_sizes[%d]", i), s, "want [N, K] with two positive integers")
		}
		if err := (bench.Size{N: s[0], K: s[1]}).Validate(); err != nil {
			return bad(fmt.Sprintf("tensor_sizes[%d]", i), s, err.Error())
		}
	}
	for i, b := range c.BatchSizes {
		if err := bench.ValidateBatch(b); err != nil {
			return bad(fmt.Sprintf("batch_sizes[%d]", i), b, err.Error())
		}
	}
	if len(c.Operations) > 0 {
		if _, err := bench.ParseOps(strings.Join(c.Operations, ",")); err != nil {
			return bad("operations", c.Operations, err.Error())
		}
	}
	if c.WarmupIterations != nil && *c.WarmupIterations < 0 {
		return bad("warmup_iterations", *c.WarmupIterations, "want zero or more")
	}
	if c.MeasurementIterations != nil && *c.MeasurementIterations < minSamples {
		return bad("measurement_iterations", *c.MeasurementIterations,
			fmt.Sprintf("want at least %d: each is a timed sample, and the median needs %d for a confidence interval", minSamples, minSamples))
	}
	if c.SIMD != nil {
		for i, name := range c.SIMD.InstructionSets {
			if _, err := cpu.ParseLevel(name); err != nil {
				return bad(fmt.Sprintf("simd_config.instruction_sets[%d]", i), name, "not an ISA level of this tool: want generic, avx2, avxvnni, avx512, amx, neon or sdot (sse2 has no kernels here)")
			}
		}
		for i, a := range c.SIMD.MemoryAlignments {
			if a <= 0 || a&(a-1) != 0 {
				return bad(fmt.Sprintf("simd_config.memory_alignments[%d]", i), a, "want a power of two")
			}
		}
		for i, s := range c.SIMD.SparsityLevels {
			if !(s >= 0 && s < 1) {
				return bad(fmt.Sprintf("simd_config.sparsity_levels[%d]", i), s, "want a fraction in [0, 1)")
			}
		}
	}
	if c.Packing != nil {
		for i, name := range c.Packing.Strategies {
			if _, err := bench.ParsePackings(name); err != nil || strings.EqualFold(name, "all") {
				return bad(fmt.Sprintf("packing_config.strategies[%d]", i), name, "want a strategy: "+strings.Join(packingStrategies(), ", "))
			}
		}
	}
	return nil
}

func packingStrategies() []string {
	all, _ := bench.ParsePackings("all")
	return all[:len(all)-1] // without auto, which auto_selection asks for
}

// apply sets cfg from the file for every key that is present, and lists
// keys that this tool records but no case uses yet, so nothing is ignored
// silently.
func (c *fileConfig) apply(cfg *bench.Config) (notes []string, err error) {
	if len(c.TensorSizes) > 0 {
		cfg.Sizes = nil
		for _, s := range c.TensorSizes {
			cfg.Sizes = append(cfg.Sizes, bench.Size{N: s[0], K: s[1]})
		}
	}
	if len(c.BatchSizes) > 0 {
		cfg.Batches = c.BatchSizes
	}
	if len(c.Operations) > 0 {
		if cfg.Ops, err = bench.ParseOps(strings.Join(c.Operations, ",")); err != nil {
			return nil, err
		}
	}
	if len(c.Devices) > 0 {
		cfg.Devices = c.Devices
	}
	if c.WarmupIterations != nil {
		cfg.WarmupIters = *c.WarmupIterations
	}
	if c.MeasurementIterations != nil {
		cfg.Samples = *c.MeasurementIterations
	}
	if c.SIMD != nil {
		if len(c.SIMD.InstructionSets) > 0 {
			cfg.Levels = nil
			for _, s := range c.SIMD.InstructionSets {
				cfg.Levels = append(cfg.Levels, strings.ToLower(s))
			}
		}
		if len(c.SIMD.MemoryAlignments) > 0 {
			notes = append(notes, "simd_config.memory_alignments is recorded but not applied: kernel buffers are 64-byte aligned by the memory pool")
		}
		if len(c.SIMD.SparsityLevels) > 0 {
			cfg.Sparsities = c.SIMD.SparsityLevels
		}
	}
	if c.Packing != nil {
		cfg.Packings = nil
		for _, name := range c.Packing.Strategies {
			ps, _ := bench.ParsePackings(name) // validate checked it
			cfg.Packings = append(cfg.Packings, ps...)
		}
		if c.Packing.AutoSelection != nil && *c.Packing.AutoSelection {
			cfg.Packings = append(cfg.Packings, bench.PackingAuto)
		}
		if c.Packing.CompressionAnalysis != nil && !*c.Packing.CompressionAnalysis {
			notes = append(notes, "packing_config.compression_analysis false is not applied: every packing case records its bits/weight and compression")
		}
	}
	if len(cfg.Sparsities) > 0 && len(cfg.Packings) == 0 {
		notes = append(notes, "simd_config.sparsity_levels applies to the packing cases only, and packing_config selects none: the op catalogue's weights come from absmean quantization of normal weights (about 31% zeros)")
	}
	return notes, nil
}
