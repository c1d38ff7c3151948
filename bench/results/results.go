// Package results defines results.json, the file the runner writes and that
// regression-check and the report read, and its Go benchmark text twin.
//
// The JSON is versioned by Schema. A reader refuses a file whose schema it
// does not know instead of guessing at its fields.
package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"

	"github.com/bitnet-go/bitnet-bench/internal/fileset"
	"github.com/bitnet-go/bitnet-bench/internal/jsonpos"
)

// BOM is the UTF-8 byte order mark some editors put first in a file.
const BOM = "\ufeff"

// Schema is the version string written into every results file.
const Schema = "bitnet-bench/results/v1"

// File is one run of the runner: the machine, the configuration and every case.
type File struct {
	Schema  string    `json:"schema"`
	Tool    Tool      `json:"tool"`
	Created time.Time `json:"created"`
	// RunID names the run; compare writes it into results.json,
	// results.txt and report.html alike, so the three can be told to be
	// one run's.
	RunID string `json:"run_id,omitempty"`
	// Command is the command line that produced the file, argv[0] first.
	Command []string `json:"command"`
	Machine Machine  `json:"machine"`
	Config  Config   `json:"config"`
	// Complete is false when the run was interrupted; Cases then holds the
	// cases that finished.
	Complete bool `json:"complete"`
	// Roofline holds this machine's measured limits per CPU level, which
	// the cases' percentages refer to; empty when not measured.
	Roofline []Limit `json:"roofline,omitempty"`
	// Probes lists every telemetry source and whether it was available
	// here, with the reason when not; empty when telemetry was off.
	Probes []ProbeStatus `json:"probes,omitempty"`
	// Timelines are the sampled telemetry over the run (power, temperature,
	// clocks), for the report.
	Timelines []Timeline `json:"timelines,omitempty"`
	Cases     []Case     `json:"cases"`
}

// ProbeStatus says whether one telemetry source worked on this machine.
type ProbeStatus struct {
	Name      string   `json:"name"`
	Kind      string   `json:"kind"` // energy, temperature
	Available bool     `json:"available"`
	Reason    string   `json:"reason,omitempty"`
	Channels  []string `json:"channels,omitempty"`
}

// Timeline is one sampled channel: points of (seconds since the run
// started, value).
type Timeline struct {
	Name   string       `json:"name"`
	Unit   string       `json:"unit"` // W, °C, MHz
	Points [][2]float64 `json:"points"`
}

// Telemetry is what the probes saw during a case's timed samples.
type Telemetry struct {
	EnergyJPerOp map[string]float64 `json:"energy_j_per_op,omitempty"` // per energy channel
	MeanPowerW   map[string]float64 `json:"mean_power_w,omitempty"`
	MaxTempC     map[string]float64 `json:"max_temp_c,omitempty"`
	Throttled    []string           `json:"throttled,omitempty"` // clock channels that fell below 90% of their maximum
	// Memory: Go runtime and the process, and the kernels' memory pool.
	AllocBytesPerOp float64            `json:"alloc_bytes_per_op"`
	AllocsPerOp     float64            `json:"allocs_per_op"`
	GCCycles        uint64             `json:"gc_cycles"`
	GCPauseSeconds  float64            `json:"gc_pause_seconds"`
	HeapLiveBytes   uint64             `json:"heap_live_bytes"`
	RSSBytes        uint64             `json:"rss_bytes,omitempty"`
	PeakRSSBytes    uint64             `json:"peak_rss_bytes,omitempty"`
	Pool            map[string]float64 `json:"pool,omitempty"`
}

// Limit is one CPU level's measured ceilings: single-thread streaming read
// bandwidth over a DRAM-sized buffer, and the int8 dot-product peak of one
// core (absent, with the reason, for levels without int8 SIMD).
type Limit struct {
	Level           string  `json:"level"`
	ReadGBps        float64 `json:"read_gb_per_s"`
	BufferBytes     int     `json:"buffer_bytes"`
	Int8PeakGMACps  float64 `json:"int8_peak_gmac_per_s,omitempty"`
	Int8Unavailable string  `json:"int8_unavailable,omitempty"`
	// HugePages is the transparent-huge-page mode the read buffer and the
	// kernels' weights were backed with ("madvise", "always"), or why they
	// were not: it moves streaming bandwidth by about a fifth.
	HugePages string `json:"huge_pages,omitempty"`
}

