// BitLinear W2A8 GEMV built to stream the weights at HBM rate
// (kernels/cuda, "wave"). Same contract and weight layout as bitlinear_w2a8
// in bitlinear.cu (see there and kernels/pack/pack2bit.go).
//
// A decode GEMV reads every weight byte once, so its time is launch +
// one trip to DRAM + bytes / bandwidth, provided the whole matrix is in
// flight at once: 8.85 MB (13824x2560) is 67 KB an SM, which fits in
// registers of one wave. So:
//
//   - G lanes share a row and a lane group owns R rows (32R/G rows a
//     warp); each lane issues all R·J of its 16-byte weight loads
//     (ld.global.nc, L1::no_allocate: read once) before anything else, and
//     the host picks G, R and J so that a row is a single round (J·G ≥
//     chunks per row) and the grid about one wave;
//   - a lane's R rows share each activation chunk it loads: the activation
//     traffic through L1 is 4/R times the weights' (at R = 1 it alone
//     bounds the kernel, even with the matrix in L2);
//   - Σx is summed by each warp over the whole activation row after the
//     weight loads are issued, not next to every chunk;
//   - the 2-bit fields are not shifted down: field s of a byte is masked in
//     place (0x03 << 2s), so dp4a (unsigned × signed) sums 4^s·(c+1)·x into
//     accumulator s; each is an exact multiple of 4^s, and after each round
//     a0 + a1/4 + a2/16 + a3/64 (arithmetic shifts, exact) is Σ(c+1)x. A
//     round is at most 16 chunks of a lane, so |a3| < 2^23: no overflow for
//     any K. Then Σ(c+1)x − Σx = Σ c·x, the exact integer of the reference;
//   - on sm_90 the kernel waits for the preceding grid (griddepcontrol.wait,
//     a no-op unless launched with programmatic stream serialisation) only
//     after its weight loads are issued and before it reads activations, and
//     lets its dependants launch at once: weights must not be written by the
//     kernel just before, activations and outputs may be.
//
// T tokens a grid.y tile share the weight registers (weights are read once
// per tile); the host launches T = 1 (any R) for M = 1 and T = 8, R = 1
// otherwise.

typedef unsigned char u8;
typedef signed char i8;

