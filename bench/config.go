package bench

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/memory"
)

// Size is a weight shape: N output features by K input features.
type Size struct{ N, K int }

func (s Size) String() string { return fmt.Sprintf("%dx%d", s.N, s.K) }

// MaxWeights is the most weights (N·K) one shape may have: the catalogue
// allocates N·K-element operands, and beyond 2^31 they no longer fit an
// int32 index or a reasonable amount of memory.
const MaxWeights = 1 << 31

// MaxBatch is the largest batch (tokens) a case may have.
const MaxBatch = 1 << 16

// Validate is the one check of a weight shape, whether it came from
// --sizes, a --config file's tensor_sizes or a caller's Config.
func (s Size) Validate() error {
	if s.N <= 0 || s.K <= 0 {
		return fmt.Errorf("want two positive integers N and K, e.g. 2560x6912")
	}
	if int64(s.N)*int64(s.K) > MaxWeights {
		return fmt.Errorf("%d weights is more than this tool handles (2^31)", int64(s.N)*int64(s.K))
	}
	return nil
}

// ValidateBatch is the one check of a batch size, whether it came from
// --batch, a --config file's batch_sizes or a caller's Config.
func ValidateBatch(b int) error {
	if b <= 0 || b > MaxBatch {
		return fmt.Errorf("want a positive integer up to %d", MaxBatch)
	}
	return nil
}

// Model2B4T lists the GEMV shapes of BitNet b1.58 2B4T (hidden 2560,
// FFN 6912, 20 heads, 5 KV heads, head dim 128), from docs/DESIGN.md.
var Model2B4T = []Size{
	{2560, 2560},  // Q, O
	{640, 2560},   // K, V
	{3840, 2560},  // fused QKV
	{6912, 2560},  // gate, up
	{13824, 2560}, // fused gate+up
	{2560, 6912},  // down
}

// Families are the groups of operations that --operations selects (the
// op table's families, kernels.Specs).
var Families = familyMap()

func familyMap() map[string][]kernels.Op {
	m := map[string][]kernels.Op{}
	for _, f := range kernels.Families() {
		m[f] = kernels.FamilyOps(f)
	}
	return m
}

// FamilyNames is the order families run and are listed in.
var FamilyNames = kernels.Families()

// FamilyOf returns the family an op belongs to.
func FamilyOf(op kernels.Op) string { return kernels.FamilyOf(op) }

// Config selects the cases to run and how to measure them.
type Config struct {
	Ops     []kernels.Op // in run order
	Sizes   []Size
	Batches []int
	Devices []string // backend names
	// Levels selects ISA levels of backends that have them ("all" for every
	// level the machine runs); empty means each backend's default level.
	Levels []string
	// Threads lists thread counts to measure; empty means 1.
	Threads []int
	Samples int
	// WarmupIters is the least number of warm-up runs; Warmup the least
	// warm-up time. Both apply.
	WarmupIters int
	Warmup      time.Duration
	SampleTime  time.Duration // target duration of one timed batch
	Seed        uint64
	Quick       bool
	// Workloads adds whole-model cases (decode, prefill, attention; see
	// workloads.go) of Model ("2B4T" or "tiny") to the ops' cases.
	Workloads []string
	Model     string
	// Packings adds packing cases (packings.go): pack.Strategy names or
	// "auto", each over the sizes, the patterns and Sparsities (fractions
	// of zeros; DefaultSparsities when empty).
	Packings   []string
	Sparsities []float64
	// Conversions adds conversion cases (conversions.go): the memory
	// engine converting each size from f32 to these formats.
	Conversions []memory.DType
	// Cleanup adds cleanup cases (cleanup.go): the memory pool's cleanup
	// strategies on each size and batch's BitLinear allocation cycle.
	Cleanup []string
}

// DefaultConfig measures every family on the 2B4T shapes.
func DefaultConfig() Config {
	return Config{
		Ops:        AllOps(),
		Sizes:      slices.Clone(Model2B4T),
		Batches:    []int{1, 8},
		Devices:    []string{"cpu"},
		Samples:    10,
		Warmup:     200 * time.Millisecond,
		SampleTime: 100 * time.Millisecond,
		Seed:       1,
		Model:      "2B4T",
	}
}

