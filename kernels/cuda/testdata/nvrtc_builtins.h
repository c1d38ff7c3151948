// nvrtc_builtins.h: declarations of the CUDA device built-ins that NVRTC
// gives a program without any #include, so that clang can check
// shaders/cuda/*.cu for syntax and types on a machine with no CUDA toolkit
// (TestCUDASourcesCompileWithClang, clang -x cuda --cuda-device-only
// -nocudainc -fsyntax-only -include this file).
//
// Declarations only, written from the CUDA C++ Programming Guide's lists
// of built-ins: nothing here is ever compiled to code. Keep it to what
// NVRTC really provides without a header (no <cstdint> types, no
// INFINITY, no __half): a name declared here that NVRTC lacks would let a
// broken source pass. A source that needs a built-in not declared here
// fails the test with "undeclared identifier"; add its declaration(s),
// with the overloads CUDA documents, in the matching section.

#ifndef BITNET_NVRTC_BUILTINS_H
#define BITNET_NVRTC_BUILTINS_H

// What NVRTC predefines.
#define __CUDACC__ 1
#define __CUDACC_RTC__ 1

// Execution space and memory qualifiers (clang's own attributes).
#define __host__ __attribute__((host))
#define __device__ __attribute__((device))
#define __global__ __attribute__((global))
#define __shared__ __attribute__((shared))
#define __constant__ __attribute__((constant))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __align__(n) __attribute__((aligned(n)))
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))
// sm_90's thread block clusters (tck.cu); clang 14 has no such attribute.
#define __cluster_dims__(...)

typedef __SIZE_TYPE__ size_t;
typedef __PTRDIFF_TYPE__ ptrdiff_t;

// threadIdx, blockIdx, blockDim, gridDim: clang's resource header (part
// of clang, not of the CUDA toolkit); it needs uint3 and dim3 below.
#include <__clang_cuda_builtin_vars.h>

extern const __device__ int warpSize;

// ---- Vector types -------------------------------------------------------
// CUDA's alignment: 1-vectors and 3-vectors that of their element,
// 2-vectors twice their element's size, 4-vectors four times it up to 16.
#define BN_VECTOR_TYPES(T, N, A2, A4)                                           \
    struct N##1 { T x; };                                                       \
    struct __attribute__((aligned(A2))) N##2 { T x, y; };                       \
    struct N##3 { T x, y, z; };                                                 \
    struct __attribute__((aligned(A4))) N##4 { T x, y, z, w; };                 \
    __host__ __device__ N##1 make_##N##1(T x);                                  \
    __host__ __device__ N##2 make_##N##2(T x, T y);                             \
    __host__ __device__ N##3 make_##N##3(T x, T y, T z);                        \
    __host__ __device__ N##4 make_##N##4(T x, T y, T z, T w);

BN_VECTOR_TYPES(signed char, char, 2, 4)
BN_VECTOR_TYPES(unsigned char, uchar, 2, 4)
BN_VECTOR_TYPES(short, short, 4, 8)
BN_VECTOR_TYPES(unsigned short, ushort, 4, 8)
BN_VECTOR_TYPES(int, int, 8, 16)
BN_VECTOR_TYPES(unsigned int, uint, 8, 16)
BN_VECTOR_TYPES(long, long, 16, 16)
BN_VECTOR_TYPES(unsigned long, ulong, 16, 16)
BN_VECTOR_TYPES(long long, longlong, 16, 16)
BN_VECTOR_TYPES(unsigned long long, ulonglong, 16, 16)
BN_VECTOR_TYPES(float, float, 8, 16)
BN_VECTOR_TYPES(double, double, 16, 16)
#undef BN_VECTOR_TYPES

struct dim3 {
    unsigned int x, y, z;
    __host__ __device__ dim3(unsigned int x = 1, unsigned int y = 1, unsigned int z = 1);
    __host__ __device__ dim3(uint3 v);
    __host__ __device__ operator uint3() const;
};

