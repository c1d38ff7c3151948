/* Prelude of bitlinear_body.h for C99 (and C++): the C test in kernels/metal
 * compiles prelude_c.h + activation_coeffs.h + bitlinear_body.h with the host
 * compiler to check the body against the Go reference. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* The body's float steps must round to float32 one by one, as on the GPU. */
#if FLT_EVAL_METHOD != 0
#error "bitlinear_body.h needs FLT_EVAL_METHOD 0 (SSE, not x87: add -msse2 -mfpmath=sse)"
#endif

typedef uint8_t bn_u8;
typedef int8_t bn_i8;
typedef int32_t bn_i32;
typedef uint32_t bn_u32;

#define BN_FN static inline /* a function of the body */
#define BN_GLOBAL           /* address space of kernel buffers (Metal: device) */

#define bn_rint(x) rintf(x) /* round half to even in the default rounding mode */
#define bn_sqrt(x) sqrtf(x) /* correctly rounded (IEEE 754) */

static inline bn_u32 bn_f2u(float f) { bn_u32 u; memcpy(&u, &f, 4); return u; }
static inline float bn_u2f(bn_u32 u) { float f; memcpy(&f, &u, 4); return f; }
