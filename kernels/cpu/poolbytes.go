package cpu

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/bitnet-go/bitnet-bench/memory"
)

// poolBytes is memory a kernel owns for its lifetime: its copy of the
// weights, taken from the default memory pool. Large pool blocks are
// backed by transparent huge pages where the OS offers them, which is what
// lets a GEMV stream DRAM near the machine's read bandwidth (one TLB miss
// per 2 MiB instead of per 4 KiB), and every level copies, so levels are
// compared on the same kind of memory whatever the caller's weights are.
//
// Close gives the block back; a kernel dropped without Close gives it back
// through a cleanup once unreachable (tests and fuzz targets prepare many
// kernels), so nothing leaks either way.
type poolBytes struct {
	buf  memory.ByteBuf
	once sync.Once
}

// newPoolBytes allocates n bytes, 64-byte aligned, owned by owner.
func newPoolBytes[T any](owner *T, n int) (*poolBytes, error) {
	buf, err := memory.Default().AllocBytes(n, 64)
	if err != nil {
		return nil, fmt.Errorf("cpu: %d bytes of weights from the memory pool: %w", n, err)
	}
	o := &poolBytes{buf: buf}
	runtime.AddCleanup(owner, (*poolBytes).free, o)
	return o, nil
}

func (o *poolBytes) bytes() []byte { return o.buf.Data() }

// free gives the block back once, whether Close or the cleanup gets there
// first.
func (o *poolBytes) free() {
	o.once.Do(func() { _ = o.buf.Free() })
}
