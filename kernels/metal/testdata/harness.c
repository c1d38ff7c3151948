/* harness.c: runs the shared GPU body (shaders/common/bitlinear_body.h,
 * after prelude_c.h and activation_coeffs.h, concatenated into body.h by
 * body_test.go) on data from stdin and writes the results to stdout, so the
 * Go test can compare them with the Go reference. It is C99 and C++. Data
 * is raw binary in host byte order:
 *
 *   bitlinear: i32 n, m, words, rowscales; u32 w[n·words];
 *              i8 x[m·words·16]; f32 xscale[m]; f32 wscale[rowscales ? n : 1]
 *              → f32 y[m·n]
 *   quant:     i32 m, k; f32 x[m·k] → i8 q[m·k]; f32 scale[m]
 *   act:       i32 op, n; f32 x[n] → f32 y[n]
 *              (op 0 ReLU, 1 GELU, 2 SiLU, 3 sigmoid, 4 tanh, 5 exp)
 *   program:   i32 nbufs; per buffer i32 size, u8 bytes[size];
 *              i32 ndispatch; per dispatch i32 len, char kernel[len],
 *              i32 nargs, per arg i32 buffer, i32 offset; i32 nparams,
 *              u32 params[nparams]; i32 groups[3], threads[3]
 *              → every buffer's bytes, in order, after the dispatches ran
 *              (model_emu.h: the model device's kernels on the CPU)
 *
 * It also checks that every way the GPU kernels split the work gives the
 * same integers as the straight loop (exit status 3 if not). */
#include "body.h"

#include <stdio.h>
#include <stdlib.h>

#include "model_emu.h"

static void die(const char *msg)
{
    fprintf(stderr, "harness: %s\n", msg);
    exit(2);
}

static void *readn(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    if (n && fread(p, 1, n, stdin) != n)
        die("short input");
    return p;
}

static int32_t read_i32(void)
{
    int32_t v;
    if (fread(&v, 4, 1, stdin) != 1)
        die("short input");
    return v;
}

static void writen(const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, stdout) != n)
        die("short write");
}

/* The SIMD-group split of bitlinear_rows: lane l of width takes words
 * l, l+width, ...; simd_sum adds the lanes. */
static bn_i32 strided_dot(const bn_u32 *w, const bn_i8 *x, int words, int width)
{
    bn_i32 acc = 0;
    for (int lane = 0; lane < width; lane++) {
        bn_i32 part = 0;
        for (int q = lane; q < words; q += width)
            part += bn_dot_at(w[q], x, q);
        acc += part;
    }
    return acc;
}

static void bitlinear(void)
{
    int n = read_i32(), m = read_i32(), words = read_i32(), rowscales = read_i32();
    int kp = words * 16;
    bn_u32 *w = (bn_u32 *)readn((size_t)n * words * 4);
    bn_i8 *x = (bn_i8 *)readn((size_t)m * kp);
    float *xs = (float *)readn((size_t)m * 4);
    float *ws = (float *)readn((size_t)(rowscales ? n : 1) * 4);
    float *y = (float *)malloc((size_t)m * n * 4);
    if (!y)
        die("out of memory");
    for (int r = 0; r < n; r++) {
        const bn_u32 *wr = w + (size_t)r * words;
        for (int t = 0; t < m; t++) {
            const bn_i8 *xr = x + (size_t)t * kp;
            bn_i32 acc = bn_row_dot(wr, xr, words);
            bn_i32 blocks = 0;
            for (int b = 0; b < words / 16; b++)
                blocks += bn_block_dot(wr + 16 * b, xr + 256 * b);
            if (blocks != acc || strided_dot(wr, xr, words, 32) != acc ||
                strided_dot(wr, xr, words, 64) != acc || strided_dot(wr, xr, words, 7) != acc) {
                fprintf(stderr, "harness: row %d token %d: the splits of the dot product disagree\n", r, t);
                exit(3);
            }
            y[(size_t)t * n + r] = bn_bitlinear_out(acc, ws[rowscales ? r : 0], xs[t]);
        }
    }
    writen(y, (size_t)m * n * 4);
}

/* quant follows quantize_act: 256 threads striding over the token, their
 * maxima combined by SIMD groups of 32, then across the groups. */