// Tool identifies the code that measured.
type Tool struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
	// Commit is the git commit the binary was built from (its build
	// info), "unknown" when it carries none; "" in files of older versions.
	Commit string `json:"commit,omitempty"`
	Dirty  bool   `json:"dirty,omitempty"`
}

// Machine describes where the run happened.
type Machine struct {
	OS           string   `json:"os"`
	Arch         string   `json:"arch"`
	CPUModel     string   `json:"cpu_model"`
	CPUVendor    string   `json:"cpu_vendor,omitempty"`
	CPUFeatures  []string `json:"cpu_features"`
	LogicalCores int      `json:"logical_cores"`
	PhysicalCore int      `json:"physical_cores"`
	GOMAXPROCS   int      `json:"gomaxprocs"`
	L1DBytes     int      `json:"l1d_bytes,omitempty"`
	L2Bytes      int      `json:"l2_bytes,omitempty"`
	L3Bytes      int      `json:"l3_bytes,omitempty"`
	MemoryBytes  uint64   `json:"memory_bytes,omitempty"`
	// Kernel is the OS kernel's release, Governor the CPU frequency
	// governor of cpu0 and HugePages the transparent-huge-page mode: the
	// settings that move results between two runs of the same code.
	Kernel    string `json:"kernel,omitempty"`
	Governor  string `json:"governor,omitempty"`
	HugePages string `json:"huge_pages,omitempty"`
	// Unavailable lists what could not be read, with the reason.
	Unavailable map[string]string `json:"unavailable,omitempty"`
}

// Config is the configuration the run used, after flags were applied.
type Config struct {
	Operations []string `json:"operations"`
	Sizes      []string `json:"sizes"`
	Batches    []int    `json:"batches"`
	Devices    []string `json:"devices"`
	Samples    int      `json:"samples"`
	Warmup     string   `json:"warmup"`           // duration, Go syntax
	SampleTime string   `json:"sample_time"`      // target duration of one sample
	Levels     []string `json:"levels,omitempty"` // ISA levels asked for; empty: each backend's default
	Threads    []int    `json:"threads"`
	Seed       int64    `json:"seed"`
	Quick      bool     `json:"quick"`
	Confidence float64  `json:"confidence"`
	// Packings and Sparsities are the packing cases asked for (strategy
	// names or auto) and the fractions of zeros of their patterns.
	Packings   []string  `json:"packings,omitempty"`
	Sparsities []float64 `json:"sparsities,omitempty"`
	// Conversions are the formats the conversion cases converted f32 to.
	Conversions []string `json:"conversions,omitempty"`
	// Cleanup are the cleanup strategies of the cleanup cases.
	Cleanup []string `json:"cleanup,omitempty"`
}

// Shape is the problem size of a case: M rows of activations (batch or
// tokens), N output features, K input features. Ops that have no batch leave
// M at 0.
type Shape struct {
	M int `json:"m,omitempty"`
	N int `json:"n,omitempty"`
	K int `json:"k"`
}

// Case status values.
const (
	StatusOK             = "ok"
	StatusNotImplemented = "not-implemented"
	StatusUnavailable    = "unavailable"
	StatusError          = "error"
	StatusWrong          = "wrong" // ran, but disagreed with the reference: not timed
)

// The families of the cases that are not an op of the op table (whose
// families are the table's, kernels.Families).
const (
	FamilyWorkload   = "workload"   // whole-model workloads: decode, prefill, attention
	FamilyPacking    = "packing"    // kernels/pack strategies decoding a matrix
	FamilyConversion = "conversion" // the memory pool's conversion engine
	FamilyCleanup    = "cleanup"    // the memory pool's cleanup strategies
)

