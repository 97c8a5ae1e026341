// Arbor's CPU kernels that need instruction sets chosen at run time.
//
// Swift has no per-function target features, and a package built with
// `-target-cpu` flags (unsafeFlags) cannot be depended on. C can: each kernel
// here carries its own `__attribute__((target(...)))`, the rest of the package
// stays baseline, and ArborTensor picks a kernel once from what the CPU reports.
#ifndef ARBOR_KERNELS_H
#define ARBOR_KERNELS_H

#include <stddef.h>
#include <stdint.h>

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

/// `y[i] = tanh(x[i])` for `n` elements, by a rational approximation accurate
/// to a few ulp (vectorized; AVX2+FMA when the CPU has it). `y` may equal `x`.
void arbor_tanh_f32(const float *x, float *y, ptrdiff_t n);

/// `y[i] = gelu(x[i])` with GPT-2's tanh approximation,
/// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
void arbor_gelu_tanh_f32(const float *x, float *y, ptrdiff_t n);

/// `dx[i] = g[i] · gelu'(x[i])` for the tanh-approximated GELU.
void arbor_gelu_tanh_gradient_f32(const float *g, const float *x, float *dx, ptrdiff_t n);

/// `y[i] = exp(x[i] - shift)` for `n` elements, returning their sum (in a fixed
/// order). For softmax rows, with `shift` the row's maximum: arguments must be
/// ≤ 0 (or -inf, giving 0); results below the f32 normal range are 0. About
/// 1 ulp; vectorized. With `y` NULL only the sum is computed.
float arbor_exp_shifted_f32(const float *x, float shift, float *y, ptrdiff_t n);

/// Adds `count` bytes to a running ZIP CRC-32 (reflected polynomial
/// `0xEDB88320`) and returns the new register. `state` starts at `0xFFFFFFFF`;
/// the checksum is `~state`. Folds with carry-less multiplication (PCLMULQDQ,
/// or VPCLMULQDQ with AVX-512) when the CPU has it, else the portable path;
/// every path gives the same register. Splitting the bytes anywhere across
/// calls gives the same result: `crc = arbor_crc32_update(crc, chunk, n)`.
uint32_t arbor_crc32_update(uint32_t state, const void *bytes, size_t count);

/// `arbor_crc32_update` by table look-ups only (zlib's braided CRC), on any CPU:
/// the reference the carry-less paths are checked and measured against.
uint32_t arbor_crc32_update_portable(uint32_t state, const void *bytes, size_t count);

/// The CRC-32 path this CPU runs: 2 VPCLMULQDQ (AVX-512, 256-byte blocks),
/// 1 PCLMULQDQ (64-byte blocks), 0 portable tables (also every non-x86 CPU).
int arbor_crc32_path(void);

/// `arbor_crc32_update` on at most path `path` (as `arbor_crc32_path` numbers
/// them; a path the CPU lacks falls to the best it has), so tests and benchmarks
/// can compare the paths on one machine.
uint32_t arbor_crc32_update_limited(uint32_t state, const void *bytes, size_t count, int path);

/// A job for `arbor_parallel_run`: called once per worker, `worker` in `0..<workers`.
typedef void (*arbor_parallel_fn)(void *context, int worker, int workers);

/// Runs `function` on up to `workers` threads of a persistent pool and returns
/// when every call has returned. The caller runs it at once as worker 0; pool
/// threads join as worker 1, 2, ... while the caller is still inside its own
/// call, so some may never take part (a busy machine, or another job holding the
/// pool): a job must hand its work out on demand and never wait for a given
/// worker. Returns the number of workers allowed (1 when the pool was busy).
int arbor_parallel_run(int workers, arbor_parallel_fn function, void *context);

/// Atomically adds `value` to `*counter` (acquire-release) and returns the
/// previous value.
long arbor_atomic_fetch_add(long *counter, long value);

/// `*value`, loaded with acquire ordering (pairs with `arbor_atomic_fetch_add`).
long arbor_atomic_load(const long *value);

/// One step of a wait loop: a CPU pause for the first spins, then a yield of the
/// core (a peer being waited for may need it on a busy machine).
void arbor_spin_pause(unsigned spins);

/// A 64-byte aligned buffer of at least `bytes` owned by the calling thread,
/// one per `slot` (0-3), kept for the thread's next call (freed when it exits).
/// Its contents are not preserved when it grows. NULL when out of memory.
void *arbor_scratch(int slot, size_t bytes);

#ifdef __cplusplus
}
#endif

#endif
