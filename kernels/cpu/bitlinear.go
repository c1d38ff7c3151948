package cpu

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// bitLinearKernel is BitLinear bound to one problem: y[m,n] =
// (Σ_k c[n,k]·xq[m,k])·wscale(n)/xscale[m]. The ISA level only supplies the
// block dot products; padding, Σ x, scaling and threading live here once.
type bitLinearKernel struct {
	p        *kernels.Problem
	k        *blockKernels
	epilogue rowEpilogue // the level's
	pool     *workerPool
	blocks   int    // 256-code blocks per row
	rowData  []byte // the weights as k.dotRows reads them (woven or plain), in owned
	owned    *poolBytes
	xpad     []int8  // M tokens, each zero-padded to blocks·256
	xsum     []int32 // Σ x per token
	acc      []int32 // one accumulator per output row, so Run allocates nothing
	rows     func(lo, hi int)
}

func newBitLinearKernel(p *kernels.Problem, k *blockKernels, epilogue rowEpilogue, pool *workerPool) (*bitLinearKernel, error) {
	blocks := (p.K + pack.BlockCodes - 1) / pack.BlockCodes
	b := &bitLinearKernel{p: p, k: k, epilogue: epilogue, pool: pool, blocks: blocks, xsum: make([]int32, p.M), acc: make([]int32, p.N)}
	// Copied once here, outside the timed Run, into pool memory (see
	// poolBytes), and woven for the levels that read four rows as one
	// stream: the weight repacking inference engines do at load.
	var err error
	if b.owned, err = newPoolBytes(b, len(p.Weights.Packed.Data)); err != nil {
		return nil, err
	}
	b.rowData = b.owned.bytes()
	if k.wovenRows {
		if err := pack.InterleaveRowGroups(b.rowData, p.Weights.Packed); err != nil {
			b.owned.free()
			return nil, fmt.Errorf("cpu: %w", err)
		}
	} else {
		copy(b.rowData, p.Weights.Packed.Data)
	}
	if blocks*pack.BlockCodes != p.K || p.M > 1 {
		// Padding codes are stored as c+1 = 1, so they must meet zero
		// activations; whole tokens are copied once per Run.
		b.xpad = make([]int8, p.M*blocks*pack.BlockCodes)
	}
	b.rows = b.runRows
	return b, nil
}

func (b *bitLinearKernel) token(m int) []int8 {
	n := b.blocks * pack.BlockCodes
	if b.xpad == nil {
		return b.p.XQ[:n]
	}
	return b.xpad[m*n : (m+1)*n]
}

func (b *bitLinearKernel) Run() error {
	if b.rowData == nil {
		return errClosed
	}
	p := b.p
	for m := 0; m < p.M; m++ {
		if b.xpad != nil {
			copy(b.token(m), p.XQ[m*p.K:(m+1)*p.K])
		}
		b.xsum[m] = sumInt8(p.XQ[m*p.K : (m+1)*p.K])
	}
	// Rows are split in multiples of 4 so every worker uses dot4.
	b.pool.run(p.N, 4, b.rows)
	runtime.KeepAlive(b) // its cleanup frees rowData
	return nil
}

// rowChunk is how many output rows are done per dotRows call when there
// are several tokens: 64 rows of a 2560-wide matrix are 40 KB, which stays
// in L1 while every token passes.
const rowChunk = 64

