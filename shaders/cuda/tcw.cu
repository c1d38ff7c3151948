// BitLinear W2A8 on sm_90's warpgroup tensor cores for prefill (kernels/cuda,
// "tcw"): wgmma.mma_async m64nNk32 s8·s8 → s32, the weights (A, 64 rows a
// warpgroup) expanded from the 2-bit layout in registers, the activations
// (B, N = 64 or 128 tokens) read by the tensor cores from shared memory, K
// optionally split over a thread block cluster as in tck.cu (partial sums
// meet in distributed shared memory). Its own module (NVRTC gets no include
// path), so the helpers repeat tc.cu's and tck.cu's.
//
// Why: mma.sync (tc.cu, tcs.cu, tck.cu) reaches about two thirds of the
// int8 peak at best and needs every warp to fetch its activations from
// shared memory into registers; one wgmma multiplies 64 rows by up to 128
// tokens by 32 k from a descriptor, asynchronously.
//
// k order. wgmma's register A has tc.cu's per-warp layout (lane g = lane/4,
// t = lane%4 holds rows g and g+8, k 4t..4t+3 and 16+4t..16+4t+3 of a
// 32-k step), but B now comes from shared memory in its natural k order:
// step s of a 256-k block covers k 32s..32s+31, 16-byte chunks 2s and 2s+1
// of each token. Lane t's k of chunk P are packed in word t + 4(P mod 4) of
// the row's 64-byte block, field P/4; so the weights are staged with the
// words of each row transposed (word j at 4(j mod 4) + j/4): one 16-byte
// read gives lane t its words t, t+4, t+8, t+12, and step s takes words
// 2(s mod 2) and 2(s mod 2)+1 of it, field s/2.
//
// Shared layout per stage: the weights, BM rows of 64 bytes (words
// transposed), then the activations chunk-major for the tensor cores'
// core matrices (8 tokens × 16 bytes, 128 contiguous bytes): chunk c of
// token j at (c·BN + j)·16. The descriptor of step s starts at chunk 2s;
// the next core matrix along K is BN·16 bytes on (leading byte offset),
// along N 128 bytes on (stride byte offset); no swizzle. Rows past N and
// tokens past M re-read the last row or token; their outputs are not
// stored. After the K loop the stages hold the published sums (S > 1).
//
// sm_90 only: below it the kernels exist (the module loads) but are empty,
// and kernels/cuda never lists them there.

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

__device__ __forceinline__ unsigned tcw_shared_addr(const void* p)
{
    unsigned s;
    asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(s) : "l"(p));
    return s;
}

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem)
{
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(tcw_shared_addr(smem)), "l"(gmem));
}

