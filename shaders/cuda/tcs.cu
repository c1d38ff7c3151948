// BitLinear W2A8 on int8 tensor cores for prefill (kernels/cuda, "tcs"):
// tc.cu's mma.sync m16n8k32 and k order (see there for how a lane's k
// slots are chosen so the 2-bit layout needs no unscrambling), with block
// tiles staged in shared memory. Its own module, as every file here is
// (NVRTC gets no include path), so the helpers repeat tc.cu's.
//
// Status: every instantiation is checked against the reference on a GPU
// (kernels/cuda TestTCInstantiations) and "auto" measures them beside
// tc.cu's (tcsInAuto).

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

template <int RW, int TN>
__device__ __forceinline__ void tc_zero(int (&acc)[RW][TN][4])
{
#pragma unroll
    for (int r = 0; r < RW; r++)
#pragma unroll
        for (int n = 0; n < TN; n++)
#pragma unroll
            for (int i = 0; i < 4; i++) acc[r][n][i] = 0;
}

// tc_reduce sums the accumulators of the G groups of warps that split K
// into group 0, through red (shared, (G-1)·S·RW·TN·4·32 ints, S warps a
// group, slot this warp's place in its group); it returns false in the
// warps of the other groups, which are then done. Every thread of the
// block calls it.
template <int RW, int TN, int G, int S>
__device__ __forceinline__ bool tc_reduce(int (&acc)[RW][TN][4], int* red, int group, int slot, int lane)
{
    constexpr int NACC = RW * TN * 4;
    if (group > 0) {
        int* dst = red + ((group - 1) * S + slot) * NACC * 32 + lane;
#pragma unroll
        for (int r = 0; r < RW; r++)
#pragma unroll
            for (int n = 0; n < TN; n++)
#pragma unroll
                for (int i = 0; i < 4; i++) dst[((r * TN + n) * 4 + i) * 32] = acc[r][n][i];
    }
    __syncthreads();
    if (group > 0) return false;
#pragma unroll
    for (int k = 1; k < G; k++) {
        const int* src = red + ((k - 1) * S + slot) * NACC * 32 + lane;
#pragma unroll
        for (int r = 0; r < RW; r++)
#pragma unroll
            for (int n = 0; n < TN; n++)
#pragma unroll
                for (int i = 0; i < 4; i++) acc[r][n][i] += src[((r * TN + n) * 4 + i) * 32];
    }
    return true;
}

// tc_store writes the reference's float(acc)·wscale/xscale for the warp's
// tiles from row0 and token m0: c0, c1 are row g, tokens 2t, 2t+1; c2, c3
// row g+8.
template <int RW, int TN>
__device__ __forceinline__ void tc_store(const int (&acc)[RW][TN][4], int row0, int m0, int g, int t, int N, int M,
                                         const float* __restrict__ xscale, const float* __restrict__ wscale,
                                         int rowScales, float* __restrict__ y)
{
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

// bitlinear_tcs: the same mma and k order, with the block's weights and
// activations staged in shared memory by cp.async, ST stages deep, so every
// byte comes from L2 once per block tile (BM = 16·RW·WM rows by
// BN = 8·TN·WN tokens) and the next block of K is in flight while this one
// is multiplied. For prefill (tens to hundreds of tokens), where tc.cu's
// register kernels re-read activations per warp and wait on L2 (about 10%
// of the int8 peak at 128 tokens on an H100).
//
// Shared layout per stage: the weights, BM rows of 64 bytes (a lane's
// 16-byte loads of rows g and g+8 fall on distinct banks), then the
// activations, BN tokens of 256 bytes, 16-byte chunk c of token j stored at
// c ^ 4(j & 1): the eight lanes of a quarter warp read tokens g = 2i, 2i+1
// at chunks t + 4f, which the swizzle puts in opposite halves of the 128
// banked bytes. Rows past N and tokens past M re-read the last row or
// token; their outputs are not stored.

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem)
{
    unsigned s;
    asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(s) : "l"(smem));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(s), "l"(gmem));
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;" ::: "memory"); }