// ---- Synchronisation and fences ----------------------------------------
__device__ void __syncthreads();
__device__ int __syncthreads_count(int predicate);
__device__ int __syncthreads_and(int predicate);
__device__ int __syncthreads_or(int predicate);
__device__ void __syncwarp(unsigned int mask = 0xffffffffu);
__device__ void __threadfence();
__device__ void __threadfence_block();
__device__ void __threadfence_system();
__device__ void __nanosleep(unsigned int ns);
__device__ void __trap();
__device__ void __brkpt();
__device__ long long clock64();
__device__ int clock();

// ---- Warp-level ---------------------------------------------------------
__device__ unsigned int __activemask();
__device__ unsigned int __ballot_sync(unsigned int mask, int predicate);
__device__ int __all_sync(unsigned int mask, int predicate);
__device__ int __any_sync(unsigned int mask, int predicate);
__device__ int __uni_sync(unsigned int mask, int predicate);

#define BN_SHFL(T)                                                                     \
    __device__ T __shfl_sync(unsigned int mask, T var, int srcLane, int width = 32);         \
    __device__ T __shfl_up_sync(unsigned int mask, T var, unsigned int delta, int width = 32); \
    __device__ T __shfl_down_sync(unsigned int mask, T var, unsigned int delta, int width = 32); \
    __device__ T __shfl_xor_sync(unsigned int mask, T var, int laneMask, int width = 32);    \
    __device__ unsigned int __match_any_sync(unsigned int mask, T value);                    \
    __device__ unsigned int __match_all_sync(unsigned int mask, T value, int* pred);
BN_SHFL(int)
BN_SHFL(unsigned int)
BN_SHFL(long)
BN_SHFL(unsigned long)
BN_SHFL(long long)
BN_SHFL(unsigned long long)
BN_SHFL(float)
BN_SHFL(double)
#undef BN_SHFL

// sm_80 warp reductions.
__device__ unsigned int __reduce_add_sync(unsigned int mask, unsigned int value);
__device__ int __reduce_add_sync(unsigned int mask, int value);
__device__ unsigned int __reduce_min_sync(unsigned int mask, unsigned int value);
__device__ int __reduce_min_sync(unsigned int mask, int value);
__device__ unsigned int __reduce_max_sync(unsigned int mask, unsigned int value);
__device__ int __reduce_max_sync(unsigned int mask, int value);
__device__ unsigned int __reduce_and_sync(unsigned int mask, unsigned int value);
__device__ unsigned int __reduce_or_sync(unsigned int mask, unsigned int value);
__device__ unsigned int __reduce_xor_sync(unsigned int mask, unsigned int value);

// ---- Loads and stores with cache hints ----------------------------------
#define BN_LDST(T)                                 \
    __device__ T __ldg(const T* p);                \
    __device__ T __ldcg(const T* p);               \
    __device__ T __ldca(const T* p);               \
    __device__ T __ldcs(const T* p);               \
    __device__ T __ldlu(const T* p);               \
    __device__ T __ldcv(const T* p);               \
    __device__ void __stwb(T* p, T v);             \
    __device__ void __stcg(T* p, T v);             \
    __device__ void __stcs(T* p, T v);             \
    __device__ void __stwt(T* p, T v);
BN_LDST(char)
BN_LDST(signed char)
BN_LDST(short)
BN_LDST(int)
BN_LDST(long)
BN_LDST(long long)
BN_LDST(unsigned char)
BN_LDST(unsigned short)
BN_LDST(unsigned int)
BN_LDST(unsigned long)
BN_LDST(unsigned long long)
BN_LDST(char2)
BN_LDST(char4)
BN_LDST(short2)
BN_LDST(short4)
BN_LDST(int2)
BN_LDST(int4)
BN_LDST(longlong2)
BN_LDST(uchar2)
BN_LDST(uchar4)
BN_LDST(ushort2)
BN_LDST(ushort4)
BN_LDST(uint2)
BN_LDST(uint4)
BN_LDST(ulonglong2)
BN_LDST(float)
BN_LDST(float2)
BN_LDST(float4)
BN_LDST(double)
BN_LDST(double2)
#undef BN_LDST

