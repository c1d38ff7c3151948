// BitLinear W2A8 on int8 tensor cores for prefill, K split over a thread
// block cluster (kernels/cuda, "tck"). tc.cu's mma.sync m16n8k32 and k
// order (see there for how a lane's k slots are chosen so the 2-bit layout
// needs no unscrambling) and tcs.cu's shared-memory staging; its own module,
// as every file here is (NVRTC gets no include path), so the helpers repeat
// theirs.
//
// Why: at 128 tokens a projection is tiny (2560x2560: 0.84 G multiply-adds,
// under a microsecond of the int8 peak), and tcs.cu's block tiles (64x64)
// give 80 blocks for 132 SMs, one warp a scheduler, each warp multiplying
// the whole of K in series, and every block re-reading the activations from
// L2 (40 row tiles x 327 KB = 13 MB of L2 reads). Here a block takes all
// the tokens of its tile (up to 128) and a tall row tile (up to 128 rows),
// so activations cross L2 few times, and S blocks of a cluster split K, so
// the grid fills the SMs. The S partial sums meet in distributed shared
// memory, never in global memory (no workspace, no atomics, no second
// launch): each block publishes its int32 sums in its own shared memory,
// and rank q of the cluster adds the other blocks' sums for its share
// (1/S) of every warp's tiles and stores those outputs. Integer sums in any
// order: exact, and the same every run.
//
// Shared layout per stage, as tcs.cu's: the weights, BM rows of 64 bytes,
// then the activations, BN tokens of 256 bytes with 16-byte chunk c of token
// j stored at c ^ 4(j & 1) (the quarter warps' 16-byte reads fall on
// distinct banks). Rows past N and tokens past M re-read the last row or
// token; their outputs are not stored. After the K loop the stages hold the
// published sums: int4 vector v of warp w's lane at ((w·NV + v)·32 + lane).
//
// Clusters need sm_90: below it the kernels exist (the module loads) but
// are empty, and kernels/cuda never lists them there.

typedef unsigned char u8;
typedef signed char i8;

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

// tc_field multiplies field f of a 64-byte block: the RW×2 weight words
// wv (rows g and g+8 of each row tile) against the TN activation chunks xv
// (16 bytes of token g at 16t + 64f), two mma steps (p) per pair of tiles.
template <int RW, int TN>
__device__ __forceinline__ void tc_field(int (&acc)[RW][TN][4], const uint4 (&wv)[RW][2], const uint4 (&xv)[TN], int f)
{
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

__device__ __forceinline__ unsigned tck_shared_addr(const void* p)
{
    unsigned s;
    asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(s) : "l"(p));
    return s;
}

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem)
{
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(tck_shared_addr(smem)), "l"(gmem));
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;" ::: "memory"); }

template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;" ::"n"(N) : "memory"); }

// tck_store_tile writes the reference's float(acc)·wscale/xscale for one
// mma tile from row0 and token m0: c0, c1 are row g, tokens 2t, 2t+1; c2,
// c3 row g+8.
__device__ __forceinline__ void tck_store_tile(const int (&c)[4], int row0, int m0, int g, int t, int N, int M,
                                               const float* __restrict__ xscale, const float* __restrict__ wscale,
                                               int rowScales, float* __restrict__ y)
{
#pragma unroll
    for (int h = 0; h < 2; h++) {
        const int row = row0 + 8 * h + g;
        if (row >= N) continue;
        const float ws = wscale[rowScales ? row : 0];
#pragma unroll
        for (int e = 0; e < 2; e++) {
            const int m = m0 + 2 * t + e;
            if (m < M) y[(long long)m * N + row] = __fdiv_rn(__fmul_rn((float)c[2 * h + e], ws), xscale[m]);
        }
    }
}

#if __CUDA_ARCH__ >= 900
__device__ __forceinline__ unsigned tck_cluster_rank()
{
    unsigned r;
    asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r));
    return r;
}

// tck_cluster_sync: every thread of every block of the cluster arrives;
// writes to shared memory before it are seen by reads after it.
__device__ __forceinline__ void tck_cluster_sync()
{
    asm volatile("barrier.cluster.arrive.release.aligned;\n\tbarrier.cluster.wait.acquire.aligned;" ::: "memory");
}

// tck_remote reads the int4 at shared address a (this block's) in the
// shared memory of cluster block q.
__device__ __forceinline__ int4 tck_remote(unsigned a, unsigned q)
{
    unsigned r;
    asm volatile("mapa.shared::cluster.u32 %0, %1, %2;" : "=r"(r) : "r"(a), "r"(q));
    int4 v;
    asm volatile("ld.shared::cluster.v4.s32 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "r"(r)
                 : "memory");
    return v;
}
#endif

