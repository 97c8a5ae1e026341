// The ZIP CRC-32 (reflected polynomial 0xEDB88320) by carry-less multiplication.
//
// A table CRC consumes a byte per dependent table look-up; checking every storage
// of a PyTorch `.bin` made it a third of `arbor convert`. PCLMULQDQ instead keeps
// the message in 128-bit accumulators and folds each one forward over the next
// blocks: for a block A = H·x^64 + L (H the first eight bytes), A·x^D mod P is
// H·(x^(D+64) mod P) + L·(x^D mod P), two 64×32-bit carry-less products that need
// no result from the previous block. Four accumulators fold 64-byte blocks (512
// bits apart); with VPCLMULQDQ four 512-bit ones fold 256-byte blocks. At the end
// the accumulators fold into one, which is reduced 128 → 96 → 64 bits by the same
// identities and then to 32 bits by Barrett reduction (Intel's white paper "Fast
// CRC Computation for Generic Polynomials Using PCLMULQDQ Instruction").
//
// Bits are reflected: bit 0 of the first byte is the highest coefficient. In an
// XMM register, bit i of a 16-byte block is the coefficient of x^(127-i), and a
// constant K(e) = reverse32(x^e mod P) << 1 (33 bits) multiplied into either half
// lands the product where the next block's coefficients of the same degree are.
// The constants below were computed from P = x^32 + 0x04C11DB7 by polynomial
// division (and the whole path checked against a bit-at-a-time CRC):
//   fold 512 bits: K(544) = 0x154442bd4 (low half), K(480) = 0x1c6e41596 (high half)
//   fold 128 bits: K(160) = 0x1751997d0, K(96) = 0x0ccaa009e
//   fold 2048 bits (VPCLMULQDQ): K(2080) = 0x11542778a, K(2016) = 0x1322d1430
//   128 → 96 bits: K(96); 96 → 64 bits: K(64) = 0x163cd6124
//   Barrett: μ = reverse33(x^64 div P) = 0x1f7011641, P = reverse33(P) = 0x1db710641
//
// Everything else (short inputs, the last < 16 bytes, CPUs without PCLMULQDQ and
// every non-x86 CPU) goes through the portable path: zlib's braided table CRC,
// which gives the same register for the same bytes.
#include "CArborKernels.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

// MARK: Portable path

