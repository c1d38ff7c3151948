// bitnet-bench CUDA kernels, compiled at run time by NVRTC for the device's
// compute capability (kernels/cuda). Self-contained: NVRTC gets no include
// path, so only built-in types and device functions are used.
//
// Weight layout (kernels/pack/pack2bit.go): each row is a run of 64-byte
// blocks of 256 codes; byte j of a block holds codes j, j+64, j+128, j+192 in
// bits 0-1, 2-3, 4-5, 6-7, each stored as code+1 in {0,1,2}; padding codes
// are 0 (stored 0b01) and meet zero-padded activations.

typedef unsigned char u8;
typedef signed char i8;

#define GROUP 8      // lanes that share one weight row
#define TOKENS 8     // tokens per grid.y tile

// bitlinear_w2a8: y[m,n] = (Σ_k c[n,k]·x[m,k])·wscale(n)/xscale[m].
//
// A group of 8 lanes reads one row in 16-byte chunks: chunk q of a row is
// bytes 16·(q%4).. of block q/4, and its 32-bit word i shifted by 2s holds
// codes 16·(q%4)+4i..+3 + 64·s of that block, four per byte, lined up with
// four consecutive activations: one mask gives a dp4a operand. dp4a sums
// (c+1)·x; Σx is subtracted once per row, which is exact in int32
// (|Σ| ≤ 256·K), so the float step sees the same integer as the reference:
// float(acc)·wscale/xscale, rounded after each operation like Go's float32.
//
// xq is M×Kp int8, Kp = 256·blocks, rows zero-padded past K.
// grid.y tiles tokens by 8; weights are re-read per tile (from L2 when the
// matrix fits), so M ≤ 8 is the GEMV path and larger M a simple GEMM.
// 128 threads a block, at least 8 blocks an SM: ≤ 64 registers a thread.
extern "C" __global__ void __launch_bounds__(128, 8)
bitlinear_w2a8(const u8* __restrict__ w, int stride, int N,
               const i8* __restrict__ xq, int Kp, int M,
               const float* __restrict__ xscale,
               const float* __restrict__ wscale, int rowScales,
               float* __restrict__ y)
{
    __shared__ int xsum[TOKENS];
    const int m0 = blockIdx.y * TOKENS;
    const int mt = min(TOKENS, M - m0);
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;

    // Σx per token of this tile, a token per warp.
    for (int t = warp; t < mt; t += blockDim.x >> 5) {
        const int4* xv = (const int4*)(xq + (size_t)(m0 + t) * Kp);
        int s = 0;
        for (int i = lane; i < Kp / 16; i += 32) {
            int4 v = __ldg(xv + i);
            s = __dp4a(v.x, 0x01010101, s);
            s = __dp4a(v.y, 0x01010101, s);
            s = __dp4a(v.z, 0x01010101, s);
            s = __dp4a(v.w, 0x01010101, s);
        }
        for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
        if (lane == 0) xsum[t] = s;
    }
    __syncthreads();

    const int chunks = stride / 16;
    const int sub = lane / GROUP, gl = lane % GROUP;
    const int rowsPerWarp = 32 / GROUP;
    const int nwarps = gridDim.x * (blockDim.x >> 5);
    // The row loop is uniform per warp so the shuffles below see all lanes.
    for (int base = (blockIdx.x * (blockDim.x >> 5) + warp) * rowsPerWarp; base < N; base += nwarps * rowsPerWarp) {
        const int row = base + sub;
        int acc[TOKENS];
#pragma unroll
        for (int m = 0; m < TOKENS; m++) acc[m] = 0;
        if (row < N) {
            const int4* wr = (const int4*)(w + (size_t)row * stride);
#pragma unroll 2
            for (int q = gl; q < chunks; q += GROUP) {
                const int4 wv = __ldcs(wr + q); // streamed: read once per tile
                const int off = (q >> 2) * 256 + (q & 3) * 16;
                const unsigned ww[4] = {(unsigned)wv.x, (unsigned)wv.y, (unsigned)wv.z, (unsigned)wv.w};
#pragma unroll
                for (int m = 0; m < TOKENS; m++) {
                    if (m < mt) {
                        const i8* xm = xq + (size_t)(m0 + m) * Kp + off;
                        int a = acc[m];
#pragma unroll
                        for (int s = 0; s < 4; s++) {
                            const int4 xv = __ldg((const int4*)(xm + 64 * s));
                            a = __dp4a((int)((ww[0] >> (2 * s)) & 0x03030303u), xv.x, a);
                            a = __dp4a((int)((ww[1] >> (2 * s)) & 0x03030303u), xv.y, a);
                            a = __dp4a((int)((ww[2] >> (2 * s)) & 0x03030303u), xv.z, a);
                            a = __dp4a((int)((ww[3] >> (2 * s)) & 0x03030303u), xv.w, a);
                        }
                        acc[m] = a;
                    }
                }
            }
        }
#pragma unroll
        for (int m = 0; m < TOKENS; m++) {
            int a = acc[m];
            for (int o = GROUP / 2; o > 0; o >>= 1) a += __shfl_xor_sync(0xffffffffu, a, o);
            acc[m] = a;
        }
        if (gl == 0 && row < N) {
            const float ws = wscale[rowScales ? row : 0];
#pragma unroll
            for (int m = 0; m < TOKENS; m++) {
                if (m < mt) {
                    const float v = (float)(acc[m] - xsum[m]);
                    y[(size_t)(m0 + m) * N + row] = __fdiv_rn(__fmul_rn(v, ws), xscale[m0 + m]);
                }
            }
        }
    }
}

