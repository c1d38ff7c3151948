/* bitlinear_body.h: the arithmetic the GPU kernels share, in the common
 * subset of C99, the Metal Shading Language and CUDA C++. It names no
 * language feature directly: a prelude (prelude_c.h, prelude_metal.h,
 * prelude_cuda.h) defines the types bn_u8, bn_i8, bn_i32, bn_u32, the
 * qualifiers BN_FN and BN_GLOBAL, bn_rint and the bit casts bn_f2u, bn_u2f;
 * activation_coeffs.h (generated) comes next, then this file. kernels/metal
 * concatenates them at load time; its C test compiles the same text with
 * the host compiler and checks it against the Go reference.
 *
 * Contracts (kernels/reference.go, kernels/quant):
 *   - BitLinear: exact int32 Σ code·x, then float(acc)·wscale/xscale, each
 *     step rounded to float32: bit-identical to the reference.
 *   - Activation quantization: s = 127/max(max|x|, 1e-5),
 *     q = clamp(rint(x·s), −128, 127), NaN → 0: bit-identical.
 *   - Activations: float32 only, from + − × ÷ (no vendor math library):
 *     within a few ulp of the float64 reference; see each function. */

#define BN_NAN bn_u2f(0x7fc00000u)
#define BN_FLT_MAX 3.40282347e38f

/* ---- BitLinear W2A8 over the 2-bit layout (kernels/pack/pack2bit.go) ----
 * A row is a run of 64-byte blocks of 256 codes. Byte j of a block holds
 * codes j, j+64, j+128, j+192 in bits 0-1, 2-3, 4-5, 6-7, each as code+1.
 * Read as little-endian 32-bit words, word i of a block holds in byte t,
 * bits 2s..2s+1, the code 64s + 4i + t. */

/* bn_dot_word: word i of a block (its value w) against the block's 256
 * activations xb: the sum of code·x over the word's 16 codes. */
BN_FN bn_i32 bn_dot_word(bn_u32 w, const BN_GLOBAL bn_i8 *xb, int i)
{
    bn_i32 acc = 0;
    for (int s = 0; s < 4; s++) {
        for (int t = 0; t < 4; t++) {
            bn_i32 c = (bn_i32)((w >> (8 * t + 2 * s)) & 3u) - 1;
            acc += c * (bn_i32)xb[64 * s + 4 * i + t];
        }
    }
    return acc;
}

/* bn_dot_at: word q of a row (value wq) against the row's activations x. */
BN_FN bn_i32 bn_dot_at(bn_u32 wq, const BN_GLOBAL bn_i8 *x, int q)
{
    return bn_dot_word(wq, x + 256 * (q >> 4), q & 15);
}

/* bn_block_dot: one 64-byte block (16 words) against its 256 activations. */
BN_FN bn_i32 bn_block_dot(const BN_GLOBAL bn_u32 *wb, const BN_GLOBAL bn_i8 *xb)
{
    bn_i32 acc = 0;
    for (int i = 0; i < 16; i++)
        acc += bn_dot_word(wb[i], xb, i);
    return acc;
}

/* bn_row_dot: a row of `words` words against its activations, zero-padded
 * to whole blocks (padding codes meet zeros). Integer sums are exact, so a
 * kernel may split the words over threads in any order and get this value
 * (|acc| ≤ 128·K < 2^31 for K < 2^24). */
BN_FN bn_i32 bn_row_dot(const BN_GLOBAL bn_u32 *w, const BN_GLOBAL bn_i8 *x, int words)
{
    bn_i32 acc = 0;
    for (int q = 0; q < words; q++)
        acc += bn_dot_at(w[q], x, q);
    return acc;
}

/* bn_bitlinear_out: float32(acc) · ws / xs, rounded after each operation as
 * Go evaluates float32(acc) * ws / xs (a product then a quotient: nothing
 * for a compiler to fuse). */
BN_FN float bn_bitlinear_out(bn_i32 acc, float ws, float xs)
{
    float v = (float)acc;
    v = v * ws;
    return v / xs;
}

