package bench

import (
	"errors"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/memory"
)

// Tensors allocates a case's operands (kernels.Tensors).
type Tensors = kernels.Tensors

// HeapTensors allocates from Go's heap.
type HeapTensors = kernels.HeapTensors

// PoolTensors allocates from a memory pool, the way the kernels' users
// allocate, so a case measures kernels on pool memory and the pool's
// metrics can be reported per case.
type PoolTensors struct {
	pool  *memory.Pool
	frees []func() error
	err   error
}

// NewPoolTensors returns an allocator drawing from p.
func NewPoolTensors(p *memory.Pool) *PoolTensors { return &PoolTensors{pool: p} }

func poolAlloc[T memory.Elem](t *PoolTensors, n int) []T {
	if t.err != nil {
		return nil
	}
	b, err := memory.Alloc[T](t.pool, n)
	if err != nil {
		t.err = err
		return nil
	}
	t.frees = append(t.frees, b.Free)
	return b.Data()
}

func (t *PoolTensors) Float32(n int) []float32 { return poolAlloc[float32](t, n) }
func (t *PoolTensors) Int8(n int) []int8       { return poolAlloc[int8](t, n) }
func (t *PoolTensors) Uint16(n int) []uint16   { return poolAlloc[uint16](t, n) }
func (t *PoolTensors) Bytes(n int) []byte      { return poolAlloc[byte](t, n) }
func (t *PoolTensors) Err() error              { return t.err }

func (t *PoolTensors) Release() error {
	var errs []error
	for _, f := range t.frees {
		errs = append(errs, f())
	}
	t.frees = nil
	return errors.Join(errs...)
}
