// model.metal: the parts of a BitNet b1.58 step besides BitLinear (the
// bitlinear_gemv/gemm kernels), for kernels/metal's model device. The
// arithmetic is common/model_body.h; these kernels only spread the work
// over threads and reduce across them. Dynamic values (the first position
// and the tokens) are read from the step buffer, int32 [pos0, token0,
// token1, ...], so a prepared program replays unchanged.
//
// The C harness in kernels/metal/testdata runs the same bodies with this
// file's thread layout (256 threads a threadgroup, SIMD groups of 32),
// keep the two in step.

// tg_sum and tg_max reduce v over the threadgroup: SIMD groups first, then
// their partials in part (one per SIMD group, ≤ 32); every thread gets the
// result. The barriers also order any threadgroup writes before them.
inline float tg_sum(float v, threadgroup float *part, uint sg, uint nsg, uint lane)
{
    v = simd_sum(v);
    threadgroup_barrier(mem_flags::mem_threadgroup);
    if (lane == 0)
        part[sg] = v;
    threadgroup_barrier(mem_flags::mem_threadgroup);
    float all = 0.0f;
    for (uint i = 0; i < nsg; i++)
        all = all + part[i];
    return all;
}

inline float tg_max(float v, threadgroup float *part, uint sg, uint nsg, uint lane)
{
    v = simd_max(v);
    threadgroup_barrier(mem_flags::mem_threadgroup);
    if (lane == 0)
        part[sg] = v;
    threadgroup_barrier(mem_flags::mem_threadgroup);
    float all = part[0];
    for (uint i = 1; i < nsg; i++)
        all = bn_fmax(all, part[i]);
    return all;
}

// ---- Embedding -------------------------------------------------------------

struct embed_params {
    uint hidden;
};

// model_embed: row t of x is the dequantized embedding of token step[1+t].
// A threadgroup per token.
kernel void model_embed(device const char *emb [[buffer(0)]],
                        device const float *rows [[buffer(1)]],
                        device const int *step [[buffer(2)]],
                        device float *x [[buffer(3)]],
                        constant embed_params &params [[buffer(4)]],
                        uint t [[threadgroup_position_in_grid]],
                        uint tid [[thread_position_in_threadgroup]],
                        uint nt [[threads_per_threadgroup]])
{
    const uint h = params.hidden;
    const uint tok = (uint)step[1 + t];
    const float s = rows[tok];
    device const char *e = emb + tok * h;
    device float *xr = x + t * h;
    for (uint i = tid; i < h; i += nt)
        xr[i] = bn_embed(e[i], s);
}

// ---- RMSNorm + int8 quantization -------------------------------------------

struct norm_params {
    uint w;       // features a row
    uint qstride; // bytes between q rows (padded for BitLinear)
    uint eps;     // the norm's epsilon, float bits
    uint has_res; // 1: add res into x first
};

// model_norm_quant: a threadgroup per row. x += res (has_res), out =
// RMSNorm(x)·g, then q and scale as quantize_act. out may be x: each
// element is read and written by the same thread.
kernel void model_norm_quant(device float *x [[buffer(0)]],
                             device const float *res [[buffer(1)]],
                             device const float *g [[buffer(2)]],
                             device float *out [[buffer(3)]],
                             device char *q [[buffer(4)]],
                             device float *scales [[buffer(5)]],
                             constant norm_params &params [[buffer(6)]],
                             uint t [[threadgroup_position_in_grid]],
                             uint tid [[thread_position_in_threadgroup]],
                             uint nt [[threads_per_threadgroup]],
                             uint sg [[simdgroup_index_in_threadgroup]],
                             uint nsg [[simdgroups_per_threadgroup]],
                             uint lane [[thread_index_in_simdgroup]])
{
    threadgroup float part[32];
    const uint w = params.w;
    device float *xr = x + t * w;
    device float *orow = out + t * w;
    float ss = 0.0f;
    for (uint i = tid; i < w; i += nt) {
        float v = xr[i];
        if (params.has_res != 0) {
            v = bn_add(v, res[t * w + i]);
            xr[i] = v;
        }
        ss = bn_sq_step(ss, v);
    }
    ss = tg_sum(ss, part, sg, nsg, lane);
    const float inv = bn_rms_inv(ss, (int)w, as_type<float>(params.eps));
    float m = 0.0f;
    for (uint i = tid; i < w; i += nt) {
        const float o = bn_norm_out(xr[i], inv, g[i]);
        orow[i] = o;
        m = bn_absmax_step(m, o);
    }
    m = simd_max(m);
    threadgroup_barrier(mem_flags::mem_threadgroup);
    if (lane == 0)
        part[sg] = m;
    threadgroup_barrier(mem_flags::mem_threadgroup);
    float all = 0.0f;
    for (uint i = 0; i < nsg; i++)
        all = bn_absmax_step(all, part[i]);
    const float s = bn_quant_scale(all);
    if (tid == 0)
        scales[t] = s;
    device char *qr = q + t * params.qstride;
    for (uint i = tid; i < w; i += nt)
        qr[i] = bn_quant_one(orow[i], s);
}

