package memory

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// The conversion engine moves tensors between float32 and the kernels'
// storage formats. It decides how (zero-copy view, in place, streamed in
// chunks, batched), allocates from the pool and reports what it did; the
// value conversions themselves are the kernel library's, reached through the
// Codec interface (kernels/codec gives them), never a copy of them.

// DType is a tensor element format.
type DType int

const (
	F32     DType = iota // IEEE binary32
	F16                  // IEEE binary16
	BF16                 // bfloat16
	I8                   // int8 with a scale: real = q / scale (absmax, per row)
	Ternary              // codes in {-1, 0, +1} stored as int8: real = q · scale (absmean)
)

var dtypeNames = [...]string{"f32", "f16", "bf16", "i8", "ternary"}

func (d DType) String() string {
	if d >= 0 && int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return fmt.Sprintf("DType(%d)", int(d))
}

// Codec converts between float32 and one storage format. Implementations
// wrap the kernel library's routines (kernels/quant).
type Codec interface {
	DType() DType
	// Bits is the storage width of one element.
	Bits() int
	// Scaled reports whether the format carries a scale.
	Scaled() bool
	// Encode converts src into dst (at least StorageBytes(len(src))
	// bytes). A scaled codec computes the scale from src and returns it;
	// others return 1.
	Encode(dst []byte, src []float32) (scale float32, err error)
	// Decode converts len(dst) elements of src back to float32.
	Decode(dst []float32, src []byte, scale float32) error
}

// ScaleStreamer is implemented by scaled codecs whose scale can be computed
// over chunks and merged, so that a tensor with one scale can be converted
// in bounded memory.
type ScaleStreamer interface {
	// ChunkScale returns the scale src alone would get.
	ChunkScale(src []float32) float32
	// MergeScales combines chunk scales (with their element counts) into
	// the scale of the whole.
	MergeScales(scales []float32, counts []int) float32
	// EncodeWithScale encodes src with a given scale.
	EncodeWithScale(dst []byte, src []float32, scale float32) error
}

// StorageBytes returns the bytes n elements of d take.
func storageBytes(c Codec, n int) int { return (n*c.Bits() + 7) / 8 }

// Tensor is a row-major Rows×Cols tensor in one storage format.
type Tensor struct {
	DType      DType
	Rows, Cols int
	// Data is the storage. For a tensor the engine allocated it is pool
	// memory, valid until Free.
	Data []byte
	// Scales holds one scale per tensor (len 1) or per row (len Rows) for
	// scaled formats, nil otherwise.
	Scales []float32
	buf    ByteBuf // the pool block owned by the tensor; zero for views
	view   bool
}

// TensorFromBuf makes an F32 tensor that owns buf (a rows×cols pool buffer):
// the tensor's Free frees it, and ConvertInPlace can downsize it.
func TensorFromBuf(buf Float32Buf, rows, cols int) (*Tensor, error) {
	if rows <= 0 || cols <= 0 || buf.Len() != rows*cols {
		return nil, fmt.Errorf("%w: %d×%d over %d values", ErrShape, rows, cols, buf.Len())
	}
	b := ByteBuf{(*byte)(unsafe.Pointer(buf.ptr)), 4 * buf.n, buf.p, buf.w}
	return &Tensor{DType: F32, Rows: rows, Cols: cols, Data: b.Data(), buf: b}, nil
}

// Len returns Rows·Cols.
func (t *Tensor) Len() int { return t.Rows * t.Cols }

// Owned reports whether the tensor owns a pool block (Free releases it).
func (t *Tensor) Owned() bool { return t.buf.p != nil }

// IsView reports whether the tensor shares another tensor's storage.
func (t *Tensor) IsView() bool { return t.view }

// Free releases the tensor's pool block; views and borrowed storage are
// left alone.
func (t *Tensor) Free() error {
	if t.buf.p == nil {
		return nil
	}
	err := t.buf.Free()
	t.buf = ByteBuf{}
	t.Data = nil
	return err
}

