// model.cu: the parts of a BitNet b1.58 step besides BitLinear (which is
// the backend's own kernel), for kernels/cuda's model device. Every kernel
// reads the step's dynamic values from params = [pos0, token0, token1, ...]
// in device memory, so one captured CUDA graph replays every decode step.
// Products are rounded before they are added (__fmul_rn) where the CPU
// does so, to stay near the CPU path; reductions run in another order, so
// results agree within the model's logit bound, not bit for bit.

typedef signed char i8;

// -infinity without math.h (NVRTC has no INFINITY macro).
#define NEG_INF __int_as_float(0xff800000)

// Each kernel waits for the grid before it (griddepcontrol.wait, a no-op
// unless launched with programmatic stream serialisation) before it
// touches memory, so the model's launches may overlap the previous
// kernel's tail (the wave BitLinear lets its dependants launch at once).
__device__ __forceinline__ void grid_dep_wait()
{
#if __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

// Each kernel also lets the launch after it start at once
// (griddepcontrol.launch_dependents as its first instruction): a kernel
// only reads weights, constant tables and earlier steps' cache rows before
// its own wait, so the next BitLinear's weight loads (and the decode
// attention's cache loads) overlap this kernel instead of following it.
// kernels/cuda compiles with MODEL_EARLY_TRIGGER 0 when
// BITNET_CUDA_MODEL_TRIGGER=0 (the before/after measurement).
#ifndef MODEL_EARLY_TRIGGER
#define MODEL_EARLY_TRIGGER 1
#endif
__device__ __forceinline__ void grid_dep_launch()
{
#if __CUDA_ARCH__ >= 900 && MODEL_EARLY_TRIGGER
    asm volatile("griddepcontrol.launch_dependents;" :::);
#endif
}

// blockReduce: sum (op 0) or max (op 1) of v over the block; red holds 32.
__device__ __forceinline__ float blockReduce(float v, float* red, int op)
{
    for (int o = 16; o > 0; o >>= 1) {
        float u = __shfl_xor_sync(0xffffffffu, v, o);
        v = op == 0 ? v + u : fmaxf(v, u);
    }
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads(); // red may still be read from an earlier call
    if (lane == 0) red[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < (blockDim.x >> 5) ? red[lane] : (op == 0 ? 0.0f : NEG_INF);
        for (int o = 16; o > 0; o >>= 1) {
            float u = __shfl_xor_sync(0xffffffffu, v, o);
            v = op == 0 ? v + u : fmaxf(v, u);
        }
        if (lane == 0) red[0] = v;
    }
    __syncthreads();
    return red[0];
}

// softmax turns the n scores in sc (their writes not yet published;
// mx: the largest this thread saw) into exp(score − max) and returns
// 1/Σ; sc is then visible to every thread of the block.
__device__ __forceinline__ float softmax(float* sc, int n, float mx, float* red)
{
    mx = blockReduce(mx, red, 1); // its barriers also publish sc
    float sum = 0.0f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
        const float e = expf(sc[j] - mx);
        sc[j] = e;
        sum += e;
    }
    sum = blockReduce(sum, red, 0); // also makes sc visible to every thread
    return 1.0f / sum;
}

// model_embed: x[i] = embedding row of token i, dequantized. Grid m.
// Block 0 also zeroes the nstats floats of stats: the norm statistics the
// step's fused launches add up (wave.cu's WaveFuse).
extern "C" __global__ void __launch_bounds__(256)
model_embed(const i8* __restrict__ emb, const float* __restrict__ rows, const int* __restrict__ params,
            float* __restrict__ x, int hidden, float* __restrict__ stats, int nstats)
{
    grid_dep_launch();
    grid_dep_wait();
    if (blockIdx.x == 0)
        for (int i = threadIdx.x; i < nstats; i += blockDim.x) stats[i] = 0.0f;
    const int tok = params[1 + blockIdx.x];
    const float s = rows[tok];
    const i8* e = emb + (size_t)tok * hidden;
    float* xr = x + (size_t)blockIdx.x * hidden;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) xr[i] = __fmul_rn((float)e[i], s);
}