// Case is the measurement of one catalogue case.
//
// Samples hold nanoseconds per operation, one value per timed batch of
// Iterations operations. Summary fields are derived from Samples with
// golang.org/x/perf/benchmath (median and a distribution-free interval).
type Case struct {
	Name    string `json:"name"` // Go benchmark name without the "Benchmark" prefix
	Op      string `json:"op"`
	Family  string `json:"family"` // an op family of the op table (kernels.Families), or one of the Family constants
	Shape   Shape  `json:"shape"`
	DType   string `json:"dtype"`
	Backend string `json:"backend"`
	Level   string `json:"level"` // ISA level or device architecture
	Threads int    `json:"threads"`

	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// Variant names the implementation a backend bound for the case when
	// it chooses among several (a CUDA BitLinear kernel picked by
	// measurement, with the times it was picked on).
	Variant string `json:"variant,omitempty"`

	Iterations int       `json:"iterations"` // operations per sample
	SamplesNs  []float64 `json:"samples_ns"`

	MedianNs   float64 `json:"median_ns"`
	CILowNs    float64 `json:"ci_low_ns"`
	CIHighNs   float64 `json:"ci_high_ns"`
	Confidence float64 `json:"confidence"`

	// Work per operation, for throughput.
	BytesPerOp int64 `json:"bytes_per_op"` // bytes of operands streamed (weights first)
	MACsPerOp  int64 `json:"macs_per_op,omitempty"`
	// TokensPerOp is how many tokens one run of a whole-model workload
	// handles: 1 for a decode step, the prompt length for a prefill; 0 for
	// an op, where tokens per second would mean nothing.
	TokensPerOp int64 `json:"tokens_per_op,omitempty"`

	// Throughput at the median.
	GBps   float64 `json:"gb_per_s,omitempty"`
	GMACps float64 `json:"gmac_per_s,omitempty"`
	// TokensPerS is tokens per second at the median (with TokensPerOp).
	TokensPerS float64 `json:"tokens_per_s,omitempty"`

	// Fractions of this machine's limits at the median (0 when the limit
	// was not measured or does not apply): GMAC/s over the level's int8
	// peak, GB/s over the single-thread read bandwidth.
	PctOfInt8Peak float64 `json:"pct_of_int8_peak,omitempty"`
	PctOfReadBW   float64 `json:"pct_of_read_bw,omitempty"`

	Telemetry *Telemetry `json:"telemetry,omitempty"`

	// Extra holds further per-case metrics (unit -> value), e.g. pool or
	// telemetry summaries. Units follow Go benchmark conventions.
	Extra map[string]float64 `json:"extra,omitempty"`

	// ControlsNs are the control workloads (package bench/controls)
	// measured just before this case, nanoseconds per op by control name:
	// covariates of the machine's state that regression-check compares
	// between runs, not measurements of the case.
	ControlsNs map[string]float64 `json:"controls_ns,omitempty"`
}

// OK reports whether the case produced samples.
func (c *Case) OK() bool { return c.Status == StatusOK }

// TokensInterval is tokens per second at the ends of the median's
// confidence interval (the slower end first); zeros when the case has no
// tokens or no interval.
func (c *Case) TokensInterval() (lo, hi float64) {
	if c.TokensPerOp <= 0 || c.CILowNs <= 0 || c.CIHighNs <= 0 {
		return 0, 0
	}
	t := float64(c.TokensPerOp) * 1e9
	return t / c.CIHighNs, t / c.CILowNs
}

// SampleValues are the metrics one time sample of a case gives, as Go
// benchmark values: ns/op, then the throughputs the case has work for
// (MB/s, GMAC/s, tokens/s). The Go benchmark text and every reader of
// results.json derive per-sample throughput here, so they agree.
func (c *Case) SampleValues(ns float64) []benchfmt.Value {
	vals := []benchfmt.Value{{Value: ns, Unit: "ns/op"}}
	if c.BytesPerOp > 0 {
		vals = append(vals, benchfmt.Value{Value: float64(c.BytesPerOp) / ns * 1e3, Unit: UnitMBps})
	}
	if c.MACsPerOp > 0 {
		vals = append(vals, benchfmt.Value{Value: float64(c.MACsPerOp) / ns, Unit: UnitGMACps})
	}
	if c.TokensPerOp > 0 {
		vals = append(vals, benchfmt.Value{Value: float64(c.TokensPerOp) / ns * 1e9, Unit: UnitTokensPerS})
	}
	return vals
}