// QuickConfig is a short run: three shapes (the attention projection, the
// FFN up projection and the down projection, which has the long K) and
// shorter samples, still ten of them so the median has an interval.
func QuickConfig() Config {
	c := DefaultConfig()
	c.Sizes = []Size{{2560, 2560}, {6912, 2560}, {2560, 6912}}
	c.Warmup = 50 * time.Millisecond
	c.SampleTime = 20 * time.Millisecond
	c.Quick = true
	return c
}

// AllOps lists every op in run order (kernels.Ops, a copy).
func AllOps() []kernels.Op { return slices.Clone(kernels.Ops) }

// ParseOps reads a comma-separated list of family names ("matmul,quantize")
// or op names ("BitLinear", "gelu"), case-insensitively.
func ParseOps(list string) ([]kernels.Op, error) {
	var ops []kernels.Op
	add := func(op kernels.Op) {
		if !slices.Contains(ops, op) {
			ops = append(ops, op)
		}
	}
	for _, item := range splitList(list) {
		name := strings.ToLower(item)
		if fam, ok := Families[name]; ok {
			for _, op := range fam {
				add(op)
			}
			continue
		}
		found := false
		for _, op := range AllOps() {
			if strings.ToLower(string(op)) == name {
				add(op)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown operation %q: want a family (%s) or an op (%s)",
				item, strings.Join(FamilyNames, ", "), joinOps(AllOps()))
		}
	}
	if len(ops) == 0 {
		return nil, fmt.Errorf("no operations given")
	}
	return ops, nil
}

func joinOps(ops []kernels.Op) string {
	s := make([]string, len(ops))
	for i, op := range ops {
		s[i] = string(op)
	}
	return strings.Join(s, ", ")
}

// ParseSizes reads "2560x2560,640x2560" (N×K).
func ParseSizes(list string) ([]Size, error) {
	var sizes []Size
	for _, item := range splitList(list) {
		n, k, ok := strings.Cut(strings.ToLower(item), "x")
		if !ok {
			return nil, fmt.Errorf("size %q: want NxK, e.g. 2560x6912", item)
		}
		nv, err1 := strconv.Atoi(n)
		kv, err2 := strconv.Atoi(k)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("size %q: want two positive integers NxK, e.g. 2560x6912", item)
		}
		s := Size{nv, kv}
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("size %q: %v", item, err)
		}
		sizes = append(sizes, s)
	}
	if len(sizes) == 0 {
		return nil, fmt.Errorf("no sizes given")
	}
	return sizes, nil
}

// ParseLevels reads "all" or "generic,avx2,avx512". Names are checked by
// the backend when the catalogue is built.
func ParseLevels(list string) ([]string, error) {
	levels := splitList(strings.ToLower(list))
	if len(levels) == 0 {
		return nil, fmt.Errorf("no ISA levels given")
	}
	return levels, nil
}

// ParseThreads reads "1,2".
func ParseThreads(list string) ([]int, error) {
	var ts []int
	for _, item := range splitList(list) {
		v, err := strconv.Atoi(item)
		if err != nil || v <= 0 || v > 1024 {
			return nil, fmt.Errorf("threads %q: want a positive integer up to 1024", item)
		}
		ts = append(ts, v)
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("no thread counts given")
	}
	return ts, nil
}

// ParseBatches reads "1,8,64".
func ParseBatches(list string) ([]int, error) {
	var bs []int
	for _, item := range splitList(list) {
		v, err := strconv.Atoi(item)
		if err == nil {
			err = ValidateBatch(v)
		}
		if err != nil {
			return nil, fmt.Errorf("batch %q: want a positive integer up to %d", item, MaxBatch)
		}
		bs = append(bs, v)
	}
	if len(bs) == 0 {
		return nil, fmt.Errorf("no batch sizes given")
	}
	return bs, nil
}

func splitList(list string) []string {
	var out []string
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
