package cpu

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
)

// OpInt8GEMV names the int8 × int8 matrix-vector product in errors: the
// tied embedding / LM head of BitNet b1.58 models is held in int8 with a
// scale per row, and a decode step streams all of it once per token.
const OpInt8GEMV kernels.Op = "Int8GEMV"

// int8Block is the K granularity of the SIMD loop: 256 activations per step.
const int8Block = 256

// Int8GEMV is an N×K int8 matrix with per-row scales, prepared for
// y[n] = (Σ_k q[n,k]·xq[k]) · scale[n] / xscale with exact int32 sums.
type Int8GEMV struct {
	n, k, stride int
	woven        []byte // rows padded to stride, four-row groups woven (pack.WeaveRows), in owned
	owned        *poolBytes
	plain        []int8    // the caller's rows, for the generic loop and the tail rows
	bias         []int32   // 128·Σ_k q[n,k]: removes the +128 offset of xu
	scales       []float32 // per row
	xu           []byte    // activations + 128, zero-padded to stride
	acc          []int32
	simd         func(w []byte, stride int, xu []byte, out []int32)
	epilogue     rowEpilogue // the level's, for simd's sums
	pool         *workerPool
	rows         func(lo, hi int)
	y            []float32 // the current Run's arguments
	xq           []int8
	xscale       float32
	closed       bool
}

// NewInt8GEMV prepares q (N×K, row-major) and its N row scales. Levels
// without SIMD code for it return a *kernels.NotImplementedError; the
// generic level runs the portable loop. q is kept, not copied.
func (b *Backend) NewInt8GEMV(q []int8, scales []float32, n, k int) (*Int8GEMV, error) {
	if b.unavailable != nil {
		return nil, b.unavailable
	}
	if n <= 0 || k <= 0 || len(q) != n*k || len(scales) != n {
		return nil, fmt.Errorf("cpu: Int8GEMV: %d values and %d scales for %d×%d", len(q), len(scales), n, k)
	}
	g := &Int8GEMV{n: n, k: k, plain: q, scales: scales, acc: make([]int32, n), pool: poolFor(b.threads)}
	if b.level != LevelGeneric {
		g.simd = int8RowsFor(b.level)
		g.epilogue = epilogueFor(b.level)
		if g.simd == nil {
			return nil, fmt.Errorf("cpu: %w", &kernels.NotImplementedError{Op: OpInt8GEMV, Backend: "cpu/" + string(b.level)})
		}
		g.stride = (k + int8Block - 1) / int8Block * int8Block
		rows := unsafe.Slice((*byte)(unsafe.Pointer(&q[0])), len(q))
		if g.stride != k { // pad each row with zeros to whole steps
			rows = make([]byte, n*g.stride)
			for r := 0; r < n; r++ {
				for i, v := range q[r*k : (r+1)*k] {
					rows[r*g.stride+i] = byte(v)
				}
			}
		}
		var err error
		if g.owned, err = newPoolBytes(g, len(rows)); err != nil {
			return nil, err
		}
		g.woven = g.owned.bytes()
		if err := pack.WeaveRows(g.woven, rows, n, g.stride); err != nil {
			g.owned.free()
			return nil, fmt.Errorf("cpu: %w", err)
		}
		g.xu = make([]byte, g.stride)
		for i := k; i < g.stride; i++ {
			g.xu[i] = 128 // x = 0 against zero padding
		}
		g.bias = make([]int32, n)
		for r := range g.bias {
			var s int32
			for _, v := range q[r*k : (r+1)*k] {
				s += int32(v)
			}
			g.bias[r] = 128 * s
		}
	}
	g.rows = g.runRows
	return g, nil
}

// Bytes is what one Run reads from the matrix: the weights and the scales.
func (g *Int8GEMV) Bytes() int64 {
	if g.woven != nil {
		return int64(len(g.woven)) + 4*int64(g.n)
	}
	return int64(len(g.plain)) + 4*int64(g.n)
}

// Run computes y (N values) for one token xq (K values) of scale xscale.
func (g *Int8GEMV) Run(y []float32, xq []int8, xscale float32) error {
	if g.closed {
		return errClosed
	}
	if len(y) != g.n || len(xq) != g.k {
		return fmt.Errorf("cpu: Int8GEMV %d×%d: got %d outputs and %d activations", g.n, g.k, len(y), len(xq))
	}
	if g.simd != nil {
		for i, v := range xq {
			g.xu[i] = byte(v) ^ 0x80 // two's complement + 128
		}
	}
	g.y, g.xq, g.xscale = y, xq, xscale
	g.pool.run(g.n, 4, g.rows)
	runtime.KeepAlive(g) // its cleanup frees woven
	return nil
}

// Close gives the woven copy back; Run after Close is an error.
func (g *Int8GEMV) Close() error {
	g.closed, g.woven = true, nil
	if g.owned != nil {
		g.owned.free()
	}
	return nil
}

func (g *Int8GEMV) runRows(lo, hi int) {
	n := lo
	if rows := (hi - n) &^ 3; g.simd != nil && rows > 0 {
		// One call over the range: one token reuses nothing, and the
		// four-stream kernel splits the range into four far-apart streams.
		g.simd(g.woven[n*g.stride:(n+rows)*g.stride], g.stride, g.xu, g.acc[n:n+rows])
		g.epilogue(g.y[n:n+rows], g.acc[n:n+rows], g.bias[n:n+rows], g.scales[n:n+rows], 0, 0, g.xscale)
		n += rows
	}
	for ; n < hi; n++ { // the generic level, and the last 1-3 rows
		g.acc[n] = dotInt8(g.plain[n*g.k:(n+1)*g.k], g.xq)
		epilogueGeneric(g.y[n:n+1], g.acc[n:n+1], nil, g.scales[n:n+1], 0, 0, g.xscale)
	}
}

func dotInt8(a, b []int8) int32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 int32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += int32(a[i]) * int32(b[i])
		s1 += int32(a[i+1]) * int32(b[i+1])
		s2 += int32(a[i+2]) * int32(b[i+2])
		s3 += int32(a[i+3]) * int32(b[i+3])
	}
	for ; i < len(a); i++ {
		s0 += int32(a[i]) * int32(b[i])
	}
	return s0 + s1 + s2 + s3
}
