// BitLinear W2A8 GEMM on int8 tensor cores for prefill (kernels/cuda,
// "tcg"): tc.cu's mma.sync m16n8k32 and k order (see there: a lane picks
// its k slots so that the 2-bit layout needs no unscrambling), with
//
//   - large warp tiles, 16·RW rows by 8·TN tokens (64×64 at RW = 4, TN = 8):
//     each 2-bit weight word a lane expands into an mma A register meets
//     TN token tiles, and each activation register RW row tiles, so the
//     expansion's integer work and the shared-memory reads per mma are
//     a quarter to a half of tcs.cu's (which is bound by them);
//   - block tiles of BM = 16·RW·WM rows by BN = 8·TN·WN tokens, staged in
//     shared memory by cp.async, ST stages;
//   - split K: gridDim.z blocks share a tile, each taking a contiguous
//     range of the 64-byte blocks of K, so 20 row tiles of a 2560-row
//     projection still fill 132 SMs. Their int32 partial sums meet in a
//     workspace by atomic adds (integer addition: exact in any order); the
//     block that arrives last at a tile's counter applies the epilogue,
//     writes the outputs and clears the workspace and the counter for the
//     next launch. With gridDim.z = 1 the epilogue runs from registers.
//
// SX selects the expansion. SX = 0: the signed codes -1, 0, 1, as tc.cu
// (shift, mask, add, xor a register). SX = 1: the codes c+1 ∈ {0, 1, 2}
// as they are stored (shift and mask), and the mma's Σ(c+1)·x is
// corrected by Σx of each token over the block's range of K, which the
// warps add from the activation registers they load anyway (each warp
// sums a share of its token tiles, dp4a). Both are exact: |Σ| ≤ 2·127·K.
//
// Its own module, as every file here is (NVRTC gets no include path), so
// tc.cu's and tcs.cu's small helpers (mma, cp.async, the code expansion)
// are repeated here under tcg_ names.
//
// Shared layout per stage: the weights, BM rows of 64 bytes, then the
// activations, BN tokens of 256 bytes, 16-byte chunk c of token j at
// c ^ 4(j & 1) (a quarter warp's 16-byte loads land on distinct banks, as
// in tcs.cu). Rows past N and tokens past M re-read the last row or token;
// their outputs are neither added nor stored.

typedef unsigned char u8;
typedef signed char i8;

__device__ __forceinline__ unsigned tcg_word(const uint4& v, int i)
{
    return i == 0 ? v.x : i == 1 ? v.y : i == 2 ? v.z : v.w;
}

// tcg_codes: field f of the four bytes of w, as signed codes -1, 0, 1
// (SX = 0) or as stored, c+1 (SX = 1).
template <int SX>
__device__ __forceinline__ unsigned tcg_codes(unsigned w, int f)
{
    const unsigned c = (w >> (2 * f)) & 0x03030303u;
    if (SX) return c;
    return (c + 0x7f7f7f7fu) ^ 0x80808080u;
}

