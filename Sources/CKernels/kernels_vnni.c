// Reading a prompt with block-format weights on x86-64 CPUs with AVX-512 VNNI, compiled
// for those instructions by function attribute and used only when cpuid reports them.
//
// One vpdpbusd multiplies four unsigned bytes by four signed ones and adds the four
// products into a 32-bit lane. The weights are the unsigned side (Q8_0's plus 128, 4-bit
// nibbles as stored) and the activations the signed one: with eight tokens' activations
// interleaved four bytes at a time (see ck_gemm_tile_fn), one instruction multiplies a
// broadcast group of four weights by all eight tokens, and a block's eight instructions
// leave each token's whole dot product in its own lane: no horizontal sums, and about a
// sixth of the instructions per product of maddubs and madd on one token at a time. The
// weights' offset comes back out as each token's block sum times the offset, made once per
// token with the activations (offsetting the activations instead needed a sum per weight
// block, in every tile conversion: about a third of a 21-token prompt's time on gpt2-xl).
//
// Shapes: weights (R, K / 32) blocks of 32 uint8, with scales (R, K / 32); activations
// (K / 32) blocks of (8 groups of 4 inputs, 8 tokens, 4 bytes) with corrections and scales
// (K / 32, 8); out (R, 8).

#if defined(__x86_64__)

#include "internal.h"

#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"))), apply_to = function)

static inline __m256i broadcast4(const uint8_t *bytes) {
    int32_t word;
    memcpy(&word, bytes, 4);
    return _mm256_set1_epi32(word);
}

/// `count` weight rows against eight tokens. Each row's block is two chains of four
/// multiply-adds (the first starting from the tokens' corrections), so that several
/// blocks are in flight at once.
static inline __attribute__((always_inline)) void gemm_rows(int count, const uint8_t *weights, const float *scales,
                                                            int64_t blocks, const int8_t *activations,
                                                            const int32_t *corrections, const float *activationScales,
                                                            float *out) {
    __m256 sums[4];
    for (int r = 0; r < count; r++) sums[r] = _mm256_setzero_ps();
    for (int64_t b = 0; b < blocks; b++) {
        __m256i x[8];
        for (int m = 0; m < 8; m++) x[m] = _mm256_loadu_si256((const __m256i *)(activations + b * 256 + m * 32));
        const __m256i correction = _mm256_loadu_si256((const __m256i *)(corrections + b * 8));
        const __m256 tokenScales = _mm256_loadu_ps(activationScales + b * 8);
        for (int r = 0; r < count; r++) {
            const uint8_t *w = weights + (r * blocks + b) * CK_BLOCK;
            __m256i even = correction, odd = _mm256_setzero_si256();
            for (int m = 0; m < 8; m += 2) {
                even = _mm256_dpbusd_epi32(even, broadcast4(w + m * 4), x[m]);
                odd = _mm256_dpbusd_epi32(odd, broadcast4(w + m * 4 + 4), x[m + 1]);
            }
            __m256 dot = _mm256_cvtepi32_ps(_mm256_add_epi32(even, odd));
            __m256 scale = _mm256_mul_ps(_mm256_set1_ps(scales[r * blocks + b]), tokenScales);
            sums[r] = _mm256_fmadd_ps(dot, scale, sums[r]);
        }
    }
    for (int r = 0; r < count; r++) _mm256_storeu_ps(out + r * CK_GEMM_TOKENS, sums[r]);
}

/// See ck_gemm_weights_fn.
void ck_vnni_gemm_weights(const ck_matrix *w, int64_t first, int64_t rows, uint8_t *weights, float *scales) {
    const int64_t blocks = w->inputs / CK_BLOCK;
    const size_t blockBytes = ck_row_bytes(w->format, CK_BLOCK);
    const uint8_t *block = ck_nk_row(w, first);
    const __m128i mask = _mm_set1_epi8(15);
    const __m256i signBit = _mm256_set1_epi8((char)0x80);
    for (int64_t i = 0; i < rows * blocks; i++, block += blockBytes) {
        __m256i q;
        if (w->format == CK_Q8_0) {
            q = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(block + 2)), signBit);  // w + 128
        } else {
            __m128i bytes = _mm_loadu_si128((const __m128i *)(block + (w->format == CK_Q4_1 ? 4 : 2)));
            q = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(bytes, 4), mask), _mm_and_si128(bytes, mask));
        }
        _mm256_storeu_si256((__m256i *)(weights + i * CK_BLOCK), q);
        uint16_t scale;
        memcpy(&scale, block, 2);
        scales[i] = _cvtsh_ss(scale);
    }
}

/// See ck_gemm_tile_fn. Four rows at a time share each block's activation loads.
void ck_vnni_gemm_tile(const uint8_t *weights, const float *scales, int64_t rows, int64_t blocks, const int8_t *activations,
                       const int32_t *corrections, const float *activationScales, float *out) {
    int64_t j = 0;
    for (; j + 4 <= rows; j += 4)
        gemm_rows(4, weights + j * blocks * CK_BLOCK, scales + j * blocks, blocks, activations, corrections,
                  activationScales, out + j * CK_GEMM_TOKENS);
    for (; j < rows; j++)
        gemm_rows(1, weights + j * blocks * CK_BLOCK, scales + j * blocks, blocks, activations, corrections,
                  activationScales, out + j * CK_GEMM_TOKENS);
}

#pragma clang attribute pop

#endif
