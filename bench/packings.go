package bench

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
)

// The packing family measures the storage formats of kernels/pack on
// ternary matrices of chosen patterns and sparsities: each format's size
// (bits per weight, compression against one byte per code) and the speed
// of decoding the whole matrix, the trade a loader makes. "auto" lets
// pack.Select pick the format on the case's own data and records which it
// bound and why. The decoders are portable Go, so the cases run on the CPU
// backend's generic level and are named after it.

// Packing is one packing case's recipe.
type Packing struct {
	// Strategy is a pack.Strategy name, or "auto" for pack.Select.
	Strategy string
	// Pattern is how the codes are drawn: "absmean" (absmean-quantized
	// normal weights, the model's own: about 31% zeros), "random" (zeros at
	// independent positions, Sparsity of them, ±1 alike otherwise) or
	// "blocks" (whole 64-code runs of zeros, Sparsity of the runs: pruned
	// structure).
	Pattern  string
	Sparsity float64 // fraction of zeros; unused by absmean
}

// PackingAuto is the strategy name that lets pack.Select choose.
const PackingAuto = "auto"

// Patterns are the code patterns of the packing cases.
var Patterns = []string{"absmean", "random", "blocks"}

// DefaultSparsities are the sparsities drawn when none are configured.
var DefaultSparsities = []float64{0.5, 0.9, 0.99}

// op is the case's op name: Unpack and the strategy.
func (p Packing) op() kernels.Op {
	s := p.Strategy
	if s == PackingAuto {
		s = "Auto"
	}
	return kernels.Op("Unpack" + s)
}

// patternName is the pattern as the case name writes it: absmean,
// random-s90, blocks-s99.5.
func (p Packing) patternName() string {
	if p.Pattern == "absmean" {
		return p.Pattern
	}
	return p.Pattern + "-s" + strconv.FormatFloat(100*p.Sparsity, 'f', -1, 64)
}

// ParsePackings reads a --packings list: strategy names (any case),
// "auto", or "all" for every strategy and auto.
func ParsePackings(list string) ([]string, error) {
	var out []string
	for _, item := range splitList(list) {
		if strings.EqualFold(item, "all") {
			for _, s := range pack.Strategies() {
				out = append(out, s.String())
			}
			return append(out, PackingAuto), nil
		}
		if strings.EqualFold(item, PackingAuto) {
			out = append(out, PackingAuto)
			continue
		}
		s, err := pack.ParseStrategy(item)
		if err != nil {
			return nil, fmt.Errorf("%q: want all, auto or a strategy (%s)", item, strategyList())
		}
		out = append(out, s.String())
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no packings given")
	}
	return out, nil
}

func strategyList() string {
	var names []string
	for _, s := range pack.Strategies() {
		names = append(names, s.String())
	}
	return strings.Join(names, ", ")
}