// runRows computes output rows [lo, hi) for every token, a chunk of rows at
// a time with tokens inside, so a chunk's weights are read from memory once.
func (b *bitLinearKernel) runRows(lo, hi int) {
	p := b.p
	w := p.Weights.Packed
	stride := w.Stride
	// Rows [lo, hi) belong to this call alone, so their accumulator slots
	// are too, whichever worker runs it. (A local array would escape to the
	// heap through the dotRows function value: an allocation per call.)
	acc := b.acc
	n := lo
	chunk := rowChunk
	if p.M == 1 {
		// One token reuses nothing: the range goes in one call, which the
		// four-stream kernels split into four far-apart streams.
		chunk = (hi - lo) &^ 3
	}
	for ; n+4 <= hi; n += chunk {
		rows := min(chunk, (hi-n)&^3)
		if rows == 0 {
			break
		}
		weights := b.rowData[n*stride : (n+rows)*stride]
		for m := 0; m < p.M; m++ {
			b.k.dotRows(weights, stride, b.token(m), acc[n:n+rows])
			b.scale(m, n, acc[n:n+rows])
		}
		if rows < chunk {
			n += rows
			break
		}
	}
	for ; n < hi; n++ { // the last 1-3 rows
		row := w.Row(n)
		for m := 0; m < p.M; m++ {
			acc[n] = b.k.dot1(row, b.token(m))
			b.scale(m, n, acc[n:n+1])
		}
	}
}

// scale turns Σ (c+1)·x into outputs n.. of token m:
// (acc − Σx)·wscale/xscale (see rowEpilogue).
func (b *bitLinearKernel) scale(m, n int, acc []int32) {
	p := b.p
	y := p.Y[m*p.N+n : m*p.N+n+len(acc)]
	var rs []float32
	if p.Weights.RowScales != nil {
		rs = p.Weights.RowScales[n : n+len(acc)]
	}
	b.epilogue(y, acc, nil, rs, b.xsum[m], p.Weights.Scale, p.XScales[m])
}

func (b *bitLinearKernel) Fetch() error { return nil }

// Close gives the weight copy back; Run after Close is an error.
func (b *bitLinearKernel) Close() error {
	b.rowData = nil
	b.owned.free()
	return nil
}

// errClosed is Run on a kernel after Close.
var errClosed = errors.New("cpu: kernel used after Close")

// unpackKernel decodes the packed weights into int8 codes.
type unpackKernel struct {
	p    *kernels.Problem
	k    *blockKernels
	pool *workerPool
	rows func(lo, hi int)
}

func (u *unpackKernel) Run() error {
	u.pool.run(u.p.N, 1, u.rows)
	return nil
}

func (u *unpackKernel) runRows(lo, hi int) {
	w := u.p.Weights.Packed
	full := w.Cols / pack.BlockCodes * pack.BlockCodes
	for n := lo; n < hi; n++ {
		dst := u.p.YQ[n*w.Cols : (n+1)*w.Cols]
		row := w.Row(n)
		u.k.unpack(dst[:full], row)
		if full < w.Cols {
			pack.Unpack2BitRow(dst[full:], row[full/4:])
		}
	}
}

func (u *unpackKernel) Fetch() error { return nil }
func (u *unpackKernel) Close() error { return nil }

// sumInt8 returns Σ x. It runs once per token before the threads split
// the rows, so it is serial time: eight bytes at a time (SWAR), offset to
// unsigned so the lanes only grow, is ~6× the byte loop.
func sumInt8(x []int8) int32 {
	var s int32
	i := 0
	for i+8 <= len(x) {
		// At most 128 words per flush keeps each 16-bit lane (two bytes
		// of ≤ 255 a word: ≤ 128·510) below 2^16.
		end := min(len(x)&^7, i+8*128)
		var lanes uint64
		for ; i < end; i += 8 {
			v := uint64(uint8(x[i])) | uint64(uint8(x[i+1]))<<8 | uint64(uint8(x[i+2]))<<16 | uint64(uint8(x[i+3]))<<24 |
				uint64(uint8(x[i+4]))<<32 | uint64(uint8(x[i+5]))<<40 | uint64(uint8(x[i+6]))<<48 | uint64(uint8(x[i+7]))<<56
			v ^= 0x8080808080808080 // x + 128, as unsigned bytes
			lanes += v&0x00ff00ff00ff00ff + v>>8&0x00ff00ff00ff00ff
		}
		s += int32(lanes&0xffff + lanes>>16&0xffff + lanes>>32&0xffff + lanes>>48)
	}
	s -= int32(128 * i)
	for ; i < len(x); i++ {
		s += int32(x[i])
	}
	return s
}