// Most features a row model_norm_quant takes: its 1024 threads hold 8 each.
#define NORM_PER_THREAD 8

// model_norm_quant: per row of w features, x += res (when res is not
// null), out = RMSNorm(x)·g, then per-token absmax int8 of out as
// quantize_act (s = 127/max(max|out|, 1e-5), q = clamp(rint(out·s))),
// q rows qstride apart (their zero padding is left alone). Grid m, block
// 1024. out may be x.
//
// With gu not null (the FFN's fused ReLU² gate), x is first computed as
// relu(gate)²·up from the row's gate and up halves of gu (2w a row), as
// model_relu2 does, and res is ignored.
extern "C" __global__ void __launch_bounds__(1024)
model_norm_quant(float* x, const float* __restrict__ res, const float* __restrict__ g,
                 float* out, i8* __restrict__ q, float* __restrict__ scales, int w, int qstride, float eps,
                 const float* __restrict__ gu)
{
    grid_dep_launch();
    // The gains are constant: loaded while the kernel before still runs.
    float gv[NORM_PER_THREAD];
#pragma unroll
    for (int u = 0; u < NORM_PER_THREAD; u++) {
        const int i = threadIdx.x + u * blockDim.x;
        gv[u] = i < w ? g[i] : 0.0f;
    }
    grid_dep_wait();
    __shared__ float red[32];
    float* xr = x + (size_t)blockIdx.x * w;
    float* orow = out + (size_t)blockIdx.x * w;
    const float* gur = gu + (size_t)blockIdx.x * 2 * w;
    // A thread's values stay in registers between the three passes (w at
    // most NORM_PER_THREAD·blockDim, which kernels/cuda checks); the sums
    // run in the same order as a strided loop would.
    float v[NORM_PER_THREAD];
    float ss = 0.0f;
#pragma unroll
    for (int u = 0; u < NORM_PER_THREAD; u++) {
        const int i = threadIdx.x + u * blockDim.x;
        float e = 0.0f;
        if (i < w) {
            if (gu != nullptr) {
                const float r = fmaxf(gur[i], 0.0f);
                e = __fmul_rn(__fmul_rn(r, r), gur[w + i]);
                xr[i] = e;
            } else {
                e = xr[i];
                if (res != nullptr) {
                    e = e + res[(size_t)blockIdx.x * w + i];
                    xr[i] = e;
                }
            }
            ss += __fmul_rn(e, e);
        }
        v[u] = e;
    }
    ss = blockReduce(ss, red, 0);
    const float inv = (float)(1.0 / sqrt((double)ss / (double)w + (double)eps));
    float mx = 0.0f;
#pragma unroll
    for (int u = 0; u < NORM_PER_THREAD; u++) {
        const int i = threadIdx.x + u * blockDim.x;
        if (i < w) {
            const float o = __fmul_rn(__fmul_rn(v[u], inv), gv[u]);
            orow[i] = o;
            v[u] = o;
            mx = fmaxf(mx, fabsf(o));
        }
    }
    mx = blockReduce(mx, red, 1);
    if (mx < 1e-5f) mx = 1e-5f;
    const float s = __fdiv_rn(127.0f, mx);
    if (threadIdx.x == 0) scales[blockIdx.x] = s;
    i8* qr = q + (size_t)blockIdx.x * qstride;
#pragma unroll
    for (int u = 0; u < NORM_PER_THREAD; u++) {
        const int i = threadIdx.x + u * blockDim.x;
        if (i < w) {
            const float r = rintf(__fmul_rn(v[u], s));
            int c;
            if (r != r) c = 0;
            else if (r > 127.0f) c = 127;
            else if (r < -128.0f) c = -128;
            else c = (int)r;
            qr[i] = (i8)c;
        }
    }
}

