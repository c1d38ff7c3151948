// Package cpu is the CPU backend. Each inner loop has a generic Go version
// beside its SIMD versions in Go assembly (AVX2, AVX-512 VNNI); the level is
// chosen at init from the CPU's features, or forced with BITNET_ISA or
// New. Building with -tags purego drops all assembly.
package cpu

import (
	"fmt"

	"github.com/bitnet-go/bitnet-bench/kernels"
)

func init() {
	kernels.Register("cpu", func() kernels.Backend {
		l, err := DefaultLevel()
		b := New(l)
		b.unavailable = err
		return b
	})
}

// Options configure a CPU backend.
type Options struct {
	Level Level
	// Threads splits BitLinear and unpack over output rows; 0 or 1 runs on
	// the calling goroutine alone.
	Threads int
	// PerTokenBitLinear runs BitLinear of several tokens as the one-token
	// kernel once per token, the path before the GEMM, so the two can be
	// measured side by side (BenchmarkPrefillPaths); results are the same.
	PerTokenBitLinear bool
}

// Backend runs kernels on the CPU at a fixed level.
type Backend struct {
	level       Level
	threads     int
	perToken    bool
	unavailable error
}

// New returns a single-threaded CPU backend at level.
func New(level Level) *Backend { return NewWithOptions(Options{Level: level}) }

// NewWithOptions returns a CPU backend. A level this machine cannot run
// gives a backend whose Available reports why.
func NewWithOptions(o Options) *Backend {
	b := &Backend{level: o.Level, threads: max(o.Threads, 1), perToken: o.PerTokenBitLinear}
	if !Supported(o.Level) {
		b.unavailable = fmt.Errorf("cpu: level %s is not supported by this machine or build (supported: %v)", o.Level, supported)
	}
	return b
}

// Levels lists the levels this machine can run, as strings (kernels.Tunable).
func (b *Backend) Levels() []string {
	out := make([]string, len(supported))
	for i, l := range supported {
		out[i] = string(l)
	}
	return out
}

// With returns a backend at another level and thread count (kernels.Tunable).
func (b *Backend) With(level string, threads int) (kernels.Backend, error) {
	l, err := ParseLevel(level)
	if err != nil {
		return nil, err
	}
	if threads < 1 {
		return nil, fmt.Errorf("cpu: %d threads: want at least 1", threads)
	}
	return NewWithOptions(Options{Level: l, Threads: threads, PerTokenBitLinear: b.perToken}), nil
}

func (b *Backend) Name() string     { return "cpu" }
func (b *Backend) Level() string    { return string(b.level) }
func (b *Backend) Threads() int     { return b.threads }
func (b *Backend) Available() error { return b.unavailable }

// Implements reports whether the backend's level has its own kernel for
// op: every op of the table (ops.go) at the generic level, only the
// SIMDOps at a SIMD level. A SIMD level never runs generic code under its
// own name.
func (b *Backend) Implements(op kernels.Op) bool {
	impl, ok := ops[op]
	return ok && (b.level == LevelGeneric || impl.simd != nil && impl.simd(b.level))
}

// Parallel reports whether op splits its work over the backend's threads
// (the table's parallel, ops.go).
func (b *Backend) Parallel(op kernels.Op) bool {
	impl, ok := ops[op]
	return ok && impl.parallel != nil && impl.parallel(b.level)
}

// Prepare checks p and returns a kernel bound to it.
func (b *Backend) Prepare(p *kernels.Problem) (kernels.Kernel, error) {
	if b.unavailable != nil {
		return nil, b.unavailable
	}
	if p.Op.Known() && !b.Implements(p.Op) {
		return nil, fmt.Errorf("cpu: %w", &kernels.NotImplementedError{Op: p.Op, Backend: "cpu/" + string(b.level)})
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	return ops[p.Op].bind(b, p)
}

// hostKernel writes the Problem's outputs directly, so Fetch has nothing to do.
type hostKernel func() error

func (k hostKernel) Run() error   { return k() }
func (k hostKernel) Fetch() error { return nil }
func (k hostKernel) Close() error { return nil }