static void quant(void)
{
    int m = read_i32(), k = read_i32();
    float *x = (float *)readn((size_t)m * k * 4);
    bn_i8 *q = (bn_i8 *)malloc((size_t)m * k + 1);
    float *scales = (float *)malloc((size_t)m * 4 + 4);
    if (!q || !scales)
        die("out of memory");
    for (int t = 0; t < m; t++) {
        const float *xr = x + (size_t)t * k;
        float thread[256], all = 0.0f, straight = 0.0f;
        for (int i = 0; i < 256; i++) {
            thread[i] = 0.0f;
            for (int j = i; j < k; j += 256)
                thread[i] = bn_absmax_step(thread[i], xr[j]);
        }
        for (int g = 0; g < 8; g++) {
            float simd = 0.0f;
            for (int l = 0; l < 32; l++)
                simd = thread[32 * g + l] > simd ? thread[32 * g + l] : simd; /* simd_max */
            all = bn_absmax_step(all, simd);
        }
        for (int j = 0; j < k; j++)
            straight = bn_absmax_step(straight, xr[j]);
        if (bn_f2u(all) != bn_f2u(straight)) {
            fprintf(stderr, "harness: token %d: split maximum %g, straight %g\n", t, all, straight);
            exit(3);
        }
        float s = bn_quant_scale(all);
        scales[t] = s;
        for (int j = 0; j < k; j++)
            q[(size_t)t * k + j] = bn_quant_one(xr[j], s);
    }
    writen(q, (size_t)m * k);
    writen(scales, (size_t)m * 4);
}

static void act(void)
{
    int op = read_i32(), n = read_i32();
    float *x = (float *)readn((size_t)n * 4);
    float *y = (float *)malloc((size_t)n * 4 + 4);
    if (!y)
        die("out of memory");
    for (int i = 0; i < n; i++) {
        float v = x[i];
        switch (op) {
        case 0: y[i] = bn_relu(v); break;
        case 1: y[i] = bn_gelu(v); break;
        case 2: y[i] = bn_silu(v); break;
        case 3: y[i] = bn_sigmoid(v); break;
        case 4: y[i] = bn_tanh(v); break;
        case 5: y[i] = bn_exp(v); break;
        default: die("unknown activation");
        }
    }
    writen(y, (size_t)n * 4);
}

static void program(void)
{
    int nbufs = read_i32();
    if (nbufs < 0)
        die("bad buffer count");
    int32_t *sizes = (int32_t *)malloc((size_t)nbufs * 4 + 4);
    unsigned char **bufs = (unsigned char **)malloc((size_t)nbufs * sizeof *bufs + 1);
    if (!sizes || !bufs)
        die("out of memory");
    for (int i = 0; i < nbufs; i++) {
        sizes[i] = read_i32();
        if (sizes[i] < 0)
            die("bad buffer size");
        bufs[i] = (unsigned char *)readn((size_t)sizes[i]);
    }
    int nd = read_i32();
    for (int k = 0; k < nd; k++) {
        emu_dispatch d;
        int len = read_i32();
        if (len <= 0 || len > 64)
            die("bad kernel name");
        char *name = (char *)malloc((size_t)len + 1);
        if (!name || fread(name, 1, (size_t)len, stdin) != (size_t)len)
            die("short input");
        name[len] = 0;
        d.kernel = name;
        int nargs = read_i32();
        if (nargs < 0 || nargs > 8)
            die("bad argument count");
        for (int a = 0; a < nargs; a++) {
            int b = read_i32(), off = read_i32();
            if (b < 0 || b >= nbufs || off < 0 || off > sizes[b])
                die("argument outside the buffers");
            d.arg[a] = bufs[b] + off;
        }
        int np = read_i32();
        if (np < 0 || np > 16)
            die("bad param count");
        bn_u32 *p = (bn_u32 *)readn((size_t)np * 4);
        d.p = p;
        for (int i = 0; i < 3; i++)
            d.groups[i] = read_i32();
        for (int i = 0; i < 3; i++)
            d.threads[i] = read_i32();
        if (!emu_run(&d)) {
            fprintf(stderr, "harness: kernel %s: not emulated, or %d threads\n", name, d.threads[0]);
            exit(2);
        }
        free(name);
        free(p);
    }
    for (int i = 0; i < nbufs; i++)
        writen(bufs[i], (size_t)sizes[i]);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        die("usage: harness bitlinear|quant|act|program < input > output");
    if (!strcmp(argv[1], "bitlinear"))
        bitlinear();
    else if (!strcmp(argv[1], "quant"))
        quant();
    else if (!strcmp(argv[1], "act"))
        act();
    else if (!strcmp(argv[1], "program"))
        program();
    else
        die("unknown mode");
    return fflush(stdout) == 0 ? 0 : 2;
}