// model_rope_kv: token i of the fused QKV output (rows floats a token) is
// at position params[0]+i; its query and key heads are rotated in place
// (element j pairs with j + hd/2), and its key and value heads written to
// the layer's cache, kc and vc: kvheads × capacity × hd each. Grid m.
extern "C" __global__ void __launch_bounds__(256)
model_rope_kv(float* __restrict__ qkv, const int* __restrict__ params, const float* __restrict__ cosT,
              const float* __restrict__ sinT, float* __restrict__ kc, float* __restrict__ vc,
              int heads, int kvheads, int hd, int capacity)
{
    grid_dep_launch();
    grid_dep_wait();
    const int half = hd / 2, qd = heads * hd, kvd = kvheads * hd, rows = qd + 2 * kvd;
    const int pos = params[0] + blockIdx.x;
    float* row = qkv + (size_t)blockIdx.x * rows;
    const float* c = cosT + (size_t)pos * half;
    const float* s = sinT + (size_t)pos * half;
    for (int idx = threadIdx.x; idx < (heads + kvheads) * half; idx += blockDim.x) {
        const int h = idx / half, j = idx % half, base = h * hd;
        const float a = row[base + j], b = row[base + j + half];
        const float na = __fsub_rn(__fmul_rn(a, c[j]), __fmul_rn(b, s[j]));
        const float nb = __fadd_rn(__fmul_rn(b, c[j]), __fmul_rn(a, s[j]));
        row[base + j] = na;
        row[base + j + half] = nb;
        if (h >= heads) {
            float* k = kc + ((size_t)(h - heads) * capacity + pos) * hd;
            k[j] = na;
            k[j + half] = nb;
        }
    }
    for (int idx = threadIdx.x; idx < kvd; idx += blockDim.x) {
        const int g = idx / hd, d = idx % hd;
        vc[((size_t)g * capacity + pos) * hd + d] = row[qd + kvd + idx];
    }
}

// Attention's limits: positions a query attends to, and head dim.
#define ATT_MAX_POS 4096
#define ATT_MAX_HD 256
#define ATT_THREADS 512