__device__ __forceinline__ void tcg_mma(int (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1)
{
    asm("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};"
        : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ __forceinline__ void tcg_cp16(void* smem, const void* gmem)
{
    unsigned s;
    asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(s) : "l"(smem));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(s), "l"(gmem));
}

__device__ __forceinline__ void tcg_commit() { asm volatile("cp.async.commit_group;" ::: "memory"); }

template <int N>
__device__ __forceinline__ void tcg_wait() { asm volatile("cp.async.wait_group %0;" ::"n"(N) : "memory"); }

template <int RW, int TN, int WM, int WN, int ST, int SX>
__device__ __forceinline__ void tcg_body(const u8* __restrict__ w, int stride, int N,
                                         const i8* __restrict__ xq, int Kp, int M,
                                         const float* __restrict__ xscale,
                                         const float* __restrict__ wscale, int rowScales,
                                         float* __restrict__ y, int* __restrict__ ws,
                                         unsigned* __restrict__ count)
{
    constexpr int BM = 16 * RW * WM, BN = 8 * TN * WN, NT = 32 * WM * WN;
    constexpr int WB = BM * 64, SB = BM * 64 + BN * 256;
    // Dynamic shared memory: ST·SB bytes (kernels/cuda opts a kernel in
    // above 48 KiB).
    extern __shared__ __align__(16) u8 tcg_smem[];
    __shared__ int sumx[SX ? BN : 1];
    __shared__ unsigned last;

    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int wm = warp % WM, wn = warp / WM;
    const int g = lane >> 2, t = lane & 3;
    const int rowB = blockIdx.x * BM, mB = blockIdx.y * BN;
    const int nb = stride >> 6;
    // This block's range of K blocks.
    const int split = gridDim.z, z = blockIdx.z;
    const int kb0 = (int)((long long)nb * z / split), kb1 = (int)((long long)nb * (z + 1) / split);
    const int nit = kb1 - kb0;

    auto load = [&](int st, int kb) {
        u8* base = tcg_smem + st * SB;
        for (int i = threadIdx.x; i < BM * 4; i += NT) {
            const int r = i >> 2, c = i & 3;
            tcg_cp16(base + r * 64 + 16 * c, w + (long long)min(rowB + r, N - 1) * stride + kb * 64 + 16 * c);
        }
        for (int i = threadIdx.x; i < BN * 16; i += NT) {
            const int j = i >> 4, c = i & 15;
            tcg_cp16(base + WB + j * 256 + 16 * (c ^ ((j & 1) << 2)),
                     xq + (long long)min(mB + j, M - 1) * Kp + kb * 256 + 16 * c);
        }
    };

    int acc[RW][TN][4];
#pragma unroll
    for (int r = 0; r < RW; r++)
#pragma unroll
        for (int n = 0; n < TN; n++)
#pragma unroll
            for (int i = 0; i < 4; i++) acc[r][n][i] = 0;
    // SX: lane (g, t) sums token g of token tile n over its k slots, for
    // the tiles n ≡ wm (mod WM) (the WM warps of a column share the work).
    int sx[TN];
#pragma unroll
    for (int n = 0; n < TN; n++) sx[n] = 0;

#pragma unroll
    for (int s = 0; s < ST - 1; s++) {
        if (s < nit) load(s, kb0 + s);
        tcg_commit(); // empty groups keep the count uniform
    }
    for (int it = 0; it < nit; it++) {
        tcg_wait<ST - 2>();
        __syncthreads(); // stage it is in; stage it-1 is free
        if (it + ST - 1 < nit) load((it + ST - 1) % ST, kb0 + it + ST - 1);
        tcg_commit();

        const u8* wsm = tcg_smem + (it % ST) * SB;
        const u8* xsm = wsm + WB;
        uint4 wv[RW][2];
#pragma unroll
        for (int r = 0; r < RW; r++)
#pragma unroll
            for (int h = 0; h < 2; h++)
                wv[r][h] = *(const uint4*)(wsm + (wm * 16 * RW + 16 * r + 8 * h + g) * 64 + 16 * t);
#pragma unroll
        for (int f = 0; f < 4; f++) {
            // a[r][p]: rows g, g+8 of row tile r, words 2p, 2p+1, field f.
            unsigned a[RW][2][4];
#pragma unroll
            for (int r = 0; r < RW; r++)
#pragma unroll
                for (int p = 0; p < 2; p++) {
                    a[r][p][0] = tcg_codes<SX>(tcg_word(wv[r][0], 2 * p), f);
                    a[r][p][1] = tcg_codes<SX>(tcg_word(wv[r][1], 2 * p), f);
                    a[r][p][2] = tcg_codes<SX>(tcg_word(wv[r][0], 2 * p + 1), f);
                    a[r][p][3] = tcg_codes<SX>(tcg_word(wv[r][1], 2 * p + 1), f);
                }
#pragma unroll
            for (int n = 0; n < TN; n++) {
                const int j = wn * 8 * TN + 8 * n + g;
                const uint4 xv = *(const uint4*)(xsm + j * 256 + 16 * ((t + 4 * f) ^ ((j & 1) << 2)));
                if (SX && n % WM == wm) {
                    sx[n] = __dp4a((int)xv.x, 0x01010101, sx[n]);
                    sx[n] = __dp4a((int)xv.y, 0x01010101, sx[n]);
                    sx[n] = __dp4a((int)xv.z, 0x01010101, sx[n]);
                    sx[n] = __dp4a((int)xv.w, 0x01010101, sx[n]);
                }
#pragma unroll
                for (int p = 0; p < 2; p++)
#pragma unroll
                    for (int r = 0; r < RW; r++) tcg_mma(acc[r][n], a[r][p], tcg_word(xv, 2 * p), tcg_word(xv, 2 * p + 1));
            }
        }
    }

    if (SX) {
        // Σx of token g: the four lanes t of g hold a quarter each.
#pragma unroll
        for (int n = 0; n < TN; n++) {
            int v = sx[n];
            v += __shfl_xor_sync(0xffffffffu, v, 1);
            v += __shfl_xor_sync(0xffffffffu, v, 2);
            if (n % WM == wm && t == 0) sumx[wn * 8 * TN + 8 * n + g] = v;
        }
        __syncthreads();
#pragma unroll
        for (int n = 0; n < TN; n++)
#pragma unroll
            for (int e = 0; e < 2; e++) {
                const int s = sumx[wn * 8 * TN + 8 * n + 2 * t + e];
#pragma unroll
                for (int r = 0; r < RW; r++) {
                    acc[r][n][e] -= s;
                    acc[r][n][2 + e] -= s;
                }
            }
    }

    // Accumulator c of tile (r, n): row 16r + g + 8(c/2), token 8n + 2t + c%2.
    const int row0 = rowB + wm * 16 * RW, m0 = mB + wn * 8 * TN;
    if (split > 1) {
#pragma unroll
        for (int r = 0; r < RW; r++)
#pragma unroll
            for (int n = 0; n < TN; n++)
#pragma unroll
                for (int c = 0; c < 4; c++) {
                    const int row = row0 + 16 * r + g + 8 * (c >> 1), m = m0 + 8 * n + 2 * t + (c & 1);
                    if (row < N && m < M) atomicAdd(ws + (long long)m * N + row, acc[r][n][c]);
                }
        __threadfence();
        __syncthreads();
        unsigned* cnt = count + blockIdx.y * gridDim.x + blockIdx.x;
        if (threadIdx.x == 0) last = atomicAdd(cnt, 1u) == (unsigned)split - 1;
        __syncthreads();
        if (!last) return;
        __threadfence();
#pragma unroll
        for (int r = 0; r < RW; r++)
#pragma unroll
            for (int n = 0; n < TN; n++)
#pragma unroll
                for (int c = 0; c < 4; c++) {
                    const int row = row0 + 16 * r + g + 8 * (c >> 1), m = m0 + 8 * n + 2 * t + (c & 1);
                    if (row < N && m < M) {
                        int* p = ws + (long long)m * N + row;
                        acc[r][n][c] = __ldcg(p);
                        __stcg(p, 0);
                    }
                }
        if (threadIdx.x == 0) *cnt = 0;
    }
#pragma unroll
    for (int r = 0; r < RW; r++)
#pragma unroll
        for (int h = 0; h < 2; h++) {
            const int row = row0 + 16 * r + 8 * h + g;
            if (row >= N) continue;
            const float wsc = wscale[rowScales ? row : 0];
#pragma unroll
            for (int n = 0; n < TN; n++)
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    const int m = m0 + 8 * n + 2 * t + e;
                    if (m < M)
                        y[(long long)m * N + row] = __fdiv_rn(__fmul_rn((float)acc[r][n][2 * h + e], wsc), xscale[m]);
                }
        }
}

