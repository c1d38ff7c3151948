// BitLinear W2A8 GEMV tuned for decode (kernels/cuda, NVRTC at run time).
// Same contract and layout as bitlinear_w2a8 in bitlinear.cu (see there and
// kernels/pack/pack2bit.go), reorganised for latency and reuse:
//
//   - a warp owns R = 4 consecutive rows and its 32 lanes split K in
//     16-byte chunks, so one chunk of activations (loaded once per token)
//     serves four rows: 4x less L1 traffic than a row per lane group;
//   - each lane loads B chunks of all four rows before computing, so a
//     2560-wide row is in flight in one round trip to memory instead of
//     five dependent ones (small matrices are latency-bound, not BW-bound);
//   - Σx is accumulated in the same loop from the activation words already
//     in registers (one dp4a per word, shared by the four rows), so there is
//     no prologue and no __syncthreads; dp4a sums (c+1)·x and the result
//     Σ(c+1)x − Σx = Σ c·x is the exact integer of the reference.
//
// Chunk q of a row is bytes 16·(q%4).. of block q/4; its word i shifted by
// 2s holds codes 64s + 16·(q%4) + 4i .. +3 of the block, four per byte.

typedef unsigned char u8;
typedef signed char i8;

#define ROWS 4

__device__ __forceinline__ int warp_sum(int v)
{
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// T tokens per grid.y tile, B chunks per lane per round.
template <int T, int B>
__device__ __forceinline__ void gemv_body(const u8* __restrict__ w, int stride, int N,
                                          const i8* __restrict__ xq, int Kp, int M,
                                          const float* __restrict__ xscale,
                                          const float* __restrict__ wscale, int rowScales,
                                          float* __restrict__ y)
{
    const int m0 = blockIdx.y * T;
    const int mt = min(T, M - m0);
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int row0 = (blockIdx.x * (blockDim.x >> 5) + warp) * ROWS;
    if (row0 >= N) return; // whole warps leave together
    const int chunks = stride >> 4;

    // Rows past N (the last group) re-read row N-1; their sums are dropped.
    const int4* wr[ROWS];
#pragma unroll
    for (int r = 0; r < ROWS; r++) wr[r] = (const int4*)(w + (long long)min(row0 + r, N - 1) * stride);

    int acc[ROWS][T], xs[T];
#pragma unroll
    for (int m = 0; m < T; m++) {
        xs[m] = 0;
#pragma unroll
        for (int r = 0; r < ROWS; r++) acc[r][m] = 0;
    }

    for (int q0 = lane; q0 < chunks; q0 += 32 * B) {
        int4 wv[B][ROWS];
#pragma unroll
        for (int b = 0; b < B; b++) {
            const int q = q0 + 32 * b;
#pragma unroll
            for (int r = 0; r < ROWS; r++)
                wv[b][r] = q < chunks ? __ldcs(wr[r] + q) : make_int4(0, 0, 0, 0);
        }
#pragma unroll
        for (int b = 0; b < B; b++) {
            const int q = q0 + 32 * b;
            if (q >= chunks) break;
            const int off = (q >> 2) * 256 + (q & 3) * 16;
#pragma unroll
            for (int m = 0; m < T; m++) {
                if (m >= mt) break;
                const i8* xm = xq + (long long)(m0 + m) * Kp + off;
                int4 xv[4];
#pragma unroll
                for (int s = 0; s < 4; s++) xv[s] = __ldg((const int4*)(xm + 64 * s));
                int sx = xs[m];
#pragma unroll
                for (int s = 0; s < 4; s++) {
                    sx = __dp4a(xv[s].x, 0x01010101, sx);
                    sx = __dp4a(xv[s].y, 0x01010101, sx);
                    sx = __dp4a(xv[s].z, 0x01010101, sx);
                    sx = __dp4a(xv[s].w, 0x01010101, sx);
                }
                xs[m] = sx;
#pragma unroll
                for (int r = 0; r < ROWS; r++) {
                    const unsigned w0 = wv[b][r].x, w1 = wv[b][r].y, w2 = wv[b][r].z, w3 = wv[b][r].w;
                    int a = acc[r][m];
#pragma unroll
                    for (int s = 0; s < 4; s++) {
                        a = __dp4a((int)((w0 >> (2 * s)) & 0x03030303u), xv[s].x, a);
                        a = __dp4a((int)((w1 >> (2 * s)) & 0x03030303u), xv[s].y, a);
                        a = __dp4a((int)((w2 >> (2 * s)) & 0x03030303u), xv[s].z, a);
                        a = __dp4a((int)((w3 >> (2 * s)) & 0x03030303u), xv[s].w, a);
                    }
                    acc[r][m] = a;
                }
            }
        }
    }

    // Butterfly sums leave every total in every lane; lane r + ROWS·m
    // writes output (row0 + r, token m0 + m).
#pragma unroll
    for (int m = 0; m < T; m++) {
        if (m >= mt) break;
        const int sx = warp_sum(xs[m]);
#pragma unroll
        for (int r = 0; r < ROWS; r++) {
            const int a = warp_sum(acc[r][m]);
            const int row = row0 + r;
            if (lane == r + ROWS * m && row < N) {
                const float ws = wscale[rowScales ? row : 0];
                y[(long long)(m0 + m) * N + row] = __fdiv_rn(__fmul_rn((float)(a - sx), ws), xscale[m0 + m]);
            }
        }
    }
}

// One token: B = 4 chunks a round covers K ≤ 32768 in one round per lane
// group of 128 chunks (K = 2560 is 40 chunks, K = 6912 is 108).
extern "C" __global__ void __launch_bounds__(128)
bitlinear_gemv_t1(const u8* __restrict__ w, int stride, int N, const i8* __restrict__ xq, int Kp, int M,
                  const float* __restrict__ xscale, const float* __restrict__ wscale, int rowScales,
                  float* __restrict__ y)
{
    gemv_body<1, 4>(w, stride, N, xq, Kp, M, xscale, wscale, rowScales, y);
}

// Up to 8 tokens per tile (grid.y tiles M); fewer chunks in flight to
// leave registers for 32 accumulators.
extern "C" __global__ void __launch_bounds__(128)
bitlinear_gemv_t8(const u8* __restrict__ w, int stride, int N, const i8* __restrict__ xq, int Kp, int M,
                  const float* __restrict__ xscale, const float* __restrict__ wscale, int rowScales,
                  float* __restrict__ y)
{
    gemv_body<8, 2>(w, stride, N, xq, Kp, M, xscale, wscale, rowScales, y);
}