template <int RW, int TN, int WM, int WN, int ST, int S>
__device__ __forceinline__ void tck_body(const u8* __restrict__ w, int stride, int N,
                                         const i8* __restrict__ xq, int Kp, int M,
                                         const float* __restrict__ xscale,
                                         const float* __restrict__ wscale, int rowScales,
                                         float* __restrict__ y)
{
    constexpr int BM = 16 * RW * WM, BN = 8 * TN * WN, NT = 32 * WM * WN;
    constexpr int WB = BM * 64, SB = BM * 64 + BN * 256;
    constexpr int NV = RW * TN;           // mma tiles (int4 of sums) a warp
    constexpr int CH = (NV + S - 1) / S;  // tiles each cluster rank finishes
    static_assert(S == 1 || WM * WN * NV * 32 * 16 <= ST * SB, "published sums fit the stages");
    // Dynamic shared memory: ST·SB bytes (kernels/cuda opts a kernel in
    // above 48 KiB).
    extern __shared__ __align__(16) u8 tck_smem[];
    u8* const smem = tck_smem;

    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int wm = warp % WM, wn = warp / WM;
    const int g = lane >> 2, t = lane & 3;
    const int rowB = blockIdx.x * BM, mB = blockIdx.y * BN;
    const int nb = stride >> 6;
    int rank = 0;
#if __CUDA_ARCH__ >= 900
    if (S > 1) rank = (int)tck_cluster_rank();
#endif
    // This block's blocks of K: an even share of nb.
    const int kb0 = rank * nb / S, nit = (rank + 1) * nb / S - kb0;

    auto load = [&](int st, int it) {
        const int kb = kb0 + it;
        u8* base = smem + st * SB;
        for (int i = threadIdx.x; i < BM * 4; i += NT) {
            const int r = i >> 2, c = i & 3;
            cp_async16(base + r * 64 + 16 * c, w + (long long)min(rowB + r, N - 1) * stride + kb * 64 + 16 * c);
        }
        for (int i = threadIdx.x; i < BN * 16; i += NT) {
            const int j = i >> 4, c = i & 15;
            cp_async16(base + WB + j * 256 + 16 * (c ^ ((j & 1) << 2)),
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

#pragma unroll
    for (int s = 0; s < ST - 1; s++) {
        if (s < nit) load(s, s);
        cp_async_commit(); // empty groups keep the count uniform
    }
    for (int it = 0; it < nit; it++) {
        cp_async_wait<ST - 2>();
        __syncthreads(); // stage it is in; stage it-1 is free
        if (it + ST - 1 < nit) load((it + ST - 1) % ST, it + ST - 1);
        cp_async_commit();

        const u8* ws = smem + (it % ST) * SB;
        const u8* xs = ws + WB;
        uint4 wv[RW][2];
#pragma unroll
        for (int r = 0; r < RW; r++)
#pragma unroll
            for (int h = 0; h < 2; h++)
                wv[r][h] = *(const uint4*)(ws + (wm * 16 * RW + 16 * r + 8 * h + g) * 64 + 16 * t);
#pragma unroll
        for (int f = 0; f < 4; f++) {
            uint4 xv[TN];
#pragma unroll
            for (int n = 0; n < TN; n++) {
                const int j = wn * 8 * TN + 8 * n + g;
                xv[n] = *(const uint4*)(xs + j * 256 + 16 * ((t + 4 * f) ^ ((j & 1) << 2)));
            }
            tc_field<RW, TN>(acc, wv, xv, f);
        }
    }

    const int row0 = rowB + wm * 16 * RW, m0 = mB + wn * 8 * TN;
    if (S == 1) {
#pragma unroll
        for (int r = 0; r < RW; r++)
#pragma unroll
            for (int n = 0; n < TN; n++)
                tck_store_tile(acc[r][n], row0 + 16 * r, m0 + 8 * n, g, t, N, M, xscale, wscale, rowScales, y);
        return;
    }
#if __CUDA_ARCH__ >= 900
    // Publish the tiles other ranks finish, in the (now idle) stages.
    cp_async_wait<0>();
    __syncthreads();
    int4* pub = (int4*)smem + warp * NV * 32 + lane;
#pragma unroll
    for (int r = 0; r < RW; r++)
#pragma unroll
        for (int n = 0; n < TN; n++) {
            const int v = r * TN + n;
            if (v / CH != rank) pub[v * 32] = make_int4(acc[r][n][0], acc[r][n][1], acc[r][n][2], acc[r][n][3]);
        }
    tck_cluster_sync();
    const unsigned a = tck_shared_addr(pub);
#pragma unroll
    for (int q = 0; q < S; q++) {
        if (q == rank) continue;
#pragma unroll
        for (int r = 0; r < RW; r++)
#pragma unroll
            for (int n = 0; n < TN; n++) {
                const int v = r * TN + n;
                if (v / CH == rank) {
                    const int4 o = tck_remote(a + v * 32 * 16, q);
                    acc[r][n][0] += o.x;
                    acc[r][n][1] += o.y;
                    acc[r][n][2] += o.z;
                    acc[r][n][3] += o.w;
                }
            }
    }
    // No block leaves (its shared memory) while another may still read it.
    tck_cluster_sync();
#pragma unroll
    for (int r = 0; r < RW; r++)
#pragma unroll
        for (int n = 0; n < TN; n++)
            if ((r * TN + n) / CH == rank)
                tck_store_tile(acc[r][n], row0 + 16 * r, m0 + 8 * n, g, t, N, M, xscale, wscale, rowScales, y);
#endif
}

#define TCK_PARAMS                                                                                   \
    (const u8* __restrict__ w, int stride, int N, const i8* __restrict__ xq, int Kp, int M,          \
     const float* __restrict__ xscale, const float* __restrict__ wscale, int rowScales, float* __restrict__ y)

// TCK(name, RW, TN, WM, WN, ST, S), named
// bitlinear_tck_r<RW>_t<TN>_m<WM>_n<WN>_s<ST>_c<S>: 32·WM·WN threads, grid
// (row tiles, token tiles, S) in clusters of (1, 1, S).
#if __CUDA_ARCH__ >= 900
#define TCK(name, RW, TN, WM, WN, ST, S)                                                            \
    extern "C" __global__ void __cluster_dims__(1, 1, S) __launch_bounds__(32 * WM * WN) name TCK_PARAMS \
    {                                                                                               \
        tck_body<RW, TN, WM, WN, ST, S>(w, stride, N, xq, Kp, M, xscale, wscale, rowScales, y);   \
    }
#else
#define TCK(name, RW, TN, WM, WN, ST, S) extern "C" __global__ void name TCK_PARAMS {}
#endif
// TCK1: the same without a split (no cluster; any architecture).
#define TCK1(name, RW, TN, WM, WN, ST)                                                              \
    extern "C" __global__ void __launch_bounds__(32 * WM * WN) name TCK_PARAMS                      \
    {                                                                                               \
        tck_body<RW, TN, WM, WN, ST, 1>(w, stride, N, xq, Kp, M, xscale, wscale, rowScales, y);   \
    }

// The instantiations kernels/cuda's tckConfigs lists (keep them in step).
// 128 rows x 128 tokens, eight warps of 32x64.
TCK1(bitlinear_tck_r2_t8_m4_n2_s2_c1, 2, 8, 4, 2, 2)
TCK(bitlinear_tck_r2_t8_m4_n2_s2_c2, 2, 8, 4, 2, 2, 2)
TCK(bitlinear_tck_r2_t8_m4_n2_s2_c4, 2, 8, 4, 2, 2, 4)
TCK(bitlinear_tck_r2_t8_m4_n2_s2_c5, 2, 8, 4, 2, 2, 5)
TCK(bitlinear_tck_r2_t8_m4_n2_s2_c8, 2, 8, 4, 2, 2, 8)
// 64 rows x 128 tokens: four warps of 32x64, or eight of 16x64.
TCK(bitlinear_tck_r2_t8_m2_n2_s2_c2, 2, 8, 2, 2, 2, 2)
TCK(bitlinear_tck_r2_t8_m2_n2_s2_c4, 2, 8, 2, 2, 2, 4)
TCK(bitlinear_tck_r1_t8_m4_n2_s2_c2, 1, 8, 4, 2, 2, 2)
TCK(bitlinear_tck_r1_t8_m4_n2_s2_c4, 1, 8, 4, 2, 2, 4)
// 128 rows x 64 tokens (tens of tokens, or 512 in tiles): eight warps of 32x32.
TCK1(bitlinear_tck_r2_t4_m4_n2_s2_c1, 2, 4, 4, 2, 2)
TCK(bitlinear_tck_r2_t4_m4_n2_s2_c2, 2, 4, 4, 2, 2, 2)
TCK(bitlinear_tck_r2_t4_m4_n2_s2_c4, 2, 4, 4, 2, 2, 4)
TCK(bitlinear_tck_r2_t4_m4_n2_s3_c8, 2, 4, 4, 2, 3, 8)
// 64 rows x 128 tokens, eight warps of 32x32 (2 x 4).
TCK(bitlinear_tck_r2_t4_m2_n4_s2_c2, 2, 4, 2, 4, 2, 2)
TCK(bitlinear_tck_r2_t4_m2_n4_s2_c4, 2, 4, 2, 4, 2, 4)
TCK(bitlinear_tck_r2_t4_m2_n4_s2_c8, 2, 4, 2, 4, 2, 8)