// TCG(name, RW, TN, WM, WN, ST, SX), named
// bitlinear_tcg_r<RW>_t<TN>_m<WM>_n<WN>_s<ST>_x<SX>: 32·WM·WN threads.
#define TCG(name, RW, TN, WM, WN, ST, SX)                                                              \
    extern "C" __global__ void __launch_bounds__(32 * WM * WN, 1)                                      \
    name(const u8* __restrict__ w, int stride, int N, const i8* __restrict__ xq, int Kp, int M,       \
         const float* __restrict__ xscale, const float* __restrict__ wscale, int rowScales,            \
         float* __restrict__ y, int* __restrict__ ws, unsigned* __restrict__ count)                    \
    {                                                                                                 \
        tcg_body<RW, TN, WM, WN, ST, SX>(w, stride, N, xq, Kp, M, xscale, wscale, rowScales, y, ws,   \
                                         count);                                                      \
    }

// The instantiations kernels/cuda's tcgConfigs lists (keep them in step).
TCG(bitlinear_tcg_r4_t8_m2_n2_s3_x1, 4, 8, 2, 2, 3, 1)
TCG(bitlinear_tcg_r4_t8_m2_n2_s2_x0, 4, 8, 2, 2, 2, 0)
TCG(bitlinear_tcg_r2_t8_m4_n2_s2_x1, 2, 8, 4, 2, 2, 1)
TCG(bitlinear_tcg_r4_t4_m2_n2_s3_x1, 4, 4, 2, 2, 3, 1)
TCG(bitlinear_tcg_r2_t4_m4_n2_s3_x1, 2, 4, 4, 2, 3, 1)
