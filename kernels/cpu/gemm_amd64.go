//go:build !purego

package cpu

import "unsafe"

// asmTile and asmFused are the assembly's signatures of gemmKernels'
// tile and fused loops: add is 0 or 1.
type (
	asmTile  func(w, x *int8, xstride, groups int, out *int32, add int)
	asmFused func(w *byte, x *int8, xstride, chunks int, out *int32, add int)
)

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

// The AVX2 loops (see gemm_avx2_amd64.s): one 16-row panel and up to 4
// tokens a call.

//go:noescape
func gemmUnpackAVX2(dst *int8, src *byte, chunks int)

//go:noescape
func gemmPanel1AVX2(w, x *int8, xstride, groups int, out *int32, add int)

//go:noescape
func gemmPanel2AVX2(w, x *int8, xstride, groups int, out *int32, add int)

//go:noescape
func gemmPanel3AVX2(w, x *int8, xstride, groups int, out *int32, add int)

//go:noescape
func gemmPanel4AVX2(w, x *int8, xstride, groups int, out *int32, add int)

//go:noescape
func gemmFusedPanel1AVX2(w *byte, x *int8, xstride, chunks int, out *int32, add int)

//go:noescape
func gemmFusedPanel2AVX2(w *byte, x *int8, xstride, chunks int, out *int32, add int)

//go:noescape
func gemmFusedPanel3AVX2(w *byte, x *int8, xstride, chunks int, out *int32, add int)

//go:noescape
func gemmFusedPanel4AVX2(w *byte, x *int8, xstride, chunks int, out *int32, add int)

// sumBytesAVX512 and sumBytesAVX2 return Σ (x+128), the bytes as
// unsigned, over n bytes at x: n a multiple of 64 (32).
//
//go:noescape
func sumBytesAVX512(x *int8, n int) uint64

//go:noescape
func sumBytesAVX2(x *int8, n int) uint64

// sumWith is sumInt8 with the bytes up to a multiple of step summed by
// f (one of sumBytes*), the rest by sumInt8.
func sumWith(f func(x *int8, n int) uint64, step int) func(x []int8) int32 {
	return func(x []int8) int32 {
		n := len(x) / step * step
		var s int32
		if n > 0 {
			s = int32(int64(f(&x[0], n)) - 128*int64(n))
		}
		return s + sumInt8(x[n:])
	}
}

// gemmPrefetch asks for the n bytes at p, a cache line at a time.
//
//go:noescape
func gemmPrefetch(p *byte, n int)

// gemmEpilogueAVX512 is epilogueAVX512 (no bias) for tokens tokens of a
// row block: token t's n16 sums at acc + 4·48t, its outputs at
// y + 4·ystride·t, Σx and xscale from xsum[t] and xs[t].
//
//go:noescape
func gemmEpilogueAVX512(y *float32, ystride int, acc *int32, rs *float32, xsum *int32, xs *float32, tokens, n16 int, ws float32)

func prefetchBytes(w []byte) {
	if len(w) > 0 {
		gemmPrefetch(&w[0], len(w))
	}
}

// epilogueTokensAVX512 is gemmKernels.epilogue at the AVX-512 level,
// bounds-checked; rows is a multiple of 16.
func epilogueTokensAVX512(y []float32, ystride int, acc []int32, rows int, rs []float32, xsum []int32, ws float32, xs []float32) {
	t := len(xs)
	if t == 0 || rows <= 0 {
		return
	}
	if rows%16 != 0 {
		panic("cpu: GEMM epilogue of a partial 16-row group")
	}
	_ = y[(t-1)*ystride+rows-1]
	_ = acc[(t-1)*gemmRows+rows-1]
	_ = xsum[t-1]
	var pr *float32
	if rs != nil {
		_ = rs[rows-1]
		pr = &rs[0]
	}
	gemmEpilogueAVX512(&y[0], ystride, &acc[0], pr, &xsum[0], &xs[0], t, rows, ws)
}

// The avxvnni loops (see gemm_avxvnni_amd64.s): the AVX2 panels with VEX
// VPDPBUSD into int32 sums.

//go:noescape
func gemmPanel1AVXVNNI(w, x *int8, xstride, n int, out *int32, add int)

//go:noescape
func gemmPanel2AVXVNNI(w, x *int8, xstride, n int, out *int32, add int)

//go:noescape
func gemmPanel3AVXVNNI(w, x *int8, xstride, n int, out *int32, add int)

//go:noescape
func gemmPanel4AVXVNNI(w, x *int8, xstride, n int, out *int32, add int)

//go:noescape
func gemmFusedPanel1AVXVNNI(w *byte, x *int8, xstride, n int, out *int32, add int)

//go:noescape
func gemmFusedPanel2AVXVNNI(w *byte, x *int8, xstride, n int, out *int32, add int)

//go:noescape
func gemmFusedPanel3AVXVNNI(w *byte, x *int8, xstride, n int, out *int32, add int)

//go:noescape
func gemmFusedPanel4AVXVNNI(w *byte, x *int8, xstride, n int, out *int32, add int)

// avx2PanelTokens is the most tokens one AVX2 panel call takes.
const avx2PanelTokens = 4