/* ---- Per-token absmax int8 quantization (quant.QuantizeActivations) ---- */

/* bn_absmax_step folds |v| into a running maximum m ≥ 0; a NaN compares
 * false and is skipped, as in Go. Partial maxima combine with it too, in
 * any order. */
BN_FN float bn_absmax_step(float m, float v)
{
    float a = v < 0.0f ? -v : v;
    return a > m ? a : m;
}

/* bn_quant_scale: 127/max(m, 1e-5), one correctly rounded division. */
BN_FN float bn_quant_scale(float m)
{
    if (m < 1e-5f)
        m = 1e-5f;
    return 127.0f / m;
}

/* bn_quant_one: clamp(rint(x·s), −128, 127), halves to even, NaN → 0. */
BN_FN bn_i8 bn_quant_one(float x, float s)
{
    float r = bn_rint(x * s);
    if (r != r)
        return 0;
    if (r > 127.0f)
        return 127;
    if (r < -128.0f)
        return -128;
    return (bn_i8)(bn_i32)r;
}

/* ---- exp, in float32 from + − × ÷ ----
 * e^(a+b) = bn_exp_mant(a, b, n)·2^n with n = bn_exp_n(a + b). b is a small
 * correction (|b| < 1/16) that carries the low part of an argument known
 * more precisely than one float. a is clamped to [−150, 100]: beyond, the
 * result rounds to 0 or +inf whatever it is multiplied by here, and the
 * clamp keeps |n| < 256 so that n·BN_LN2_HI is exact. */

BN_FN float bn_exp_clamp(float a)
{
    return a < -150.0f ? -150.0f : (a > 100.0f ? 100.0f : a); /* NaN stays NaN */
}

BN_FN int bn_exp_n(float a)
{
    float n = bn_rint(bn_exp_clamp(a) * BN_LOG2E);
    return n == n ? (int)n : 0; /* NaN: any n, the mantissa is NaN */
}

/* The mantissa e^r, r = a + b − n·ln2 ∈ [−0.35, 0.35]: a − n·BN_LN2_HI is
 * exact (Cody-Waite), and degree-7 Taylor is within 2^−27 there. */
BN_FN float bn_exp_mant(float a, float b, int n)
{
    float fn = (float)n;
    float r = (bn_exp_clamp(a) - fn * BN_LN2_HI) - fn * BN_LN2_LO + b;
    return BN_EXP_POLY(r);
}

/* bn_pow2i: 2^k for −126 ≤ k ≤ 127, from its bits. */
BN_FN float bn_pow2i(int k)
{
    return bn_u2f((bn_u32)(k + 127) << 23);
}

/* bn_ldexp: p·2^n rounded once, for n in [−250, 250] and |p| ≥ 2^−35 where
 * n < −126: the first factor keeps the product normal (so it is exact),
 * the second one rounds it into the subnormals, or overflows to ±inf. A
 * GPU that flushes subnormals to zero returns 0 there. */
BN_FN float bn_ldexp(float p, int n)
{
    if (n < -126)
        return p * bn_pow2i(n + 126) * bn_pow2i(-126);
    if (n > 127)
        return p * bn_pow2i(n - 127) * bn_pow2i(127);
    return p * bn_pow2i(n);
}

/* bn_exp: e^x within 2 ulp (measured: 1). */
BN_FN float bn_exp(float x)
{
    int n = bn_exp_n(x);
    return bn_ldexp(bn_exp_mant(x, 0.0f, n), n);
}

/* ---- Activations (kernels.ActivationFunc), float32 throughout ----
 * Each matches the reference's NaN and infinities exactly: ReLU(NaN) = 0,
 * SiLU(−inf) = GELU(−inf) = NaN (−inf·0), the rest as the formulas give.
 * Error bounds are in ulp of the float64 reference rounded to float32
 * (below 2^−126, ulp = 2^−149; a GPU that flushes subnormals may return 0
 * there). The C test in kernels/metal checks them on every binade; the
 * "measured" maxima are over every 7th float with |x| ≤ 160, with and
 * without fused multiply-add. */