// Float32s returns the data of an F32 tensor as []float32, without copying.
func (t *Tensor) Float32s() []float32 {
	if t.DType != F32 || len(t.Data) < 4 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&t.Data[0])), len(t.Data)/4)
}

// RowScale returns the scale that applies to row r.
func (t *Tensor) RowScale(r int) float32 {
	switch len(t.Scales) {
	case 0:
		return 1
	case 1:
		return t.Scales[0]
	}
	return t.Scales[r]
}

// ConversionStats describes one conversion.
type ConversionStats struct {
	From, To DType
	Elems    int
	SrcBytes int
	DstBytes int
	// Ratio is SrcBytes/DstBytes, the compression ratio.
	Ratio    float64
	ZeroCopy bool // the result is a view of the source
	InPlace  bool // the result was written over the source
	Chunks   int  // chunks processed (1 when done in one go)
	// Scratch is the largest temporary buffer used, in bytes.
	Scratch  int
	Duration time.Duration
	Strategy string // "zero-copy", "in-place", "streamed", "direct"
}

// ConvertOptions tune a conversion.
type ConvertOptions struct {
	// PerRow gives ternary tensors one scale per row (I8 is always per row).
	PerRow bool
	// ChunkElems bounds the elements converted at once (rounded to whole
	// rows for per-row scales); 0 means the engine's default.
	ChunkElems int
}

// Engine converts tensors, allocating from a pool.
type Engine struct {
	pool       *Pool
	mu         sync.RWMutex
	codecs     map[DType]Codec
	chunkElems int
}

// Errors of the conversion engine.
var (
	ErrNoCodec    = errors.New("memory: no codec for this format")
	ErrShape      = errors.New("memory: tensor shape does not match its data")
	ErrNotInPlace = errors.New("memory: in-place conversion needs an owned F32 tensor and a format no wider than F32")
)

// DefaultChunkElems is the streaming chunk of an engine: 64 Ki elements
// (256 KiB of float32).
const DefaultChunkElems = 64 << 10

// NewEngine returns an engine over pool p (Default() when nil) that
// converts with codecs (kernels/codec.All gives the kernel library's).
func NewEngine(p *Pool, codecs ...Codec) *Engine {
	if p == nil {
		p = Default()
	}
	e := &Engine{pool: p, codecs: map[DType]Codec{}, chunkElems: DefaultChunkElems}
	for _, c := range codecs {
		e.codecs[c.DType()] = c
	}
	return e
}

// Register adds or replaces the codec of its format.
func (e *Engine) Register(c Codec) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.codecs[c.DType()] = c
}

// Codec returns the codec of d, or nil.
func (e *Engine) Codec(d DType) Codec {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.codecs[d]
}

func (e *Engine) codec(d DType) (Codec, error) {
	if c := e.Codec(d); c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("%w: %v", ErrNoCodec, d)
}

func (e *Engine) chunk(opt ConvertOptions) int {
	if opt.ChunkElems > 0 {
		return opt.ChunkElems
	}
	return e.chunkElems
}

// perRow reports whether d gets one scale per row.
func perRow(d DType, opt ConvertOptions) bool { return d == I8 || d == Ternary && opt.PerRow }

// FromFloat32 converts a row-major rows×cols float32 tensor into format to,
// in a new pool-backed tensor. Converting to F32 is a zero-copy view.
func (e *Engine) FromFloat32(src []float32, rows, cols int, to DType, opt ConvertOptions) (*Tensor, ConversionStats, error) {
	start := time.Now()
	st := ConversionStats{From: F32, To: to, Elems: rows * cols, SrcBytes: 4 * rows * cols}
	if rows <= 0 || cols <= 0 || len(src) != rows*cols {
		return nil, st, fmt.Errorf("%w: %d×%d with %d values", ErrShape, rows, cols, len(src))
	}
	if to == F32 {
		t := &Tensor{DType: F32, Rows: rows, Cols: cols, view: true,
			Data: unsafe.Slice((*byte)(unsafe.Pointer(&src[0])), 4*len(src))}
		st.finish(start, "zero-copy", 4*len(src))
		st.ZeroCopy = true
		return t, st, nil
	}
	c, err := e.codec(to)
	if err != nil {
		return nil, st, err
	}
	t, err := e.newTensor(c, rows, cols, opt)
	if err != nil {
		return nil, st, err
	}
	if err := e.encode(t, c, src, opt, &st); err != nil {
		t.Free()
		return nil, st, err
	}
	st.finish(start, st.Strategy, len(t.Data))
	return t, st, nil
}

