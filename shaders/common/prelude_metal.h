// Prelude of bitlinear_body.h for the Metal Shading Language: kernels/metal
// compiles prelude_metal.h + activation_coeffs.h + bitlinear_body.h +
// shaders/metal/*.metal as one source, with fast math off (MTLMathModeSafe),
// so + − × ÷ round as IEEE binary32 and nothing is reassociated or fused.
#include <metal_stdlib>
using namespace metal;

typedef uchar bn_u8;
typedef char bn_i8; // signed in MSL
typedef int bn_i32;
typedef uint bn_u32;

#define BN_FN inline
#define BN_GLOBAL device

#define bn_rint(x) rint(x) // round half to even
#define bn_sqrt(x) precise::sqrt(x)
#define bn_f2u(f) as_type<uint>(f)
#define bn_u2f(u) as_type<float>(u)