/* bn_relu: exact. */
BN_FN float bn_relu(float x)
{
    return x > 0.0f ? x : 0.0f;
}

/* bn_sigmoid: 1/(1+e^−x) for x ≥ 0; e^x/(1+e^x) below, which keeps the
 * relative accuracy down to the subnormals. Within 3 ulp (measured: 2). */
BN_FN float bn_sigmoid(float x)
{
    if (x >= 0.0f)
        return 1.0f / (1.0f + bn_exp(-x));
    float e = bn_exp(x); /* x < 0, or NaN */
    return e / (1.0f + e);
}

/* bn_silu: x/(1+e^−x) for x ≥ 0; below, x·e^x/(1+e^x) with x·e^x scaled
 * by 2^n once, so results in the subnormals are rounded only once. Within
 * 4 ulp (measured: 3). */
BN_FN float bn_silu(float x)
{
    if (x >= 0.0f)
        return x / (1.0f + bn_exp(-x));
    if (x < -120.0f) /* |x·e^x| < 2^−150: −0, and −inf/(1+inf) is NaN, as the reference */
        return x < -BN_FLT_MAX ? BN_NAN : -0.0f;
    int n = bn_exp_n(x);
    float p = bn_exp_mant(x, 0.0f, n);
    return bn_ldexp(x * p, n) / (1.0f + bn_ldexp(p, n));
}

/* bn_tanh: the odd Taylor series below 9/16; above, 1 − 2/(e^2|x| + 1),
 * where the result is ≥ 1/2 and the subtraction loses nothing. Within 3 ulp
 * (measured: 1; 2 with fused multiply-add). */
BN_FN float bn_tanh(float x)
{
    float a = x < 0.0f ? -x : x;
    if (a < BN_TANH_SMALL) {
        float z = x * x;
        return x + x * z * BN_TANH_POLY(z);
    }
    float t = 1.0f - 2.0f / (bn_exp(2.0f * a) + 1.0f); /* NaN stays NaN */
    return x < 0.0f ? -t : t;
}

/* bn_gelu: x·Φ(x), Φ the standard normal CDF (exact GELU, not the tanh
 * form). With h = |x|, Φ(−h) = e^(−h²/2)·G(s)/(h+K) (activation_coeffs.h).
 * −h²/2 is carried as a + b: hh keeps 12 significant bits of h, so hh² is
 * exact, while a float −h²/2 would be rounded by up to 2^−18 at h = 14,
 * i.e. ~60 ulp of e^(−h²/2). x < 0 returns x·Φ(−h) scaled once (subnormal
 * results included); x ≥ 0 returns x·(1 − Φ(−h)). Within 6 ulp (measured:
 * 5, near 0 where 1 − Φ(−h) carries the error of Φ(−h) ≈ 1/2). */
BN_FN float bn_gelu(float x)
{
    float h = x < 0.0f ? -x : x;
    if (!(h <= BN_GELU_H)) { /* |x| > 14.5, ±inf, NaN: Φ(x) rounds to 1 or x·Φ(x) to −0 */
        if (x > 0.0f || x != x)
            return x;
        return x < -BN_FLT_MAX ? BN_NAN : -0.0f; /* −inf·0 is NaN, as the reference */
    }
    float hh = bn_u2f(bn_f2u(h) & 0xfffff000u);
    float a = -0.5f * (hh * hh);
    float b = -0.5f * ((h - hh) * (h + hh));
    int n = bn_exp_n(a + b);
    float s = (BN_GELU_A * h - BN_GELU_K) / (h + BN_GELU_K);
    float p = bn_exp_mant(a, b, n) * (bn_gelu_g(s) / (h + BN_GELU_K)); /* Φ(−h) = p·2^n */
    if (x < 0.0f)
        return bn_ldexp(x * p, n);
    return x * (1.0f - bn_ldexp(p, n));
}
