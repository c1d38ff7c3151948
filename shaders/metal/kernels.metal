// bitnet-bench Metal kernels (kernels/metal). Compiled at run time after
// common/prelude_metal.h, common/activation_coeffs.h and
// common/bitlinear_body.h, concatenated by kernels/metal (no #include at run
// time), with fast math off. Each kernel's [[buffer(i)]] order and each
// params struct are listed in kernels/metal/source.go (kernelArgs,
// paramFields); TestKernelArgs keeps the two in step.
//
// Reductions use simd_sum/simd_max (GPU families Apple7 and Mac2), and no
// kernel assumes a SIMD width: rows are spread by SIMD group, and the host
// sizes the grid from the pipeline's threadExecutionWidth.

// ---- BitLinear W2A8 ----------------------------------------------------

struct bl_params {
    uint n;          // rows (output features)
    uint m;          // tokens
    uint words;      // 32-bit words per weight row: stride / 4
    uint kp;         // activations per token, zero-padded to whole blocks
    uint row_scales; // 1: wscale[n] per row; 0: wscale[0] for all
};

// bitlinear_rows: one SIMD group per weight row, its lanes striding over the
// row's words; T tokens per threadgroup row (grid.y tiles the tokens), so a
// word is loaded once for T tokens. Σ code·x is exact in int32 whatever the
// split, and the float step is bn_bitlinear_out: bit-identical results.
template <int T>
inline void bitlinear_rows(device const uint *w, device const char *x,
                           device const float *xscale, device const float *wscale,
                           device float *y, constant bl_params &p,
                           uint2 tg, uint sg, uint nsg, uint lane, uint width)
{
    const uint row = tg.x * nsg + sg;
    if (row >= p.n)
        return; // whole SIMD groups leave together, so simd_sum below sees all lanes
    const uint m0 = tg.y * T;
    const uint mt = min((uint)T, p.m - m0);
    device const uint *wr = w + row * p.words;
    int acc[T];
    for (int t = 0; t < T; t++)
        acc[t] = 0;
    for (uint q = lane; q < p.words; q += width) {
        const uint wq = wr[q];
        for (int t = 0; t < T; t++)
            if ((uint)t < mt)
                acc[t] += bn_dot_at(wq, x + (m0 + t) * p.kp, q);
    }
    const float ws = wscale[p.row_scales != 0 ? row : 0];
    for (int t = 0; t < T; t++) {
        if ((uint)t < mt) {
            const int sum = simd_sum(acc[t]);
            if (lane == 0)
                y[(m0 + t) * p.n + row] = bn_bitlinear_out(sum, ws, xscale[m0 + t]);
        }
    }
}

// bitlinear_gemv: one token (decode).
kernel void bitlinear_gemv(device const uint *w [[buffer(0)]],
                           device const char *x [[buffer(1)]],
                           device const float *xscale [[buffer(2)]],
                           device const float *wscale [[buffer(3)]],
                           device float *y [[buffer(4)]],
                           constant bl_params &params [[buffer(5)]],
                           uint2 tg [[threadgroup_position_in_grid]],
                           uint sg [[simdgroup_index_in_threadgroup]],
                           uint nsg [[simdgroups_per_threadgroup]],
                           uint lane [[thread_index_in_simdgroup]],
                           uint width [[threads_per_simdgroup]])
{
    bitlinear_rows<1>(w, x, xscale, wscale, y, params, tg, sg, nsg, lane, width);
}

// bitlinear_gemm: tiles of 8 tokens; weights are re-read per tile.
kernel void bitlinear_gemm(device const uint *w [[buffer(0)]],
                           device const char *x [[buffer(1)]],
                           device const float *xscale [[buffer(2)]],
                           device const float *wscale [[buffer(3)]],
                           device float *y [[buffer(4)]],
                           constant bl_params &params [[buffer(5)]],
                           uint2 tg [[threadgroup_position_in_grid]],
                           uint sg [[simdgroup_index_in_threadgroup]],
                           uint nsg [[simdgroups_per_threadgroup]],
                           uint lane [[thread_index_in_simdgroup]],
                           uint width [[threads_per_simdgroup]])
{
    bitlinear_rows<8>(w, x, xscale, wscale, y, params, tg, sg, nsg, lane, width);
}

// ---- Per-token absmax int8 quantization ------------------------------------

struct q_params {
    uint k; // features per token
};