var (
	avx512GEMM = withAVX512(asmGEMM(gemmUnpackVNNI,
		func(t int) asmTile {
			return [gemmTokens]asmTile{
				gemmTile1VNNI, gemmTile2VNNI, gemmTile3VNNI, gemmTile4VNNI,
				gemmTile5VNNI, gemmTile6VNNI, gemmTile7VNNI, gemmTile8VNNI,
			}[t-1]
		},
		func(t int) asmFused {
			return [gemmTokens]asmFused{
				gemmFused1VNNI, gemmFused2VNNI, gemmFused3VNNI, gemmFused4VNNI,
				gemmFused5VNNI, gemmFused6VNNI, gemmFused7VNNI, gemmFused8VNNI,
			}[t-1]
		}))

	// avx2GEMM and avxvnniGEMM run a tile of T tokens as ceil(T/4)
	// groups of tokens, each over the block's three panels.
	avx2GEMM = panelGEMM(gemmUnpackAVX2,
		[avx2PanelTokens]asmTile{gemmPanel1AVX2, gemmPanel2AVX2, gemmPanel3AVX2, gemmPanel4AVX2},
		[avx2PanelTokens]asmFused{gemmFusedPanel1AVX2, gemmFusedPanel2AVX2, gemmFusedPanel3AVX2, gemmFusedPanel4AVX2})
	avxvnniGEMM = panelGEMM(gemmUnpackAVX2, // the same layout: AVX2's unpack
		[avx2PanelTokens]asmTile{gemmPanel1AVXVNNI, gemmPanel2AVXVNNI, gemmPanel3AVXVNNI, gemmPanel4AVXVNNI},
		[avx2PanelTokens]asmFused{gemmFusedPanel1AVXVNNI, gemmFusedPanel2AVXVNNI, gemmFusedPanel3AVXVNNI, gemmFusedPanel4AVXVNNI})
)

// panelGEMM is the GEMM of a level whose loops do one 16-row panel and
// up to avx2PanelTokens tokens a call: a tile of T tokens is ceil(T/4)
// groups of tokens, each over the block's three panels.
func panelGEMM(unpack func(dst *int8, src *byte, chunks int), panels [avx2PanelTokens]asmTile, fusedPanels [avx2PanelTokens]asmFused) gemmKernels {
	k := asmGEMM(unpack,
		func(t int) asmTile {
			return func(w, x *int8, xstride, groups int, out *int32, add int) {
				for t0 := 0; t0 < t; t0 += avx2PanelTokens {
					f := panels[min(avx2PanelTokens, t-t0)-1]
					xt := (*int8)(unsafe.Add(unsafe.Pointer(x), t0*xstride))
					for r := range gemmRows / gemmPanel {
						f((*int8)(unsafe.Add(unsafe.Pointer(w), 64*r)), xt, xstride, groups,
							(*int32)(unsafe.Add(unsafe.Pointer(out), 4*(t0*gemmRows+gemmPanel*r))), add)
					}
				}
			}
		},
		func(t int) asmFused {
			return func(w *byte, x *int8, xstride, chunks int, out *int32, add int) {
				for t0 := 0; t0 < t; t0 += avx2PanelTokens {
					f := fusedPanels[min(avx2PanelTokens, t-t0)-1]
					xt := (*int8)(unsafe.Add(unsafe.Pointer(x), t0*xstride))
					for r := range gemmRows / gemmPanel {
						f((*byte)(unsafe.Add(unsafe.Pointer(w), 64*r)), xt, xstride, chunks,
							(*int32)(unsafe.Add(unsafe.Pointer(out), 4*(t0*gemmRows+gemmPanel*r))), add)
					}
				}
			}
		})
	k.sum = sumWith(sumBytesAVX2, 32)
	return k
}

// withAVX512 adds the AVX-512 level's batched epilogue and Σx.
func withAVX512(k gemmKernels) gemmKernels {
	k.epilogue = epilogueTokensAVX512
	k.sum = sumWith(sumBytesAVX512, 64)
	return k
}

// asmGEMM wraps a level's assembly in the bounds checks it relies on, so a
// bad call panics in Go instead of reading past a buffer. tile(T) and
// fused(T) are the loops for T tokens.
func asmGEMM(unpack func(dst *int8, src *byte, chunks int), tile func(t int) asmTile, fused func(t int) asmFused) gemmKernels {
	k := gemmKernels{prefetch: prefetchBytes, unpack: func(dst []int8, src []byte, chunks int) {
		if chunks <= 0 {
			return
		}
		_ = src[chunks*gemmChunkBytes-1]
		_ = dst[4*chunks*gemmChunkBytes-1]
		unpack(&dst[0], &src[0], chunks)
	}}
	flag := func(add bool) int {
		if add {
			return 1
		}
		return 0
	}
	for t := range gemmTokens {
		tokens := t + 1
		f := tile(tokens)
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
		ff := fused(tokens)
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
			ff(&w[0], &x[0], xstride, chunks, &out[0], flag(add))
		}
	}
	return k
}

// gemmFor returns level l's GEMM loops, or nil where BitLinear of several
// tokens stays on the GEMV path.
func gemmFor(l Level) *gemmKernels {
	switch l {
	case LevelAVX2:
		return &avx2GEMM
	case LevelAVXVNNI:
		return &avxvnniGEMM
	case LevelAVX512:
		return &avx512GEMM
	case LevelAMX:
		return amxLoops()
	}
	return nil
}
