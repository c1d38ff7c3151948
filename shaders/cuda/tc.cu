// BitLinear W2A8 on int8 tensor cores (kernels/cuda, "tc"): mma.sync
// m16n8k32 s8·s8 → s32, for several tokens (prefill). Same contract and
// weight layout as bitlinear_w2a8 in bitlinear.cu (see there and
// kernels/pack/pack2bit.go).
//
// The weights are the mma's A operand (16 rows by 32 k), the tokens its B
// operand (32 k by 8 tokens), so one token tile of 8 fills the n8 side and
// the many rows of a projection the m16 side.
//
// No unscrambling of the 2-bit layout: a dot product may take its k in any
// order, provided A and B agree. In m16n8k32, lane (g = lane/4, t = lane%4)
// holds A[g][4t..4t+3] (a0), A[g+8][4t..] (a1), A[g][16+4t..] (a2),
// A[g+8][16+4t..] (a3) and B[4t..4t+3][g] (b0), B[16+4t..][g] (b1): the
// k slots a lane fills in A are exactly those it fills in B. So each lane
// picks its own k for its slots, the same for its A and B registers:
//
//   - lane t loads bytes 16t..16t+15 of each 64-byte block (256 codes) of
//     its rows g and g+8: 4 words, byte e of word i holding codes
//     16t + 4i + e + 64f in field f (bits 2f..2f+1);
//   - field f of word i, masked in place ((w >> 2f) & 0x03030303), is four
//     codes c+1 ∈ {0,1,2} in four bytes, for k = 16t + 4i + 64f + 0..3:
//     four consecutive activations, one aligned word of the token's row.
//     ((v + 0x7f) ^ 0x80 per byte maps 0,1,2 to -1,0,1 without a borrow
//     crossing bytes), so A is the signed codes and the mma sums c·x
//     exactly (|Σ| ≤ 128·K < 2^31), with no Σx correction;
//   - for field f the lane loads the token's 16 activation bytes at
//     16t + 64f (one int4): words 2p and 2p+1 are b0 and b1 of step p.
//
// A block (256 codes) is 8 mma steps (f = 0..3, p = 0..1) per 16 rows and 8
// tokens. The epilogue is the reference's float(acc)·wscale/xscale, each
// operation rounded as Go's float32.
//
// Tiling: a warp owns RW row tiles (16·RW rows) and TN token tiles (8·TN
// tokens) and reuses each expanded A register over its TN token tiles and
// each activation word over its RW row tiles. A block is WR×KW warps: WR
// warps on consecutive row groups (they read the same activations, which
// L1 then serves once), KW warps splitting the 64-byte blocks of K
// (interleaved), summed through shared memory: short K or few rows still
// fill the GPU. grid.x tiles rows by 16·RW·WR, grid.y tokens by 8·TN.
// Weights are double-buffered in registers, so two blocks of K per warp
// are in flight from HBM.

typedef unsigned char u8;
typedef signed char i8;

__device__ __forceinline__ uint4 tc_ld_weights(const u8* p)
{
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
    return v;
}

// tc_codes: field f of the four bytes of w as signed codes -1, 0, 1.
__device__ __forceinline__ unsigned tc_codes(unsigned w, int f)
{
    return (((w >> (2 * f)) & 0x03030303u) + 0x7f7f7f7fu) ^ 0x80808080u;
}

__device__ __forceinline__ unsigned tc_word(const uint4& v, int i)
{
    return i == 0 ? v.x : i == 1 ? v.y : i == 2 ? v.z : v.w;
}