// attention: query head blockIdx.x of token blockIdx.y (at position
// params[0]+y) against positions 0..pos of its KV head's cache: scores
// q·k/√hd, softmax, then Σ p·v into out (heads × hd a token). A thread per
// position for the scores; for the values, blockDim/hd groups of hd
// threads split the positions, then add up.
//
// ROPE (one token, decode): the block also does model_rope_kv's work for
// its heads: it rotates its query head and its group's key head from the
// unrotated QKV row, takes the new key and value from shared memory for
// the last position, and the group's first query head appends them to the
// cache (no block reads the cache at that position).
template <bool ROPE>
__device__ __forceinline__ void attention(const float* __restrict__ qkv, const int* __restrict__ params,
                                          float* kc, float* vc, float* __restrict__ out, int heads, int kvheads,
                                          int hd, int capacity, float inv, const float* __restrict__ cosT,
                                          const float* __restrict__ sinT)
{
    __shared__ float sc[ATT_MAX_POS];
    __shared__ float qs[ATT_MAX_HD];
    __shared__ __align__(16) float kn[ATT_MAX_HD];
    __shared__ float vn[ATT_MAX_HD];
    __shared__ float part[ATT_THREADS];
    __shared__ float red[32];
    const int h = blockIdx.x, t = blockIdx.y, group = heads / kvheads, g = h / group;
    const int pos = params[0] + t, n = pos + 1;
    const int rows = heads * hd + 2 * kvheads * hd, half = hd / 2;
    const float* row = qkv + (size_t)t * rows;
    const float* q = row + h * hd;
    float* K = kc + (size_t)g * capacity * hd;
    float* V = vc + (size_t)g * capacity * hd;
    if (ROPE) {
        const float* k = row + heads * hd + g * hd;
        const float* v = row + heads * hd + kvheads * hd + g * hd;
        const float* c = cosT + (size_t)pos * half;
        const float* s = sinT + (size_t)pos * half;
        for (int j = threadIdx.x; j < half; j += blockDim.x) {
            const float a = q[j], b = q[j + half];
            qs[j] = __fmul_rn(__fsub_rn(__fmul_rn(a, c[j]), __fmul_rn(b, s[j])), inv);
            qs[j + half] = __fmul_rn(__fadd_rn(__fmul_rn(b, c[j]), __fmul_rn(a, s[j])), inv);
            const float ka = k[j], kb = k[j + half];
            const float na = __fsub_rn(__fmul_rn(ka, c[j]), __fmul_rn(kb, s[j]));
            const float nb = __fadd_rn(__fmul_rn(kb, c[j]), __fmul_rn(ka, s[j]));
            kn[j] = na;
            kn[j + half] = nb;
            if (h % group == 0) {
                K[(size_t)pos * hd + j] = na;
                K[(size_t)pos * hd + j + half] = nb;
            }
        }
        for (int d = threadIdx.x; d < hd; d += blockDim.x) {
            vn[d] = v[d];
            if (h % group == 0) V[(size_t)pos * hd + d] = v[d];
        }
    } else {
        for (int d = threadIdx.x; d < hd; d += blockDim.x) qs[d] = __fmul_rn(q[d], inv);
    }
    __syncthreads();
    // Scores: a warp per position, its lanes on consecutive float4s of the
    // key row (one coalesced read of the row), summed across the warp; every
    // lane ends with the sum.
    const int lane = threadIdx.x & 31, warps = blockDim.x >> 5;
    float mx = NEG_INF;
    // Unrolled so that a warp's next key rows are in flight while it sums
    // this one (a loop of L2 round trips otherwise).
#pragma unroll 4
    for (int j = threadIdx.x >> 5; j < n; j += warps) {
        const float* kr = (ROPE && j == n - 1) ? kn : K + (size_t)j * hd;
        const float4* k4 = (const float4*)kr;
        float acc = 0.0f;
        for (int d = lane; d < hd / 4; d += 32) {
            const float4 k = k4[d];
            acc += qs[4 * d] * k.x + qs[4 * d + 1] * k.y + qs[4 * d + 2] * k.z + qs[4 * d + 3] * k.w;
        }
        for (int o = 16; o > 0; o >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, o);
        if (lane == 0) sc[j] = acc;
        mx = fmaxf(mx, acc);
    }
    const float rs = softmax(sc, n, mx, red);
    const int groups = blockDim.x / hd, grp = threadIdx.x / hd, d = threadIdx.x % hd;
    if (grp < groups) {
        float acc = 0.0f;
        const int last = ROPE ? n - 1 : n;
        // Unrolled: eight value rows' loads in flight at once, not one L2
        // round trip per position (the sum's order is unchanged).
#pragma unroll 8
        for (int j = grp; j < last; j += groups) acc += sc[j] * V[(size_t)j * hd + d];
        if (ROPE && grp == (n - 1) % groups) acc += sc[n - 1] * vn[d];
        part[threadIdx.x] = acc;
    }
    __syncthreads();
    if (threadIdx.x < hd) {
        float acc = 0.0f;
        for (int i = 0; i < groups; i++) acc += part[i * hd + threadIdx.x];
        out[(size_t)t * heads * hd + h * hd + threadIdx.x] = acc * rs;
    }
}

// model_attention: attention over a cache that model_rope_kv filled.
// Grid (heads, m).
extern "C" __global__ void __launch_bounds__(ATT_THREADS)
model_attention(const float* __restrict__ qkv, const int* __restrict__ params, float* kc, float* vc,
                float* __restrict__ out, int heads, int kvheads, int hd, int capacity, float inv)
{
    grid_dep_launch();
    grid_dep_wait();
    attention<false>(qkv, params, kc, vc, out, heads, kvheads, hd, capacity, inv, nullptr, nullptr);
}