// Forty 256-entry tables: tables[k][b] is the CRC of byte b followed by k zero
// bytes (table 0 is the plain byte table; the braid uses tables 32 to 39).
static uint32_t tables[40][256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void make_tables(void) {
    for (uint32_t byte = 0; byte < 256; byte++) {
        uint32_t crc = byte;
        for (int bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        tables[0][byte] = crc;
    }
    for (int k = 1; k < 40; k++) {
        for (int byte = 0; byte < 256; byte++) {
            uint32_t previous = tables[k - 1][byte];
            tables[k][byte] = tables[0][previous & 0xFF] ^ (previous >> 8);
        }
    }
}

static inline uint64_t load_le64(const unsigned char *p) {
    uint64_t value;
    memcpy(&value, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    value = __builtin_bswap64(value);
#endif
    return value;
}

// The CRC of a word's eight bytes followed by the other four lanes' words (32 zero bytes).
static inline uint32_t braid_lane(uint64_t word) {
    uint32_t result = 0;
    for (int k = 0; k < 8; k++) result ^= tables[39 - k][(word >> (8 * k)) & 0xFF];
    return result;
}

// A word's eight bytes in order, as the byte loop would.
static inline uint32_t braid_word(uint64_t data) {
    for (int k = 0; k < 8; k++) data = (data >> 8) ^ tables[0][data & 0xFF];
    return (uint32_t)data;
}

uint32_t arbor_crc32_update_portable(uint32_t state, const void *bytes, size_t count) {
    pthread_once(&tables_once, make_tables);
    const unsigned char *p = bytes;
    const unsigned char *end = p + count;
    uint32_t crc = state;
    // Single bytes up to an 8-byte boundary, then 40-byte blocks in five
    // independent lanes of 8-byte words, then single bytes.
    while (p < end && ((uintptr_t)p & 7) != 0) crc = tables[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    size_t blocks = (size_t)(end - p) / 40;
    if (blocks > 0) {
        uint64_t c0 = crc, c1 = 0, c2 = 0, c3 = 0, c4 = 0;
        for (size_t block = 1; block < blocks; block++) {
            uint64_t w0 = c0 ^ load_le64(p), w1 = c1 ^ load_le64(p + 8), w2 = c2 ^ load_le64(p + 16);
            uint64_t w3 = c3 ^ load_le64(p + 24), w4 = c4 ^ load_le64(p + 32);
            c0 = braid_lane(w0);
            c1 = braid_lane(w1);
            c2 = braid_lane(w2);
            c3 = braid_lane(w3);
            c4 = braid_lane(w4);
            p += 40;
        }
        // The last block folds the five lanes together.
        uint32_t combined = braid_word(c0 ^ load_le64(p));
        combined = braid_word(c1 ^ load_le64(p + 8) ^ combined);
        combined = braid_word(c2 ^ load_le64(p + 16) ^ combined);
        combined = braid_word(c3 ^ load_le64(p + 24) ^ combined);
        crc = braid_word(c4 ^ load_le64(p + 32) ^ combined);
        p += 40;
    }
    while (p < end) crc = tables[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

// MARK: PCLMULQDQ path

#define CLMUL_TARGET __attribute__((target("pclmul,sse4.1")))
#define VPCLMUL_TARGET __attribute__((target("avx512f,vpclmulqdq,pclmul,sse4.1")))

/// `x` carried `bits` further: K(bits + 32) times its low half, K(bits - 32) its high half.
static inline CLMUL_TARGET __m128i fold128(__m128i x, __m128i constants) {
    return _mm_xor_si128(_mm_clmulepi64_si128(x, constants, 0x00), _mm_clmulepi64_si128(x, constants, 0x11));
}

/// The CRC register for a block `x` that ends the message: (x · x^32) mod P.
static inline CLMUL_TARGET uint32_t reduce128(__m128i x) {
    // 128 → 96 bits: H·(x^96 mod P) + L·x^32, the 96 bits at register bits 0..95.
    __m128i z = _mm_xor_si128(_mm_clmulepi64_si128(x, _mm_set_epi64x(0, 0x0ccaa009e), 0x00), _mm_srli_si128(x, 8));
    // 96 → 64 bits: the top 32 bits times (x^64 mod P) plus the low 64, at register bits 32..95.
    __m128i top = _mm_slli_epi64(z, 32);
    __m128i w = _mm_xor_si128(_mm_clmulepi64_si128(top, _mm_set_epi64x(0, 0x163cd6124), 0x00),
                              _mm_and_si128(z, _mm_set_epi64x(-1, (long long)0xFFFFFFFF00000000ull)));
    w = _mm_srli_si128(w, 4);
    // Barrett: q = ⌊⌊w / x^32⌋ · μ / x^32⌋, and the CRC is w - q·P (its low 32 coefficients).
    __m128i low32 = _mm_set_epi64x(0, 0xFFFFFFFF);
    __m128i barrett = _mm_set_epi64x(0x1db710641, 0x1f7011641);
    __m128i q = _mm_clmulepi64_si128(_mm_and_si128(w, low32), barrett, 0x00);
    __m128i qp = _mm_clmulepi64_si128(_mm_and_si128(q, low32), barrett, 0x10);
    return (uint32_t)_mm_extract_epi32(_mm_xor_si128(w, qp), 1);
}

/// Four accumulators over 64-byte blocks, then 16-byte blocks; `count` ≥ 64.
/// Returns the register after the longest prefix of whole 16-byte blocks and
/// sets `*done` to its length.
static CLMUL_TARGET uint32_t clmul_blocks(uint32_t state, const unsigned char *p, size_t count, size_t *done) {
    const unsigned char *start = p;
    __m128i x0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), _mm_cvtsi32_si128((int)state));
    __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 48));
    p += 64;
    count -= 64;
    const __m128i by512 = _mm_set_epi64x(0x1c6e41596, 0x154442bd4);
    while (count >= 64) {
        x0 = _mm_xor_si128(fold128(x0, by512), _mm_loadu_si128((const __m128i *)p));
        x1 = _mm_xor_si128(fold128(x1, by512), _mm_loadu_si128((const __m128i *)(p + 16)));
        x2 = _mm_xor_si128(fold128(x2, by512), _mm_loadu_si128((const __m128i *)(p + 32)));
        x3 = _mm_xor_si128(fold128(x3, by512), _mm_loadu_si128((const __m128i *)(p + 48)));
        p += 64;
        count -= 64;
    }
    const __m128i by128 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);
    __m128i x = _mm_xor_si128(fold128(x0, by128), x1);
    x = _mm_xor_si128(fold128(x, by128), x2);
    x = _mm_xor_si128(fold128(x, by128), x3);
    while (count >= 16) {
        x = _mm_xor_si128(fold128(x, by128), _mm_loadu_si128((const __m128i *)p));
        p += 16;
        count -= 16;
    }
    *done = (size_t)(p - start);
    return reduce128(x);
}

static CLMUL_TARGET uint32_t update_pclmul(uint32_t state, const unsigned char *p, size_t count) {
    if (count < 64) return arbor_crc32_update_portable(state, p, count);
    size_t done = 0;
    state = clmul_blocks(state, p, count, &done);
    return arbor_crc32_update_portable(state, p + done, count - done);
}

// MARK: VPCLMULQDQ path

/// Four 512-bit accumulators over 256-byte blocks; `blocks` ≥ 1. Returns the
/// register after `blocks * 256` bytes.
static VPCLMUL_TARGET uint32_t vpclmul_blocks(uint32_t state, const unsigned char *p, size_t blocks) {
    __m512i x0 = _mm512_xor_si512(_mm512_loadu_si512(p), _mm512_zextsi128_si512(_mm_cvtsi32_si128((int)state)));
    __m512i x1 = _mm512_loadu_si512(p + 64);
    __m512i x2 = _mm512_loadu_si512(p + 128);
    __m512i x3 = _mm512_loadu_si512(p + 192);
    p += 256;
    const __m512i by2048 = _mm512_broadcast_i32x4(_mm_set_epi64x(0x1322d1430, 0x11542778a));
#define FOLD512(x, constants, next)                                                                      \
    _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(x, constants, 0x00),                              \
                              _mm512_clmulepi64_epi128(x, constants, 0x11), next, 0x96)
    for (size_t block = 1; block < blocks; block++) {
        x0 = FOLD512(x0, by2048, _mm512_loadu_si512(p));
        x1 = FOLD512(x1, by2048, _mm512_loadu_si512(p + 64));
        x2 = FOLD512(x2, by2048, _mm512_loadu_si512(p + 128));
        x3 = FOLD512(x3, by2048, _mm512_loadu_si512(p + 192));
        p += 256;
    }
    // Each lane of x0 is 512 bits ahead of the same lane of x1, and so on.
    const __m512i by512 = _mm512_broadcast_i32x4(_mm_set_epi64x(0x1c6e41596, 0x154442bd4));
    __m512i x = FOLD512(x0, by512, x1);
    x = FOLD512(x, by512, x2);
    x = FOLD512(x, by512, x3);
#undef FOLD512
    // The four 128-bit lanes of x, in message order.
    const __m128i by128 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);
    __m128i folded = _mm_xor_si128(fold128(_mm512_castsi512_si128(x), by128), _mm512_extracti32x4_epi32(x, 1));
    folded = _mm_xor_si128(fold128(folded, by128), _mm512_extracti32x4_epi32(x, 2));
    folded = _mm_xor_si128(fold128(folded, by128), _mm512_extracti32x4_epi32(x, 3));
    return reduce128(folded);
}

