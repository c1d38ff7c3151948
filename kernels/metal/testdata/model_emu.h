/* model_emu.h: the model device's Metal kernels (shaders/metal/model.metal,
 * and bitlinear_gemv/gemm of kernels.metal) run on the CPU for the C
 * harness: the same body functions (model_body.h, bitlinear_body.h) with
 * the kernels' thread layout, threads and SIMD groups run one after
 * another (SIMD width EMU_WIDTH; simd_sum adds lanes in order, as one
 * possible order the GPU's may differ from). Keep in step with
 * model.metal. C99 and C++. */

#define EMU_WIDTH 32
#define EMU_MAX_THREADS 256

typedef struct {
    const char *kernel;
    unsigned char *arg[8]; /* buffers in kernelArgs order */
    const bn_u32 *p;       /* params */
    int groups[3], threads[3];
} emu_dispatch;

static float emu_f(bn_u32 bits) { return bn_u2f(bits); }

/* emu_tg_sum: simd_sum of each SIMD group's lanes, then 0 + part[0] + ... */
static float emu_tg_sum(const float *v, int nt)
{
    float all = 0.0f;
    for (int sg = 0; sg * EMU_WIDTH < nt; sg++) {
        float s = 0.0f;
        for (int l = 0; l < EMU_WIDTH && sg * EMU_WIDTH + l < nt; l++)
            s = s + v[sg * EMU_WIDTH + l];
        all = all + s;
    }
    return all;
}

static void emu_embed(const emu_dispatch *d)
{
    const bn_i8 *emb = (const bn_i8 *)d->arg[0];
    const float *rows = (const float *)d->arg[1];
    const bn_i32 *step = (const bn_i32 *)d->arg[2];
    float *x = (float *)d->arg[3];
    bn_u32 h = d->p[0];
    for (int t = 0; t < d->groups[0]; t++) {
        bn_u32 tok = (bn_u32)step[1 + t];
        for (bn_u32 i = 0; i < h; i++)
            x[t * h + i] = bn_embed(emb[tok * h + i], rows[tok]);
    }
}

static void emu_norm_quant(const emu_dispatch *d)
{
    float *x = (float *)d->arg[0];
    const float *res = (const float *)d->arg[1];
    const float *g = (const float *)d->arg[2];
    float *out = (float *)d->arg[3];
    bn_i8 *q = (bn_i8 *)d->arg[4];
    float *scales = (float *)d->arg[5];
    bn_u32 w = d->p[0], qstride = d->p[1], has_res = d->p[3];
    float eps = emu_f(d->p[2]);
    int nt = d->threads[0];
    for (int t = 0; t < d->groups[0]; t++) {
        float *xr = x + (size_t)t * w, *orow = out + (size_t)t * w;
        float ss[EMU_MAX_THREADS], mx[EMU_MAX_THREADS];
        for (int tid = 0; tid < nt; tid++) {
            ss[tid] = 0.0f;
            for (bn_u32 i = tid; i < w; i += nt) {
                float v = xr[i];
                if (has_res) {
                    v = bn_add(v, res[(size_t)t * w + i]);
                    xr[i] = v;
                }
                ss[tid] = bn_sq_step(ss[tid], v);
            }
        }
        float inv = bn_rms_inv(emu_tg_sum(ss, nt), (int)w, eps);
        float all = 0.0f;
        for (int tid = 0; tid < nt; tid++) {
            mx[tid] = 0.0f;
            for (bn_u32 i = tid; i < w; i += nt) {
                float o = bn_norm_out(xr[i], inv, g[i]);
                orow[i] = o;
                mx[tid] = bn_absmax_step(mx[tid], o);
            }
            all = bn_absmax_step(all, mx[tid]); /* exact in any order */
        }
        float s = bn_quant_scale(all);
        scales[t] = s;
        for (bn_u32 i = 0; i < w; i++)
            q[(size_t)t * qstride + i] = bn_quant_one(orow[i], s);
    }
}

static void emu_rope_kv(const emu_dispatch *d)
{
    float *qkv = (float *)d->arg[0];
    const bn_i32 *step = (const bn_i32 *)d->arg[1];
    const float *cs = (const float *)d->arg[2], *sn = (const float *)d->arg[3];
    float *kc = (float *)d->arg[4], *vc = (float *)d->arg[5];
    bn_u32 heads = d->p[0], kvheads = d->p[1], hd = d->p[2], capacity = d->p[3];
    bn_u32 half = hd / 2, qd = heads * hd, kvd = kvheads * hd;
    for (int t = 0; t < d->groups[0]; t++) {
        bn_u32 pos = (bn_u32)step[0] + t;
        float *row = qkv + (size_t)t * (qd + 2 * kvd);
        const float *c = cs + pos * half, *s = sn + pos * half;
        for (bn_u32 idx = 0; idx < (heads + kvheads) * half; idx++) {
            bn_u32 h = idx / half, j = idx % half, base = h * hd;
            float a = row[base + j], b = row[base + j + half];
            float lo = bn_rope_lo(a, b, c[j], s[j]), hi = bn_rope_hi(a, b, c[j], s[j]);
            row[base + j] = lo;
            row[base + j + half] = hi;
            if (h >= heads) {
                float *k = kc + ((size_t)(h - heads) * capacity + pos) * hd;
                k[j] = lo;
                k[j + half] = hi;
            }
        }
        for (bn_u32 idx = 0; idx < kvd; idx++)
            vc[((size_t)(idx / hd) * capacity + pos) * hd + idx % hd] = row[qd + kvd + idx];
    }
}

