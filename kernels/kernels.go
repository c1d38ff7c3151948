// Package kernels defines the operations of bitnet-bench, their pure-Go
// reference implementations (the oracle every fast path is tested against),
// and the registry of backends that implement them.
//
// Layout and contracts follow docs/DESIGN.md:
//   - ternary weights: codes in {-1, 0, +1}, absmean scale per tensor or per row;
//   - activations: per-token absmax int8, scale 127/max|x|;
//   - BitLinear: y[m,n] = (Σ_k w[n,k]·xq[m,k]) · wscale(n) / xscale[m],
//     with exact int32 accumulation;
//   - dense layers: y = x·Wᵀ with x M×K and W N×K, all row-major.
package kernels

import (
	"errors"
	"fmt"
	"time"

	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// Weights are ternary weights packed 2 bits per code, with their absmean
// scale per tensor (Scale) or per output row (RowScales, when set).
type Weights struct {
	Packed    *pack.Packed2Bit
	Scale     float32
	RowScales []float32
}

// RowScale returns the scale of output row n.
func (w *Weights) RowScale(n int) float32 {
	if w.RowScales != nil {
		return w.RowScales[n]
	}
	return w.Scale
}

// Problem binds an operation to its operands. Inputs are read, outputs are
// written by the kernel; which fields an op uses is documented per field.
// M is the number of tokens (batch), N the output features, K the input
// features.
type Problem struct {
	Op      Op
	M, N, K int

	X       []float32 // M×K activations: MatMul, QuantizeActivations, activation functions (M·K elements)
	XQ      []int8    // M×K int8 activations: BitLinear
	XScales []float32 // M scales of XQ: BitLinear
	W       []float32 // N×K dense weights: MatMul, QuantizeWeights
	Weights *Weights  // packed ternary weights: BitLinear, Unpack2Bit
	Codes   []int8    // N×K ternary codes: Pack2Bit input
	XH      []uint16  // M×K f16 or bf16 bits: F16ToF32, BF16ToF32

	Y       []float32 // M×N outputs (BitLinear, MatMul); M·K for activation functions
	YQ      []int8    // QuantizeActivations: M×K; QuantizeWeights and Unpack2Bit: N×K codes
	YScales []float32 // QuantizeActivations: M scales; QuantizeWeights: 1 scale
	YPacked []byte    // Pack2Bit: N·Stride2Bit(K) bytes
	YH      []uint16  // M×K f16 or bf16 bits: F32ToF16, F32ToBF16
}

// Kernel is a problem bound to a backend, ready to run repeatedly.
// DeviceTimer is implemented by kernels that time themselves on the
// device (CUDA events, Metal command-buffer timestamps): the device time of
// the last Run, without the launch and synchronization the wall clock sees.
type DeviceTimer interface {
	DeviceTime() time.Duration
}

// Repeater is implemented by kernels that can run n times as one
// submission to their device and wait once at the end (a GPU backend
// replays a graph of the launches): a timed batch then measures the
// kernel, not a host round trip per run. The runner times samples with it
// where present. After RunN, DeviceTime (where implemented) is the device
// time of all n runs together.
type Repeater interface {
	RunN(n int) error
}

// Variant is implemented by kernels that choose among implementations of
// their op (a GPU BitLinear picked by measurement): it names the one bound,
// and why, for the results.
type Variant interface {
	Variant() string
}

type Kernel interface {
	// Run executes the operation once. On an asynchronous device it waits
	// for completion, so wall-clock timing of Run is honest.
	Run() error
	// Fetch copies the outputs of the last Run into the Problem's output
	// fields (a no-op for backends that write host memory directly).
	Fetch() error
	// Close releases what Prepare acquired.
	Close() error
}

// Backend executes operations on one device at one instruction-set level.
type Backend interface {
	// Name is the registry name: "cpu", "cuda", "metal", "mlx".
	Name() string
	// Level is the ISA level or device architecture in use ("generic",
	// "avx2", "avx512vnni", "sm_90", ...).
	Level() string
	// Available returns nil when the backend can run here, or why not.
	Available() error
	// Implements reports whether the backend has its own kernel for op.
	Implements(op Op) bool
	// Prepare checks p and binds it. An op the backend lacks returns a
	// *NotImplementedError; there is never a silent fallback.
	Prepare(p *Problem) (Kernel, error)
}

// Tunable is implemented by backends that run at several ISA levels or
// thread counts, so one path can be measured against another in one run.
type Tunable interface {
	Backend
	// Levels lists the levels this machine can run, slowest first.
	Levels() []string
	// Threads is the number of threads the backend splits work over.
	Threads() int
	// With returns the same backend at another level and thread count. A
	// level the machine lacks gives a backend whose Available says why.
	With(level string, threads int) (Backend, error)
	// Parallel reports whether op splits its work over Threads; an op that
	// does not is never measured under a thread count it does not use.
	Parallel(op Op) bool
}

// NotImplementedError says that a backend has no kernel for an op (or, with
// Why, not for this problem: a shape its block size does not divide).
type NotImplementedError struct {
	Op      Op
	Backend string
	Why     string
}

func (e *NotImplementedError) Error() string {
	if e.Why != "" {
		return fmt.Sprintf("%s: not implemented on %s: %s", e.Op, e.Backend, e.Why)
	}
	return fmt.Sprintf("%s: not implemented on %s", e.Op, e.Backend)
}

// WrongResultError says that a kernel ran but its output disagrees with the
// pure-Go reference; such a kernel is reported wrong, never timed.
type WrongResultError struct {
	Op      Op
	Backend string
	Msg     string // where and by how much
}

func (e *WrongResultError) Error() string {
	return fmt.Sprintf("%s on %s disagrees with the reference: %s", e.Op, e.Backend, e.Msg)
}

// IsWrongResult reports whether err is, or wraps, a WrongResultError.
func IsWrongResult(err error) bool {
	var wr *WrongResultError
	return errors.As(err, &wr)
}

// IsNotImplemented reports whether err is, or wraps, a NotImplementedError.
func IsNotImplemented(err error) bool {
	var ni *NotImplementedError
	return errors.As(err, &ni)
}

// ShapeError reports operands that do not match the problem's shape.
type ShapeError struct {
	Op  Op
	Msg string
}

func (e *ShapeError) Error() string { return fmt.Sprintf("%s: %s", e.Op, e.Msg) }

func shapeErr(op Op, format string, args ...any) error {
	return &ShapeError{Op: op, Msg: fmt.Sprintf(format, args...)}
}

// checker holds the problem Spec.Check looks at, and the checks it is
// made of.
type checker struct{ *Problem }

// need says that operand name is too short for the shape.
func (c checker) need(name string, have, want int) error {
	if have < want {
		return shapeErr(c.Op, "%s has %d elements, want %d (M=%d N=%d K=%d)", name, have, want, c.M, c.N, c.K)
	}
	return nil
}

// pos says that a dimension the op uses is not positive.
func (c checker) pos(dims ...int) error {
	for _, d := range dims {
		if d <= 0 {
			return shapeErr(c.Op, "shape M=%d N=%d K=%d: the dimensions this op uses must be positive", c.M, c.N, c.K)
		}
	}
	return nil
}

// weights says what does not fit in the packed N×K weights.
func (c checker) weights() error {
	w := c.Weights
	if w == nil || w.Packed == nil {
		return shapeErr(c.Op, "no packed weights")
	}
	if w.Packed.Rows != c.N || w.Packed.Cols != c.K {
		return shapeErr(c.Op, "weights are %dx%d, want N×K = %dx%d", w.Packed.Rows, w.Packed.Cols, c.N, c.K)
	}
	if w.Packed.Stride != pack.Stride2Bit(c.K) || len(w.Packed.Data) < c.N*w.Packed.Stride {
		return shapeErr(c.Op, "packed weights have stride %d and %d bytes, want stride %d and %d bytes",
			w.Packed.Stride, len(w.Packed.Data), pack.Stride2Bit(c.K), c.N*pack.Stride2Bit(c.K))
	}
	if w.RowScales != nil && len(w.RowScales) != c.N {
		return shapeErr(c.Op, "%d row scales, want N = %d", len(w.RowScales), c.N)
	}
	return nil
}

// Check validates that p's operands fit its op and shape (the op table's
// Check), so every backend refuses a bad problem with the same message.
func (p *Problem) Check() error {
	s, ok := SpecOf(p.Op)
	if !ok {
		return fmt.Errorf("unknown op %q", p.Op)
	}
	return errors.Join(s.Check(checker{p})...)
}