// Validate checks the invariants a reader relies on and names what is wrong.
func (f *File) Validate() error {
	if f.Schema != Schema {
		if f.Schema == "" {
			return errors.New(`missing "schema": not a bitnet-bench results file`)
		}
		return fmt.Errorf("schema %q is not supported (want %q)", f.Schema, Schema)
	}
	seen := make(map[string]int, len(f.Cases))
	for i := range f.Cases {
		c := &f.Cases[i]
		where := fmt.Sprintf("cases[%d]", i)
		if c.Name == "" {
			return fmt.Errorf("%s: empty name", where)
		}
		where = fmt.Sprintf("cases[%d] %q", i, c.Name)
		if j, dup := seen[c.Name]; dup {
			return fmt.Errorf("%s: duplicate name (also cases[%d])", where, j)
		}
		seen[c.Name] = i
		switch c.Status {
		case StatusOK:
			if len(c.SamplesNs) == 0 {
				return fmt.Errorf("%s: status ok but no samples", where)
			}
			for j, v := range c.SamplesNs {
				if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
					return fmt.Errorf("%s: samples_ns[%d] = %v: want a finite positive time", where, j, v)
				}
			}
			if c.Iterations <= 0 {
				return fmt.Errorf("%s: iterations = %d: want > 0", where, c.Iterations)
			}
		}
		for name, v := range c.ControlsNs {
			if name == "" || strings.ContainsAny(name, " \t\n") || math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
				return fmt.Errorf("%s: controls_ns[%q] = %v: want a name without blanks and a finite positive time", where, name, v)
			}
		}
		switch c.Status {
		case StatusOK:
		case StatusNotImplemented, StatusUnavailable, StatusError, StatusWrong:
			if len(c.SamplesNs) != 0 {
				return fmt.Errorf("%s: status %s but has samples", where, c.Status)
			}
		default:
			return fmt.Errorf("%s: unknown status %q", where, c.Status)
		}
	}
	return nil
}

// Decode reads and validates a results file. name is used in errors.
// Syntax errors name the line and column.
func Decode(r io.Reader, name string) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return Parse(data, name)
}

// Parse is Decode over bytes already read.
// A UTF-8 byte order mark is skipped, as every reader of these files does.
func Parse(data []byte, name string) (*File, error) {
	data = bytes.TrimPrefix(data, []byte(BOM))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: empty file: want a results JSON object", name)
	}
	if s := schemaOf(data); s == EnergySchema {
		return nil, fmt.Errorf("%s: an energy-analysis file (schema %q), not a results file: draw it with report --energy %s", name, s, name)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		if pe := jsonpos.Check(data, &f); pe != nil && strings.HasPrefix(err.Error(), "json: unknown field") {
			return nil, fmt.Errorf("%s: %v (at %s)", name, pe, pe.Path)
		}
		return nil, fmt.Errorf("%s: %s", name, describeJSONError(data, err))
	}
	// encoding/json keeps the last of a repeated key without a word.
	if pe := jsonpos.Check(data, &f); pe != nil {
		return nil, fmt.Errorf("%s: %v (at %s)", name, pe, pe.Path)
	}
	if dec.More() {
		off := dec.InputOffset()
		line, col := lineCol(data, off)
		return nil, fmt.Errorf("%s:%d:%d: unexpected data after the results object", name, line, col)
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &f, nil
}

// ReadFile reads and validates the results file at path.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

func describeJSONError(data []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		line, col := lineCol(data, int64(len(data)))
		return fmt.Sprintf("%d:%d: truncated JSON: the file ends before the results object is closed", line, col)
	case errors.As(err, &syn):
		line, col := lineCol(data, syn.Offset)
		return fmt.Sprintf("%d:%d: invalid JSON: %v", line, col, syn)
	case errors.As(err, &typ):
		line, col := lineCol(data, typ.Offset)
		return fmt.Sprintf("%d:%d: field %q: got JSON %s, want %v", line, col, typ.Field, typ.Value, typ.Type)
	}
	return err.Error()
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (line, col int) { return jsonpos.LineCol(data, off) }

// WriteFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so a reader never sees a half-written file and an
// interrupted write leaves the old file in place.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	return fileset.WriteFile(path, data, perm)
}

// Encode returns the indented JSON of f.
func (f *File) Encode() ([]byte, error) {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// WriteFile validates f and writes it atomically to path.
func (f *File) WriteFile(path string) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("refusing to write invalid results: %w", err)
	}
	data, err := f.Encode()
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, data, 0o644)
}

// Find returns the case with the given name, or nil.
func (f *File) Find(name string) *Case {
	for i := range f.Cases {
		if f.Cases[i].Name == name {
			return &f.Cases[i]
		}
	}
	return nil
}
