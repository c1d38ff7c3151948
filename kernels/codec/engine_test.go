package codec

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/bitnet-go/bitnet-bench/kernels/quant"
	"github.com/bitnet-go/bitnet-bench/memory"
)

func randF32(n int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(rng.NormFloat64())
	}
	return out
}

func maxRelErr(a, b []float32) float64 {
	var m float64
	for i := range a {
		d := math.Abs(float64(a[i] - b[i]))
		m = max(m, d/max(math.Abs(float64(a[i])), 1e-3))
	}
	return m
}

func TestConvertFloatFormats(t *testing.T) {
	p := newPool(t, memory.Config{Tracking: memory.TrackBasic})
	e := NewEngine(p)
	src := randF32(3*1000, 1)
	for _, c := range []struct {
		to  memory.DType
		tol float64
	}{{memory.F16, 1e-3}, {memory.BF16, 8e-3}} {
		tt, st, err := e.FromFloat32(src, 3, 1000, c.to, memory.ConvertOptions{ChunkElems: 700})
		if err != nil {
			t.Fatal(err)
		}
		if st.Ratio != 2 || st.SrcBytes != 12000 || st.DstBytes != 6000 || st.Chunks != 5 || st.Strategy != "streamed" {
			t.Fatalf("%v stats %+v", c.to, st)
		}
		if !tt.Owned() || tt.IsView() || tt.DType != c.to {
			t.Fatal("tensor")
		}
		// The engine's bits are the kernel library's.
		want := make([]uint16, len(src))
		if c.to == memory.F16 {
			quant.F32ToF16Slice(want, src)
		} else {
			quant.F32ToBF16Slice(want, src)
		}
		got := unsafe.Slice((*uint16)(unsafe.Pointer(&tt.Data[0])), len(src))
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%v: element %d is %#x, quant says %#x", c.to, i, got[i], want[i])
			}
		}
		back, st2, err := e.ToFloat32(tt, memory.ConvertOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if st2.Ratio != 0.5 || back.DType != memory.F32 {
			t.Fatalf("decode stats %+v", st2)
		}
		if r := maxRelErr(src, back.Float32s()); r > c.tol {
			t.Fatalf("%v round trip error %v", c.to, r)
		}
		back.Free()
		tt.Free()
	}
	if st := p.Stats(); st.LiveBytes != 0 {
		t.Fatalf("live %d after freeing the tensors", st.LiveBytes)
	}
}