// model_attention_prefill: model_attention for many tokens (prefill), a
// warp a query and ATT_PF_Q consecutive queries of one head a block, so
// the key and value rows they share are read from L2 once per block into
// shared memory (ATT_PF_CH positions at a time, rows padded to hd+1 floats
// so lane j's reads of row j fall on distinct banks), not once per query.
// Softmax is online (running max and sum, rescaled per chunk), so any
// number of positions fits. Lane j scores position j of a chunk; lane l
// holds output elements l, l+32, ... Head dims that are multiples of 32
// up to 128. Grid (heads, ceil(m / ATT_PF_Q)), block 32·ATT_PF_Q.
#define ATT_PF_Q 8
#define ATT_PF_CH 32
#define ATT_PF_HD 128
extern "C" __global__ void __launch_bounds__(32 * ATT_PF_Q)
model_attention_prefill(const float* __restrict__ qkv, const int* __restrict__ params, const float* kc,
                        const float* vc, float* __restrict__ out, int heads, int kvheads, int hd, int capacity,
                        float inv, int m)
{
    grid_dep_launch();
    grid_dep_wait();
    __shared__ float ks[ATT_PF_CH * (ATT_PF_HD + 1)];
    __shared__ float vs[ATT_PF_CH * (ATT_PF_HD + 1)];
    __shared__ float qs[ATT_PF_Q * ATT_PF_HD];
    const int h = blockIdx.x, g = h / (heads / kvheads);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int t0 = blockIdx.y * ATT_PF_Q, t = t0 + warp;
    const int p0 = params[0];
    const int rows = heads * hd + 2 * kvheads * hd, hs = hd + 1, per = hd >> 5;
    // Positions the block needs: 0 .. p0 + its last token.
    const int n = p0 + min(t0 + ATT_PF_Q, m);
    const float* K = kc + (size_t)g * capacity * hd;
    const float* V = vc + (size_t)g * capacity * hd;
    for (int i = threadIdx.x; i < ATT_PF_Q * hd; i += blockDim.x) {
        const int w = i / hd, d = i % hd;
        qs[i] = t0 + w < m ? __fmul_rn(qkv[(size_t)(t0 + w) * rows + h * hd + d], inv) : 0.0f;
    }
    const int pos = p0 + t; // this warp's query
    float mx = NEG_INF, sum = 0.0f;
    float acc[ATT_PF_HD / 32];
#pragma unroll
    for (int i = 0; i < ATT_PF_HD / 32; i++) acc[i] = 0.0f;
    for (int c0 = 0; c0 < n; c0 += ATT_PF_CH) {
        const int cn = min(ATT_PF_CH, n - c0);
        __syncthreads(); // the last chunk is read (and qs written)
        for (int i = threadIdx.x; i < cn * hd; i += blockDim.x) {
            const int j = i / hd, d = i % hd;
            ks[j * hs + d] = K[(size_t)(c0 + j) * hd + d];
            vs[j * hs + d] = V[(size_t)(c0 + j) * hd + d];
        }
        __syncthreads();
        if (t >= m) continue;
        float s = NEG_INF;
        if (lane < cn && c0 + lane <= pos) {
            const float* kr = ks + lane * hs;
            const float* q = qs + warp * hd;
            float a = 0.0f;
            for (int d = 0; d < hd; d++) a += q[d] * kr[d];
            s = a;
        }
        float cm = s;
        for (int o = 16; o > 0; o >>= 1) cm = fmaxf(cm, __shfl_xor_sync(0xffffffffu, cm, o));
        const float nm = fmaxf(mx, cm);
        if (nm == NEG_INF) continue; // nothing this warp attends to yet
        const float scale = expf(mx - nm); // 0 on the first chunk
        const float p = s == NEG_INF ? 0.0f : expf(s - nm);
        float ps = p;
        for (int o = 16; o > 0; o >>= 1) ps += __shfl_xor_sync(0xffffffffu, ps, o);
        sum = sum * scale + ps;
        mx = nm;
#pragma unroll
        for (int i = 0; i < ATT_PF_HD / 32; i++) acc[i] *= scale;
        for (int j = 0; j < cn; j++) {
            const float pj = __shfl_sync(0xffffffffu, p, j);
            const float* vr = vs + j * hs;
#pragma unroll
            for (int i = 0; i < ATT_PF_HD / 32; i++)
                if (i < per) acc[i] += pj * vr[lane + 32 * i];
        }
    }
    if (t >= m) return;
    const float rs = 1.0f / sum;
#pragma unroll
    for (int i = 0; i < ATT_PF_HD / 32; i++)
        if (i < per) out[(size_t)t * heads * hd + h * hd + lane + 32 * i] = acc[i] * rs;
}