// quantize_act: per-token absmax int8, one block per token, as
// quant.QuantizeActivations: s = 127/max(max|x|, 1e-5);
// q = clamp(rint(x·s), -128, 127), NaN → 0. The max is order-independent
// (NaN compares false and is skipped, as in Go), so scales match exactly.
extern "C" __global__ void __launch_bounds__(256)
quantize_act(const float* __restrict__ x, int K, i8* __restrict__ q, float* __restrict__ scales)
{
    __shared__ float red[32];
    const float* xr = x + (size_t)blockIdx.x * K;
    float mx = 0.0f;
    for (int i = threadIdx.x; i < K; i += blockDim.x) {
        float v = fabsf(xr[i]);
        if (v > mx) mx = v;
    }
    for (int o = 16; o > 0; o >>= 1) {
        float v = __shfl_xor_sync(0xffffffffu, mx, o);
        if (v > mx) mx = v;
    }
    if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = mx;
    __syncthreads();
    if (threadIdx.x < 32) {
        mx = threadIdx.x < (blockDim.x >> 5) ? red[threadIdx.x] : 0.0f;
        for (int o = 16; o > 0; o >>= 1) {
            float v = __shfl_xor_sync(0xffffffffu, mx, o);
            if (v > mx) mx = v;
        }
        if (threadIdx.x == 0) red[0] = mx;
    }
    __syncthreads();
    mx = red[0];
    if (mx < 1e-5f) mx = 1e-5f;
    const float s = __fdiv_rn(127.0f, mx);
    if (threadIdx.x == 0) scales[blockIdx.x] = s;
    i8* qr = q + (size_t)blockIdx.x * K;
    for (int i = threadIdx.x; i < K; i += blockDim.x) {
        float r = rintf(__fmul_rn(xr[i], s));
        int v;
        if (r != r) v = 0;
        else if (r > 127.0f) v = 127;
        else if (r < -128.0f) v = -128;
        else v = (int)r;
        qr[i] = (i8)v;
    }
}

// matmul_f32: the dense baseline, y = x·Wᵀ in f32 with f32 accumulation.
// One warp per output row n and token m, lanes striding over K (coalesced),
// then a shuffle reduction: a bandwidth-bound GEMV, not a tuned GEMM.
extern "C" __global__ void __launch_bounds__(256)
matmul_f32(const float* __restrict__ x, const float* __restrict__ W, float* __restrict__ y, int M, int N, int K)
{
    const int gw = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (gw >= M * N) return; // whole warps leave together
    const int m = gw / N, n = gw % N;
    const float* xr = x + (size_t)m * K;
    const float* wr = W + (size_t)n * K;
    float acc = 0.0f;
    for (int k = lane; k < K; k += 32) acc = fmaf(__ldg(xr + k), __ldcs(wr + k), acc);
    for (int o = 16; o > 0; o >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, o);
    if (lane == 0) y[(size_t)m * N + n] = acc;
}

// Elementwise activations, evaluated in double and rounded once to float,
// like the float64 reference (kernels.ActivationFunc): GELU uses erfc so
// 0.5·x·erfc(-x/√2) keeps its accuracy for x ≪ 0.
#define ACT(name, expr)                                                     \
extern "C" __global__ void name(const float* __restrict__ x, float* __restrict__ y, long long n) \
{                                                                           \
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; \
         i += (long long)gridDim.x * blockDim.x) {                         \
        const float xf = x[i];                                              \
        const double v = (double)xf;                                        \
        y[i] = (float)(expr);                                               \
    }                                                                       \
}
ACT(act_relu, xf > 0.0f ? v : 0.0)
ACT(act_gelu, 0.5 * v * erfc(-v / 1.4142135623730951))
ACT(act_silu, v / (1.0 + exp(-v)))
ACT(act_sigmoid, 1.0 / (1.0 + exp(-v)))
ACT(act_tanh, tanh(v))

// read_bw: sums 16-byte loads of n16 int4 into one word per thread, so the
// benchmark can measure the device's achievable read bandwidth with the
// same kind of stream the BitLinear kernel issues.
extern "C" __global__ void read_bw(const int4* __restrict__ p, long long n16, int* __restrict__ out)
{
    int s = 0;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n16;
         i += (long long)gridDim.x * blockDim.x) {
        int4 v = __ldcs(p + i);
        s ^= v.x ^ v.y ^ v.z ^ v.w;
    }
    if (s == 0x7fffffff) out[0] = s; // keeps the loads alive
}
