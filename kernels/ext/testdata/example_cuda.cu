/*
 * example_cuda.cu - a minimal CUDA plugin for include/bitnet_bench.h
 * (BB_DEVICE_CUDA): what a user's own GPU kernel in a shared library looks
 * like to bitnet-bench. Built with nvcc (the tests do it when nvcc and a GPU
 * are there; CI has neither):
 *
 *     nvcc -O2 -shared -Xcompiler -fPIC -I include -o libexcuda.so kernels/ext/testdata/example_cuda.cu
 *
 * One kernel, int8 activations: the weights are kept as int8 codes, one
 * byte each (no packing), and a warp computes one output row of one token
 * with dp4a. x, x_scales and y are device pointers bitnet-bench owns; the
 * launch goes on the stream bitnet-bench passed to prepare, which records
 * CUDA events around run and synchronizes. With -DWRONG the library is
 * "wrongcuda" and reads each row's weights from the next row, a bug the
 * reference check must catch before any timing.
 */
#include <cuda_runtime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bitnet_bench.h"

#ifdef WRONG
#define LIB_NAME "wrongcuda"
#else
#define LIB_NAME "excuda"
#endif

static const bb_kernel_info kernels[] = {
	{"", "int8 codes, one byte per weight, dp4a, a warp per output", BB_OP_BITLINEAR, BB_ACT_I8, BB_DEVICE_CUDA, 0, 4,
	 1},
};

static const bb_library_info info = {BITNET_BENCH_ABI_VERSION, 1, LIB_NAME, "1.0", kernels};

extern "C" uint32_t bitnet_bench_abi_version(void) { return BITNET_BENCH_ABI_VERSION; }

extern "C" const bb_library_info *bitnet_bench_info(void) { return &info; }

typedef struct {
	int64_t n, k, max_m;
	int8_t *codes; /* device: n x k */
	float *scales; /* device: n */
	cudaStream_t stream;
} handle;

/* row: one warp per (output n, token t); K a multiple of 4 (k_multiple). */
__global__ void excuda_bitlinear(const int8_t *__restrict__ codes, const float *__restrict__ scales,
                                 const int8_t *__restrict__ x, const float *__restrict__ xs, float *__restrict__ y,
                                 int n, int k)
{
	const int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32, t = blockIdx.y;
	if (row >= n)
		return;
#ifdef WRONG
	const int src = (row + 1) % n;
#else
	const int src = row;
#endif
	const int *w = (const int *)(codes + (size_t)src * k);
	const int *a = (const int *)(x + (size_t)t * k);
	int acc = 0;
	for (int i = lane; i < k / 4; i += 32)
		acc = __dp4a(w[i], a[i], acc);
	for (int o = 16; o > 0; o >>= 1)
		acc += __shfl_xor_sync(0xffffffffu, acc, o);
	if (lane == 0)
		y[(size_t)t * n + row] = (float)acc * scales[row] / xs[t];
}

static int32_t cuda_err(cudaError_t e, const char *what, char *err, size_t err_len)
{
	if (e == cudaSuccess)
		return 0;
	snprintf(err, err_len, "%s: %s", what, cudaGetErrorString(e));
	return 1;
}

extern "C" int32_t bitnet_bench_prepare(const bb_problem *p, void **out, char *err, size_t err_len)
{
	if (p->struct_size < sizeof(bb_problem) || p->kernel != 0 || p->activations != BB_ACT_I8) {
		snprintf(err, err_len, "bad problem (struct_size %u, kernel %u, activations %u)", p->struct_size, p->kernel,
		         p->activations);
		return 1;
	}
	if (p->k % 4 != 0) {
		snprintf(err, err_len, "K = %lld is not a multiple of 4", (long long)p->k);
		return 1;
	}
	handle *h = (handle *)calloc(1, sizeof *h);
	h->n = p->n, h->k = p->k, h->max_m = p->max_m;
	h->stream = (cudaStream_t)p->stream;
	int32_t rc = cuda_err(cudaMalloc(&h->codes, (size_t)(p->n * p->k)), "cudaMalloc", err, err_len);
	if (!rc)
		rc = cuda_err(cudaMalloc(&h->scales, (size_t)p->n * sizeof(float)), "cudaMalloc", err, err_len);
	if (!rc)
		rc = cuda_err(cudaMemcpy(h->codes, p->codes, (size_t)(p->n * p->k), cudaMemcpyHostToDevice), "cudaMemcpy",
		              err, err_len);
	if (!rc)
		rc = cuda_err(cudaMemcpy(h->scales, p->scales, (size_t)p->n * sizeof(float), cudaMemcpyHostToDevice),
		              "cudaMemcpy", err, err_len);
	if (rc) {
		cudaFree(h->codes);
		cudaFree(h->scales);
		free(h);
		return rc;
	}
	*out = h;
	return 0;
}

extern "C" int32_t bitnet_bench_run(void *hp, int64_t m, const void *x, const float *x_scales, float *y, char *err,
                                    size_t err_len)
{
	handle *h = (handle *)hp;
	if (m < 1 || m > h->max_m) {
		snprintf(err, err_len, "m = %lld outside 1..%lld", (long long)m, (long long)h->max_m);
		return 2;
	}
	dim3 grid((unsigned)((h->n + 7) / 8), (unsigned)m);
	excuda_bitlinear<<<grid, 256, 0, h->stream>>>(h->codes, h->scales, (const int8_t *)x, x_scales, y, (int)h->n,
	                                              (int)h->k);
	return cuda_err(cudaGetLastError(), "launch", err, err_len);
}

extern "C" void bitnet_bench_free(void *hp)
{
	handle *h = (handle *)hp;
	cudaFree(h->codes);
	cudaFree(h->scales);
	free(h);
}