static void emu_attention(const emu_dispatch *d)
{
    const float *qkv = (const float *)d->arg[0];
    const bn_i32 *step = (const bn_i32 *)d->arg[1];
    const float *kc = (const float *)d->arg[2], *vc = (const float *)d->arg[3];
    float *out = (float *)d->arg[4];
    bn_u32 heads = d->p[0], kvheads = d->p[1], hd = d->p[2], capacity = d->p[3];
    float scale = emu_f(d->p[4]);
    int nt = d->threads[0];
    static float sc[4096], qs[256], vpart[256];
    for (int t = 0; t < d->groups[1]; t++) {
        for (bn_u32 h = 0; h < heads; h++) {
            bn_u32 g = h / (heads / kvheads), n = (bn_u32)step[0] + t + 1;
            const float *q = qkv + (size_t)t * (heads + 2 * kvheads) * hd + h * hd;
            const float *K = kc + (size_t)g * capacity * hd, *V = vc + (size_t)g * capacity * hd;
            for (bn_u32 i = 0; i < hd; i++)
                qs[i] = q[i] * scale;
            float m = -BN_FLT_MAX;
            for (bn_u32 j = 0; j < n; j++) { /* a SIMD group's lanes stride over d */
                float s = 0.0f;
                for (int lane = 0; lane < EMU_WIDTH; lane++) {
                    float l = 0.0f;
                    for (bn_u32 i = lane; i < hd; i += EMU_WIDTH)
                        l = bn_dot_step(l, qs[i], K[(size_t)j * hd + i]);
                    s = s + l;
                }
                sc[j] = s;
                m = bn_fmax(m, s); /* the maximum is exact in any order */
            }
            float e[EMU_MAX_THREADS];
            for (int tid = 0; tid < nt; tid++) {
                e[tid] = 0.0f;
                for (bn_u32 j = tid; j < n; j += nt) {
                    float x = bn_softmax_e(sc[j], m);
                    sc[j] = x;
                    e[tid] = e[tid] + x;
                }
            }
            float rs = 1.0f / emu_tg_sum(e, nt);
            bn_u32 groups = (bn_u32)nt >= hd ? (bn_u32)nt / hd : 1, dstep = (bn_u32)nt < hd ? (bn_u32)nt : hd;
            for (int tid = 0; tid < nt; tid++) {
                bn_u32 grp = tid / hd;
                if (grp >= groups)
                    continue;
                for (bn_u32 i = tid % hd; i < hd; i += dstep) {
                    float a = 0.0f;
                    for (bn_u32 j = grp; j < n; j += groups)
                        a = bn_dot_step(a, sc[j], V[(size_t)j * hd + i]);
                    vpart[grp * hd + i] = a;
                }
            }
            float *o = out + (size_t)t * heads * hd + h * hd;
            for (bn_u32 i = 0; i < hd; i++) {
                float a = vpart[i];
                for (bn_u32 k = 1; k < groups; k++)
                    a = a + vpart[k * hd + i];
                o[i] = a * rs;
            }
        }
    }
}

static void emu_relu2(const emu_dispatch *d)
{
    const float *gu = (const float *)d->arg[0];
    float *act = (float *)d->arg[1];
    bn_u32 ffn = d->p[0], n = d->p[1];
    for (bn_u32 i = 0; i < n; i++) {
        const float *row = gu + (size_t)(i / ffn) * 2 * ffn;
        act[i] = bn_relu2(row[i % ffn], row[ffn + i % ffn]);
    }
}

/* The integer sums are exact, so the lane split cannot change them. */
static void emu_lm_head(const emu_dispatch *d)
{
    const bn_i8 *emb = (const bn_i8 *)d->arg[0], *x = (const bn_i8 *)d->arg[2];
    const float *rows = (const float *)d->arg[1], *xs = (const float *)d->arg[3];
    float *y = (float *)d->arg[4];
    bn_u32 n = d->p[0], k = d->p[1];
    for (bn_u32 r = 0; r < n; r++) {
        bn_i32 acc = 0;
        for (bn_u32 i = 0; i < k; i++)
            acc = bn_i8_dot_step(acc, emb[(size_t)r * k + i], x[i]);
        y[r] = bn_bitlinear_out(acc, rows[r], xs[0]);
    }
}

static void emu_bitlinear(const emu_dispatch *d)
{
    const bn_u32 *w = (const bn_u32 *)d->arg[0];
    const bn_i8 *x = (const bn_i8 *)d->arg[1];
    const float *xs = (const float *)d->arg[2], *ws = (const float *)d->arg[3];
    float *y = (float *)d->arg[4];
    bn_u32 n = d->p[0], m = d->p[1], words = d->p[2], kp = d->p[3], rowscales = d->p[4];
    for (bn_u32 t = 0; t < m; t++)
        for (bn_u32 r = 0; r < n; r++)
            y[(size_t)t * n + r] = bn_bitlinear_out(bn_row_dot(w + (size_t)r * words, x + (size_t)t * kp, (int)words),
                                                    ws[rowscales ? r : 0], xs[t]);
}

/* emu_run runs one dispatch; 0 if the kernel is unknown. */
static int emu_run(const emu_dispatch *d)
{
    static const struct {
        const char *name;
        void (*fn)(const emu_dispatch *);
    } table[] = {
        {"model_embed", emu_embed}, {"model_norm_quant", emu_norm_quant}, {"model_rope_kv", emu_rope_kv},
        {"model_attention", emu_attention}, {"model_relu2", emu_relu2}, {"model_lm_head", emu_lm_head},
        {"bitlinear_gemv", emu_bitlinear}, {"bitlinear_gemm", emu_bitlinear},
    };
    if (d->threads[0] > EMU_MAX_THREADS)
        return 0;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (!strcmp(table[i].name, d->kernel)) {
            table[i].fn(d);
            return 1;
        }
    }
    return 0;
}
