// The Q4_1 decode product block by block, written once for the x86-64 kernel files: each
// expands DEFINE_MATVEC_Q4_1 inside its own target pragma, with DOT(q, x) giving the eight
// int32 lanes of 32 unsigned nibbles times 32 signed activation bytes (AVX2: maddubs and
// madd; AVX-512 VNNI: one vpdpbusd, for the blocks after a row's last group of eight).
//
// Unsigned nibbles times signed activations need no sign trick. A block's scale and minimum
// are converted together and multiplied by the activations' (scale, sum) pair, which the
// minimum term needs; two blocks per step keep two FMA chains in flight.
#ifndef DUNGEON_CKERNELS_Q4_1_H
#define DUNGEON_CKERNELS_Q4_1_H

#define DEFINE_MATVEC_Q4_1(LINKAGE, NAME, DOT)                                                          \
    static inline void NAME##_block(const ck_block_q4_1 *r, const ck_block_q8_x *xq, __m256 *a,        \
                                    __m128 *minimums) {                                                 \
        const __m128i mask = _mm_set1_epi8(15);                                                         \
        uint32_t scales;                                                                                \
        memcpy(&scales, &r->d, 4); /* d and m, adjacent halves */                                       \
        const __m128 dm = _mm_cvtph_ps(_mm_cvtsi32_si128((int)scales));                                 \
        const __m128 xs = _mm_castpd_ps(_mm_load_sd((const double *)&xq->d)); /* (dx, sum) */          \
        const __m128 products = _mm_mul_ps(dm, xs); /* (d * dx, m * sum(x)) */                          \
        const __m128i bytes = _mm_loadu_si128((const __m128i *)r->q);                                   \
        const __m256i q = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(bytes, 4), mask), _mm_and_si128(bytes, mask)); \
        const __m256i p = DOT(q, _mm256_loadu_si256((const __m256i *)xq->q));                           \
        *a = _mm256_fmadd_ps(_mm256_broadcastss_ps(products), _mm256_cvtepi32_ps(p), *a);               \
        *minimums = _mm_add_ps(*minimums, products);                                                    \
    }                                                                                                   \
                                                                                                        \
    LINKAGE void NAME(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out,          \
                      int64_t begin, int64_t end) {                                                     \
        (void)x;                                                                                        \
        const int64_t blocks = w->inputs / CK_BLOCK;                                                    \
        const ck_block_q4_1 *base = w->data;                                                            \
        for (int64_t n = begin; n < end; n++) {                                                         \
            const ck_block_q4_1 *r = base + n * blocks;                                                 \
            __m256 a0 = _mm256_setzero_ps(), a1 = a0;                                                   \
            __m128 m0 = _mm_setzero_ps(), m1 = m0;                                                      \
            int64_t i = 0;                                                                              \
            for (; i + 2 <= blocks; i += 2) {                                                           \
                NAME##_block(r + i, xq + i, &a0, &m0);                                                  \
                NAME##_block(r + i + 1, xq + i + 1, &a1, &m1);                                          \
            }                                                                                           \
            if (i < blocks) NAME##_block(r + i, xq + i, &a0, &m0);                                      \
            const __m256 sums = _mm256_add_ps(a0, a1);                                                  \
            __m128 s = _mm_add_ps(_mm256_castps256_ps128(sums), _mm256_extractf128_ps(sums, 1));        \
            s = _mm_add_ps(s, _mm_movehl_ps(s, s));                                                     \
            s = _mm_add_ss(s, _mm_movehdup_ps(s));                                                      \
            const __m128 minimums = _mm_add_ps(m0, m1);                                                 \
            out[n] = _mm_cvtss_f32(s) + _mm_cvtss_f32(_mm_shuffle_ps(minimums, minimums, 1));           \
        }                                                                                               \
    }

#endif