static uint32_t update_vpclmul(uint32_t state, const unsigned char *p, size_t count) {
    // Below a few blocks the set-up and the final reduction outweigh the wider folds.
    if (count < 1024) return update_pclmul(state, p, count);
    size_t blocks = count / 256;
    state = vpclmul_blocks(state, p, blocks);
    return update_pclmul(state, p + blocks * 256, count - blocks * 256);
}

// MARK: Dispatch

enum { PATH_UNKNOWN = -1, PATH_PORTABLE = 0, PATH_PCLMUL = 1, PATH_VPCLMUL = 2 };

int arbor_crc32_path(void) {
    static atomic_int cached = PATH_UNKNOWN;
    int path = atomic_load_explicit(&cached, memory_order_relaxed);
    if (path == PATH_UNKNOWN) {
        __builtin_cpu_init();
        path = PATH_PORTABLE;
        if (__builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1")) {
            path = PATH_PCLMUL;
            if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("vpclmulqdq")) path = PATH_VPCLMUL;
        }
        atomic_store_explicit(&cached, path, memory_order_relaxed);
    }
    return path;
}

uint32_t arbor_crc32_update_limited(uint32_t state, const void *bytes, size_t count, int path) {
    int available = arbor_crc32_path();
    if (path > available) path = available;
    if (path >= PATH_VPCLMUL) return update_vpclmul(state, bytes, count);
    if (path == PATH_PCLMUL) return update_pclmul(state, bytes, count);
    return arbor_crc32_update_portable(state, bytes, count);
}

#else

// Not x86-64: no carry-less multiply path here; the portable path does it all.
int arbor_crc32_path(void) { return 0; }

uint32_t arbor_crc32_update_limited(uint32_t state, const void *bytes, size_t count, int path) {
    (void)path;
    return arbor_crc32_update_portable(state, bytes, count);
}

#endif

uint32_t arbor_crc32_update(uint32_t state, const void *bytes, size_t count) {
    return arbor_crc32_update_limited(state, bytes, count, arbor_crc32_path());
}
