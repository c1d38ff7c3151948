package bench

import (
	"errors"

	"github.com/bitnet-go/bitnet-bench/memory"
)

// Tensors allocates a case's operands. The first allocation error is kept
// and returned by Err; later calls then return nil slices.
type Tensors interface {
	Float32(n int) []float32
	Int8(n int) []int8
	Uint16(n int) []uint16
	Bytes(n int) []byte
	Err() error
	// Release frees what was allocated; the slices must not be used after.
	Release() error
}

// HeapTensors allocates from Go's heap.
type HeapTensors struct{}

func (HeapTensors) Float32(n int) []float32 { return make([]float32, n) }
func (HeapTensors) Int8(n int) []int8       { return make([]int8, n) }
func (HeapTensors) Uint16(n int) []uint16   { return make([]uint16, n) }
func (HeapTensors) Bytes(n int) []byte      { return make([]byte, n) }
func (HeapTensors) Err() error              { return nil }
func (HeapTensors) Release() error          { return nil }

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
