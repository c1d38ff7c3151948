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

// R rows a lane group (rows sub, sub + 32/G, ... of the warp's 32R/G), G
// lanes a row, up to JC chunks a lane a round (J ≤ JC at run time), T
// tokens a tile (T > 1 only with R = 1). A lane's R rows use the same
// activation chunks, loaded once: R = 4 makes the activation traffic
// through L1 equal to the weights' instead of 4x it, which otherwise
// bounds the kernel even with the matrix in L2.
template <int G, int R, int JC, int T>
__device__ __forceinline__ void wave_body(const u8* __restrict__ w, int stride, int N,
                                          const i8* __restrict__ xq, int Kp, int M,
                                          const float* __restrict__ xscale,
                                          const float* __restrict__ wscale, int rowScales,
                                          float* __restrict__ y, int J)
{
    constexpr int GPW = 32 / G; // lane groups a warp
    const int lane = threadIdx.x & 31, gl = lane & (G - 1), sub = lane / G;
    const long long warpIdx = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    if (warpIdx * GPW * R >= N) return; // whole warps leave together
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
    grid_dep_launch();
    grid_dep_wait();

    const int m0 = blockIdx.y * T;
    const int mt = min(T, M - m0);

    // Σx of each token, over the whole (zero-padded) row, by the warp.
    int sx[T];
#pragma unroll
    for (int m = 0; m < T; m++) {
        int s = 0;
        if (m < mt) {
            const int4* xv = (const int4*)(xq + (long long)(m0 + m) * Kp);
            for (int i = lane; i < Kp >> 4; i += 32) {
                const int4 v = __ldg(xv + i);
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
                const int4* xp = (const int4*)(xq + (long long)(m0 + m) * Kp + off);
                int4 xv[4];
#pragma unroll
                for (int s = 0; s < 4; s++) xv[s] = __ldg(xp + 4 * s);
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
        wave_body<G, R, JC, T>(w, stride, N, xq, Kp, M, xscale, wscale, rowScales, y, J);            \
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