// quantize_act: a threadgroup per token. The maximum is order-independent
// (NaN skipped, partials ≥ 0 combine exactly), so the scale is the
// reference's, and so is every code.
kernel void quantize_act(device const float *x [[buffer(0)]],
                         device char *q [[buffer(1)]],
                         device float *scales [[buffer(2)]],
                         constant q_params &params [[buffer(3)]],
                         uint tok [[threadgroup_position_in_grid]],
                         uint tid [[thread_position_in_threadgroup]],
                         uint nt [[threads_per_threadgroup]],
                         uint sg [[simdgroup_index_in_threadgroup]],
                         uint nsg [[simdgroups_per_threadgroup]],
                         uint lane [[thread_index_in_simdgroup]])
{
    threadgroup float part[32]; // one per SIMD group: ≤ 256 threads of ≥ 8 lanes
    device const float *xr = x + tok * params.k;
    float m = 0.0f;
    for (uint i = tid; i < params.k; i += nt)
        m = bn_absmax_step(m, xr[i]);
    m = simd_max(m);
    if (lane == 0)
        part[sg] = m;
    threadgroup_barrier(mem_flags::mem_threadgroup);
    if (tid == 0) {
        float all = 0.0f;
        for (uint i = 0; i < nsg; i++)
            all = bn_absmax_step(all, part[i]);
        part[0] = all;
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    const float s = bn_quant_scale(part[0]);
    if (tid == 0)
        scales[tok] = s;
    device char *qr = q + tok * params.k;
    for (uint i = tid; i < params.k; i += nt)
        qr[i] = bn_quant_one(xr[i], s);
}

// ---- Dense f32 MatMul: y = x·Wᵀ ------------------------------------------

struct mm_params {
    uint m;
    uint n;
    uint k;
};

// matmul_f32: one SIMD group per output, lanes striding over K with fma,
// then simd_sum: a bandwidth baseline, not a tuned GEMM. f32 accumulation:
// |y − exact| ≤ (K/width + log2(width) + 1)·2^−24·Σ|x·w|.
kernel void matmul_f32(device const float *x [[buffer(0)]],
                       device const float *w [[buffer(1)]],
                       device float *y [[buffer(2)]],
                       constant mm_params &params [[buffer(3)]],
                       uint tg [[threadgroup_position_in_grid]],
                       uint sg [[simdgroup_index_in_threadgroup]],
                       uint nsg [[simdgroups_per_threadgroup]],
                       uint lane [[thread_index_in_simdgroup]],
                       uint width [[threads_per_simdgroup]])
{
    const uint o = tg * nsg + sg; // output m·N + n
    if (o >= params.m * params.n)
        return; // whole SIMD groups leave together
    device const float *xr = x + (o / params.n) * params.k;
    device const float *wr = w + (o % params.n) * params.k;
    float acc = 0.0f;
    for (uint i = lane; i < params.k; i += width)
        acc = fma(xr[i], wr[i], acc);
    acc = simd_sum(acc);
    if (lane == 0)
        y[o] = acc;
}

// ---- Elementwise activations (bitlinear_body.h) -----------------------------

struct act_params {
    uint n; // elements
};

kernel void act_relu(device const float *x [[buffer(0)]], device float *y [[buffer(1)]],
                     constant act_params &params [[buffer(2)]], uint i [[thread_position_in_grid]])
{
    if (i < params.n)
        y[i] = bn_relu(x[i]);
}

kernel void act_gelu(device const float *x [[buffer(0)]], device float *y [[buffer(1)]],
                     constant act_params &params [[buffer(2)]], uint i [[thread_position_in_grid]])
{
    if (i < params.n)
        y[i] = bn_gelu(x[i]);
}

kernel void act_silu(device const float *x [[buffer(0)]], device float *y [[buffer(1)]],
                     constant act_params &params [[buffer(2)]], uint i [[thread_position_in_grid]])
{
    if (i < params.n)
        y[i] = bn_silu(x[i]);
}

kernel void act_sigmoid(device const float *x [[buffer(0)]], device float *y [[buffer(1)]],
                        constant act_params &params [[buffer(2)]], uint i [[thread_position_in_grid]])
{
    if (i < params.n)
        y[i] = bn_sigmoid(x[i]);
}

kernel void act_tanh(device const float *x [[buffer(0)]], device float *y [[buffer(1)]],
                     constant act_params &params [[buffer(2)]], uint i [[thread_position_in_grid]])
{
    if (i < params.n)
        y[i] = bn_tanh(x[i]);
}
