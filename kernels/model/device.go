package model

import (
	"time"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

// Tensor is a buffer of a Device: host memory on the CPU, device memory on
// a GPU. Engine never reads one; it hands them from one part to the next.
type Tensor interface{ Len() int }

// Op is one prepared part of a step: the backend's kernels bound to their
// tensors. On the CPU Run computes; on a GPU it may only enqueue (a
// Program runs its ops and waits for them).
type Op interface{ Run() error }

// PartOp is an op and the part of the step it belongs to.
type PartOp struct {
	Part Part
	Op   Op
}

// Program is the ops of one pass in order, as the backend runs them: a
// loop on the CPU, one CUDA graph on a GPU.
type Program interface {
	// Run runs every op once and returns when they are done. times, when
	// not nil, gets each part's time added (wall time on the CPU, device
	// timers on a GPU, where a timed run may be slower than an untimed one:
	// a graph cannot stop between parts).
	Run(times *[NumParts]time.Duration) error
}

// Device is what Engine needs of a backend to run a model, one per engine:
// tensors in the backend's memory, the KV cache and the embedding
// (uploaded once by NewDevice), and each part of a step as an Op. Shapes
// are row-major, m tokens a pass; the KV cache is the device's own, in its
// own layout, addressed by layer. Dynamic values (the first position and
// the tokens) live in a params tensor of int32 [pos0, token0, token1, ...]
// that the ops read when they run, so a prepared program is replayed
// unchanged.
type Device interface {
	// F32 and I32 allocate zeroed tensors of n values.
	F32(n int) (Tensor, error)
	I32(n int) (Tensor, error)
	// Quantized allocates the int8 activations of m rows of k features
	// (in the backend's layout, e.g. rows padded for its BitLinear) and
	// their m scales.
	Quantized(m, k int) (q, scales Tensor, err error)
	// View is n values of t from offset off (an f32 tensor).
	View(t Tensor, off, n int) Tensor
	// WriteI32 and WriteF32 copy src into t (the params before a run,
	// the norms' gains once).
	WriteI32(t Tensor, src []int32) error
	WriteF32(t Tensor, src []float32) error
	// ReadF32 returns t's values: buf filled, or the tensor's own memory
	// where the host shares it.
	ReadF32(t Tensor, buf []float32) ([]float32, error)

	// Embed writes the embedding rows of the params' m tokens into x.
	Embed(x, params Tensor, m int) (Op, error)
	// NormQuantize adds residual into x when it is not nil, writes
	// RMSNorm(x)·g of each of the m rows into out (which may be x) and
	// quantizes out into q and scales.
	NormQuantize(x, residual, g, out, q, scales Tensor, m int) (Op, error)
	// BitLinear is y = x·Wᵀ for m quantized tokens (the backend's
	// BitLinear kernel, which may hold its own copy of w).
	BitLinear(w *kernels.Weights, q, scales, y Tensor, m int) (Op, error)
	// RoPEKV rotates the queries and keys of m tokens of fused QKV output
	// at positions pos0.. in place and appends their keys and values to
	// layer l's cache.
	RoPEKV(qkv, params Tensor, l, m int) (Op, error)
	// Attention writes the grouped-query attention of m tokens (token i at
	// pos0+i attends to positions 0..pos0+i of layer l's cache) into out.
	Attention(out, qkv, params Tensor, l, m int) (Op, error)
	// ReLU2Gate writes relu(gate)²·up into act for m rows of the fused
	// gate/up output gu.
	ReLU2Gate(act, gu Tensor, m int) (Op, error)
	// LMHead writes the logits of one quantized token with the int8
	// embedding as the (tied) output matrix.
	LMHead(logits, q, scales Tensor) (Op, error)

	// Program prepares ops to run in order.
	Program(ops []PartOp) (Program, error)
	// Close gives back everything the device holds.
	Close() error
}

// Backend is a kernel backend other than the CPU that runs the model.
type Backend interface {
	// NewModelDevice uploads what of w stays resident (embedding, norms)
	// and makes a KV cache of capacity positions.
	NewModelDevice(w *Weights, capacity int) (Device, error)
}

// NewDevice opens the model device of be: the CPU backend's loops and
// kernels, or a backend that implements Backend. Any other backend is
// "not implemented"; nothing runs elsewhere in its place.
func NewDevice(be kernels.Backend, w *Weights, capacity int) (Device, error) {
	if err := be.Available(); err != nil {
		return nil, err
	}
	switch b := be.(type) {
	case *cpu.Backend:
		return newCPUDevice(b, w, capacity)
	case Backend:
		return b.NewModelDevice(w, capacity)
	}
	return nil, &kernels.NotImplementedError{Op: "Model", Backend: be.Name()}
}

// SupportedOn returns nil when be can run the model (on the CPU, when its
// level has its own code for every part; see Supported), else why not.
func SupportedOn(be kernels.Backend) error {
	switch b := be.(type) {
	case *cpu.Backend:
		return Supported(b)
	case Backend:
		return be.Available()
	}
	if err := be.Available(); err != nil {
		return err
	}
	return &kernels.NotImplementedError{Op: "Model", Backend: be.Name()}
}