// ---- RoPE and KV cache append ----------------------------------------------

struct rope_params {
    uint heads;
    uint kvheads;
    uint hd;
    uint capacity;
};

// model_rope_kv: token t of the fused QKV output is at position
// step[0]+t; its query and key heads are rotated in place and its keys and
// values written to the layer's cache, kc and vc: kvheads × capacity × hd.
// A threadgroup per token.
kernel void model_rope_kv(device float *qkv [[buffer(0)]],
                          device const int *step [[buffer(1)]],
                          device const float *cos [[buffer(2)]],
                          device const float *sin [[buffer(3)]],
                          device float *kc [[buffer(4)]],
                          device float *vc [[buffer(5)]],
                          constant rope_params &params [[buffer(6)]],
                          uint t [[threadgroup_position_in_grid]],
                          uint tid [[thread_position_in_threadgroup]],
                          uint nt [[threads_per_threadgroup]])
{
    const uint hd = params.hd, half = hd / 2, heads = params.heads, kvheads = params.kvheads;
    const uint qd = heads * hd, kvd = kvheads * hd;
    const uint pos = (uint)step[0] + t;
    device float *row = qkv + t * (qd + 2 * kvd);
    device const float *c = cos + pos * half;
    device const float *s = sin + pos * half;
    for (uint idx = tid; idx < (heads + kvheads) * half; idx += nt) {
        const uint h = idx / half, j = idx % half, base = h * hd;
        const float a = row[base + j], b = row[base + j + half];
        const float lo = bn_rope_lo(a, b, c[j], s[j]);
        const float hi = bn_rope_hi(a, b, c[j], s[j]);
        row[base + j] = lo;
        row[base + j + half] = hi;
        if (h >= heads) {
            device float *k = kc + ((h - heads) * params.capacity + pos) * hd;
            k[j] = lo;
            k[j + half] = hi;
        }
    }
    for (uint idx = tid; idx < kvd; idx += nt)
        vc[((idx / hd) * params.capacity + pos) * hd + idx % hd] = row[qd + kvd + idx];
}

// ---- Grouped-query attention -----------------------------------------------

// Attention's limits: positions a query attends to (scores in threadgroup
// memory) and head dim; kernels/metal checks them.
#define ATT_MAX_POS 4096
#define ATT_MAX_HD 256

struct att_params {
    uint heads;
    uint kvheads;
    uint hd;
    uint capacity;
    uint scale; // 1/√hd, float bits
};