__device__ __forceinline__ void cp_async4(void* smem, const void* gmem)
{
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4;" ::"r"(tcw_shared_addr(smem)), "l"(gmem));
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;" ::: "memory"); }

template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;" ::"n"(N) : "memory"); }

// tcw_store_tile writes the reference's float(acc)·wscale/xscale for one
// 16×8 tile from row0 and token m0: c0, c1 are row g, tokens 2t, 2t+1; c2,
// c3 row g+8 (wgmma's accumulator layout, a warp's 16 rows).
__device__ __forceinline__ void tcw_store_tile(const int (&c)[4], int row0, int m0, int g, int t, int N, int M,
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
// tcw_mma64: one wgmma m64n64k32 (s8 x s8 -> s32) adding into d (TN = 8 tiles of
// 8 tokens a lane), A from registers, B by descriptor.
__device__ __forceinline__ void tcw_mma(int (&d)[8][4], const unsigned (&a)[4], unsigned long long desc)
{
    asm volatile("{\n\t.reg .pred p;\n\tsetp.ne.b32 p, %37, 0;\n\t"
                 "wgmma.mma_async.sync.aligned.m64n64k32.s32.s8.s8 "
                 "{" 
                 "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
                 "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31"
                 "}, {%32, %33, %34, %35}, %36, p;\n\t}"
                 : "+r"(d[0][0]), "+r"(d[0][1]), "+r"(d[0][2]), "+r"(d[0][3]),
                   "+r"(d[1][0]), "+r"(d[1][1]), "+r"(d[1][2]), "+r"(d[1][3]),
                   "+r"(d[2][0]), "+r"(d[2][1]), "+r"(d[2][2]), "+r"(d[2][3]),
                   "+r"(d[3][0]), "+r"(d[3][1]), "+r"(d[3][2]), "+r"(d[3][3]),
                   "+r"(d[4][0]), "+r"(d[4][1]), "+r"(d[4][2]), "+r"(d[4][3]),
                   "+r"(d[5][0]), "+r"(d[5][1]), "+r"(d[5][2]), "+r"(d[5][3]),
                   "+r"(d[6][0]), "+r"(d[6][1]), "+r"(d[6][2]), "+r"(d[6][3]),
                   "+r"(d[7][0]), "+r"(d[7][1]), "+r"(d[7][2]), "+r"(d[7][3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc), "r"(1));
}

// tcw_mma128: one wgmma m64n128k32 (s8 x s8 -> s32) adding into d (TN = 16 tiles of
// 8 tokens a lane), A from registers, B by descriptor.
__device__ __forceinline__ void tcw_mma(int (&d)[16][4], const unsigned (&a)[4], unsigned long long desc)
{
    asm volatile("{\n\t.reg .pred p;\n\tsetp.ne.b32 p, %69, 0;\n\t"
                 "wgmma.mma_async.sync.aligned.m64n128k32.s32.s8.s8 "
                 "{" 
                 "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
                 "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
                 "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "
                 "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63"
                 "}, {%64, %65, %66, %67}, %68, p;\n\t}"
                 : "+r"(d[0][0]), "+r"(d[0][1]), "+r"(d[0][2]), "+r"(d[0][3]),
                   "+r"(d[1][0]), "+r"(d[1][1]), "+r"(d[1][2]), "+r"(d[1][3]),
                   "+r"(d[2][0]), "+r"(d[2][1]), "+r"(d[2][2]), "+r"(d[2][3]),
                   "+r"(d[3][0]), "+r"(d[3][1]), "+r"(d[3][2]), "+r"(d[3][3]),
                   "+r"(d[4][0]), "+r"(d[4][1]), "+r"(d[4][2]), "+r"(d[4][3]),
                   "+r"(d[5][0]), "+r"(d[5][1]), "+r"(d[5][2]), "+r"(d[5][3]),
                   "+r"(d[6][0]), "+r"(d[6][1]), "+r"(d[6][2]), "+r"(d[6][3]),
                   "+r"(d[7][0]), "+r"(d[7][1]), "+r"(d[7][2]), "+r"(d[7][3]),
                   "+r"(d[8][0]), "+r"(d[8][1]), "+r"(d[8][2]), "+r"(d[8][3]),
                   "+r"(d[9][0]), "+r"(d[9][1]), "+r"(d[9][2]), "+r"(d[9][3]),
                   "+r"(d[10][0]), "+r"(d[10][1]), "+r"(d[10][2]), "+r"(d[10][3]),
                   "+r"(d[11][0]), "+r"(d[11][1]), "+r"(d[11][2]), "+r"(d[11][3]),
                   "+r"(d[12][0]), "+r"(d[12][1]), "+r"(d[12][2]), "+r"(d[12][3]),
                   "+r"(d[13][0]), "+r"(d[13][1]), "+r"(d[13][2]), "+r"(d[13][3]),
                   "+r"(d[14][0]), "+r"(d[14][1]), "+r"(d[14][2]), "+r"(d[14][3]),
                   "+r"(d[15][0]), "+r"(d[15][1]), "+r"(d[15][2]), "+r"(d[15][3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc), "r"(1));
}

__device__ __forceinline__ void tcw_fence() { asm volatile("wgmma.fence.sync.aligned;" ::: "memory"); }
__device__ __forceinline__ void tcw_commit() { asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory"); }
__device__ __forceinline__ void tcw_wait0() { asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory"); }

// tcw_keep: the compiler must hold v in its register across this point
// (wgmma reads and writes registers asynchronously, behind its back).
__device__ __forceinline__ void tcw_keep(int& v) { asm volatile("" : "+r"(v)::"memory"); }
__device__ __forceinline__ void tcw_keep(unsigned& v) { asm volatile("" : "+r"(v)::"memory"); }

// tcw_desc is a shared-memory matrix descriptor: start address, leading
// (K) and stride (N) byte offsets, no swizzle.
__device__ __forceinline__ unsigned long long tcw_desc(unsigned addr, unsigned lbo, unsigned sbo)
{
    return (unsigned long long)((addr & 0x3ffff) >> 4) | ((unsigned long long)((lbo & 0x3ffff) >> 4) << 16) |
           ((unsigned long long)((sbo & 0x3ffff) >> 4) << 32);
}

__device__ __forceinline__ unsigned tcw_cluster_rank()
{
    unsigned r;
    asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r));
    return r;
}

__device__ __forceinline__ void tcw_cluster_sync()
{
    asm volatile("barrier.cluster.arrive.release.aligned;\n\tbarrier.cluster.wait.acquire.aligned;" ::: "memory");
}

__device__ __forceinline__ int4 tcw_remote(unsigned a, unsigned q)
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

// tcw_body: WG warpgroups on BM = 64·WG rows (warp w: rows 16w..16w+15),
// all sharing the BN = 8·TN tokens of the block's activations, ST
// cp.async stages of one 64-byte block of K, S blocks of a cluster
// splitting K.
template <int WG, int TN, int ST, int S>
__device__ __forceinline__ void tcw_body(const u8* __restrict__ w, int stride, int N,
                                         const i8* __restrict__ xq, int Kp, int M,
                                         const float* __restrict__ xscale,
                                         const float* __restrict__ wscale, int rowScales,
                                         float* __restrict__ y)
{
    constexpr int BM = 64 * WG, BN = 8 * TN, NT = 128 * WG;
    constexpr int WB = BM * 64, SB = WB + BN * 256;
    constexpr int CH = (TN + S - 1) / S; // tiles each cluster rank finishes
    static_assert(S == 1 || NT * TN * 16 <= ST * SB, "published sums fit the stages");
    extern __shared__ __align__(128) u8 tcw_smem[];
    u8* const smem = tcw_smem;

    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int g = lane >> 2, t = lane & 3;
    const int rowB = blockIdx.x * BM, mB = blockIdx.y * BN;
    const int nb = stride >> 6;
    const int rank = S > 1 ? (int)tcw_cluster_rank() : 0;
    const int kb0 = rank * nb / S, nit = (rank + 1) * nb / S - kb0;

    auto load = [&](int st, int it) {
        const int kb = kb0 + it;
        u8* base = smem + st * SB;
        for (int i = threadIdx.x; i < BM * 16; i += NT) {
            const int r = i >> 4, j = i & 15;
            cp_async4(base + r * 64 + 4 * (4 * (j & 3) + (j >> 2)),
                      w + (long long)min(rowB + r, N - 1) * stride + kb * 64 + 4 * j);
        }
        for (int i = threadIdx.x; i < BN * 16; i += NT) {
            const int j = i >> 4, c = i & 15;
            cp_async16(base + WB + (c * BN + j) * 16, xq + (long long)min(mB + j, M - 1) * Kp + kb * 256 + 16 * c);
        }
    };

    int acc[TN][4];
#pragma unroll
    for (int n = 0; n < TN; n++)
#pragma unroll
        for (int i = 0; i < 4; i++) acc[n][i] = 0;

#pragma unroll
    for (int s = 0; s < ST - 1; s++) {
        if (s < nit) load(s, s);
        cp_async_commit();
    }
    for (int it = 0; it < nit; it++) {
        cp_async_wait<ST - 2>();
        // This thread's copies, seen by the tensor cores' (async proxy) reads.
        asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
        __syncthreads(); // stage it is in; stage it-1 is free
        if (it + ST - 1 < nit) load((it + ST - 1) % ST, it + ST - 1);
        cp_async_commit();

        const u8* ws = smem + (it % ST) * SB;
        const uint4 v0 = *(const uint4*)(ws + (warp * 16 + g) * 64 + 16 * t);
        const uint4 v1 = *(const uint4*)(ws + (warp * 16 + 8 + g) * 64 + 16 * t);
        unsigned a[8][4];
#pragma unroll
        for (int s = 0; s < 8; s++) {
            const int p = s & 1, f = s >> 1;
            a[s][0] = tc_codes(tc_word(v0, 2 * p), f);
            a[s][1] = tc_codes(tc_word(v1, 2 * p), f);
            a[s][2] = tc_codes(tc_word(v0, 2 * p + 1), f);
            a[s][3] = tc_codes(tc_word(v1, 2 * p + 1), f);
        }
        const unsigned xs = tcw_shared_addr(ws + WB);
#pragma unroll
        for (int n = 0; n < TN; n++)
#pragma unroll
            for (int i = 0; i < 4; i++) tcw_keep(acc[n][i]);
        tcw_fence();
#pragma unroll
        for (int s = 0; s < 8; s++) tcw_mma(acc, a[s], tcw_desc(xs + 2 * s * BN * 16, BN * 16, 128));
        tcw_commit();
        tcw_wait0();
#pragma unroll
        for (int n = 0; n < TN; n++)
#pragma unroll
            for (int i = 0; i < 4; i++) tcw_keep(acc[n][i]);
#pragma unroll
        for (int s = 0; s < 8; s++)
#pragma unroll
            for (int i = 0; i < 4; i++) tcw_keep(a[s][i]);
    }

    const int row0 = rowB + warp * 16;
    if (S == 1) {
#pragma unroll
        for (int n = 0; n < TN; n++)
            tcw_store_tile(acc[n], row0, mB + 8 * n, g, t, N, M, xscale, wscale, rowScales, y);
        return;
    }
    // Publish the tiles other ranks finish, in the (now idle) stages.
    cp_async_wait<0>();
    __syncthreads();
    int4* pub = (int4*)smem + warp * TN * 32 + lane;
#pragma unroll
    for (int n = 0; n < TN; n++)
        if (n / CH != rank) pub[n * 32] = make_int4(acc[n][0], acc[n][1], acc[n][2], acc[n][3]);
    tcw_cluster_sync();
    const unsigned pa = tcw_shared_addr(pub);
#pragma unroll
    for (int q = 0; q < S; q++) {
        if (q == rank) continue;
#pragma unroll
        for (int n = 0; n < TN; n++)
            if (n / CH == rank) {
                const int4 o = tcw_remote(pa + n * 32 * 16, q);
                acc[n][0] += o.x;
                acc[n][1] += o.y;
                acc[n][2] += o.z;
                acc[n][3] += o.w;
            }
    }
    // No block leaves (its shared memory) while another may still read it.
    tcw_cluster_sync();
#pragma unroll
    for (int n = 0; n < TN; n++)
        if (n / CH == rank) tcw_store_tile(acc[n], row0, mB + 8 * n, g, t, N, M, xscale, wscale, rowScales, y);
}
#endif

#define TCW_PARAMS                                                                                   \
    (const u8* __restrict__ w, int stride, int N, const i8* __restrict__ xq, int Kp, int M,          \
     const float* __restrict__ xscale, const float* __restrict__ wscale, int rowScales, float* __restrict__ y)

// TCW(name, WG, TN, ST, S), named bitlinear_tcw_w<WG>_t<TN>_s<ST>_c<S>:
// 128·WG threads, grid (row tiles, token tiles, S) in clusters of (1, 1, S).
#if __CUDA_ARCH__ >= 900
#define TCW(name, WG, TN, ST, S)                                                                     \
    extern "C" __global__ void __cluster_dims__(1, 1, S) __launch_bounds__(128 * WG) name TCW_PARAMS \
    {                                                                                                \
        tcw_body<WG, TN, ST, S>(w, stride, N, xq, Kp, M, xscale, wscale, rowScales, y);              \
    }
#else
#define TCW(name, WG, TN, ST, S) extern "C" __global__ void name TCW_PARAMS {}
#endif

// The instantiations kernels/cuda's tcwConfigs lists (keep them in step).
TCW(bitlinear_tcw_w1_t16_s2_c1, 1, 16, 2, 1)
TCW(bitlinear_tcw_w1_t16_s2_c2, 1, 16, 2, 2)
TCW(bitlinear_tcw_w1_t16_s2_c4, 1, 16, 2, 4)
TCW(bitlinear_tcw_w2_t16_s2_c1, 2, 16, 2, 1)
TCW(bitlinear_tcw_w2_t16_s2_c2, 2, 16, 2, 2)
TCW(bitlinear_tcw_w2_t16_s2_c4, 2, 16, 2, 4)
TCW(bitlinear_tcw_w2_t16_s2_c5, 2, 16, 2, 5)
TCW(bitlinear_tcw_w2_t16_s2_c8, 2, 16, 2, 8)
TCW(bitlinear_tcw_w1_t8_s3_c1, 1, 8, 3, 1)
TCW(bitlinear_tcw_w1_t8_s3_c2, 1, 8, 3, 2)
TCW(bitlinear_tcw_w2_t8_s3_c2, 2, 8, 3, 2)
TCW(bitlinear_tcw_w2_t8_s3_c4, 2, 8, 3, 4)
// 640 rows (5 tiles of 128) want more blocks: 64-row tiles split 8 ways.
TCW(bitlinear_tcw_w1_t16_s2_c8, 1, 16, 2, 8)
// 256 rows by 64 tokens: activations cross L2 once per 256 rows.
TCW(bitlinear_tcw_w4_t8_s3_c1, 4, 8, 3, 1)
TCW(bitlinear_tcw_w4_t8_s3_c2, 4, 8, 3, 2)
TCW(bitlinear_tcw_w4_t8_s3_c4, 4, 8, 3, 4)
