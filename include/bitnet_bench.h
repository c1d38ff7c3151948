/*
 * bitnet_bench.h - the C ABI through which bitnet-bench loads external
 * ternary (BitNet b1.58) kernels from a shared library.
 *
 * A library that exports the functions below can be measured beside
 * bitnet-bench's own kernels:
 *
 *     bitnet-bench compare --operations bitlinear --devices cpu,ext:/path/libfoo.so --output out
 *
 * bitnet-bench loads it with dlopen (purego, no cgo), checks the ABI version,
 * hands each problem over as canonical ternary codes and scales (the library
 * packs them into its own layout in prepare), checks the kernel's output
 * against the pure-Go reference before timing it (a kernel that disagrees is
 * reported "wrong", never timed), then times run().
 *
 * Contract of the one op so far, BitLinear, for m < M tokens, n < N outputs:
 *
 *     y[m*N + n] = (sum_k codes[n*K + k] * xq[m*K + k]) * scales[n] / x_scales[m]
 *
 * with codes in {-1, 0, +1}, xq int8 (-128..127) and the integer sum exact.
 * The check allows rounding: |y - ref| <= 1e-3 * max|ref| of the token
 * (a kernel that rounds its weight scale to f16, as ggml does, passes;
 * a wrong code, block or token does not).
 *
 * Versioning: bitnet_bench_abi_version() is read first and must equal the
 * BITNET_BENCH_ABI_VERSION bitnet-bench was built with; nothing else is
 * called on a mismatch. Any change to a struct or signature below bumps it.
 * Structs use fixed-width fields in an order with no padding surprises
 * (pointers and 64-bit fields 8-aligned) on LP64 targets.
 *
 * Threads: bitnet-bench calls one library from one OS thread at a time;
 * prepare, run and free of one handle may come from different threads.
 *
 * Example plugin: kernels/ext/testdata/example.c; adapters over ggml and
 * bitnet.cpp: include/adapters/.
 */
#ifndef BITNET_BENCH_H
#define BITNET_BENCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BITNET_BENCH_ABI_VERSION 1u

/* Ops (bb_kernel_info.op). */
#define BB_OP_BITLINEAR 1u /* packed ternary weights x activations, the contract above */

/* Activations a kernel takes (bb_kernel_info.activations is a mask of
 * these; bb_problem.activations is one of them). */
#define BB_ACT_I8 1u  /* x is M x K int8 (xq), x_scales M floats: what bitnet-bench's kernels take */
#define BB_ACT_F32 2u /* x is M x K float (xq / x_scale), x_scales NULL: the kernel quantizes itself */

/* Where operands live (bb_kernel_info.device). */
#define BB_DEVICE_CPU 0u  /* host pointers; run returns when y is written */
#define BB_DEVICE_CUDA 1u /* x, x_scales, y are CUDA device pointers (CUdeviceptr);
                           * run enqueues on bb_problem.stream and may return before
                           * the work is done: bitnet-bench records CUDA events around
                           * run on that stream and synchronizes */

/* Flags (bb_kernel_info.flags). */
#define BB_FLAG_THREADS 1u    /* honours bb_problem.threads (CPU) */
#define BB_FLAG_TIMES_SELF 2u /* bitnet_bench_last_run_ns is exported and reports the
                               * kernel's own time of the last run (CPU kernels; CUDA
                               * kernels are timed with events by bitnet-bench) */

/* One kernel of the library. */
typedef struct bb_kernel_info {
	const char *name;          /* [a-z0-9_.-]*, unique in the library; the case target is
	                            * ext-<library>-<name>, or ext-<library> when name is "" */
	const char *weight_format; /* free text, e.g. "ggml TQ2_0: 2.06 bits/weight, f16 scale per 256" */
	uint32_t op;               /* BB_OP_* */
	uint32_t activations;      /* mask of BB_ACT_*; bitnet-bench uses BB_ACT_I8 when offered */
	uint32_t device;           /* BB_DEVICE_* */
	uint32_t flags;            /* mask of BB_FLAG_* */
	int64_t k_multiple;        /* K must be a multiple of this (1: any K) */
	int64_t n_multiple;        /* N must be a multiple of this (1: any N) */
} bb_kernel_info;

/* What the library says about itself; static storage, valid while loaded. */
typedef struct bb_library_info {
	uint32_t abi_version;          /* BITNET_BENCH_ABI_VERSION */
	uint32_t n_kernels;            /* entries in kernels, at least 1 */
	const char *name;              /* [a-z0-9_.-]+, e.g. "ggml" */
	const char *version;           /* free text: the library's (or its peer's) version */
	const bb_kernel_info *kernels; /* n_kernels entries */
} bb_library_info;

/* One problem: a weight matrix bound to a kernel, run many times. */
typedef struct bb_problem {
	uint32_t struct_size;  /* sizeof(bb_problem) as bitnet-bench knows it */
	uint32_t kernel;       /* index into bb_library_info.kernels */
	uint32_t activations;  /* BB_ACT_I8 or BB_ACT_F32: what every run passes */
	int32_t threads;       /* CPU threads to use (BB_FLAG_THREADS); 0: the library's default */
	int64_t n, k;          /* output and input features */
	int64_t max_m;         /* the most tokens a run passes */
	const int8_t *codes;   /* N x K ternary codes in {-1, 0, +1}, row-major; host memory,
	                        * valid during prepare only: pack them into your own layout */
	const float *scales;   /* N weight scales, one per output row (a per-tensor scale is
	                        * repeated); host memory, valid during prepare only */
	void *stream;          /* BB_DEVICE_CUDA: the CUstream (cudaStream_t) runs are enqueued
	                        * on, in the device's primary context (current on the calling
	                        * thread); NULL on the CPU */
} bb_problem;

/* Required. Returns BITNET_BENCH_ABI_VERSION as the library was built. */
uint32_t bitnet_bench_abi_version(void);

/* Required. Describes the library and its kernels. */
const bb_library_info *bitnet_bench_info(void);

/* Required. Binds p to a new handle in *handle. Returns 0, or nonzero with a
 * NUL-terminated message of at most err_len bytes in err (e.g. an
 * unsupported shape). */
int32_t bitnet_bench_prepare(const bb_problem *p, void **handle, char *err, size_t err_len);

/* Required. Runs the op for m tokens (1 <= m <= max_m): x is m x K
 * activations of the problem's type, x_scales m floats (BB_ACT_I8) or NULL,
 * y receives m x N floats. Every call recomputes y from x. Returns 0, or
 * nonzero with a message in err. */
int32_t bitnet_bench_run(void *handle, int64_t m, const void *x, const float *x_scales, float *y,
                         char *err, size_t err_len);

/* Required. Releases a handle from prepare. */
void bitnet_bench_free(void *handle);

/* Optional (BB_FLAG_TIMES_SELF): the kernel's own time of the handle's last
 * run in nanoseconds, reported beside the wall time as device-ns/op. */
int64_t bitnet_bench_last_run_ns(void *handle);

#ifdef __cplusplus
}
#endif

#endif /* BITNET_BENCH_H */