// model_attention_rope: one token's RoPE, cache append and attention in
// one launch (decode). Grid (heads, 1).
extern "C" __global__ void __launch_bounds__(ATT_THREADS)
model_attention_rope(const float* __restrict__ qkv, const int* __restrict__ params, float* kc, float* vc,
                     float* __restrict__ out, int heads, int kvheads, int hd, int capacity, float inv,
                     const float* __restrict__ cosT, const float* __restrict__ sinT)
{
    grid_dep_launch();
    grid_dep_wait();
    attention<true>(qkv, params, kc, vc, out, heads, kvheads, hd, capacity, inv, cosT, sinT);
}

// Rows a decode attention thread loads before its wait: key rows a warp
// (positions warp, warp + warps, ...) and value rows a lane group.
#define ATT_KPF 8
#define ATT_VPF 8

// model_attention_decode: model_attention_rope for head dims up to 128,
// where a key or value row is at most one float4 a lane of a warp. The
// cache rows of positions before this token's, written by earlier steps,
// are loaded into registers before the kernel waits for the QKV
// projection (ATT_KPF key rows a warp, ATT_VPF value rows a lane group:
// every position of a 128-position context at 512 threads), as are the
// token's cos and sin; after the wait only the token's own row is read.
// Scores: a warp a position, lane d holding elements 4d..4d+3; values:
// hd/4 lanes a position, blockDim·4/hd positions at once, then added up.
// Grid (heads, 1).
extern "C" __global__ void __launch_bounds__(ATT_THREADS)
model_attention_decode(const float* __restrict__ qkv, const int* __restrict__ params, float* kc, float* vc,
                       float* __restrict__ out, int heads, int kvheads, int hd, int capacity, float inv,
                       const float* __restrict__ cosT, const float* __restrict__ sinT,
                       const float* __restrict__ gn, float* __restrict__ nstats)
{
    grid_dep_launch();
    __shared__ float sc[ATT_MAX_POS];
    __shared__ __align__(16) float qs[128];
    __shared__ __align__(16) float kn[128];
    __shared__ __align__(16) float vn[128];
    __shared__ float4 part[ATT_THREADS];
    __shared__ float red[32];
    const float4 zero = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    const int h = blockIdx.x, group = heads / kvheads, g = h / group;
    // params is written before the graph runs: safe to read before the wait.
    const int pos = params[0], n = pos + 1;
    const int hd4 = hd >> 2, half = hd >> 1;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const int groups = blockDim.x / hd4, grp = threadIdx.x / hd4, d4 = threadIdx.x % hd4;
    float* K = kc + (size_t)g * capacity * hd;
    float* V = vc + (size_t)g * capacity * hd;
    const float4* K4 = (const float4*)K;
    const float4* V4 = (const float4*)V;
    float4 kr[ATT_KPF], vr[ATT_VPF];
#pragma unroll
    for (int i = 0; i < ATT_KPF; i++) {
        const int j = warp + warps * i;
        kr[i] = j < n - 1 && lane < hd4 ? K4[(size_t)j * hd4 + lane] : zero;
    }
#pragma unroll
    for (int i = 0; i < ATT_VPF; i++) {
        const int j = grp + groups * i;
        vr[i] = grp < groups && j < n - 1 ? V4[(size_t)j * hd4 + d4] : zero;
    }
    float cj = 0.0f, sj = 0.0f;
    if (threadIdx.x < half) {
        cj = cosT[(size_t)pos * half + threadIdx.x];
        sj = sinT[(size_t)pos * half + threadIdx.x];
    }
    grid_dep_wait();

    // RoPE of the query head and the group's key head; the group's first
    // query head appends the key and value to the cache.
    const float* q = qkv + h * hd;
    const float* k = qkv + heads * hd + g * hd;
    const float* v = qkv + heads * hd + kvheads * hd + g * hd;
    if (threadIdx.x < half) {
        const int j = threadIdx.x;
        const float a = q[j], b = q[j + half];
        qs[j] = __fmul_rn(__fsub_rn(__fmul_rn(a, cj), __fmul_rn(b, sj)), inv);
        qs[j + half] = __fmul_rn(__fadd_rn(__fmul_rn(b, cj), __fmul_rn(a, sj)), inv);
        const float ka = k[j], kb = k[j + half];
        const float na = __fsub_rn(__fmul_rn(ka, cj), __fmul_rn(kb, sj));
        const float nb = __fadd_rn(__fmul_rn(kb, cj), __fmul_rn(ka, sj));
        kn[j] = na;
        kn[j + half] = nb;
        if (h % group == 0) {
            K[(size_t)pos * hd + j] = na;
            K[(size_t)pos * hd + j + half] = nb;
        }
    } else if (threadIdx.x - half < hd) {
        const int d = threadIdx.x - half;
        vn[d] = v[d];
        if (h % group == 0) V[(size_t)pos * hd + d] = v[d];
    }
    __syncthreads();

    const float4 q4 = lane < hd4 ? ((const float4*)qs)[lane] : zero;
    const float4 kn4 = lane < hd4 ? ((const float4*)kn)[lane] : zero;
    float mx = NEG_INF;
#pragma unroll
    for (int i = 0; i < ATT_KPF; i++) {
        const int j = warp + warps * i;
        if (j < n) { // the same for the whole warp
            const float4 kk = j == n - 1 ? kn4 : kr[i];
            float acc = q4.x * kk.x + q4.y * kk.y + q4.z * kk.z + q4.w * kk.w;
            for (int o = 16; o > 0; o >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, o);
            if (lane == 0) sc[j] = acc;
            mx = fmaxf(mx, acc);
        }
    }
#pragma unroll 4
    for (int j = warp + warps * ATT_KPF; j < n; j += warps) {
        const float4 kk = j == n - 1 ? kn4 : (lane < hd4 ? K4[(size_t)j * hd4 + lane] : zero);
        float acc = q4.x * kk.x + q4.y * kk.y + q4.z * kk.z + q4.w * kk.w;
        for (int o = 16; o > 0; o >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, o);
        if (lane == 0) sc[j] = acc;
        mx = fmaxf(mx, acc);
    }
    const float rs = softmax(sc, n, mx, red);

    float4 acc = zero;
    if (grp < groups) {
#pragma unroll
        for (int i = 0; i < ATT_VPF; i++) {
            const int j = grp + groups * i;
            if (j < n - 1) {
                const float p = sc[j];
                acc.x += p * vr[i].x;
                acc.y += p * vr[i].y;
                acc.z += p * vr[i].z;
                acc.w += p * vr[i].w;
            }
        }
#pragma unroll 8
        for (int j = grp + groups * ATT_VPF; j < n - 1; j += groups) {
            const float p = sc[j];
            const float4 vv = V4[(size_t)j * hd4 + d4];
            acc.x += p * vv.x;
            acc.y += p * vv.y;
            acc.z += p * vv.z;
            acc.w += p * vv.w;
        }
        if (grp == (n - 1) % groups) {
            const float p = sc[n - 1];
            const float4 vv = ((const float4*)vn)[d4];
            acc.x += p * vv.x;
            acc.y += p * vv.y;
            acc.z += p * vv.z;
            acc.w += p * vv.w;
        }
    }
    part[threadIdx.x] = acc;
    __syncthreads();
    float ss = 0.0f, gmx = 0.0f;
    if (threadIdx.x < hd4) {
        float4 t = zero;
        for (int i = 0; i < groups; i++) {
            const float4 u = part[i * hd4 + threadIdx.x];
            t.x += u.x;
            t.y += u.y;
            t.z += u.z;
            t.w += u.w;
        }
        const float4 o = make_float4(t.x * rs, t.y * rs, t.z * rs, t.w * rs);
        ((float4*)(out + (size_t)h * hd))[threadIdx.x] = o;
        if (nstats != nullptr) { // the output's norm statistics (wave.cu's WaveFuse)
            const float4 g = ((const float4*)(gn + (size_t)h * hd))[threadIdx.x];
            ss = __fmul_rn(o.x, o.x) + __fmul_rn(o.y, o.y) + __fmul_rn(o.z, o.z) + __fmul_rn(o.w, o.w);
            gmx = fmaxf(fmaxf(fabsf(__fmul_rn(o.x, g.x)), fabsf(__fmul_rn(o.y, g.y))),
                       fmaxf(fabsf(__fmul_rn(o.z, g.z)), fabsf(__fmul_rn(o.w, g.w))));
        }
    }
    // hd4 ≤ 32: the outputs are warp 0's.
    if (nstats != nullptr && warp == 0) {
        for (int o = 16; o > 0; o >>= 1) {
            ss += __shfl_xor_sync(0xffffffffu, ss, o);
            gmx = fmaxf(gmx, __shfl_xor_sync(0xffffffffu, gmx, o));
        }
        if (lane == 0) {
            atomicAdd(nstats + 2 * (h % 32), ss);
            atomicMax((unsigned*)nstats + 2 * (h % 32) + 1, __float_as_uint(gmx));
        }
    }
}