template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;" ::"n"(N) : "memory"); }

template <int RW, int TN, int WM, int WN, int ST, int KS>
__device__ __forceinline__ void tcs_body(const u8* __restrict__ w, int stride, int N,
                                         const i8* __restrict__ xq, int Kp, int M,
                                         const float* __restrict__ xscale,
                                         const float* __restrict__ wscale, int rowScales,
                                         float* __restrict__ y)
{
    constexpr int BM = 16 * RW * WM, BN = 8 * TN * WN, NT = 32 * WM * WN * KS;
    constexpr int WB = BM * 64, KB = BM * 64 + BN * 256, SB = KS * KB;
    constexpr int NACC = RW * TN * 4;
    static_assert(KS == 1 || (KS - 1) * WM * WN * NACC * 32 * 4 <= ST * SB, "reduction fits the stages");
    // Dynamic shared memory: ST·SB bytes (kernels/cuda opts a kernel in
    // above 48 KiB).
    extern __shared__ __align__(16) u8 tcs_smem[];
    u8* const smem = tcs_smem;

    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int wm = warp % WM, wn = (warp / WM) % WN, ks = warp / (WM * WN);
    const int g = lane >> 2, t = lane & 3;
    const int rowB = blockIdx.x * BM, mB = blockIdx.y * BN;
    const int nb = stride >> 6;
    const int nit = (nb + KS - 1) / KS; // stages of KS blocks of K

    // Stage st of step it holds K blocks it·KS .. it·KS + KS-1, block q of
    // them at st·SB + q·KB; warp group ks multiplies block q = ks.
    auto load = [&](int st, int it) {
#pragma unroll
        for (int q = 0; q < KS; q++) {
            const int kb = it * KS + q;
            if (kb >= nb) break;
            u8* base = smem + st * SB + q * KB;
            for (int i = threadIdx.x; i < BM * 4; i += NT) {
                const int r = i >> 2, c = i & 3;
                cp_async16(base + r * 64 + 16 * c, w + (long long)min(rowB + r, N - 1) * stride + kb * 64 + 16 * c);
            }
            for (int i = threadIdx.x; i < BN * 16; i += NT) {
                const int j = i >> 4, c = i & 15;
                cp_async16(base + WB + j * 256 + 16 * (c ^ ((j & 1) << 2)),
                           xq + (long long)min(mB + j, M - 1) * Kp + kb * 256 + 16 * c);
            }
        }
    };

    int acc[RW][TN][4];
    tc_zero<RW, TN>(acc);

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
        if (it * KS + ks >= nb) continue;

        const u8* ws = smem + (it % ST) * SB + ks * KB;
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

    if (KS > 1) {
        // Groups ks ≥ 1 hand their sums to group 0 through the (now idle)
        // stage memory.
        cp_async_wait<0>();
        __syncthreads();
        if (!tc_reduce<RW, TN, KS, WM * WN>(acc, (int*)smem, ks, wn * WM + wm, lane)) return;
    }
    tc_store<RW, TN>(acc, rowB + wm * 16 * RW, mB + wn * 8 * TN, g, t, N, M, xscale, wscale, rowScales, y);
}

// TCS(name, RW, TN, WM, WN, ST, KS), named
// bitlinear_tcs_r<RW>_t<TN>_m<WM>_n<WN>_s<ST>_k<KS>: 32·WM·WN·KS threads.
#define TCS(name, RW, TN, WM, WN, ST, KS)                                                               \
    extern "C" __global__ void __launch_bounds__(32 * WM * WN * KS)                                    \
    name(const u8* __restrict__ w, int stride, int N, const i8* __restrict__ xq, int Kp, int M,       \
         const float* __restrict__ xscale, const float* __restrict__ wscale, int rowScales,            \
         float* __restrict__ y)                                                                        \
    {                                                                                                 \
        tcs_body<RW, TN, WM, WN, ST, KS>(w, stride, N, xq, Kp, M, xscale, wscale, rowScales, y);      \
    }