// model_attention: query head h of token t (at position step[0]+t) against
// positions 0..pos of its KV head's cache: scores (q·scale)·k, softmax,
// Σ e·v then one multiply by 1/Σe. A threadgroup per (head, token): a SIMD
// group per position for the scores, a thread per position for the
// exponentials, and nt/hd groups of hd threads splitting the positions for
// the values.
kernel void model_attention(device const float *qkv [[buffer(0)]],
                            device const int *step [[buffer(1)]],
                            device const float *kc [[buffer(2)]],
                            device const float *vc [[buffer(3)]],
                            device float *out [[buffer(4)]],
                            constant att_params &params [[buffer(5)]],
                            uint2 tg [[threadgroup_position_in_grid]],
                            uint tid [[thread_position_in_threadgroup]],
                            uint nt [[threads_per_threadgroup]],
                            uint sg [[simdgroup_index_in_threadgroup]],
                            uint nsg [[simdgroups_per_threadgroup]],
                            uint lane [[thread_index_in_simdgroup]],
                            uint width [[threads_per_simdgroup]])
{
    threadgroup float sc[ATT_MAX_POS];
    threadgroup float qs[ATT_MAX_HD];
    threadgroup float vpart[ATT_MAX_HD]; // groups·hd ≤ max(nt, hd) ≤ 256
    threadgroup float part[32];
    const uint h = tg.x, t = tg.y, hd = params.hd;
    const uint g = h / (params.heads / params.kvheads);
    const uint n = (uint)step[0] + t + 1;
    device const float *q = qkv + t * (params.heads + 2 * params.kvheads) * hd + h * hd;
    device const float *K = kc + g * params.capacity * hd;
    device const float *V = vc + g * params.capacity * hd;
    const float scale = as_type<float>(params.scale);
    for (uint d = tid; d < hd; d += nt)
        qs[d] = q[d] * scale;
    threadgroup_barrier(mem_flags::mem_threadgroup);
    float m = -BN_FLT_MAX;
    for (uint j = sg; j < n; j += nsg) {
        float s = 0.0f;
        for (uint d = lane; d < hd; d += width)
            s = bn_dot_step(s, qs[d], K[j * hd + d]);
        s = simd_sum(s);
        if (lane == 0)
            sc[j] = s;
        m = bn_fmax(m, s);
    }
    m = tg_max(m, part, sg, nsg, lane); // its barriers also publish sc
    float sum = 0.0f;
    for (uint j = tid; j < n; j += nt) {
        const float e = bn_softmax_e(sc[j], m);
        sc[j] = e;
        sum = sum + e;
    }
    sum = tg_sum(sum, part, sg, nsg, lane); // and publish the exponentials
    const float rs = 1.0f / sum;
    // Values: nt/hd groups of hd threads split the positions (with fewer
    // threads than hd, one group whose threads take dims tid, tid+nt, ...),
    // then thread d adds the groups' partials in order.
    const uint groups = nt >= hd ? nt / hd : 1, grp = tid / hd, dstep = min(nt, hd);
    if (grp < groups) {
        for (uint d = tid % hd; d < hd; d += dstep) {
            float a = 0.0f;
            for (uint j = grp; j < n; j += groups)
                a = bn_dot_step(a, sc[j], V[j * hd + d]);
            vpart[grp * hd + d] = a;
        }
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    device float *o = out + t * params.heads * hd + h * hd;
    for (uint d = tid; d < hd; d += nt) {
        float a = vpart[d];
        for (uint i = 1; i < groups; i++)
            a = a + vpart[i * hd + d];
        o[d] = a * rs;
    }
}

// ---- ReLU² gate -----------------------------------------------------------

struct relu2_params {
    uint ffn;
    uint n; // rows · ffn
};

// model_relu2: act = relu(gate)²·up for each row of gu (gate then up, ffn
// each). A thread per output.
kernel void model_relu2(device const float *gu [[buffer(0)]],
                        device float *act [[buffer(1)]],
                        constant relu2_params &params [[buffer(2)]],
                        uint i [[thread_position_in_grid]])
{
    if (i >= params.n)
        return;
    const uint r = i / params.ffn, j = i % params.ffn;
    device const float *row = gu + r * 2 * params.ffn;
    act[i] = bn_relu2(row[j], row[params.ffn + j]);
}

// ---- int8 LM head -----------------------------------------------------------

struct lm_params {
    uint n; // vocabulary rows
    uint k; // hidden
};

// model_lm_head: y[n] = (Σ_k W[n][k]·x[k])·rows[n]/xs[0], exact int32 sums;
// a SIMD group per row, its lanes striding over k.
kernel void model_lm_head(device const char *emb [[buffer(0)]],
                          device const float *rows [[buffer(1)]],
                          device const char *x [[buffer(2)]],
                          device const float *xs [[buffer(3)]],
                          device float *y [[buffer(4)]],
                          constant lm_params &params [[buffer(5)]],
                          uint tg [[threadgroup_position_in_grid]],
                          uint sg [[simdgroup_index_in_threadgroup]],
                          uint nsg [[simdgroups_per_threadgroup]],
                          uint lane [[thread_index_in_simdgroup]],
                          uint width [[threads_per_simdgroup]])
{
    const uint row = tg * nsg + sg;
    if (row >= params.n)
        return; // whole SIMD groups leave together
    device const char *wr = emb + row * params.k;
    int acc = 0;
    for (uint i = lane; i < params.k; i += width)
        acc = bn_i8_dot_step(acc, wr[i], x[i]);
    acc = simd_sum(acc);
    if (lane == 0)
        y[row] = bn_bitlinear_out(acc, rows[row], xs[0]);
}
