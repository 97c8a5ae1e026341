#include "CArborKernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

int arbor_cpu_supports_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

int arbor_cpu_supports_avx512f(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

/// Writes (or adds) the valid part of a row-major tile of `width` columns.
static void store_partial(const float *tile, int width, float *c, ptrdiff_t ldc,
                          int rows, int columns, int accumulate) {
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < columns; j++) {
            float v = tile[i * width + j];
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + v : v;
        }
    }
}

#define ROW_AVX2(i)                                              \
    {                                                            \
        __m256 ai = _mm256_broadcast_ss(a + (i));                \
        c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0);              \
        c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1);              \
    }

__attribute__((target("avx2,fma")))
void arbor_sgemm_6x16_avx2(ptrdiff_t depth, const float *a, const float *b,
                           float *c, ptrdiff_t ldc, int rows, int columns, int accumulate) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    for (ptrdiff_t p = 0; p < depth; p++) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        ROW_AVX2(0) ROW_AVX2(1) ROW_AVX2(2) ROW_AVX2(3) ROW_AVX2(4) ROW_AVX2(5)
        a += 6;
        b += 16;
    }
    __m256 acc[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    if (rows == 6 && columns == 16) {
        for (int i = 0; i < 6; i++) {
            float *row = c + i * ldc;
            __m256 lo = acc[2 * i], hi = acc[2 * i + 1];
            if (accumulate) {
                lo = _mm256_add_ps(lo, _mm256_loadu_ps(row));
                hi = _mm256_add_ps(hi, _mm256_loadu_ps(row + 8));
            }
            _mm256_storeu_ps(row, lo);
            _mm256_storeu_ps(row + 8, hi);
        }
    } else {
        float tile[96];
        for (int q = 0; q < 12; q++) _mm256_storeu_ps(tile + 8 * q, acc[q]);
        store_partial(tile, 16, c, ldc, rows, columns, accumulate);
    }
}

#define ROW_AVX512(i)                                            \
    {                                                            \
        __m512 ai = _mm512_set1_ps(a[i]);                        \
        c##i##0 = _mm512_fmadd_ps(ai, b0, c##i##0);              \
        c##i##1 = _mm512_fmadd_ps(ai, b1, c##i##1);              \
    }

__attribute__((target("avx512f")))
void arbor_sgemm_6x32_avx512(ptrdiff_t depth, const float *a, const float *b,
                             float *c, ptrdiff_t ldc, int rows, int columns, int accumulate) {
    __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps();
    __m512 c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
    __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps();
    __m512 c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
    __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps();
    __m512 c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
    for (ptrdiff_t p = 0; p < depth; p++) {
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        ROW_AVX512(0) ROW_AVX512(1) ROW_AVX512(2) ROW_AVX512(3) ROW_AVX512(4) ROW_AVX512(5)
        a += 6;
        b += 32;
    }
    __m512 acc[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    if (rows == 6 && columns == 32) {
        for (int i = 0; i < 6; i++) {
            float *row = c + i * ldc;
            __m512 lo = acc[2 * i], hi = acc[2 * i + 1];
            if (accumulate) {
                lo = _mm512_add_ps(lo, _mm512_loadu_ps(row));
                hi = _mm512_add_ps(hi, _mm512_loadu_ps(row + 16));
            }
            _mm512_storeu_ps(row, lo);
            _mm512_storeu_ps(row + 16, hi);
        }
    } else {
        float tile[192];
        for (int q = 0; q < 12; q++) _mm512_storeu_ps(tile + 16 * q, acc[q]);
        store_partial(tile, 32, c, ldc, rows, columns, accumulate);
    }
}

#else

// Not x86-64: these instruction sets do not exist; the kernels are never called.
int arbor_cpu_supports_avx2_fma(void) { return 0; }
int arbor_cpu_supports_avx512f(void) { return 0; }
void arbor_sgemm_6x16_avx2(ptrdiff_t depth, const float *a, const float *b,
                           float *c, ptrdiff_t ldc, int rows, int columns, int accumulate) {
    (void)depth; (void)a; (void)b; (void)c; (void)ldc; (void)rows; (void)columns; (void)accumulate;
}
void arbor_sgemm_6x32_avx512(ptrdiff_t depth, const float *a, const float *b,
                             float *c, ptrdiff_t ldc, int rows, int columns, int accumulate) {
    (void)depth; (void)a; (void)b; (void)c; (void)ldc; (void)rows; (void)columns; (void)accumulate;
}

#endif
