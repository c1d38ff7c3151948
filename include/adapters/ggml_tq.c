/*
 * ggml_tq.c - bitnet_bench.h over ggml's ternary types TQ2_0 and TQ1_0,
 * run through ggml_mul_mat on ggml's CPU backend (its own graph planner and
 * thread pool, BB_FLAG_THREADS sets the thread count).
 *
 * Build against a ggml checkout (https://github.com/ggml-org/ggml) you
 * built with cmake (-DBUILD_SHARED_LIBS=ON):
 *
 *     G=/path/to/ggml
 *     gcc -O2 -shared -fPIC -I include -I $G/include -o libbb_ggml.so include/adapters/ggml_tq.c \
 *         -L $G/build/src -lggml -lggml-base -lggml-cpu -Wl,-rpath,$G/build/src
 *
 * Kernels: ext-ggml-tq2_0 (2.0625 bits/weight) and ext-ggml-tq1_0
 * (1.6875 bits/weight), K a multiple of 256.
 *
 * Weights: prepare hands ggml the floats code*scale[n] and lets
 * ggml_quantize_chunk pack them; each 256-block then carries the row's
 * scale as ggml's f16 d (so y is within 2^-11 of the reference, inside the
 * check's 1e-3).
 * Activations: bitnet-bench's int8 tokens are ggml's Q8_K blocks as they
 * are (qs = xq, d = 1/x_scale, bsums the 16-sums), the type ggml's TQ dot
 * products take, so ggml_mul_mat gets them without requantizing. Filling
 * the blocks is inside the timed run (M*K bytes, next to N*K/4 of weights).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitnet_bench.h"
#include "ggml-cpu.h"
#include "ggml.h"

#define QK 256 /* QK_K */

/* ggml's block_q8_K (src/ggml-common.h, not installed); prepare checks the
 * size against ggml_type_size. */
typedef struct {
	float d;
	int8_t qs[QK];
	int16_t bsums[QK / 16];
} q8k_block;

static const bb_kernel_info kernels[] = {
	{"tq2_0", "ggml TQ2_0: 2 bits/weight + f16 scale per 256 (2.0625 b/w)", BB_OP_BITLINEAR, BB_ACT_I8,
	 BB_DEVICE_CPU, BB_FLAG_THREADS, QK, 1},
	{"tq1_0", "ggml TQ1_0: base-3, 5 weights/byte + f16 scale per 256 (1.6875 b/w)", BB_OP_BITLINEAR,
	 BB_ACT_I8, BB_DEVICE_CPU, BB_FLAG_THREADS, QK, 1},
};
static const enum ggml_type types[] = {GGML_TYPE_TQ2_0, GGML_TYPE_TQ1_0};

static char version[128];
static bb_library_info info = {BITNET_BENCH_ABI_VERSION, 2, "ggml", version, kernels};

uint32_t bitnet_bench_abi_version(void) { return BITNET_BENCH_ABI_VERSION; }

const bb_library_info *bitnet_bench_info(void) {
	snprintf(version, sizeof version, "ggml %s (%s)", ggml_version(), ggml_commit());
	return &info;
}

typedef struct {
	int64_t n, k, max_m;
	int threads;
	struct ggml_context *data; /* W and X */
	struct ggml_tensor *w, *x;
	struct ggml_context *graph; /* the graph for graph_m tokens */
	struct ggml_cgraph *gf;
	struct ggml_tensor *out;
	int64_t graph_m;
	struct ggml_threadpool *pool;
	struct ggml_cplan plan;
	void *work;
} handle;

void bitnet_bench_free(void *hp) {
	handle *h = hp;
	if (!h)
		return;
	if (h->graph)
		ggml_free(h->graph);
	if (h->data)
		ggml_free(h->data);
	if (h->pool)
		ggml_threadpool_free(h->pool);
	free(h->work);
	free(h);
}