// ParseSparsities reads "0.5,0.9": fractions of zeros in [0, 1).
func ParseSparsities(list string) ([]float64, error) {
	var out []float64
	for _, item := range splitList(list) {
		v, err := strconv.ParseFloat(item, 64)
		if err != nil || !(v >= 0 && v < 1) {
			return nil, fmt.Errorf("sparsity %q: want a fraction of zeros in [0, 1)", item)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no sparsities given")
	}
	return out, nil
}

// packingCases expands cfg.Packings over the sizes, the patterns (absmean
// once, random and blocks at each sparsity) and the devices: on "cpu" the
// generic level runs them; any other backend is recorded as not
// implemented, never replaced by the CPU.
func packingCases(cfg Config) ([]Case, error) {
	if len(cfg.Packings) == 0 {
		return nil, nil
	}
	if len(cfg.Sizes) == 0 {
		return nil, fmt.Errorf("catalogue: packings need at least one size")
	}
	sparsities := cfg.Sparsities
	if len(sparsities) == 0 {
		sparsities = DefaultSparsities
	}
	patterns := []Packing{{Pattern: "absmean"}}
	for _, pat := range Patterns[1:] {
		for _, s := range sparsities {
			patterns = append(patterns, Packing{Pattern: pat, Sparsity: s})
		}
	}
	backends, err := portableBackends(cfg.Devices)
	if err != nil {
		return nil, err
	}
	var cases []Case
	for _, strategy := range cfg.Packings {
		for _, sz := range cfg.Sizes {
			for _, pat := range patterns {
				pk := pat
				pk.Strategy = strategy
				for _, be := range backends {
					c := Case{Op: pk.op(), Shape: results.Shape{N: sz.N, K: sz.K}, DType: "i2", Backend: be, Packing: &pk}
					c.Name = strings.Join([]string{string(c.Op), sz.String(), pk.patternName(), "i2", target(be)}, "/")
					if err := be.Available(); err != nil {
						c.Unavailable = err.Error()
					}
					cases = append(cases, c)
				}
			}
		}
	}
	return cases, nil
}

// portableBackends are the backends of cases whose code is portable Go:
// the CPU's generic level for "cpu" (the level that really runs it), and
// any other device as it is, where such a case is not implemented.
func portableBackends(devices []string) ([]kernels.Backend, error) {
	var backends []kernels.Backend
	for _, d := range devices {
		if d == "cpu" {
			backends = append(backends, cpu.New(cpu.LevelGeneric))
			continue
		}
		bs, err := kernels.LookupAll(d)
		if err != nil {
			return nil, err
		}
		backends = append(backends, bs...)
	}
	return backends, nil
}

// packingCodes draws an n×k ternary matrix of p's pattern.
func packingCodes(p *Packing, n, k int, seed uint64) ([]int8, error) {
	r := rand.New(rand.NewPCG(seed, 0x7061636b))
	codes := make([]int8, n*k)
	sign := func() int8 { return int8(2*r.IntN(2) - 1) }
	switch p.Pattern {
	case "absmean":
		w := make([]float32, n*k)
		for i := range w {
			w[i] = float32(r.NormFloat64() * 0.02)
		}
		q, err := quant.QuantizeTernary(w, n, k, false)
		if err != nil {
			return nil, err
		}
		return q.Codes, nil
	case "random":
		for i := range codes {
			if r.Float64() >= p.Sparsity {
				codes[i] = sign()
			}
		}
	case "blocks":
		const run = 64
		for i := 0; i < len(codes); i += run {
			if r.Float64() < p.Sparsity {
				continue
			}
			for j := i; j < min(i+run, len(codes)); j++ {
				codes[j] = sign()
			}
		}
	default:
		return nil, fmt.Errorf("unknown pattern %q (%s)", p.Pattern, strings.Join(Patterns, ", "))
	}
	return codes, nil
}

// packingKernel decodes a whole packed matrix into int8 codes, row by row,
// as a loader would.
type packingKernel struct {
	p      pack.Packing
	out    []int8
	choice string // for auto: what Select bound, and why
}

func (k *packingKernel) Run() error {
	cols := k.p.Cols()
	for r := range k.p.Rows() {
		k.p.UnpackRow(k.out[r*cols:(r+1)*cols], r)
	}
	return nil
}

func (k *packingKernel) Fetch() error { return nil }
func (k *packingKernel) Close() error { return nil }

// Variant names the strategy auto bound (kernels.Variant).
func (k *packingKernel) Variant() string { return k.choice }

// metrics adds the format's size: bits per weight and the compression
// against one byte per code.
func (k *packingKernel) metrics(float64) map[string]float64 {
	bpw := k.p.BitsPerWeight()
	return map[string]float64{"bits/weight": bpw, "compression-x": 8 / bpw}
}

// preparePacking packs the case's codes and checks that they decode to the
// same codes before anything is timed. Its work per run is the packed
// bytes read and the codes written.
func preparePacking(c *Case, seed uint64) (kernels.Kernel, Work, error) {
	if be, ok := c.Backend.(*cpu.Backend); !ok || be.Level() != string(cpu.LevelGeneric) {
		return nil, Work{}, &kernels.NotImplementedError{Op: c.Op, Backend: c.Backend.Name(),
			Why: "the packings decode in portable Go, measured on the CPU's generic level"}
	}
	n, k := c.Shape.N, c.Shape.K
	codes, err := packingCodes(c.Packing, n, k, seedFor(seed, c.Op, c.Shape))
	if err != nil {
		return nil, Work{}, err
	}
	kern := &packingKernel{out: make([]int8, n*k)}
	if c.Packing.Strategy == PackingAuto {
		ch, err := pack.Select(codes, n, k, pack.SelectOptions{})
		if err != nil {
			return nil, Work{}, err
		}
		kern.p, kern.choice = ch.Packing, ch.Reason // the reason starts with the strategy
	} else {
		s, err := pack.ParseStrategy(c.Packing.Strategy)
		if err != nil {
			return nil, Work{}, err
		}
		if kern.p, err = pack.Pack(s, codes, n, k); err != nil {
			return nil, Work{}, err
		}
	}
	if err := kern.Run(); err != nil {
		return nil, Work{}, err
	}
	for i, v := range kern.out {
		if v != codes[i] {
			return nil, Work{}, &kernels.WrongResultError{Op: c.Op, Backend: c.Backend.Name(),
				Msg: fmt.Sprintf("code %d (row %d, column %d) decodes to %d, packed %d", i, i/k, i%k, v, codes[i])}
		}
	}
	return kern, Work{Bytes: int64(kern.p.SizeBytes()) + int64(n*k)}, nil
}