// model_relu2: act = relu(gate)²·up for each of m rows of gu (gate then
// up, ffn each). Grid (ceil(ffn/256), m).
extern "C" __global__ void __launch_bounds__(256)
model_relu2(const float* __restrict__ gu, float* __restrict__ act, int ffn)
{
    grid_dep_launch();
    grid_dep_wait();
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= ffn) return;
    const float* row = gu + (size_t)blockIdx.y * 2 * ffn;
    const float r = fmaxf(row[i], 0.0f);
    act[(size_t)blockIdx.y * ffn + i] = __fmul_rn(__fmul_rn(r, r), row[ffn + i]);
}

// model_lm_head: y[n] = (Σ_k W[n][k]·x[k]) · rows[n] / xs[0], the int8
// embedding as the output matrix, exact integer sums. A warp per row,
// 16 bytes a lane a load; k a multiple of 16. Grid ceil(n/8), block 256.
extern "C" __global__ void __launch_bounds__(256)
model_lm_head(const i8* __restrict__ W, const float* __restrict__ rows, const i8* __restrict__ x,
              const float* __restrict__ xs, float* __restrict__ y, int n, int k)
{
    grid_dep_launch();
    grid_dep_wait();
    const int row = blockIdx.x * 8 + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (row >= n) return;
    const int4* w4 = (const int4*)(W + (size_t)row * k);
    const int4* x4 = (const int4*)x;
    int acc = 0;
#pragma unroll 4
    for (int c = lane; c < k / 16; c += 32) {
        const int4 a = __ldcs(w4 + c), b = __ldg(x4 + c);
        acc = __dp4a(a.x, b.x, acc);
        acc = __dp4a(a.y, b.y, acc);
        acc = __dp4a(a.z, b.z, acc);
        acc = __dp4a(a.w, b.w, acc);
    }
    for (int o = 16; o > 0; o >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, o);
    if (lane == 0) y[row] = (float)((double)acc * (double)rows[row] / (double)xs[0]);
}
