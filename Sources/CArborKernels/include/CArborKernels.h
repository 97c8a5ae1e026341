// Arbor's CPU kernels that need instruction sets chosen at run time.
//
// Swift has no per-function target features, and a package built with
// `-target-cpu` flags (unsafeFlags) cannot be depended on. C can: each kernel
// here carries its own `__attribute__((target(...)))`, the rest of the package
// stays baseline, and ArborTensor picks a kernel once from what the CPU reports.
#ifndef ARBOR_KERNELS_H
#define ARBOR_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the CPU runs AVX2 and FMA3 instructions (x86-64 only), else 0.
int arbor_cpu_supports_avx2_fma(void);

/// 1 when the CPU runs AVX-512 Foundation instructions (x86-64 only), else 0.
int arbor_cpu_supports_avx512f(void);

/// The GEMM register tile `C[6x16] (+)= A[6xK] * B[Kx16]` with AVX2 + FMA.
///
/// `a` is packed as K groups of 6 floats (one per row), `b` as K groups of 16
/// floats (one per column). Only the top-left `rows x columns` of the tile is
/// written to `c` (row stride `ldc` floats); `accumulate` adds to what is there.
/// Call only when `arbor_cpu_supports_avx2_fma()` returned 1.
void arbor_sgemm_6x16_avx2(ptrdiff_t depth, const float *a, const float *b,
                           float *c, ptrdiff_t ldc, int rows, int columns, int accumulate);

/// The same tile shape widened for AVX-512: `C[6x32] (+)= A[6xK] * B[Kx32]`,
/// `b` packed as K groups of 32 floats. Call only when
/// `arbor_cpu_supports_avx512f()` returned 1.
void arbor_sgemm_6x32_avx512(ptrdiff_t depth, const float *a, const float *b,
                             float *c, ptrdiff_t ldc, int rows, int columns, int accumulate);

#ifdef __cplusplus
}
#endif

#endif