__device__ __forceinline__ void tc_mma(int (&c)[4], unsigned a0, unsigned a1, unsigned a2, unsigned a3,
                                       unsigned b0, unsigned b1)
{
    asm("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};"
        : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
        : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

template <int RW, int TN, int WR, int KW>
__device__ __forceinline__ void tc_body(const u8* __restrict__ w, int stride, int N,
                                        const i8* __restrict__ xq, int Kp, int M,
                                        const float* __restrict__ xscale,
                                        const float* __restrict__ wscale, int rowScales,
                                        float* __restrict__ y)
{
    constexpr int NACC = RW * TN * 4;
    __shared__ int red[KW > 1 ? (KW - 1) * WR * NACC * 32 : 1];

    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int wr = warp % WR, kw = warp / WR;
    const int g = lane >> 2, t = lane & 3;
    const int row0 = (blockIdx.x * WR + wr) * 16 * RW;
    const int m0 = blockIdx.y * 8 * TN;
    const int nb = stride >> 6; // 64-byte blocks a row

    // Rows past N read nothing and hold code 0 (0x55: every field 1);
    // tokens past M read nothing and hold 0. Their sums are not stored.
    const u8* wp[RW][2];
    bool rok[RW][2];
#pragma unroll
    for (int r = 0; r < RW; r++)
#pragma unroll
        for (int h = 0; h < 2; h++) {
            const int row = row0 + 16 * r + 8 * h + g;
            rok[r][h] = row < N;
            wp[r][h] = w + (long long)min(row, N - 1) * stride + 16 * t;
        }
    const i8* xp[TN];
    bool tok[TN];
#pragma unroll
    for (int n = 0; n < TN; n++) {
        const int m = m0 + 8 * n + g;
        tok[n] = m < M;
        xp[n] = xq + (long long)min(m, M - 1) * Kp + 16 * t;
    }

    int acc[RW][TN][4];
#pragma unroll
    for (int r = 0; r < RW; r++)
#pragma unroll
        for (int n = 0; n < TN; n++)
#pragma unroll
            for (int i = 0; i < 4; i++) acc[r][n][i] = 0;

    const uint4 codes0 = make_uint4(0x55555555u, 0x55555555u, 0x55555555u, 0x55555555u);
    uint4 wv[RW][2];
#pragma unroll
    for (int r = 0; r < RW; r++)
#pragma unroll
        for (int h = 0; h < 2; h++)
            wv[r][h] = rok[r][h] && kw < nb ? tc_ld_weights(wp[r][h] + 64 * kw) : codes0;

    for (int kb = kw; kb < nb; kb += KW) {
        // The next block's weights are loaded before this one is used.
        const int kn = kb + KW;
        uint4 wn[RW][2];
#pragma unroll
        for (int r = 0; r < RW; r++)
#pragma unroll
            for (int h = 0; h < 2; h++)
                wn[r][h] = rok[r][h] && kn < nb ? tc_ld_weights(wp[r][h] + 64 * kn) : codes0;

#pragma unroll
        for (int f = 0; f < 4; f++) {
            uint4 xv[TN];
#pragma unroll
            for (int n = 0; n < TN; n++)
                xv[n] = tok[n] ? __ldg((const uint4*)(xp[n] + 256 * kb + 64 * f)) : make_uint4(0, 0, 0, 0);
#pragma unroll
            for (int p = 0; p < 2; p++) {
#pragma unroll
                for (int r = 0; r < RW; r++) {
                    const unsigned a0 = tc_codes(tc_word(wv[r][0], 2 * p), f);
                    const unsigned a1 = tc_codes(tc_word(wv[r][1], 2 * p), f);
                    const unsigned a2 = tc_codes(tc_word(wv[r][0], 2 * p + 1), f);
                    const unsigned a3 = tc_codes(tc_word(wv[r][1], 2 * p + 1), f);
#pragma unroll
                    for (int n = 0; n < TN; n++)
                        tc_mma(acc[r][n], a0, a1, a2, a3, tc_word(xv[n], 2 * p), tc_word(xv[n], 2 * p + 1));
                }
            }
        }
#pragma unroll
        for (int r = 0; r < RW; r++)
#pragma unroll
            for (int h = 0; h < 2; h++) wv[r][h] = wn[r][h];
    }

    if (KW > 1) {
        // Warps kw ≥ 1 hand their sums to warp kw = 0 of their row group.
        if (kw > 0) {
            int* dst = red + ((kw - 1) * WR + wr) * NACC * 32 + lane;
#pragma unroll
            for (int r = 0; r < RW; r++)
#pragma unroll
                for (int n = 0; n < TN; n++)
#pragma unroll
                    for (int i = 0; i < 4; i++) dst[((r * TN + n) * 4 + i) * 32] = acc[r][n][i];
        }
        __syncthreads();
        if (kw > 0) return;
#pragma unroll
        for (int k = 1; k < KW; k++) {
            const int* src = red + ((k - 1) * WR + wr) * NACC * 32 + lane;
#pragma unroll
            for (int r = 0; r < RW; r++)
#pragma unroll
                for (int n = 0; n < TN; n++)
#pragma unroll
                    for (int i = 0; i < 4; i++) acc[r][n][i] += src[((r * TN + n) * 4 + i) * 32];
        }
    }

    // c0, c1: row g, tokens 2t, 2t+1; c2, c3: row g+8.
#pragma unroll
    for (int r = 0; r < RW; r++)
#pragma unroll
        for (int h = 0; h < 2; h++) {
            const int row = row0 + 16 * r + 8 * h + g;
            if (row >= N) continue;
            const float ws = wscale[rowScales ? row : 0];
#pragma unroll
            for (int n = 0; n < TN; n++)
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    const int m = m0 + 8 * n + 2 * t + e;
                    if (m < M)
                        y[(long long)m * N + row] = __fdiv_rn(__fmul_rn((float)acc[r][n][2 * h + e], ws), xscale[m]);
                }
        }
}

// TC(name, RW, TN, WR, KW), named bitlinear_tc_r<RW>_t<TN>_w<WR>_k<KW>:
// 32·WR·KW threads a block.
#define TC(name, RW, TN, WR, KW)                                                                        \
    extern "C" __global__ void __launch_bounds__(32 * WR * KW)                                         \
    name(const u8* __restrict__ w, int stride, int N,                                                 \
                                               const i8* __restrict__ xq, int Kp, int M,              \
                                               const float* __restrict__ xscale,                      \
                                               const float* __restrict__ wscale, int rowScales,       \
                                               float* __restrict__ y)                                 \
    {                                                                                                 \
        tc_body<RW, TN, WR, KW>(w, stride, N, xq, Kp, M, xscale, wscale, rowScales, y);               \
    }

// The instantiations kernels/cuda's tcConfigs lists (keep them in step).
TC(bitlinear_tc_r1_t1_w1_k4, 1, 1, 1, 4)
TC(bitlinear_tc_r1_t1_w2_k2, 1, 1, 2, 2)
TC(bitlinear_tc_r2_t1_w1_k4, 2, 1, 1, 4)
TC(bitlinear_tc_r1_t2_w2_k2, 1, 2, 2, 2)
TC(bitlinear_tc_r2_t2_w2_k2, 2, 2, 2, 2)
TC(bitlinear_tc_r1_t4_w4_k1, 1, 4, 4, 1)
TC(bitlinear_tc_r2_t2_w4_k1, 2, 2, 4, 1)
TC(bitlinear_tc_r2_t4_w2_k2, 2, 4, 2, 2)
TC(bitlinear_tc_r2_t4_w4_k1, 2, 4, 4, 1)
TC(bitlinear_tc_r4_t2_w2_k1, 4, 2, 2, 1)
TC(bitlinear_tc_r2_t8_w2_k1, 2, 8, 2, 1)
TC(bitlinear_tc_r4_t4_w2_k1, 4, 4, 2, 1)

// tc_flush overwrites n16 16-byte words, evicting the L2 before each timed
// launch when "auto" measures the kernels (kernels/cuda/autotune.go).
extern "C" __global__ void tc_flush(int4* __restrict__ p, long long n16, int v)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n16;
         i += (long long)gridDim.x * blockDim.x)
        p[i] = make_int4(v, v, v, (int)i);
}
