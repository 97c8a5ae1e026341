// Vectorizable tanh and tanh-GELU (forward and gradient) over f32 arrays.
//
// libm's `tanhf` is a scalar call per element (through `expm1f`), which was a
// fifth of a tiny GPT-2 training step. Here tanh is the odd rational minimax
// approximation p(x)/q(x) of degrees 13/6 used by Eigen, XLA and ONNX Runtime
// (a few ulp over all of f32; exact ±1 beyond |x| = 7.9053, where f32 tanh
// rounds to ±1). Being odd, it keeps full relative accuracy near 0, where
// 1 - 2/(e^2x + 1) would cancel. Each loop is branch-free so the compiler
// vectorizes it; it is built twice, for AVX2+FMA and for the baseline, and the
// AVX2 copy is used when the CPU has it (chosen once).
#include "CArborKernels.h"

#include <math.h>

static inline float tanh_approx(float x) {
    const float limit = 7.90531110763549805f;
    x = x > limit ? limit : x;
    x = x < -limit ? -limit : x;
    float x2 = x * x;
    float p = -2.76076847742355e-16f;
    p = p * x2 + 2.00018790482477e-13f;
    p = p * x2 + -8.60467152213735e-11f;
    p = p * x2 + 5.12229709037114e-08f;
    p = p * x2 + 1.48572235717979e-05f;
    p = p * x2 + 6.37261928875436e-04f;
    p = p * x2 + 4.89352455891786e-03f;
    float q = 1.19825839466702e-06f;
    q = q * x2 + 1.18534705686654e-04f;
    q = q * x2 + 2.26843463243900e-03f;
    q = q * x2 + 4.89352518554385e-03f;
    return x * p / q;
}

static const float gelu_c = 0.7978845608028654f;  // sqrt(2/pi)
static const float gelu_a = 0.044715f;

#define ACTIVATION_LOOPS(SUFFIX)                                                               \
    static void tanh_loop_##SUFFIX(const float *x, float *y, ptrdiff_t n) {                    \
        for (ptrdiff_t i = 0; i < n; i++) y[i] = tanh_approx(x[i]);                             \
    }                                                                                          \
    static void gelu_loop_##SUFFIX(const float *x, float *y, ptrdiff_t n) {                    \
        for (ptrdiff_t i = 0; i < n; i++) {                                                    \
            float v = x[i];                                                                    \
            y[i] = 0.5f * v * (1.0f + tanh_approx(gelu_c * (v + gelu_a * v * v * v)));        \
        }                                                                                      \
    }                                                                                          \
    static void gelu_grad_loop_##SUFFIX(const float *g, const float *x, float *dx, ptrdiff_t n) { \
        for (ptrdiff_t i = 0; i < n; i++) {                                                    \
            float v = x[i];                                                                    \
            float t = tanh_approx(gelu_c * (v + gelu_a * v * v * v));                          \
            float inner = gelu_c * (1.0f + 3.0f * gelu_a * v * v);                             \
            dx[i] = g[i] * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * inner);            \
        }                                                                                      \
    }

#if defined(__x86_64__) || defined(_M_X64)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
ACTIVATION_LOOPS(avx2)
#pragma clang attribute pop
#endif
ACTIVATION_LOOPS(base)

void arbor_tanh_f32(const float *x, float *y, ptrdiff_t n) {
#if defined(__x86_64__) || defined(_M_X64)
    if (arbor_cpu_supports_avx2_fma()) { tanh_loop_avx2(x, y, n); return; }
#endif
    tanh_loop_base(x, y, n);
}

void arbor_gelu_tanh_f32(const float *x, float *y, ptrdiff_t n) {
#if defined(__x86_64__) || defined(_M_X64)
    if (arbor_cpu_supports_avx2_fma()) { gelu_loop_avx2(x, y, n); return; }
#endif
    gelu_loop_base(x, y, n);
}

void arbor_gelu_tanh_gradient_f32(const float *g, const float *x, float *dx, ptrdiff_t n) {
#if defined(__x86_64__) || defined(_M_X64)
    if (arbor_cpu_supports_avx2_fma()) { gelu_grad_loop_avx2(g, x, dx, n); return; }
#endif
    gelu_grad_loop_base(g, x, dx, n);
}

// MARK: exp for the softmax family

// The arguments here are x - max(row) <= 0 (or NaN). Cephes' expf: n = round(x·log2 e),
// r = x - n·ln 2 (in two parts), e^r by a degree-6 polynomial, times 2^n built in
// the exponent bits; about 1 ulp. Below -87.3 (where e^x is subnormal) it returns
// 0, as softmax wants for masked -inf.
static inline float exp_nonpositive(float x) {
    float n = floorf(x * 1.44269504088896341f + 0.5f);
    n = n < -127.0f ? -127.0f : n;  // keeps -inf finite here; the result is 0 below
    n = n > 127.0f ? 127.0f : n;
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    union { unsigned u; float f; } scale;
    scale.u = (unsigned)((int)n + 127) << 23;
    float y = p * scale.f;
    return x < -87.33654f ? 0.0f : y;
}

/// Σ y[0..<n] in a fixed order: eight running lanes, then the lanes and the tail
/// (the same bits on every call; vectorizes without reassociating).
static inline float lane_sum(const float *y, ptrdiff_t n) {
    float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int j = 0; j < 8; j++) lanes[j] += y[i + j];
    }
    float total = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    for (; i < n; i++) total += y[i];
    return total;
}

#define EXP_LOOPS(SUFFIX)                                                                      \
    static float exp_shifted_loop_##SUFFIX(const float *x, float shift, float *y, ptrdiff_t n) { \
        for (ptrdiff_t i = 0; i < n; i++) y[i] = exp_nonpositive(x[i] - shift);                \
        return lane_sum(y, n);                                                                 \
    }

#if defined(__x86_64__) || defined(_M_X64)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
EXP_LOOPS(avx2)
#pragma clang attribute pop
#endif
EXP_LOOPS(base)

static float exp_shifted(const float *x, float shift, float *y, ptrdiff_t n) {
#if defined(__x86_64__) || defined(_M_X64)
    if (arbor_cpu_supports_avx2_fma()) return exp_shifted_loop_avx2(x, shift, y, n);
#endif
    return exp_shifted_loop_base(x, shift, y, n);
}

float arbor_exp_shifted_f32(const float *x, float shift, float *y, ptrdiff_t n) {
    if (y) return exp_shifted(x, shift, y, n);
    // Sum only: exponentiate a chunk at a time into the stack.
    float chunk[256];
    float total = 0;
    for (ptrdiff_t start = 0; start < n; start += 256) {
        ptrdiff_t count = n - start < 256 ? n - start : 256;
        total += exp_shifted(x + start, shift, chunk, count);
    }
    return total;
}