// ---- Address spaces -----------------------------------------------------
__device__ size_t __cvta_generic_to_shared(const void* p);
__device__ size_t __cvta_generic_to_global(const void* p);
__device__ void* __cvta_shared_to_generic(size_t a);
__device__ void* __cvta_global_to_generic(size_t a);
__device__ unsigned int __isShared(const void* p);
__device__ unsigned int __isGlobal(const void* p);
__device__ unsigned int __isConstant(const void* p);
__device__ unsigned int __isLocal(const void* p);

// ---- Integer intrinsics -------------------------------------------------
__device__ int __dp4a(int a, int b, int c);
__device__ unsigned int __dp4a(unsigned int a, unsigned int b, unsigned int c);
__device__ int __dp4a(char4 a, char4 b, int c);
__device__ unsigned int __dp4a(uchar4 a, uchar4 b, unsigned int c);
__device__ int __dp2a_lo(int a, int b, int c);
__device__ unsigned int __dp2a_lo(unsigned int a, unsigned int b, unsigned int c);
__device__ int __dp2a_lo(short2 a, char4 b, int c);
__device__ unsigned int __dp2a_lo(ushort2 a, uchar4 b, unsigned int c);
__device__ int __dp2a_hi(int a, int b, int c);
__device__ unsigned int __dp2a_hi(unsigned int a, unsigned int b, unsigned int c);
__device__ int __dp2a_hi(short2 a, char4 b, int c);
__device__ unsigned int __dp2a_hi(ushort2 a, uchar4 b, unsigned int c);
__device__ int __popc(unsigned int x);
__device__ int __popcll(unsigned long long x);
__device__ int __clz(int x);
__device__ int __clzll(long long x);
__device__ int __ffs(int x);
__device__ int __ffsll(long long x);
__device__ int __fns(unsigned int mask, unsigned int base, int offset);
__device__ unsigned int __brev(unsigned int x);
__device__ unsigned long long __brevll(unsigned long long x);
__device__ unsigned int __byte_perm(unsigned int x, unsigned int y, unsigned int s);
__device__ unsigned int __funnelshift_l(unsigned int lo, unsigned int hi, unsigned int shift);
__device__ unsigned int __funnelshift_lc(unsigned int lo, unsigned int hi, unsigned int shift);
__device__ unsigned int __funnelshift_r(unsigned int lo, unsigned int hi, unsigned int shift);
__device__ unsigned int __funnelshift_rc(unsigned int lo, unsigned int hi, unsigned int shift);
__device__ int __mul24(int x, int y);
__device__ unsigned int __umul24(unsigned int x, unsigned int y);
__device__ int __mulhi(int x, int y);
__device__ unsigned int __umulhi(unsigned int x, unsigned int y);
__device__ long long __mul64hi(long long x, long long y);
__device__ unsigned long long __umul64hi(unsigned long long x, unsigned long long y);
__device__ unsigned int __sad(int x, int y, unsigned int z);
__device__ unsigned int __usad(unsigned int x, unsigned int y, unsigned int z);
__device__ int __hadd(int x, int y);
__device__ int __rhadd(int x, int y);
__device__ unsigned int __uhadd(unsigned int x, unsigned int y);
__device__ unsigned int __urhadd(unsigned int x, unsigned int y);
__device__ unsigned int __vabsdiffu4(unsigned int a, unsigned int b);
__device__ unsigned int __vadd4(unsigned int a, unsigned int b);
__device__ unsigned int __vsub4(unsigned int a, unsigned int b);
__device__ unsigned int __vmaxs4(unsigned int a, unsigned int b);
__device__ unsigned int __vmins4(unsigned int a, unsigned int b);