func (st *ConversionStats) finish(start time.Time, strategy string, dstBytes int) {
	st.Strategy = strategy
	st.DstBytes = dstBytes
	if dstBytes > 0 {
		st.Ratio = float64(st.SrcBytes) / float64(dstBytes)
	}
	st.Duration = time.Since(start)
}

func (e *Engine) newTensor(c Codec, rows, cols int, opt ConvertOptions) (*Tensor, error) {
	buf, err := e.pool.AllocBytes(storageBytes(c, rows*cols), 0)
	if err != nil {
		return nil, err
	}
	t := &Tensor{DType: c.DType(), Rows: rows, Cols: cols, Data: buf.Data(), buf: buf}
	if c.Scaled() {
		if perRow(c.DType(), opt) {
			t.Scales = make([]float32, rows)
		} else {
			t.Scales = make([]float32, 1)
		}
	}
	return t, nil
}

// encode fills t (format c) from src, chunk by chunk.
func (e *Engine) encode(t *Tensor, c Codec, src []float32, opt ConvertOptions, st *ConversionStats) error {
	rows, cols := t.Rows, t.Cols
	chunk := e.chunk(opt)
	bits := c.Bits()
	switch {
	case !c.Scaled():
		for off := 0; off < len(src); off += chunk {
			end := min(off+chunk, len(src))
			if _, err := c.Encode(t.Data[off*bits/8:(end*bits+7)/8], src[off:end]); err != nil {
				return err
			}
			st.Chunks++
		}
		st.Strategy = "direct"
		if st.Chunks > 1 {
			st.Strategy = "streamed"
		}
	case perRow(t.DType, opt):
		rowsPer := max(1, chunk/cols)
		for r0 := 0; r0 < rows; r0 += rowsPer {
			for r := r0; r < min(r0+rowsPer, rows); r++ {
				s, err := c.Encode(t.Data[r*cols*bits/8:((r+1)*cols*bits+7)/8], src[r*cols:(r+1)*cols])
				if err != nil {
					return err
				}
				t.Scales[r] = s
			}
			st.Chunks++
		}
		st.Strategy = "direct"
		if st.Chunks > 1 {
			st.Strategy = "streamed"
		}
	default: // one scale for the whole tensor
		ss, ok := c.(ScaleStreamer)
		if !ok || len(src) <= chunk {
			s, err := c.Encode(t.Data, src)
			if err != nil {
				return err
			}
			t.Scales[0] = s
			st.Chunks, st.Strategy = 1, "direct"
			return nil
		}
		var scales []float32
		var counts []int
		for off := 0; off < len(src); off += chunk {
			end := min(off+chunk, len(src))
			scales = append(scales, ss.ChunkScale(src[off:end]))
			counts = append(counts, end-off)
		}
		s := ss.MergeScales(scales, counts)
		t.Scales[0] = s
		for off := 0; off < len(src); off += chunk {
			end := min(off+chunk, len(src))
			if err := ss.EncodeWithScale(t.Data[off*bits/8:(end*bits+7)/8], src[off:end], s); err != nil {
				return err
			}
			st.Chunks++
		}
		st.Strategy = "streamed"
	}
	return nil
}

