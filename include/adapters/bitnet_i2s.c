/*
 * bitnet_i2s.c - bitnet_bench.h over bitnet.cpp's I2_S kernels
 * (https://github.com/microsoft/BitNet, src/ggml-bitnet-mad.cpp): weights
 * packed by its quantize_i2_s, products by its ggml_vec_dot_i2_i8_s, called
 * as BitNet's own GEMM benchmark (utils/test_gemm_kernel.sh) calls it.
 *
 * Build BitNet's ggml (its 3rdparty/llama.cpp submodule, which compiles
 * src/ggml-bitnet-mad.cpp into libggml) with cmake, then:
 *
 *     B=/path/to/BitNet
 *     gcc -O2 -march=native -shared -fPIC -I include -I $B/include -o libbb_bitnet.so \
 *         include/adapters/bitnet_i2s.c -L $B/3rdparty/llama.cpp/ggml/build/src -lggml \
 *         -Wl,-rpath,$B/3rdparty/llama.cpp/ggml/build/src
 *
 * -I $B/include gives gemm-config.h, the block sizes the kernels were built
 * with (ACT_PARALLEL, ROW_BLOCK_SIZE, COL_BLOCK_SIZE, PARALLEL_SIZE).
 *
 * One kernel, ext-bitnet-i2_s: K a multiple of 128 (x86's QK_I2_S), one
 * thread. A run is BitNet's GEMM loop: tokens in blocks of ROW_BLOCK_SIZE,
 * outputs in blocks of COL_BLOCK_SIZE, one ggml_vec_dot_i2_i8_s per output
 * and token block. With ACT_PARALLEL a block of PARALLEL_SIZE tokens goes
 * to the activation-parallel kernel (Nx1); a token left over (M = 1 is the
 * one-token GEMV) goes alone to the 1x1 kernel. The kernels return
 * sum((w+1)*x); as in BitNet's ggml.c, the epilogue subtracts the token's
 * sum of x and applies the weight and activation scales.
 *
 * I2_S has one scale per tensor: a problem with per-row scales is refused.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitnet_bench.h"
#include "gemm-config.h"

/* From BitNet's src/ggml-bitnet-mad.cpp (extern "C" through ggml-quants.h). */
size_t quantize_i2_s(const float *src, void *dst, int64_t nrow, int64_t n_per_row, const float *quant_weights);
void ggml_vec_dot_i2_i8_s(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy, size_t by, int nrc);

#define QK_I2_S 128

static const bb_kernel_info kernels[] = {
	{"i2_s", "bitnet.cpp I2_S: 2 bits/weight, one f32 scale per tensor", BB_OP_BITLINEAR, BB_ACT_I8, BB_DEVICE_CPU,
	 0, QK_I2_S, 1},
};

static bb_library_info info = {BITNET_BENCH_ABI_VERSION, 1, "bitnet", "microsoft/BitNet I2_S (ggml-bitnet-mad.cpp)",
                               kernels};

uint32_t bitnet_bench_abi_version(void) { return BITNET_BENCH_ABI_VERSION; }

const bb_library_info *bitnet_bench_info(void) { return &info; }

typedef struct {
	int64_t n, k, max_m;
	uint8_t *w; /* I2_S layout, N*K/4 bytes (+ the scale quantize_i2_s appends) */
	float scale;
	float *s;    /* M x N raw sums */
	float *sums; /* per token: sum of x */
} handle;

void bitnet_bench_free(void *hp) {
	handle *h = hp;
	if (!h)
		return;
	free(h->w);
	free(h->s);
	free(h->sums);
	free(h);
}