__host__ __device__ int abs(int x);
__host__ __device__ long labs(long x);
__host__ __device__ long long llabs(long long x);
__host__ __device__ int min(int a, int b);
__host__ __device__ unsigned int min(unsigned int a, unsigned int b);
__host__ __device__ unsigned int min(int a, unsigned int b);
__host__ __device__ unsigned int min(unsigned int a, int b);
__host__ __device__ long min(long a, long b);
__host__ __device__ unsigned long min(unsigned long a, unsigned long b);
__host__ __device__ long long min(long long a, long long b);
__host__ __device__ unsigned long long min(unsigned long long a, unsigned long long b);
__host__ __device__ float min(float a, float b);
__host__ __device__ double min(double a, double b);
__host__ __device__ double min(float a, double b);
__host__ __device__ double min(double a, float b);
__host__ __device__ int max(int a, int b);
__host__ __device__ unsigned int max(unsigned int a, unsigned int b);
__host__ __device__ unsigned int max(int a, unsigned int b);
__host__ __device__ unsigned int max(unsigned int a, int b);
__host__ __device__ long max(long a, long b);
__host__ __device__ unsigned long max(unsigned long a, unsigned long b);
__host__ __device__ long long max(long long a, long long b);
__host__ __device__ unsigned long long max(unsigned long long a, unsigned long long b);
__host__ __device__ float max(float a, float b);
__host__ __device__ double max(double a, double b);
__host__ __device__ double max(float a, double b);
__host__ __device__ double max(double a, float b);
__host__ __device__ unsigned int umin(unsigned int a, unsigned int b);
__host__ __device__ unsigned int umax(unsigned int a, unsigned int b);
__host__ __device__ long long llmin(long long a, long long b);
__host__ __device__ long long llmax(long long a, long long b);
__host__ __device__ unsigned long long ullmin(unsigned long long a, unsigned long long b);
__host__ __device__ unsigned long long ullmax(unsigned long long a, unsigned long long b);

// ---- Bit casts and conversions ------------------------------------------
__device__ float __int_as_float(int x);
__device__ int __float_as_int(float x);
__device__ float __uint_as_float(unsigned int x);
__device__ unsigned int __float_as_uint(float x);
__device__ double __longlong_as_double(long long x);
__device__ long long __double_as_longlong(double x);
__device__ int __double2hiint(double x);
__device__ int __double2loint(double x);
__device__ double __hiloint2double(int hi, int lo);

#define BN_ROUNDED_CONVERSIONS(R)                              \
    __device__ int __float2int_##R(float x);                   \
    __device__ unsigned int __float2uint_##R(float x);         \
    __device__ long long __float2ll_##R(float x);              \
    __device__ unsigned long long __float2ull_##R(float x);    \
    __device__ int __double2int_##R(double x);                 \
    __device__ unsigned int __double2uint_##R(double x);       \
    __device__ long long __double2ll_##R(double x);            \
    __device__ unsigned long long __double2ull_##R(double x);  \
    __device__ float __double2float_##R(double x);             \
    __device__ float __int2float_##R(int x);                   \
    __device__ float __uint2float_##R(unsigned int x);         \
    __device__ float __ll2float_##R(long long x);              \
    __device__ float __ull2float_##R(unsigned long long x);    \
    __device__ double __ll2double_##R(long long x);            \
    __device__ double __ull2double_##R(unsigned long long x);
BN_ROUNDED_CONVERSIONS(rn)
BN_ROUNDED_CONVERSIONS(rz)
BN_ROUNDED_CONVERSIONS(ru)
BN_ROUNDED_CONVERSIONS(rd)
#undef BN_ROUNDED_CONVERSIONS
__device__ double __int2double_rn(int x);
__device__ double __uint2double_rn(unsigned int x);

