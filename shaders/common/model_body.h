/* model_body.h: the arithmetic of a BitNet b1.58 step besides BitLinear
 * (bitlinear_body.h), in the same common subset of C99, the Metal Shading
 * Language and CUDA C++, after a prelude and bitlinear_body.h. The Metal
 * kernels (shaders/metal/model.metal) give each thread its elements and
 * reduce across threads; every float step a thread takes is here, so the
 * C test in kernels/metal runs exactly these operations.
 *
 * Contracts, against kernels/model (reference.go in float64, cpudevice.go
 * in float32), each float step rounded to float32 (no fusing: Metal's safe
 * math mode, -ffp-contract=off in the test):
 *   - Embedding: q·s, bit-identical.
 *   - Residual add, ReLU² gate, RoPE with the float32 cos/sin table
 *     (model.RopeTable): bit-identical to the CPU device's float32 loops
 *     (where Go does not fuse); RoPE within 2 ulp-of-|x| of the float64
 *     rotation, ReLU² within 2 ulp of relu(g)²·u in float64.
 *   - RMSNorm: float32 sums of squares split over threads, so within
 *     (terms a thread adds + log2 threads + 4) units of 2^−24, relative, of
 *     the float64 norm; the quantization of its output is bn_quant_*
 *     (bit-identical given the output).
 *   - Attention: float32 scores, bn_exp and sums; bound in kernels/metal's
 *     tests (relative to the largest |v|).
 *   - LM head: exact int32 sums, then bn_bitlinear_out: within 2 ulp of the
 *     reference's one rounding from float64. */

/* bn_embed: a dequantized embedding value. */
BN_FN float bn_embed(bn_i8 q, float s)
{
    return (float)q * s;
}

/* bn_add: the residual add, x + r. */
BN_FN float bn_add(float x, float r)
{
    return x + r;
}

/* bn_sq_step: a running sum of squares, acc + v·v (product rounded first). */
BN_FN float bn_sq_step(float acc, float v)
{
    float p = v * v;
    return acc + p;
}

/* bn_rms_inv: 1/sqrt(ss/w + eps) from the sum of squares of w values:
 * correctly rounded steps (bn_sqrt too in C; Metal's precise sqrt). */
BN_FN float bn_rms_inv(float ss, int w, float eps)
{
    float t = ss / (float)w;
    t = t + eps;
    return 1.0f / bn_sqrt(t);
}

/* bn_norm_out: x·inv·g, in that order, as the CPU's loop. */
BN_FN float bn_norm_out(float x, float inv, float g)
{
    float v = x * inv;
    return v * g;
}

/* bn_relu2: relu(g)²·u. NaN stays NaN, −0 gives +0 (math.Max(g, 0)). */
BN_FN float bn_relu2(float g, float u)
{
    float r = g != g ? g : (g > 0.0f ? g : 0.0f);
    float s = r * r;
    return s * u;
}

/* RoPE, the rotate-half convention: element j pairs with j + hd/2, a = x[j],
 * b = x[j + hd/2], c and s from the table at the token's position. */
BN_FN float bn_rope_lo(float a, float b, float c, float s)
{
    float p = a * c;
    float q = b * s;
    return p - q;
}

BN_FN float bn_rope_hi(float a, float b, float c, float s)
{
    float p = b * c;
    float q = a * s;
    return p + q;
}

/* bn_dot_step: a running dot product, acc + a·b (product rounded first):
 * attention's scores q·k and weighted values Σ e·v. */
BN_FN float bn_dot_step(float acc, float a, float b)
{
    float p = a * b;
    return acc + p;
}

/* bn_fmax: the larger of a running maximum m and v (scores are finite). */
BN_FN float bn_fmax(float m, float v)
{
    return v > m ? v : m;
}

/* bn_softmax_e: e^(s − m), the unnormalised probability of a score s
 * below the maximum m (bn_exp: within 2 ulp). */
BN_FN float bn_softmax_e(float s, float m)
{
    return bn_exp(s - m);
}

/* bn_i8_dot_step: the LM head's exact int32 sum, acc + w·x. */
BN_FN bn_i32 bn_i8_dot_step(bn_i32 acc, bn_i8 w, bn_i8 x)
{
    return acc + (bn_i32)w * (bn_i32)x;
}