// ToFloat32 decodes t into a new pool-backed F32 tensor. An F32 tensor
// comes back as a zero-copy view.
func (e *Engine) ToFloat32(t *Tensor, opt ConvertOptions) (*Tensor, ConversionStats, error) {
	start := time.Now()
	n := t.Len()
	st := ConversionStats{From: t.DType, To: F32, Elems: n, SrcBytes: len(t.Data)}
	if t.DType == F32 {
		v := *t
		v.buf, v.view = ByteBuf{}, true
		st.ZeroCopy = true
		st.finish(start, "zero-copy", len(t.Data))
		return &v, st, nil
	}
	c, err := e.codec(t.DType)
	if err != nil {
		return nil, st, err
	}
	if n <= 0 || len(t.Data) < storageBytes(c, n) {
		return nil, st, ErrShape
	}
	buf, err := e.pool.AllocFloat32(n)
	if err != nil {
		return nil, st, err
	}
	out := &Tensor{DType: F32, Rows: t.Rows, Cols: t.Cols, buf: ByteBuf{(*byte)(unsafe.Pointer(buf.ptr)), 4 * n, buf.p, buf.w}}
	out.Data = out.buf.Data()
	if err := e.decode(buf.Data(), t, c, opt, &st); err != nil {
		out.Free()
		return nil, st, err
	}
	st.finish(start, st.Strategy, len(out.Data))
	return out, st, nil
}

func (e *Engine) decode(dst []float32, t *Tensor, c Codec, opt ConvertOptions, st *ConversionStats) error {
	bits, cols := c.Bits(), t.Cols
	rowsPer := max(1, e.chunk(opt)/cols)
	for r0 := 0; r0 < t.Rows; r0 += rowsPer {
		r1 := min(r0+rowsPer, t.Rows)
		if len(t.Scales) > 1 {
			for r := r0; r < r1; r++ {
				if err := c.Decode(dst[r*cols:(r+1)*cols], t.Data[r*cols*bits/8:((r+1)*cols*bits+7)/8], t.RowScale(r)); err != nil {
					return err
				}
			}
		} else if err := c.Decode(dst[r0*cols:r1*cols], t.Data[r0*cols*bits/8:(r1*cols*bits+7)/8], t.RowScale(0)); err != nil {
			return err
		}
		st.Chunks++
	}
	st.Strategy = "direct"
	if st.Chunks > 1 {
		st.Strategy = "streamed"
	}
	return nil
}

// Convert converts t to format to. It returns a zero-copy view when the
// layout allows it (same format; ternary codes read as I8, whose scale is
// then 1/ternary scale), and otherwise decodes and re-encodes through F32
// in a new pool-backed tensor.
func (e *Engine) Convert(t *Tensor, to DType, opt ConvertOptions) (*Tensor, ConversionStats, error) {
	start := time.Now()
	st := ConversionStats{From: t.DType, To: to, Elems: t.Len(), SrcBytes: len(t.Data)}
	switch {
	case t.DType == to:
		v := *t
		v.buf, v.view = ByteBuf{}, true
		st.ZeroCopy = true
		st.finish(start, "zero-copy", len(t.Data))
		return &v, st, nil
	case t.DType == Ternary && to == I8:
		// Ternary codes are valid int8 values: q·s = q / (1/s).
		v := &Tensor{DType: I8, Rows: t.Rows, Cols: t.Cols, Data: t.Data, view: true, Scales: make([]float32, t.Rows)}
		for r := range v.Scales {
			v.Scales[r] = 1 / t.RowScale(r)
		}
		st.ZeroCopy = true
		st.finish(start, "zero-copy", len(t.Data))
		return v, st, nil
	case t.DType == F32:
		return e.FromFloat32(t.Float32s()[:t.Len()], t.Rows, t.Cols, to, opt)
	}
	f, _, err := e.ToFloat32(t, opt)
	if err != nil {
		return nil, st, err
	}
	defer f.Free()
	out, st2, err := e.FromFloat32(f.Float32s()[:f.Len()], t.Rows, t.Cols, to, opt)
	st2.From, st2.SrcBytes = t.DType, len(t.Data)
	if st2.DstBytes > 0 {
		st2.Ratio = float64(st2.SrcBytes) / float64(st2.DstBytes)
	}
	st2.Duration = time.Since(start)
	st2.Strategy = "via-f32"
	return out, st2, err
}