int32_t bitnet_bench_prepare(const bb_problem *p, void **out, char *err, size_t err_len) {
	if (p->struct_size < sizeof(bb_problem) || p->kernel >= info.n_kernels || p->activations != BB_ACT_I8) {
		snprintf(err, err_len, "bad problem (struct_size %u, kernel %u, activations %u)", p->struct_size,
		         p->kernel, p->activations);
		return 1;
	}
	if (ggml_type_size(GGML_TYPE_Q8_K) != sizeof(q8k_block) || ggml_blck_size(GGML_TYPE_Q8_K) != QK) {
		snprintf(err, err_len, "this ggml's Q8_K block is %zu bytes, the adapter's %zu: rebuild the adapter",
		         ggml_type_size(GGML_TYPE_Q8_K), sizeof(q8k_block));
		return 1;
	}
	if (p->k % QK != 0) {
		snprintf(err, err_len, "K = %lld is not a multiple of %d", (long long)p->k, QK);
		return 1;
	}
	enum ggml_type type = types[p->kernel];
	handle *h = calloc(1, sizeof *h);
	h->n = p->n, h->k = p->k, h->max_m = p->max_m;
	h->threads = p->threads > 0 ? p->threads : 1;
	size_t wbytes = ggml_row_size(type, p->k) * (size_t)p->n;
	size_t xbytes = ggml_row_size(GGML_TYPE_Q8_K, p->k) * (size_t)p->max_m;
	struct ggml_init_params ip = {wbytes + xbytes + 4 * ggml_tensor_overhead() + 1024, NULL, false};
	h->data = ggml_init(ip);
	if (!h->data) {
		snprintf(err, err_len, "ggml_init(%zu bytes) failed", ip.mem_size);
		bitnet_bench_free(h);
		return 1;
	}
	h->w = ggml_new_tensor_2d(h->data, type, p->k, p->n);
	h->x = ggml_new_tensor_2d(h->data, GGML_TYPE_Q8_K, p->k, p->max_m);

	/* ggml packs from floats: code * row scale. */
	float *f = malloc((size_t)(p->n * p->k) * sizeof(float));
	for (int64_t n = 0; n < p->n; n++)
		for (int64_t k = 0; k < p->k; k++)
			f[n * p->k + k] = (float)p->codes[n * p->k + k] * p->scales[n];
	ggml_quantize_init(type);
	size_t wrote = ggml_quantize_chunk(type, f, h->w->data, 0, p->n, p->k, NULL);
	free(f);
	if (wrote != wbytes) {
		snprintf(err, err_len, "ggml_quantize_chunk wrote %zu bytes, want %zu", wrote, wbytes);
		bitnet_bench_free(h);
		return 1;
	}
	struct ggml_threadpool_params tpp = ggml_threadpool_params_default(h->threads);
	h->pool = ggml_threadpool_new(&tpp);
	if (!h->pool) {
		snprintf(err, err_len, "ggml_threadpool_new(%d) failed", h->threads);
		bitnet_bench_free(h);
		return 1;
	}
	*out = h;
	return 0;
}

/* graph builds y = W x for m tokens (a view of the first m rows of X). */
static int graph(handle *h, int64_t m) {
	if (h->graph && h->graph_m == m)
		return 0;
	if (h->graph)
		ggml_free(h->graph);
	struct ggml_init_params ip = {ggml_graph_overhead() + 4 * ggml_tensor_overhead() + 1024, NULL, true};
	h->graph = ggml_init(ip);
	if (!h->graph)
		return -1;
	struct ggml_tensor *xv = ggml_view_2d(h->graph, h->x, h->k, m, h->x->nb[1], 0);
	h->out = ggml_mul_mat(h->graph, h->w, xv);
	h->gf = ggml_new_graph(h->graph);
	ggml_build_forward_expand(h->gf, h->out);
	h->plan = ggml_graph_plan(h->gf, h->threads, h->pool);
	free(h->work);
	h->work = h->plan.work_size ? malloc(h->plan.work_size) : NULL;
	h->plan.work_data = h->work;
	h->graph_m = m;
	return 0;
}

int32_t bitnet_bench_run(void *hp, int64_t m, const void *x, const float *x_scales, float *y, char *err,
                         size_t err_len) {
	handle *h = hp;
	if (m < 1 || m > h->max_m) {
		snprintf(err, err_len, "m = %lld outside 1..%lld", (long long)m, (long long)h->max_m);
		return 2;
	}
	if (graph(h, m) != 0) {
		snprintf(err, err_len, "ggml_init for the graph failed");
		return 1;
	}
	/* Our int8 tokens as Q8_K blocks: the same integers, d = 1/x_scale. */
	const int8_t *xq = x;
	q8k_block *b = h->x->data;
	for (int64_t t = 0; t < m; t++) {
		float d = 1.0f / x_scales[t];
		for (int64_t j = 0; j < h->k / QK; j++, b++) {
			const int8_t *src = xq + t * h->k + j * QK;
			b->d = d;
			memcpy(b->qs, src, QK);
			for (int g = 0; g < QK / 16; g++) {
				int s = 0;
				for (int i = 0; i < 16; i++)
					s += src[g * 16 + i];
				b->bsums[g] = (int16_t)s;
			}
		}
	}
	h->out->data = y; /* ggml writes y (N x m, row per token) in place */
	enum ggml_status st = ggml_graph_compute(h->gf, &h->plan);
	if (st != GGML_STATUS_SUCCESS) {
		snprintf(err, err_len, "ggml_graph_compute: status %d", (int)st);
		return 1;
	}
	return 0;
}