// The instantiations kernels/cuda's tcsConfigs lists (keep them in step).
TCS(bitlinear_tcs_r2_t4_m2_n2_s2_k1, 2, 4, 2, 2, 2, 1)
TCS(bitlinear_tcs_r2_t4_m4_n2_s2_k1, 2, 4, 4, 2, 2, 1)
TCS(bitlinear_tcs_r4_t4_m2_n2_s2_k1, 4, 4, 2, 2, 2, 1)
TCS(bitlinear_tcs_r1_t4_m2_n2_s2_k1, 1, 4, 2, 2, 2, 1)
TCS(bitlinear_tcs_r2_t2_m2_n2_s3_k1, 2, 2, 2, 2, 3, 1)
TCS(bitlinear_tcs_r1_t2_m2_n2_s3_k1, 1, 2, 2, 2, 3, 1)
TCS(bitlinear_tcs_r2_t4_m2_n1_s3_k1, 2, 4, 2, 1, 3, 1)
TCS(bitlinear_tcs_r1_t2_m4_n1_s3_k1, 1, 2, 4, 1, 3, 1)
TCS(bitlinear_tcs_r2_t2_m2_n2_s2_k2, 2, 2, 2, 2, 2, 2)
TCS(bitlinear_tcs_r1_t2_m2_n2_s2_k2, 1, 2, 2, 2, 2, 2)
TCS(bitlinear_tcs_r1_t4_m2_n1_s2_k2, 1, 4, 2, 1, 2, 2)
TCS(bitlinear_tcs_r1_t1_m2_n2_s2_k4, 1, 1, 2, 2, 2, 4)
TCS(bitlinear_tcs_r2_t2_m4_n2_s3_k1, 2, 2, 4, 2, 3, 1)
TCS(bitlinear_tcs_r4_t2_m2_n2_s3_k1, 4, 2, 2, 2, 3, 1)
TCS(bitlinear_tcs_r2_t4_m4_n1_s3_k1, 2, 4, 4, 1, 3, 1)
TCS(bitlinear_tcs_r2_t2_m4_n2_s2_k1, 2, 2, 4, 2, 2, 1)
TCS(bitlinear_tcs_r1_t2_m4_n2_s2_k2, 1, 2, 4, 2, 2, 2)
TCS(bitlinear_tcs_r2_t2_m4_n1_s2_k2, 2, 2, 4, 1, 2, 2)
TCS(bitlinear_tcs_r1_t4_m4_n2_s2_k1, 1, 4, 4, 2, 2, 1)
TCS(bitlinear_tcs_r4_t2_m2_n4_s2_k1, 4, 2, 2, 4, 2, 1)
TCS(bitlinear_tcs_r2_t8_m4_n1_s2_k1, 2, 8, 4, 1, 2, 1)
TCS(bitlinear_tcs_r2_t4_m4_n2_s4_k1, 2, 4, 4, 2, 4, 1)
TCS(bitlinear_tcs_r4_t4_m2_n2_s4_k1, 4, 4, 2, 2, 4, 1)
TCS(bitlinear_tcs_r2_t2_m4_n2_s6_k1, 2, 2, 4, 2, 6, 1)
TCS(bitlinear_tcs_r4_t4_m2_n4_s3_k1, 4, 4, 2, 4, 3, 1)
TCS(bitlinear_tcs_r2_t4_m2_n2_s6_k1, 2, 4, 2, 2, 6, 1)
TCS(bitlinear_tcs_r1_t2_m2_n2_s8_k1, 1, 2, 2, 2, 8, 1)
TCS(bitlinear_tcs_r2_t2_m2_n2_s6_k1, 2, 2, 2, 2, 6, 1)
