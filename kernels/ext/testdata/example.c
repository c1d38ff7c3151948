/*
 * example.c - a minimal plugin for include/bitnet_bench.h, used by the
 * tests and CI: plain C loops, no SIMD. Built with
 *
 *     gcc -O2 -shared -fPIC -I include -o libexample.so kernels/ext/testdata/example.c
 *
 * Two kernels: "" (ext-example) takes int8 activations and times itself;
 * "f32" (ext-example-f32) takes float activations and quantizes them per
 * token as bitnet-bench does. With -DWRONG the library is "wrong" and its
 * kernel reads each output's weights from the next row (a deliberate bug
 * the reference check must catch); other -D flags make the broken
 * libraries of the failure-path tests (see bad_* below).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bitnet_bench.h"

#ifdef WRONG
#define LIB_NAME "wrong"
#else
#define LIB_NAME "example"
#endif

static const bb_kernel_info kernels[] = {
#ifdef CUDA_KERNEL /* claims device pointers: only its unavailability without a GPU is tested */
	{"", "int8 codes, one byte per weight", BB_OP_BITLINEAR, BB_ACT_I8, BB_DEVICE_CUDA, 0, 1, 1},
#else
	{"", "int8 codes, one byte per weight", BB_OP_BITLINEAR, BB_ACT_I8, BB_DEVICE_CPU, BB_FLAG_TIMES_SELF, 1, 1},
#endif
	{"f32", "int8 codes, one byte per weight; quantizes f32 activations per token", BB_OP_BITLINEAR, BB_ACT_F32,
	 BB_DEVICE_CPU, 0, 1, 1},
};

static const bb_library_info info = {
#ifdef BAD_INFO_VERSION
	7,
#else
	BITNET_BENCH_ABI_VERSION,
#endif
	2, LIB_NAME, "1.0", kernels};

uint32_t bitnet_bench_abi_version(void) {
#ifdef BAD_ABI
	return BITNET_BENCH_ABI_VERSION + 98;
#else
	return BITNET_BENCH_ABI_VERSION;
#endif
}

const bb_library_info *bitnet_bench_info(void) { return &info; }

typedef struct {
	uint32_t kernel;
	int64_t n, k, max_m;
	int8_t *codes;
	float *scales;
	int8_t *xq; /* the f32 kernel's quantized activations */
	float *xs;
	int64_t last_ns;
} handle;

int32_t bitnet_bench_prepare(const bb_problem *p, void **out, char *err, size_t err_len) {
#ifdef CRASH_PREPARE
	*(volatile int *)0 = 1; /* a segfault, as a buggy library would */
#endif
#ifdef FAIL_PREPARE
	snprintf(err, err_len, "this build refuses every problem (N=%lld)", (long long)p->n);
	return 7;
#endif
	if (p->struct_size < sizeof(bb_problem) || p->kernel >= info.n_kernels) {
		snprintf(err, err_len, "bad problem (struct_size %u, kernel %u)", p->struct_size, p->kernel);
		return 1;
	}
	handle *h = calloc(1, sizeof *h);
	h->kernel = p->kernel;
	h->n = p->n, h->k = p->k, h->max_m = p->max_m;
	h->codes = malloc((size_t)(p->n * p->k));
	h->scales = malloc((size_t)p->n * sizeof(float));
	h->xq = malloc((size_t)(p->max_m * p->k));
	h->xs = malloc((size_t)p->max_m * sizeof(float));
	memcpy(h->codes, p->codes, (size_t)(p->n * p->k));
	memcpy(h->scales, p->scales, (size_t)p->n * sizeof(float));
	*out = h;
	return 0;
}

/* example_row is exported and called through the PLT, in the correct and
 * the wrong build alike: were the libraries loaded into one global symbol
 * scope, the second would call the first's (the test of RTLD_LOCAL). */
const int8_t *example_row(const int8_t *codes, int64_t rows, int64_t k, int64_t n) {
#ifdef WRONG
	return codes + ((n + 1) % rows) * k;
#else
	(void)rows;
	return codes + n * k;
#endif
}

/* quantize is bitnet-bench's per-token absmax: s = 127/max|x|, q = round(x*s). */
static void quantize(const float *x, int64_t k, int8_t *q, float *s) {
	float m = 1e-5f;
	for (int64_t i = 0; i < k; i++)
		m = fmaxf(m, fabsf(x[i]));
	*s = 127.0f / m;
	for (int64_t i = 0; i < k; i++) {
		float v = roundf(x[i] * *s);
		q[i] = (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
	}
}

int32_t bitnet_bench_run(void *hp, int64_t m, const void *x, const float *x_scales, float *y, char *err,
                         size_t err_len) {
	handle *h = hp;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (m < 1 || m > h->max_m) {
		snprintf(err, err_len, "m = %lld outside 1..%lld", (long long)m, (long long)h->max_m);
		return 2;
	}
	const int8_t *xq = x;
	if (h->kernel == 1) {
		for (int64_t t = 0; t < m; t++)
			quantize((const float *)x + t * h->k, h->k, h->xq + t * h->k, &h->xs[t]);
		xq = h->xq;
		x_scales = h->xs;
	}
	for (int64_t t = 0; t < m; t++) {
		for (int64_t n = 0; n < h->n; n++) {
			const int8_t *w = example_row(h->codes, h->n, h->k, n);
			int32_t acc = 0;
			for (int64_t k = 0; k < h->k; k++)
				acc += (int32_t)w[k] * xq[t * h->k + k];
			y[t * h->n + n] = (float)acc * h->scales[n] / x_scales[t];
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	h->last_ns = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
	return 0;
}

int64_t bitnet_bench_last_run_ns(void *hp) { return ((handle *)hp)->last_ns; }

#ifndef MISSING_FREE
void bitnet_bench_free(void *hp) {
	handle *h = hp;
	free(h->codes);
	free(h->scales);
	free(h->xq);
	free(h->xs);
	free(h);
}
#endif
