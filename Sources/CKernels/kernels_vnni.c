// Reading a prompt with block-format weights on x86-64 CPUs with AVX-512 VNNI, compiled
// for those instructions by function attribute and used only when cpuid reports them.
//
// One vpdpbusd multiplies four unsigned activation bytes by four signed weights and adds
// the four products into a 32-bit lane. With eight tokens' activations interleaved four
// bytes at a time (see ck_gemm_tile_fn), one instruction multiplies a broadcast group of
// four weights by all eight tokens, and a block's eight instructions leave each token's
// whole dot product in its own lane: no horizontal sums, and about a sixth of the
// instructions per product of maddubs and madd on one token at a time.
//
// Shapes: weights (R, K / 32) blocks of 32 int8, with scales and corrections (R, K / 32);
// activations (K / 32) blocks of (8 groups of 4 inputs, 8 tokens, 4 bytes); out (R, 8).

#if defined(__x86_64__)

#include "internal.h"

#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"))), apply_to = function)

static inline __m256i broadcast4(const int8_t *bytes) {
    int32_t word;
    memcpy(&word, bytes, 4);
    return _mm256_set1_epi32(word);
}

/// `count` weight rows against eight tokens. Each row's block is two chains of four
/// multiply-adds (the first starting from the block's correction), so that several
/// blocks are in flight at once.
static inline __attribute__((always_inline)) void gemm_rows(int count, const int8_t *weights, const float *scales,
                                                            const int32_t *corrections, int64_t blocks,
                                                            const uint8_t *activations, const float *activationScales,
                                                            float *out) {
    __m256 sums[4];
    for (int r = 0; r < count; r++) sums[r] = _mm256_setzero_ps();
    for (int64_t b = 0; b < blocks; b++) {
        __m256i x[8];
        for (int m = 0; m < 8; m++) x[m] = _mm256_loadu_si256((const __m256i *)(activations + b * 256 + m * 32));
        const __m256 tokenScales = _mm256_loadu_ps(activationScales + b * 8);
        for (int r = 0; r < count; r++) {
            const int8_t *w = weights + (r * blocks + b) * CK_BLOCK;
            __m256i even = _mm256_set1_epi32(corrections[r * blocks + b]), odd = _mm256_setzero_si256();
            for (int m = 0; m < 8; m += 2) {
                even = _mm256_dpbusd_epi32(even, x[m], broadcast4(w + m * 4));
                odd = _mm256_dpbusd_epi32(odd, x[m + 1], broadcast4(w + m * 4 + 4));
            }
            __m256 dot = _mm256_cvtepi32_ps(_mm256_add_epi32(even, odd));
            __m256 scale = _mm256_mul_ps(_mm256_set1_ps(scales[r * blocks + b]), tokenScales);
            sums[r] = _mm256_fmadd_ps(dot, scale, sums[r]);
        }
    }
    for (int r = 0; r < count; r++) _mm256_storeu_ps(out + r * CK_GEMM_TOKENS, sums[r]);
}

/// The sum of 32 signed bytes: vpdpbusd against all-ones adds them four at a time into
/// eight lanes, which are then added up.
static inline int32_t sum_bytes(__m256i bytes) {
    __m256i sums = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(1), bytes);
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
    return _mm_cvtsi128_si32(s4);
}

/// See ck_gemm_weights_fn.
void ck_vnni_gemm_weights(const ck_matrix *w, int64_t first, int64_t rows, int8_t *weights, float *scales,
                         int32_t *corrections) {
    const int64_t blocks = w->inputs / CK_BLOCK;
    const size_t blockBytes = ck_row_bytes(w->format, CK_BLOCK);
    const uint8_t *block = ck_nk_row(w, first);
    const __m128i mask = _mm_set1_epi8(15);
    const __m256i eight = _mm256_set1_epi8(w->format == CK_Q4_0 ? 8 : 0);
    for (int64_t i = 0; i < rows * blocks; i++, block += blockBytes) {
        __m256i q;
        if (w->format == CK_Q8_0) {
            q = _mm256_loadu_si256((const __m256i *)(block + 2));
        } else {
            __m128i bytes = _mm_loadu_si128((const __m128i *)(block + (w->format == CK_Q4_1 ? 4 : 2)));
            q = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(bytes, 4), mask), _mm_and_si128(bytes, mask));
            q = _mm256_sub_epi8(q, eight);
        }
        _mm256_storeu_si256((__m256i *)(weights + i * CK_BLOCK), q);
        uint16_t scale;
        memcpy(&scale, block, 2);
        scales[i] = _cvtsh_ss(scale);
        corrections[i] = -128 * sum_bytes(q);
    }
}

/// See ck_gemm_tile_fn. Four rows at a time share each block's activation loads.
void ck_vnni_gemm_tile(const int8_t *weights, const float *scales, const int32_t *corrections, int64_t rows,
                       int64_t blocks, const uint8_t *activations, const float *activationScales, float *out) {
    int64_t j = 0;
    for (; j + 4 <= rows; j += 4)
        gemm_rows(4, weights + j * blocks * CK_BLOCK, scales + j * blocks, corrections + j * blocks, blocks,
                  activations, activationScales, out + j * CK_GEMM_TOKENS);
    for (; j < rows; j++)
        gemm_rows(1, weights + j * blocks * CK_BLOCK, scales + j * blocks, corrections + j * blocks, blocks,
                  activations, activationScales, out + j * CK_GEMM_TOKENS);
}

#pragma clang attribute pop

#endif
