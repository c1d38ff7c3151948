// Prelude of bitlinear_body.h for CUDA C++ (nvcc or NVRTC). Not used by
// shaders/cuda yet: it records that the body stays in the subset a CUDA
// kernel can share. The defaults (--prec-div=true, no fast math) keep
// + − × ÷ IEEE; --fmad=false also keeps a×b+c unfused, as Metal's safe math
// mode and the C test do. Built that way with nvcc for an H100, the body
// gave the C build's bits on 4M inputs (NaN payloads aside).
typedef unsigned char bn_u8;
typedef signed char bn_i8;
typedef int bn_i32;
typedef unsigned int bn_u32;

#define BN_FN static __device__ __forceinline__
#define BN_GLOBAL

#define bn_rint(x) rintf(x)
#define bn_sqrt(x) __fsqrt_rn(x)
#define bn_f2u(f) __float_as_uint(f)
#define bn_u2f(u) __uint_as_float(u)
