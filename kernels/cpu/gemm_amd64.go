//go:build !purego

package cpu

//go:noescape
func gemmUnpackVNNI(dst *int8, src *byte, chunks int)

// The tiles (see gemm_amd64.s): T tokens against an unpacked row block.

//go:noescape
func gemmTile1VNNI(w, x *int8, xstride, groups int, out *int32, add int)

//go:noescape
func gemmTile2VNNI(w, x *int8, xstride, groups int, out *int32, add int)

//go:noescape
func gemmTile3VNNI(w, x *int8, xstride, groups int, out *int32, add int)

//go:noescape
func gemmTile4VNNI(w, x *int8, xstride, groups int, out *int32, add int)

//go:noescape
func gemmTile5VNNI(w, x *int8, xstride, groups int, out *int32, add int)

//go:noescape
func gemmTile6VNNI(w, x *int8, xstride, groups int, out *int32, add int)

//go:noescape
func gemmTile7VNNI(w, x *int8, xstride, groups int, out *int32, add int)

//go:noescape
func gemmTile8VNNI(w, x *int8, xstride, groups int, out *int32, add int)

// The fused tiles: T tokens against woven chunks, planes extracted in
// registers.

//go:noescape
func gemmFused1VNNI(w *byte, x *int8, xstride, chunks int, out *int32, add int)

//go:noescape
func gemmFused2VNNI(w *byte, x *int8, xstride, chunks int, out *int32, add int)

//go:noescape
func gemmFused3VNNI(w *byte, x *int8, xstride, chunks int, out *int32, add int)

//go:noescape
func gemmFused4VNNI(w *byte, x *int8, xstride, chunks int, out *int32, add int)

//go:noescape
func gemmFused5VNNI(w *byte, x *int8, xstride, chunks int, out *int32, add int)

//go:noescape
func gemmFused6VNNI(w *byte, x *int8, xstride, chunks int, out *int32, add int)

//go:noescape
func gemmFused7VNNI(w *byte, x *int8, xstride, chunks int, out *int32, add int)

//go:noescape
func gemmFused8VNNI(w *byte, x *int8, xstride, chunks int, out *int32, add int)

// avx512GEMM wraps the assembly in the bounds checks it relies on, so a bad
// call panics in Go instead of reading past a buffer.
var avx512GEMM = func() gemmKernels {
	k := gemmKernels{unpack: func(dst []int8, src []byte, chunks int) {
		if chunks <= 0 {
			return
		}
		_ = src[chunks*gemmChunkBytes-1]
		_ = dst[4*chunks*gemmChunkBytes-1]
		gemmUnpackVNNI(&dst[0], &src[0], chunks)
	}}
	flag := func(add bool) int {
		if add {
			return 1
		}
		return 0
	}
	for t, f := range [gemmTokens]func(w, x *int8, xstride, groups int, out *int32, add int){
		gemmTile1VNNI, gemmTile2VNNI, gemmTile3VNNI, gemmTile4VNNI,
		gemmTile5VNNI, gemmTile6VNNI, gemmTile7VNNI, gemmTile8VNNI,
	} {
		tokens := t + 1
		k.tile[t] = func(w, x []int8, xstride, groups int, out []int32, add bool) {
			_ = out[tokens*gemmRows-1]
			if groups <= 0 {
				if !add {
					clear(out[:tokens*gemmRows])
				}
				return
			}
			_ = w[groups*gemmChunkBytes-1]
			_ = x[(tokens-1)*xstride+4*groups-1]
			f(&w[0], &x[0], xstride, groups, &out[0], flag(add))
		}
	}
	for t, f := range [gemmTokens]func(w *byte, x *int8, xstride, chunks int, out *int32, add int){
		gemmFused1VNNI, gemmFused2VNNI, gemmFused3VNNI, gemmFused4VNNI,
		gemmFused5VNNI, gemmFused6VNNI, gemmFused7VNNI, gemmFused8VNNI,
	} {
		tokens := t + 1
		k.fused[t] = func(w []byte, x []int8, xstride, chunks int, out []int32, add bool) {
			_ = out[tokens*gemmRows-1]
			if chunks <= 0 {
				if !add {
					clear(out[:tokens*gemmRows])
				}
				return
			}
			_ = w[chunks*gemmChunkBytes-1]
			_ = x[(tokens-1)*xstride+16*chunks-1]
			f(&w[0], &x[0], xstride, chunks, &out[0], flag(add))
		}
	}
	return k
}()

// gemmFor returns level l's GEMM loops, or nil where BitLinear of several
// tokens stays on the GEMV path.
func gemmFor(l Level) *gemmKernels {
	if l == LevelAVX512 {
		return &avx512GEMM
	}
	return nil
}