// ConvertInPlace downsizes an owned F32 tensor to format to, writing the
// result over its own storage, and gives the freed tail of the block back to
// the pool (a large block shrinks to the buddy order that still holds it).
// Chunks are copied to a small pool scratch buffer before being encoded, so
// codecs never see overlapping input and output. A per-tensor scale needs
// the whole tensor first: with a codec that cannot stream scales the
// scratch is the whole tensor.
func (e *Engine) ConvertInPlace(t *Tensor, to DType, opt ConvertOptions) (ConversionStats, error) {
	start := time.Now()
	n := t.Len()
	st := ConversionStats{From: t.DType, To: to, Elems: n, SrcBytes: len(t.Data), InPlace: true}
	if t.DType != F32 || !t.Owned() || len(t.Data) < 4*n {
		return st, ErrNotInPlace
	}
	if to == F32 {
		st.finish(start, "in-place", len(t.Data))
		return st, nil
	}
	c, err := e.codec(to)
	if err != nil {
		return st, err
	}
	src := t.Float32s()[:n]
	rows, cols, bits := t.Rows, t.Cols, c.Bits()
	chunk := e.chunk(opt)
	var scales []float32
	if c.Scaled() {
		if perRow(to, opt) {
			scales = make([]float32, rows)
		} else {
			scales = make([]float32, 1)
		}
	}
	ss, streams := c.(ScaleStreamer)
	whole := c.Scaled() && !perRow(to, opt) && !streams
	if perRow(to, opt) {
		chunk = max(1, chunk/cols) * cols
	}
	if whole {
		chunk = n
	}
	var global float32
	if c.Scaled() && !perRow(to, opt) && streams {
		global = streamedScale(ss, src[:n], chunk)
		scales[0] = global
	}
	scratch, err := e.pool.AllocFloat32(min(chunk, n))
	if err != nil {
		return st, err
	}
	defer scratch.Free()
	st.Scratch = 4 * scratch.Len()
	dst := t.Data
	for off := 0; off < n; off += chunk {
		end := min(off+chunk, n)
		tmp := scratch.Data()[:end-off]
		copy(tmp, src[off:end])
		out := dst[off*bits/8 : (end*bits+7)/8]
		switch {
		case !c.Scaled():
			_, err = c.Encode(out, tmp)
		case perRow(to, opt):
			for r := off / cols; r < end/cols; r++ {
				lo, hi := r*cols-off, (r+1)*cols-off
				var s float32
				s, err = c.Encode(out[lo*bits/8:(hi*bits+7)/8], tmp[lo:hi])
				if err != nil {
					break
				}
				scales[r] = s
			}
		case streams:
			err = ss.EncodeWithScale(out, tmp, global)
		default:
			scales[0], err = c.Encode(out, tmp)
		}
		if err != nil {
			return st, err
		}
		st.Chunks++
	}
	newBytes := storageBytes(c, n)
	nh, err := e.pool.Shrink(t.buf.Handle(), newBytes)
	if err != nil {
		return st, err
	}
	t.buf = ByteBuf{t.buf.ptr, newBytes, nh.p, nh.w}
	t.Data = t.buf.Data()
	t.DType, t.Scales = to, scales
	st.finish(start, "in-place", newBytes)
	return st, nil
}