__device__ __forceinline__ int4 ld_weights(const int4* p)
{
    int4 v;
    asm volatile("ld.global.nc.L1::no_allocate.v4.s32 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
    return v;
}

// dp4a with unsigned bytes in a (masked 2-bit fields, up to 0x80) and
// signed bytes in b.
__device__ __forceinline__ int dp4a_us(unsigned a, int b, int c)
{
    int d;
    asm("dp4a.u32.s32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c));
    return d;
}

__device__ __forceinline__ void grid_dep_wait()
{
#if __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

__device__ __forceinline__ void grid_dep_launch()
{
#if __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;" :::);
#endif
}

// WaveFuse: what a fused one-token launch (FUSED, kernels/cuda's model
// decode) does besides the GEMV.
//
// Prologue (src not null): the activations are not read as int8 from xq
// but made by the block from the float row src of w features: RMSNorm
// with gains g and per-token absmax int8 quantization, as model.cu's
// model_norm_quant, into shared memory. The row's Σx² and max|x·g| come
// from stats (FUSE_SLOTS slots of {Σ, max bits}) that the launch before
// added up in its epilogue, so the block needs no reduction of its own:
// inv = 1/√(Σx²/w + eps), max|out| is taken as inv·max|x·g| (within an
// ulp or two of the max of the rounded products), s = 127/max.
//
// Epilogue (epi): 0 writes y; 1 adds y into x (the residual stream:
// x[row] += y[row], y not written); 2 (R = 2, rows paired by the host
// as gate i and up i of lane group sub, rows sub and sub + 32/G of a
// warp) writes x[i] = relu(gate)²·up for i = warp·32/G + sub (the FFN's
// ReLU² gate; y not written). With nstats not null the values written to
// x also have their Σx² and max|x·gn| added into nstats (slot warp % 32)
// for the next launch's prologue.
//
// With stage set, the prologue's reads are one round trip: the gains are
// copied into shared memory by cp.async before the kernel waits for the
// one before (they are constants), the row right after it, and the block
// quantizes from shared memory (dynamic shared memory of 2·4·w bytes).
#define FUSE_SLOTS 32
#define FUSE_MAX_KP 8192
struct WaveFuse {
    int stage; // stage src and g in dynamic shared memory by cp.async
    const float* src;
    const float* g;
    const float* stats;
    int w;
    float eps;
    int epi;
    float* x;
    const float* gn;
    float* nstats;
};

// R rows a lane group (rows sub, sub + 32/G, ... of the warp's 32R/G), G
// lanes a row, up to JC chunks a lane a round (J ≤ JC at run time), T
// tokens a tile (T > 1 only with R = 1). A lane's R rows use the same
// activation chunks, loaded once: R = 4 makes the activation traffic
// through L1 equal to the weights' instead of 4x it, which otherwise
// bounds the kernel even with the matrix in L2.
// cp.async (sm_80 and later; a plain copy before).
__device__ __forceinline__ void cp_async16(void* smem, const void* gmem)
{
#if __CUDA_ARCH__ >= 800
    unsigned s;
    asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(s) : "l"(smem));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(s), "l"(gmem));
#else
    *(float4*)smem = *(const float4*)gmem;
#endif
}

__device__ __forceinline__ void cp_async_commit()
{
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.commit_group;" ::: "memory");
#endif
}

__device__ __forceinline__ void cp_async_wait_all()
{
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.wait_group 0;" ::: "memory");
#endif
}

template <int G, int R, int JC, int T, bool FUSED>
__device__ __forceinline__ void wave_body(const u8* __restrict__ w, int stride, int N,
                                          const i8* __restrict__ xq, int Kp, int M,
                                          const float* __restrict__ xscale,
                                          const float* __restrict__ wscale, int rowScales,
                                          float* __restrict__ y, int J, const WaveFuse& f)
{
    constexpr int GPW = 32 / G; // lane groups a warp
    const int lane = threadIdx.x & 31, gl = lane & (G - 1), sub = lane / G;
    const long long warpIdx = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    // Whole warps leave together; a fused prologue needs every warp of
    // the block until its barrier.
    const bool idle = warpIdx * GPW * R >= N;
    if (!FUSED && idle) return;
    const int wrow0 = (int)warpIdx * GPW * R;
    const int chunks = stride >> 4;
    const int step = G * J;

    // Rows past N (the last warp) re-read row N-1; their sums are dropped.
    const int4* wr[R];
#pragma unroll
    for (int r = 0; r < R; r++) wr[r] = (const int4*)(w + (long long)min(wrow0 + sub + GPW * r, N - 1) * stride);

    int4 wv[R][JC];
#pragma unroll
    for (int j = 0; j < JC; j++) {
        const int q = gl + G * j;
#pragma unroll
        for (int r = 0; r < R; r++) wv[r][j] = j < J && q < chunks ? ld_weights(wr[r] + q) : make_int4(0, 0, 0, 0);
    }
    extern __shared__ float4 fstage[]; // w/4 gains, then w/4 of the row
    const bool stage = FUSED && f.stage && f.src != nullptr;
    // A fused epilogue's constants (row scales, the next norm's gains)
    // are loaded before the wait, the residual row right after it, so
    // none is a round trip after the sums.
    float wsr[FUSED ? R : 1], gnr[FUSED ? R : 1], xres[FUSED ? R : 1];
    if (FUSED) {
        if (stage) {
            for (int i = threadIdx.x; i < (f.w >> 2); i += blockDim.x) cp_async16(fstage + i, (const float4*)f.g + i);
            cp_async_commit();
        }
#pragma unroll
        for (int r = 0; r < R; r++) {
            const int row = min(wrow0 + sub + GPW * r, N - 1);
            wsr[r] = wscale[rowScales ? row : 0];
            const int gi = f.epi == 2 ? min((int)warpIdx * GPW + sub, (N >> 1) - 1) : row;
            gnr[r] = f.nstats != nullptr ? f.gn[gi] : 0.0f;
            xres[r] = 0.0f;
        }
    }
    grid_dep_launch();
    grid_dep_wait();
    if (FUSED && f.epi == 1) {
#pragma unroll
        for (int r = 0; r < R; r++) xres[r] = f.x[min(wrow0 + sub + GPW * r, N - 1)];
    }

    const int m0 = blockIdx.y * T;
    const int mt = min(T, M - m0);

    __shared__ __align__(16) i8 xsh[FUSED ? FUSE_MAX_KP : 16];
    float fscale = 0.0f; // the prologue's activation scale
    if (FUSED) {
        if (f.src != nullptr) {
            if (stage) {
                for (int i = threadIdx.x; i < (f.w >> 2); i += blockDim.x)
                    cp_async16(fstage + (f.w >> 2) + i, (const float4*)f.src + i);
                cp_async_commit();
            }
            // Every warp adds up the slots itself (lane i slot i): no barrier.
            const float ss0 = f.stats[2 * lane];
            const float mx0 = f.stats[2 * lane + 1];
            float ss = ss0, mx = mx0;
#pragma unroll
            for (int o = 16; o > 0; o >>= 1) {
                ss += __shfl_xor_sync(0xffffffffu, ss, o);
                mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
            }
            const float inv = (float)(1.0 / sqrt((double)ss / (double)f.w + (double)f.eps));
            float mo = __fmul_rn(mx, inv);
            if (mo < 1e-5f) mo = 1e-5f;
            fscale = __fdiv_rn(127.0f, mo);
            if (stage) {
                cp_async_wait_all();
                __syncthreads();
            }
            // Four features a thread a round (w is a multiple of 4); the
            // padding up to Kp is zeros.
            for (int i4 = threadIdx.x; i4 < (Kp >> 2); i4 += blockDim.x) {
                unsigned packed = 0;
                if (4 * i4 < f.w) {
                    const float4 v = stage ? fstage[(f.w >> 2) + i4] : ((const float4*)f.src)[i4];
                    const float4 g = stage ? fstage[i4] : __ldg((const float4*)f.g + i4);
                    const float vs[4] = {v.x, v.y, v.z, v.w}, gs[4] = {g.x, g.y, g.z, g.w};
#pragma unroll
                    for (int c = 0; c < 4; c++) {
                        const float o = __fmul_rn(__fmul_rn(vs[c], inv), gs[c]);
                        const float r = rintf(__fmul_rn(o, fscale));
                        int q;
                        if (r != r) q = 0;
                        else if (r > 127.0f) q = 127;
                        else if (r < -128.0f) q = -128;
                        else q = (int)r;
                        packed |= ((unsigned)q & 0xffu) << (8 * c);
                    }
                }
                ((unsigned*)xsh)[i4] = packed;
            }
        }
        __syncthreads();
        if (idle) return;
    }
    // The activation row of token m: global memory, or the prologue's.
    const bool shx = FUSED && f.src != nullptr;

    // Σx of each token, over the whole (zero-padded) row, by the warp.
    int sx[T];
#pragma unroll
    for (int m = 0; m < T; m++) {
        int s = 0;
        if (m < mt) {
            const int4* xv = (const int4*)(shx ? (const i8*)xsh : xq + (long long)(m0 + m) * Kp);
            for (int i = lane; i < Kp >> 4; i += 32) {
                const int4 v = shx ? xv[i] : __ldg(xv + i);
                s = __dp4a(v.x, 0x01010101, s);
                s = __dp4a(v.y, 0x01010101, s);
                s = __dp4a(v.z, 0x01010101, s);
                s = __dp4a(v.w, 0x01010101, s);
            }
#pragma unroll
            for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
        }
        sx[m] = s;
    }

    int acc[R][T];
#pragma unroll
    for (int r = 0; r < R; r++)
#pragma unroll
        for (int m = 0; m < T; m++) acc[r][m] = 0;

    for (int q0 = gl; q0 < chunks; q0 += step) {
        if (q0 != gl) { // later rounds (K > 64·G·J): load the next J chunks
#pragma unroll
            for (int j = 0; j < JC; j++) {
                const int q = q0 + G * j;
#pragma unroll
                for (int r = 0; r < R; r++)
                    wv[r][j] = j < J && q < chunks ? ld_weights(wr[r] + q) : make_int4(0, 0, 0, 0);
            }
        }
        int a[R][T][4];
#pragma unroll
        for (int r = 0; r < R; r++)
#pragma unroll
            for (int m = 0; m < T; m++)
#pragma unroll
                for (int s = 0; s < 4; s++) a[r][m][s] = 0;
#pragma unroll
        for (int j = 0; j < JC; j++) {
            const int q = q0 + G * j;
            if (j >= J || q >= chunks) break;
            // Chunk q is bytes 16·(q%4).. of block q/4; field s of its word i
            // holds codes 64s + 16·(q%4) + 4i .. +3 of the block.
            const int off = (q >> 2) * 256 + (q & 3) * 16;
#pragma unroll
            for (int m = 0; m < T; m++) {
                if (m >= mt) break;
                const int4* xp = (const int4*)((shx ? (const i8*)xsh : xq + (long long)(m0 + m) * Kp) + off);
                int4 xv[4];
#pragma unroll
                for (int s = 0; s < 4; s++) xv[s] = shx ? xp[4 * s] : __ldg(xp + 4 * s);
#pragma unroll
                for (int r = 0; r < R; r++) {
                    const unsigned u[4] = {(unsigned)wv[r][j].x, (unsigned)wv[r][j].y, (unsigned)wv[r][j].z,
                                           (unsigned)wv[r][j].w};
#pragma unroll
                    for (int s = 0; s < 4; s++) {
                        const unsigned mask = 0x03030303u << (2 * s);
                        int v = a[r][m][s];
                        v = dp4a_us(u[0] & mask, xv[s].x, v);
                        v = dp4a_us(u[1] & mask, xv[s].y, v);
                        v = dp4a_us(u[2] & mask, xv[s].z, v);
                        v = dp4a_us(u[3] & mask, xv[s].w, v);
                        a[r][m][s] = v;
                    }
                }
            }
        }
#pragma unroll
        for (int r = 0; r < R; r++)
#pragma unroll
            for (int m = 0; m < T; m++)
                acc[r][m] += a[r][m][0] + (a[r][m][1] >> 2) + (a[r][m][2] >> 4) + (a[r][m][3] >> 6);
    }

    if (FUSED) { // T = 1
        float val[R];
#pragma unroll
        for (int r = 0; r < R; r++) {
            int v = acc[r][0];
#pragma unroll
            for (int o = G / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
            val[r] = __fdiv_rn(__fmul_rn((float)(v - sx[0]), wsr[r]), shx ? fscale : xscale[m0]);
        }
        float ss = 0.0f, mx = 0.0f;
        if (f.epi == 2) {
            const int i = (int)warpIdx * GPW + sub;
            if (R == 2 && gl == 0 && 2 * i < N) {
                const float r = fmaxf(val[0], 0.0f);
                const float e = __fmul_rn(__fmul_rn(r, r), val[R - 1]);
                f.x[i] = e;
                if (f.nstats != nullptr) {
                    ss = __fmul_rn(e, e);
                    mx = fabsf(__fmul_rn(e, gnr[0]));
                }
            }
        } else {
#pragma unroll
            for (int r = 0; r < R; r++) {
                const int row = wrow0 + sub + GPW * r;
                if (gl == r && row < N) {
                    if (f.epi == 1) {
                        const float e = xres[r] + val[r];
                        f.x[row] = e;
                        if (f.nstats != nullptr) {
                            ss += __fmul_rn(e, e);
                            mx = fmaxf(mx, fabsf(__fmul_rn(e, gnr[r])));
                        }
                    } else {
                        y[(long long)m0 * N + row] = val[r];
                    }
                }
            }
        }
        if (f.nstats != nullptr) {
#pragma unroll
            for (int o = 16; o > 0; o >>= 1) {
                ss += __shfl_xor_sync(0xffffffffu, ss, o);
                mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
            }
            if (lane == 0) {
                const int slot = (int)(warpIdx % FUSE_SLOTS);
                atomicAdd(f.nstats + 2 * slot, ss);
                atomicMax((unsigned*)f.nstats + 2 * slot + 1, __float_as_uint(mx));
            }
        }
        return;
    }

    // Sum over the G lanes of a row; lane r·T + m of the row writes row r,
    // token m (R·T ≤ G).
#pragma unroll
    for (int r = 0; r < R; r++) {
        const int row = wrow0 + sub + GPW * r;
#pragma unroll
        for (int m = 0; m < T; m++) {
            int v = acc[r][m];
#pragma unroll
            for (int o = G / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
            if (m < mt && gl == r * T + m && row < N) {
                const float ws = wscale[rowScales ? row : 0];
                y[(long long)(m0 + m) * N + row] = __fdiv_rn(__fmul_rn((float)(v - sx[m]), ws), xscale[m0 + m]);
            }
        }
    }
}

// WAVE(name, G, R, JC, T, min blocks of 128 threads an SM): the register
// cap is one step below the tightest that NVRTC 11.8 compiles without
// spilling, as a margin for other compiler versions.
#define WAVE(name, G, R, JC, T, MINB)                                                                \
    extern "C" __global__ void __launch_bounds__(128, MINB)                                          \
    name(const u8* __restrict__ w, int stride, int N, const i8* __restrict__ xq, int Kp, int M,     \
         const float* __restrict__ xscale, const float* __restrict__ wscale, int rowScales,           \
         float* __restrict__ y, int J)                                                               \
    {                                                                                                \
        const WaveFuse f = {};                                                                       \
        wave_body<G, R, JC, T, false>(w, stride, N, xq, Kp, M, xscale, wscale, rowScales, y, J, f);  \
    }

// WAVE_FUSED(name, G, JC, min blocks): one token, R = 2, with WaveFuse's
// prologue and epilogue (kernels/cuda's model decode).
#define WAVE_FUSED(name, G, JC, MINB)                                                                \
    extern "C" __global__ void __launch_bounds__(128, MINB)                                          \
    name(const u8* __restrict__ w, int stride, int N, const i8* __restrict__ xq, int Kp,            \
         const float* __restrict__ xscale, const float* __restrict__ wscale, int rowScales,           \
         float* __restrict__ y, int J, const float* src, const float* g, const float* stats, int fw, \
         float eps, int epi, float* x, const float* gn, float* nstats, int stage)                    \
    {                                                                                                \
        const WaveFuse f = {stage, src, g, stats, fw, eps, epi, x, gn, nstats};                      \
        wave_body<G, 2, JC, 1, true>(w, stride, N, xq, Kp, 1, xscale, wscale, rowScales, y, J, f);   \
    }

WAVE(bitlinear_wave_g4_r1_c4_t1, 4, 1, 4, 1, 7)
WAVE(bitlinear_wave_g4_r1_c8_t1, 4, 1, 8, 1, 6)
WAVE(bitlinear_wave_g4_r1_c12_t1, 4, 1, 12, 1, 4)
WAVE(bitlinear_wave_g4_r1_c16_t1, 4, 1, 16, 1, 3)
WAVE(bitlinear_wave_g8_r1_c2_t1, 8, 1, 2, 1, 7)
WAVE(bitlinear_wave_g8_r1_c4_t1, 8, 1, 4, 1, 7)
WAVE(bitlinear_wave_g8_r1_c6_t1, 8, 1, 6, 1, 7)
WAVE(bitlinear_wave_g8_r1_c8_t1, 8, 1, 8, 1, 6)
WAVE(bitlinear_wave_g8_r1_c12_t1, 8, 1, 12, 1, 4)
WAVE(bitlinear_wave_g8_r1_c16_t1, 8, 1, 16, 1, 3)
WAVE(bitlinear_wave_g16_r1_c2_t1, 16, 1, 2, 1, 7)
WAVE(bitlinear_wave_g16_r1_c4_t1, 16, 1, 4, 1, 7)
WAVE(bitlinear_wave_g16_r1_c8_t1, 16, 1, 8, 1, 6)
WAVE(bitlinear_wave_g16_r1_c16_t1, 16, 1, 16, 1, 3)
WAVE(bitlinear_wave_g32_r1_c2_t1, 32, 1, 2, 1, 7)
WAVE(bitlinear_wave_g32_r1_c4_t1, 32, 1, 4, 1, 7)
WAVE(bitlinear_wave_g32_r1_c8_t1, 32, 1, 8, 1, 6)
WAVE(bitlinear_wave_g32_r1_c16_t1, 32, 1, 16, 1, 3)
WAVE(bitlinear_wave_g8_r2_c2_t1, 8, 2, 2, 1, 7)
WAVE(bitlinear_wave_g8_r2_c3_t1, 8, 2, 3, 1, 7)
WAVE(bitlinear_wave_g8_r2_c4_t1, 8, 2, 4, 1, 6)
WAVE(bitlinear_wave_g8_r2_c5_t1, 8, 2, 5, 1, 5)
WAVE(bitlinear_wave_g8_r2_c7_t1, 8, 2, 7, 1, 4)
WAVE(bitlinear_wave_g8_r2_c8_t1, 8, 2, 8, 1, 3)
WAVE(bitlinear_wave_g16_r2_c2_t1, 16, 2, 2, 1, 7)
WAVE(bitlinear_wave_g16_r2_c3_t1, 16, 2, 3, 1, 7)
WAVE(bitlinear_wave_g16_r2_c4_t1, 16, 2, 4, 1, 6)
WAVE(bitlinear_wave_g16_r2_c5_t1, 16, 2, 5, 1, 5)
WAVE(bitlinear_wave_g16_r2_c7_t1, 16, 2, 7, 1, 4)
WAVE(bitlinear_wave_g16_r2_c8_t1, 16, 2, 8, 1, 3)
WAVE(bitlinear_wave_g32_r2_c2_t1, 32, 2, 2, 1, 7)
WAVE(bitlinear_wave_g32_r2_c3_t1, 32, 2, 3, 1, 7)
WAVE(bitlinear_wave_g32_r2_c4_t1, 32, 2, 4, 1, 6)
WAVE(bitlinear_wave_g32_r2_c5_t1, 32, 2, 5, 1, 5)
WAVE(bitlinear_wave_g32_r2_c7_t1, 32, 2, 7, 1, 4)
WAVE(bitlinear_wave_g32_r2_c8_t1, 32, 2, 8, 1, 3)
WAVE(bitlinear_wave_g8_r4_c2_t1, 8, 4, 2, 1, 6)
WAVE(bitlinear_wave_g8_r4_c3_t1, 8, 4, 3, 1, 4)
WAVE(bitlinear_wave_g8_r4_c4_t1, 8, 4, 4, 1, 3)
WAVE(bitlinear_wave_g8_r4_c5_t1, 8, 4, 5, 1, 2)
WAVE(bitlinear_wave_g16_r4_c2_t1, 16, 4, 2, 1, 6)
WAVE(bitlinear_wave_g16_r4_c3_t1, 16, 4, 3, 1, 4)
WAVE(bitlinear_wave_g16_r4_c4_t1, 16, 4, 4, 1, 3)
WAVE(bitlinear_wave_g16_r4_c5_t1, 16, 4, 5, 1, 2)
WAVE(bitlinear_wave_g32_r4_c2_t1, 32, 4, 2, 1, 6)
WAVE(bitlinear_wave_g32_r4_c3_t1, 32, 4, 3, 1, 4)
WAVE(bitlinear_wave_g32_r4_c4_t1, 32, 4, 4, 1, 3)
WAVE(bitlinear_wave_g32_r4_c5_t1, 32, 4, 5, 1, 2)
WAVE(bitlinear_wave_g8_r1_c4_t8, 8, 1, 4, 8, 3)

WAVE_FUSED(bitlinear_wave_fused_g16_c2, 16, 2, 7)
WAVE_FUSED(bitlinear_wave_fused_g16_c3, 16, 3, 7)
WAVE_FUSED(bitlinear_wave_fused_g16_c4, 16, 4, 6)
WAVE_FUSED(bitlinear_wave_fused_g16_c5, 16, 5, 5)
WAVE_FUSED(bitlinear_wave_fused_g16_c7, 16, 7, 4)
WAVE_FUSED(bitlinear_wave_fused_g16_c8, 16, 8, 3)
WAVE_FUSED(bitlinear_wave_fused_g32_c2, 32, 2, 7)
WAVE_FUSED(bitlinear_wave_fused_g32_c3, 32, 3, 7)
WAVE_FUSED(bitlinear_wave_fused_g32_c4, 32, 4, 6)
WAVE_FUSED(bitlinear_wave_fused_g32_c5, 32, 5, 5)
WAVE_FUSED(bitlinear_wave_fused_g32_c7, 32, 7, 4)
WAVE_FUSED(bitlinear_wave_fused_g32_c8, 32, 8, 3)