// ---- Float and double arithmetic with explicit rounding ------------------
#define BN_ROUNDED_ARITH(R)                                     \
    __device__ float __fadd_##R(float x, float y);              \
    __device__ float __fsub_##R(float x, float y);              \
    __device__ float __fmul_##R(float x, float y);              \
    __device__ float __fdiv_##R(float x, float y);              \
    __device__ float __fmaf_##R(float x, float y, float z);     \
    __device__ float __frcp_##R(float x);                       \
    __device__ float __fsqrt_##R(float x);                      \
    __device__ double __dadd_##R(double x, double y);           \
    __device__ double __dsub_##R(double x, double y);           \
    __device__ double __dmul_##R(double x, double y);           \
    __device__ double __ddiv_##R(double x, double y);           \
    __device__ double __fma_##R(double x, double y, double z);  \
    __device__ double __drcp_##R(double x);                     \
    __device__ double __dsqrt_##R(double x);
BN_ROUNDED_ARITH(rn)
BN_ROUNDED_ARITH(rz)
BN_ROUNDED_ARITH(ru)
BN_ROUNDED_ARITH(rd)
#undef BN_ROUNDED_ARITH
__device__ float __frsqrt_rn(float x);
__device__ float __fdividef(float x, float y);
__device__ float __saturatef(float x);
__device__ float __expf(float x);
__device__ float __exp10f(float x);
__device__ float __logf(float x);
__device__ float __log2f(float x);
__device__ float __log10f(float x);
__device__ float __powf(float x, float y);
__device__ float __sinf(float x);
__device__ float __cosf(float x);
__device__ float __tanf(float x);
__device__ void __sincosf(float x, float* s, float* c);

// ---- Math library: float (…f) and double, and float overloads of the
// double names, as CUDA declares them in the global namespace.
#define BN_MATH1(F)                                \
    __host__ __device__ double F(double x);        \
    __host__ __device__ float F##f(float x);       \
    __host__ __device__ float F(float x);
#define BN_MATH2(F)                                \
    __host__ __device__ double F(double x, double y); \
    __host__ __device__ float F##f(float x, float y); \
    __host__ __device__ float F(float x, float y);
BN_MATH1(sqrt)
BN_MATH1(rsqrt)
BN_MATH1(cbrt)
BN_MATH1(rcbrt)
BN_MATH1(exp)
BN_MATH1(exp2)
BN_MATH1(exp10)
BN_MATH1(expm1)
BN_MATH1(log)
BN_MATH1(log2)
BN_MATH1(log10)
BN_MATH1(log1p)
BN_MATH1(logb)
BN_MATH1(sin)
BN_MATH1(cos)
BN_MATH1(tan)
BN_MATH1(sinpi)
BN_MATH1(cospi)
BN_MATH1(asin)
BN_MATH1(acos)
BN_MATH1(atan)
BN_MATH1(sinh)
BN_MATH1(cosh)
BN_MATH1(tanh)
BN_MATH1(asinh)
BN_MATH1(acosh)
BN_MATH1(atanh)
BN_MATH1(erf)
BN_MATH1(erfc)
BN_MATH1(erfinv)
BN_MATH1(erfcinv)
BN_MATH1(erfcx)
BN_MATH1(normcdf)
BN_MATH1(normcdfinv)
BN_MATH1(lgamma)
BN_MATH1(tgamma)
BN_MATH1(ceil)
BN_MATH1(floor)
BN_MATH1(trunc)
BN_MATH1(round)
BN_MATH1(rint)
BN_MATH1(nearbyint)
BN_MATH1(fabs)
BN_MATH2(pow)
BN_MATH2(atan2)
BN_MATH2(fmod)
BN_MATH2(remainder)
BN_MATH2(fmin)
BN_MATH2(fmax)
BN_MATH2(fdim)
BN_MATH2(hypot)
BN_MATH2(copysign)
BN_MATH2(nextafter)
#undef BN_MATH1
#undef BN_MATH2
__host__ __device__ double fma(double x, double y, double z);
__host__ __device__ float fmaf(float x, float y, float z);
__host__ __device__ float fma(float x, float y, float z);
__host__ __device__ double frexp(double x, int* e);
__host__ __device__ float frexpf(float x, int* e);
__host__ __device__ double ldexp(double x, int e);
__host__ __device__ float ldexpf(float x, int e);
__host__ __device__ double scalbn(double x, int e);
__host__ __device__ float scalbnf(float x, int e);
__host__ __device__ double modf(double x, double* i);
__host__ __device__ float modff(float x, float* i);
__host__ __device__ int ilogb(double x);
__host__ __device__ int ilogbf(float x);
__host__ __device__ void sincos(double x, double* s, double* c);
__host__ __device__ void sincosf(float x, float* s, float* c);
__host__ __device__ long lrint(double x);
__host__ __device__ long lrintf(float x);
__host__ __device__ long long llrint(double x);
__host__ __device__ long long llrintf(float x);
__host__ __device__ long lround(double x);
__host__ __device__ long lroundf(float x);
__host__ __device__ long long llround(double x);
__host__ __device__ long long llroundf(float x);
__host__ __device__ bool isnan(float x);
__host__ __device__ bool isnan(double x);
__host__ __device__ bool isinf(float x);
__host__ __device__ bool isinf(double x);
__host__ __device__ bool isfinite(float x);
__host__ __device__ bool isfinite(double x);
__host__ __device__ bool signbit(float x);
__host__ __device__ bool signbit(double x);