// Stream encodes a rows×cols float32 tensor to w in format to, one chunk at
// a time through a pool scratch buffer, so memory stays bounded whatever the
// tensor's size. It returns the scales (per row, or one) with the stats.
// A per-tensor scale with a codec that cannot stream scales makes the
// scratch the whole tensor (Chunks = 1).
func (e *Engine) Stream(w io.Writer, src []float32, rows, cols int, to DType, opt ConvertOptions) ([]float32, ConversionStats, error) {
	start := time.Now()
	n := rows * cols
	st := ConversionStats{From: F32, To: to, Elems: n, SrcBytes: 4 * n}
	if rows <= 0 || cols <= 0 || len(src) != n {
		return nil, st, ErrShape
	}
	var c Codec
	if to != F32 {
		var err error
		if c, err = e.codec(to); err != nil {
			return nil, st, err
		}
	}
	chunk := e.chunk(opt)
	if c != nil && perRow(to, opt) {
		chunk = max(1, chunk/cols) * cols
	}
	var scales []float32
	var global float32
	ss, streams := c.(ScaleStreamer)
	if c != nil && c.Scaled() {
		if perRow(to, opt) {
			scales = make([]float32, rows)
		} else {
			scales = make([]float32, 1)
			if streams {
				global = streamedScale(ss, src[:n], chunk)
				scales[0] = global
			} else {
				chunk = n
			}
		}
	}
	bits := 32
	if c != nil {
		bits = c.Bits()
	}
	scratch, err := e.pool.AllocBytes((min(chunk, n)*bits+7)/8, 0)
	if err != nil {
		return nil, st, err
	}
	defer scratch.Free()
	st.Scratch = scratch.Len()
	written := 0
	for off := 0; off < n; off += chunk {
		end := min(off+chunk, n)
		out := scratch.Data()[:((end-off)*bits+7)/8]
		part := src[off:end]
		switch {
		case c == nil:
			copy(out, unsafe.Slice((*byte)(unsafe.Pointer(&part[0])), 4*len(part)))
		case !c.Scaled():
			_, err = c.Encode(out, part)
		case perRow(to, opt):
			for r := off / cols; r < end/cols && err == nil; r++ {
				lo, hi := r*cols-off, (r+1)*cols-off
				scales[r], err = c.Encode(out[lo*bits/8:(hi*bits+7)/8], part[lo:hi])
			}
		case streams:
			err = ss.EncodeWithScale(out, part, global)
		default:
			scales[0], err = c.Encode(out, part)
		}
		if err != nil {
			return nil, st, err
		}
		k, err := w.Write(out)
		written += k
		if err != nil {
			return nil, st, err
		}
		st.Chunks++
	}
	st.finish(start, "streamed", written)
	return scales, st, nil
}

// BatchJob is one conversion of a batch: Src (F32) to To.
type BatchJob struct {
	Src        []float32
	Rows, Cols int
	To         DType
	Opt        ConvertOptions
}

// BatchResult is the outcome of one job.
type BatchResult struct {
	Tensor *Tensor
	Stats  ConversionStats
	Err    error
}

// BatchStats sums a batch.
type BatchStats struct {
	Jobs     int
	Failed   int
	SrcBytes int
	DstBytes int
	Ratio    float64
	Duration time.Duration
}

// Batch runs the jobs on up to GOMAXPROCS goroutines and returns their
// results in order, with the batch's totals.
func (e *Engine) Batch(jobs []BatchJob) ([]BatchResult, BatchStats) {
	start := time.Now()
	res := make([]BatchResult, len(jobs))
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := jobs[i]
				t, st, err := e.FromFloat32(j.Src, j.Rows, j.Cols, j.To, j.Opt)
				res[i] = BatchResult{t, st, err}
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	bs := BatchStats{Jobs: len(jobs)}
	for _, r := range res {
		if r.Err != nil {
			bs.Failed++
			continue
		}
		bs.SrcBytes += r.Stats.SrcBytes
		bs.DstBytes += r.Stats.DstBytes
	}
	if bs.DstBytes > 0 {
		bs.Ratio = float64(bs.SrcBytes) / float64(bs.DstBytes)
	}
	bs.Duration = time.Since(start)
	return res, bs
}

// streamedScale is the scale of the whole of src computed chunk by chunk
// (chunk values at a time) and merged, as a streamed conversion sees it.
func streamedScale(ss ScaleStreamer, src []float32, chunk int) float32 {
	var ps []float32
	var cs []int
	for off := 0; off < len(src); off += chunk {
		end := min(off+chunk, len(src))
		ps = append(ps, ss.ChunkScale(src[off:end]))
		cs = append(cs, end-off)
	}
	return ss.MergeScales(ps, cs)
}