func TestConvertQuantized(t *testing.T) {
	e := NewEngine(newPool(t, memory.Config{}))
	rows, cols := 4, 1000
	src := randF32(rows*cols, 2)
	// memory.I8: one scale per row, the kernel library's.
	q, st, err := e.FromFloat32(src, rows, cols, memory.I8, memory.ConvertOptions{ChunkElems: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Scales) != rows || st.Ratio != 4 || st.Chunks != 2 {
		t.Fatalf("i8: %d scales, stats %+v", len(q.Scales), st)
	}
	for r := range rows {
		if s := quant.ActivationScale(src[r*cols : (r+1)*cols]); q.Scales[r] != s {
			t.Fatalf("row %d scale %v, want %v", r, q.Scales[r], s)
		}
	}
	back, _, err := e.ToFloat32(q, memory.ConvertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range back.Float32s() {
		if d := math.Abs(float64(v - src[i])); d > 0.51/float64(q.Scales[i/cols]) {
			t.Fatalf("i8 element %d: %v vs %v", i, v, src[i])
		}
	}
	// memory.Ternary, per tensor and per row.
	for _, perRow := range []bool{false, true} {
		tt, st, err := e.FromFloat32(src, rows, cols, memory.Ternary, memory.ConvertOptions{PerRow: perRow})
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := quant.QuantizeTernary(src, rows, cols, perRow)
		for i, c := range tt.Data {
			if int8(c) != ref.Codes[i] {
				t.Fatalf("perRow %v: code %d is %d, quant says %d", perRow, i, int8(c), ref.Codes[i])
			}
		}
		for r := range rows {
			if tt.RowScale(r) != ref.RowScale(r) {
				t.Fatalf("perRow %v: row %d scale %v vs %v", perRow, r, tt.RowScale(r), ref.RowScale(r))
			}
		}
		if st.Ratio != 4 {
			t.Fatalf("ternary ratio %v", st.Ratio)
		}
		// memory.Ternary codes read as memory.I8 without copying.
		v, st2, err := e.Convert(tt, memory.I8, memory.ConvertOptions{})
		if err != nil || !st2.ZeroCopy || !v.IsView() || &v.Data[0] != &tt.Data[0] {
			t.Fatalf("ternary→i8 zero copy: %v %+v", err, st2)
		}
		a, _, _ := e.ToFloat32(tt, memory.ConvertOptions{})
		b, _, _ := e.ToFloat32(v, memory.ConvertOptions{})
		if r := maxRelErr(a.Float32s(), b.Float32s()); r > 1e-6 {
			t.Fatalf("ternary and its i8 view decode differently: %v", r)
		}
		a.Free()
		b.Free()
		tt.Free()
	}
	// Through memory.F32: memory.I8 → memory.F16.
	h, st, err := e.Convert(q, memory.F16, memory.ConvertOptions{})
	if err != nil || h.DType != memory.F16 || st.Strategy != "via-f32" || st.Ratio != 0.5 {
		t.Fatalf("i8→f16: %v %+v", err, st)
	}
	h.Free()
	q.Free()
	back.Free()
}

func TestConvertZeroCopy(t *testing.T) {
	e := NewEngine(newPool(t, memory.Config{}))
	src := randF32(100, 3)
	v, st, err := e.FromFloat32(src, 10, 10, memory.F32, memory.ConvertOptions{})
	if err != nil || !st.ZeroCopy || st.Ratio != 1 || &v.Float32s()[0] != &src[0] || v.Owned() {
		t.Fatalf("f32 view: %v %+v", err, st)
	}
	w, st, err := e.Convert(v, memory.F32, memory.ConvertOptions{})
	if err != nil || !st.ZeroCopy || &w.Data[0] != &v.Data[0] {
		t.Fatal("same-format view")
	}
	f, st, err := e.ToFloat32(v, memory.ConvertOptions{})
	if err != nil || !st.ZeroCopy {
		t.Fatal("f32 to f32 view")
	}
	if err := f.Free(); err != nil || v.Free() != nil {
		t.Fatal("freeing a view")
	}
	if &src[0] != &v.Float32s()[0] {
		t.Fatal("view freed its source")
	}
}

func TestConvertInPlace(t *testing.T) {
	p := newPool(t, memory.Config{Tracking: memory.TrackBasic})
	e := NewEngine(p)
	rows, cols := 64, 16384 // 4 MiB of float32
	src := randF32(rows*cols, 4)
	for _, c := range []struct {
		to  memory.DType
		opt memory.ConvertOptions
	}{
		{memory.F16, memory.ConvertOptions{ChunkElems: 100000}},
		{memory.BF16, memory.ConvertOptions{}},
		{memory.I8, memory.ConvertOptions{ChunkElems: 50000}},
		{memory.Ternary, memory.ConvertOptions{}},
		{memory.Ternary, memory.ConvertOptions{PerRow: true}},
	} {
		buf, err := p.AllocFloat32(rows * cols)
		if err != nil {
			t.Fatal(err)
		}
		copy(buf.Data(), src)
		base := unsafe.Pointer(&buf.Data()[0])
		tt, err := memory.TensorFromBuf(buf, rows, cols)
		if err != nil || !tt.Owned() {
			t.Fatal(err)
		}
		st, err := e.ConvertInPlace(tt, c.to, c.opt)
		if err != nil {
			t.Fatalf("%v: %v", c.to, err)
		}
		if !st.InPlace || tt.DType != c.to || unsafe.Pointer(&tt.Data[0]) != base {
			t.Fatalf("%v: %+v", c.to, st)
		}
		// The block shrank: its upper part went back to the pool.
		if got, want := p.Stats().LiveBytes, uint64(4<<20/st.Ratio); got != want {
			t.Fatalf("%v: %d bytes live after in-place conversion, want %d (ratio %v)", c.to, got, want, st.Ratio)
		}
		// Same bits as converting out of place.
		ref, _, err := e.FromFloat32(src, rows, cols, c.to, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ref.Data, tt.Data) {
			t.Fatalf("%v: in-place result differs", c.to)
		}
		for r := range rows {
			if ref.RowScale(r) != tt.RowScale(r) {
				t.Fatalf("%v: scale of row %d differs", c.to, r)
			}
		}
		ref.Free()
		if err := tt.Free(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := memory.TensorFromBuf(memory.Float32Buf{}, 2, 2); !errors.Is(err, memory.ErrShape) {
		t.Fatalf("memory.TensorFromBuf with a wrong shape: %v", err)
	}
	v, _, _ := e.FromFloat32(src[:10], 1, 10, memory.F32, memory.ConvertOptions{})
	if _, err := e.ConvertInPlace(v, memory.F16, memory.ConvertOptions{}); !errors.Is(err, memory.ErrNotInPlace) {
		t.Fatalf("in place on a view: %v", err)
	}
	if st := p.Stats(); st.LiveBytes != 0 {
		t.Fatalf("live %d", st.LiveBytes)
	}
}

// perTensorI8 is the kernel library's int8 codec presented as a format with
// one scale per tensor, to exercise streaming of merged scales.
type perTensorI8 struct{ i8Codec }

func (perTensorI8) DType() memory.DType { return memory.Ternary }

func TestConvertStreaming(t *testing.T) {
	e := NewEngine(newPool(t, memory.Config{}))
	rows, cols := 8, 5000
	src := randF32(rows*cols, 5)
	for _, to := range []memory.DType{memory.F32, memory.F16, memory.BF16, memory.I8, memory.Ternary} {
		var w bytes.Buffer
		scales, st, err := e.Stream(&w, src, rows, cols, to, memory.ConvertOptions{ChunkElems: 12000})
		if err != nil {
			t.Fatal(err)
		}
		ref, _, _ := e.FromFloat32(src, rows, cols, to, memory.ConvertOptions{})
		if !bytes.Equal(w.Bytes(), ref.Data) {
			t.Fatalf("%v: streamed bytes differ", to)
		}
		if len(scales) != len(ref.Scales) {
			t.Fatalf("%v: %d scales", to, len(scales))
		}
		wantChunks := map[memory.DType]int{memory.F32: 4, memory.F16: 4, memory.BF16: 4, memory.I8: 4, memory.Ternary: 1}[to]
		if st.Chunks != wantChunks || wantChunks > 1 && st.Scratch > 4*12000 {
			t.Fatalf("%v: %+v", to, st)
		}
		ref.Free()
	}
	// A codec that streams scales: one scale over the tensor, bounded scratch.
	e.Register(perTensorI8{})
	var w bytes.Buffer
	scales, st, err := e.Stream(&w, src, rows, cols, memory.Ternary, memory.ConvertOptions{ChunkElems: 7000})
	if err != nil || len(scales) != 1 || st.Chunks != 6 || st.Scratch != 7000 {
		t.Fatalf("streamed scale: %v %d %+v", err, len(scales), st)
	}
	if want := quant.ActivationScale(src); scales[0] != want {
		t.Fatalf("merged scale %v, want %v", scales[0], want)
	}
	ref := make([]int8, len(src))
	quant.QuantizeWithScale(ref, src, scales[0])
	if !bytes.Equal(w.Bytes(), unsafe.Slice((*byte)(unsafe.Pointer(&ref[0])), len(ref))) {
		t.Fatal("streamed codes differ")
	}
	tt, st, err := e.FromFloat32(src, rows, cols, memory.Ternary, memory.ConvertOptions{ChunkElems: 7000})
	if err != nil || st.Chunks != 6 || tt.Scales[0] != scales[0] || !bytes.Equal(tt.Data, w.Bytes()) {
		t.Fatalf("chunked FromFloat32 with a streamed scale: %v %+v", err, st)
	}
	tt.Free()
}

func TestConvertBatchAndErrors(t *testing.T) {
	p := newPool(t, memory.Config{Tracking: memory.TrackBasic})
	e := NewEngine(p)
	var jobs []memory.BatchJob
	for i, to := range []memory.DType{memory.F16, memory.BF16, memory.I8, memory.Ternary, memory.F16, memory.I8} {
		jobs = append(jobs, memory.BatchJob{Src: randF32(4*256, uint64(i)), Rows: 4, Cols: 256, To: to})
	}
	jobs = append(jobs, memory.BatchJob{Src: randF32(10, 9), Rows: 3, Cols: 3, To: memory.F16}) // bad shape
	res, bs := e.Batch(jobs)
	if bs.Jobs != 7 || bs.Failed != 1 || !errors.Is(res[6].Err, memory.ErrShape) {
		t.Fatalf("batch %+v, last err %v", bs, res[6].Err)
	}
	if want := float64(6*4096) / float64(3*2048+3*1024); bs.Ratio != want {
		t.Fatalf("batch ratio %v, want %v", bs.Ratio, want)
	}
	for i, r := range res[:6] {
		if r.Err != nil || r.Tensor.DType != jobs[i].To {
			t.Fatalf("job %d: %v", i, r.Err)
		}
		r.Tensor.Free()
	}
	if _, _, err := e.FromFloat32(randF32(4, 1), 2, 2, memory.DType(42), memory.ConvertOptions{}); !errors.Is(err, memory.ErrNoCodec) {
		t.Fatalf("unknown format: %v", err)
	}
	if _, _, err := e.FromFloat32(nil, 0, 2, memory.F16, memory.ConvertOptions{}); !errors.Is(err, memory.ErrShape) {
		t.Fatalf("empty: %v", err)
	}
	if _, _, err := e.Stream(&bytes.Buffer{}, randF32(4, 1), 3, 2, memory.F16, memory.ConvertOptions{}); !errors.Is(err, memory.ErrShape) {
		t.Fatalf("stream shape: %v", err)
	}
	if e.Codec(memory.F16) == nil || e.Codec(memory.DType(42)) != nil || memory.DType(42).String() == "" || memory.Ternary.String() != "ternary" {
		t.Fatal("codec lookup")
	}
	if st := p.Stats(); st.LiveBytes != 0 {
		t.Fatalf("live %d", st.LiveBytes)
	}
}

func newPool(t testing.TB, cfg memory.Config) *memory.Pool {
	t.Helper()
	p, err := memory.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// BenchmarkConvert: the engine on a 1 Mi-element tensor.
func BenchmarkConvert(b *testing.B) {
	p := newPool(b, memory.Config{})
	e := NewEngine(p)
	src := randF32(1<<20, 1)
	for _, to := range []memory.DType{memory.F16, memory.BF16, memory.I8, memory.Ternary} {
		b.Run(to.String(), func(b *testing.B) {
			b.SetBytes(4 << 20)
			for range b.N {
				t, _, err := e.FromFloat32(src, 256, 4096, to, memory.ConvertOptions{})
				if err != nil {
					b.Fatal(err)
				}
				t.Free()
			}
		})
	}
}