int32_t bitnet_bench_prepare(const bb_problem *p, void **out, char *err, size_t err_len) {
	if (p->struct_size < sizeof(bb_problem) || p->kernel != 0 || p->activations != BB_ACT_I8) {
		snprintf(err, err_len, "bad problem (struct_size %u, kernel %u, activations %u)", p->struct_size,
		         p->kernel, p->activations);
		return 1;
	}
	if (p->k % QK_I2_S != 0) {
		snprintf(err, err_len, "K = %lld: I2_S takes K a multiple of %d", (long long)p->k, QK_I2_S);
		return 1;
	}
	for (int64_t n = 1; n < p->n; n++) {
		if (p->scales[n] != p->scales[0]) {
			snprintf(err, err_len, "row %lld has scale %g, row 0 %g: I2_S has one scale per tensor",
			         (long long)n, p->scales[n], p->scales[0]);
			return 1;
		}
	}
	handle *h = calloc(1, sizeof *h);
	h->n = p->n, h->k = p->k, h->max_m = p->max_m;
	h->scale = p->scales[0];
	/* quantize_i2_s maps x > 0 to +1, x < 0 to -1, |x| < 1e-6 to 0: the
	 * codes themselves, as floats; its scale (max|x| = 1) is unused. */
	float *f = malloc((size_t)(p->n * p->k) * sizeof(float));
	for (int64_t i = 0; i < p->n * p->k; i++)
		f[i] = (float)p->codes[i];
	h->w = aligned_alloc(64, (size_t)(p->n * p->k / 4) + 64);
	quantize_i2_s(f, h->w, p->n, p->k, NULL);
	free(f);
	h->s = malloc((size_t)(p->max_m * p->n) * sizeof(float));
	h->sums = malloc((size_t)p->max_m * sizeof(float));
	*out = h;
	return 0;
}

/* gemm is BitNet's ggml_gemm_i2_i8_s (utils/test_gemm_kernel.sh), with a
 * token block that is not a multiple of PARALLEL_SIZE run token by token. */
static void gemm(int n, float *s, size_t bs, const void *vx, const void *vy, int nr, int nc) {
	for (int64_t c0 = 0; c0 < nc; c0 += COL_BLOCK_SIZE) {
		int64_t cur_c = (c0 + COL_BLOCK_SIZE <= nc) ? COL_BLOCK_SIZE : (nc - c0);
		for (int64_t r0 = 0; r0 < nr; r0 += ROW_BLOCK_SIZE) {
			int64_t cur_r = (r0 + ROW_BLOCK_SIZE <= nr) ? ROW_BLOCK_SIZE : (nr - r0);
			for (int64_t c = 0; c < cur_c; ++c) {
				const int64_t col = c0 + c;
				const uint8_t *vx_col = (const uint8_t *)vx + col * n / 4;
				if (cur_r % PARALLEL_SIZE == 0) {
					ggml_vec_dot_i2_i8_s(n, s + col + r0 * bs, bs, vx_col, n,
					                     (const int8_t *)vy + r0 * n, n, (int)cur_r);
				} else {
					for (int64_t r = r0; r < r0 + cur_r; r++)
						ggml_vec_dot_i2_i8_s(n, s + col + r * bs, bs, vx_col, n,
						                     (const int8_t *)vy + r * n, n, 1);
				}
			}
		}
	}
}

int32_t bitnet_bench_run(void *hp, int64_t m, const void *x, const float *x_scales, float *y, char *err,
                         size_t err_len) {
	handle *h = hp;
	if (m < 1 || m > h->max_m) {
		snprintf(err, err_len, "m = %lld outside 1..%lld", (long long)m, (long long)h->max_m);
		return 2;
	}
	const int8_t *xq = x;
	for (int64_t t = 0; t < m; t++) { /* BitNet's quantize_row_i8_s computes these beside the scale */
		int32_t sum = 0;
		for (int64_t k = 0; k < h->k; k++)
			sum += xq[t * h->k + k];
		h->sums[t] = (float)sum;
	}
	gemm((int)h->k, h->s, (size_t)h->n, h->w, xq, (int)m, (int)h->n);
	for (int64_t t = 0; t < m; t++) {
		for (int64_t n = 0; n < h->n; n++) { /* BitNet's ggml.c: (tmp - act_sum) / act_scale * scale */
			y[t * h->n + n] = (h->s[t * h->n + n] - h->sums[t]) / x_scales[t] * h->scale;
		}
	}
	return 0;
}