// ---- Atomics ---------------------------------------------------------------
__device__ int atomicAdd(int* p, int v);
__device__ unsigned int atomicAdd(unsigned int* p, unsigned int v);
__device__ unsigned long long atomicAdd(unsigned long long* p, unsigned long long v);
__device__ float atomicAdd(float* p, float v);
__device__ double atomicAdd(double* p, double v);
__device__ int atomicSub(int* p, int v);
__device__ unsigned int atomicSub(unsigned int* p, unsigned int v);
__device__ int atomicExch(int* p, int v);
__device__ unsigned int atomicExch(unsigned int* p, unsigned int v);
__device__ unsigned long long atomicExch(unsigned long long* p, unsigned long long v);
__device__ float atomicExch(float* p, float v);
__device__ int atomicMin(int* p, int v);
__device__ unsigned int atomicMin(unsigned int* p, unsigned int v);
__device__ long long atomicMin(long long* p, long long v);
__device__ unsigned long long atomicMin(unsigned long long* p, unsigned long long v);
__device__ int atomicMax(int* p, int v);
__device__ unsigned int atomicMax(unsigned int* p, unsigned int v);
__device__ long long atomicMax(long long* p, long long v);
__device__ unsigned long long atomicMax(unsigned long long* p, unsigned long long v);
__device__ unsigned int atomicInc(unsigned int* p, unsigned int v);
__device__ unsigned int atomicDec(unsigned int* p, unsigned int v);
__device__ int atomicCAS(int* p, int compare, int v);
__device__ unsigned int atomicCAS(unsigned int* p, unsigned int compare, unsigned int v);
__device__ unsigned long long atomicCAS(unsigned long long* p, unsigned long long compare, unsigned long long v);
__device__ unsigned short atomicCAS(unsigned short* p, unsigned short compare, unsigned short v);
__device__ int atomicAnd(int* p, int v);
__device__ unsigned int atomicAnd(unsigned int* p, unsigned int v);
__device__ unsigned long long atomicAnd(unsigned long long* p, unsigned long long v);
__device__ int atomicOr(int* p, int v);
__device__ unsigned int atomicOr(unsigned int* p, unsigned int v);
__device__ unsigned long long atomicOr(unsigned long long* p, unsigned long long v);
__device__ int atomicXor(int* p, int v);
__device__ unsigned int atomicXor(unsigned int* p, unsigned int v);
__device__ unsigned long long atomicXor(unsigned long long* p, unsigned long long v);

// ---- C library functions device code may call ----------------------------
extern "C" __device__ int printf(const char* format, ...);
extern "C" __device__ void* memcpy(void* dst, const void* src, size_t n);
extern "C" __device__ void* memset(void* dst, int c, size_t n);
extern "C" __device__ void* malloc(size_t n);
extern "C" __device__ void free(void* p);

#endif
