// Kernels for x86-64 CPUs with AVX2, FMA and F16C, compiled for those instructions by
// function attribute (not build flags), and used only when cpuid reports all three.
//
// Matrix-vector products are bandwidth-bound: each pass reads four rows (or, for
// (K, N) weights, four input rows into one set of accumulators) so that every load of
// x or of the accumulators serves four rows of weights, and four independent FMA
// chains keep the loads in flight. The block formats multiply int8 by int8 (the
// activations quantized once per product) with maddubs, as ggml does.

#if defined(__x86_64__)

#include "internal.h"

#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

static inline float hsum(__m256 v) {
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    return _mm_cvtss_f32(sum);
}

static inline float half(uint16_t bits) { return _cvtsh_ss(bits); }

#define LOAD_F32(p) _mm256_loadu_ps((const float *)(p))
#define LOAD_F16(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))
#define LOAD_BF16(p) _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p))), 16))
#define SCALAR_F32(v) (v)
#define SCALAR_F16(v) half(v)
#define SCALAR_BF16(v) ck_bf16_to_float(v)

/// (N, K): four dot products per pass.
#define DEFINE_MATVEC_NK(NAME, TYPE, LOAD, SCALAR)                                                  \
    static void NAME(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out,      \
                     int64_t begin, int64_t end) {                                                   \
        (void)xq;                                                                                    \
        const int64_t k = w->inputs, k8 = k & ~(int64_t)7;                                          \
        const TYPE *base = w->data;                                                                  \
        int64_t n = begin;                                                                           \
        for (; n + 4 <= end; n += 4) {                                                               \
            const TYPE *r0 = base + n * k, *r1 = r0 + k, *r2 = r1 + k, *r3 = r2 + k;                 \
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                              \
            for (int64_t i = 0; i < k8; i += 8) {                                                    \
                __m256 xv = _mm256_loadu_ps(x + i);                                                  \
                a0 = _mm256_fmadd_ps(LOAD(r0 + i), xv, a0);                                          \
                a1 = _mm256_fmadd_ps(LOAD(r1 + i), xv, a1);                                          \
                a2 = _mm256_fmadd_ps(LOAD(r2 + i), xv, a2);                                          \
                a3 = _mm256_fmadd_ps(LOAD(r3 + i), xv, a3);                                          \
            }                                                                                        \
            float s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3);                        \
            for (int64_t i = k8; i < k; i++) {                                                       \
                s0 += SCALAR(r0[i]) * x[i]; s1 += SCALAR(r1[i]) * x[i];                              \
                s2 += SCALAR(r2[i]) * x[i]; s3 += SCALAR(r3[i]) * x[i];                              \
            }                                                                                        \
            out[n] = s0; out[n + 1] = s1; out[n + 2] = s2; out[n + 3] = s3;                          \
        }                                                                                            \
        for (; n < end; n++) {                                                                       \
            const TYPE *r = base + n * k;                                                            \
            __m256 a = _mm256_setzero_ps();                                                          \
            for (int64_t i = 0; i < k8; i += 8) a = _mm256_fmadd_ps(LOAD(r + i), _mm256_loadu_ps(x + i), a); \
            float s = hsum(a);                                                                       \
            for (int64_t i = k8; i < k; i++) s += SCALAR(r[i]) * x[i];                               \
            out[n] = s;                                                                              \
        }                                                                                            \
    }

/// (K, N): columns [begin, end) of out accumulate four input rows per pass.
#define DEFINE_MATVEC_KN(NAME, TYPE, LOAD, SCALAR)                                                  \
    static void NAME(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out,      \
                     int64_t begin, int64_t end) {                                                   \
        (void)xq;                                                                                    \
        const int64_t k = w->inputs, n = w->outputs;                                                 \
        const TYPE *base = w->data;                                                                  \
        memset(out + begin, 0, (size_t)(end - begin) * sizeof(float));                               \
        int64_t i = 0;                                                                               \
        for (; i + 4 <= k; i += 4) {                                                                 \
            const TYPE *r0 = base + i * n, *r1 = r0 + n, *r2 = r1 + n, *r3 = r2 + n;                 \
            __m256 x0 = _mm256_set1_ps(x[i]), x1 = _mm256_set1_ps(x[i + 1]);                         \
            __m256 x2 = _mm256_set1_ps(x[i + 2]), x3 = _mm256_set1_ps(x[i + 3]);                     \
            int64_t j = begin;                                                                       \
            for (; j + 8 <= end; j += 8) {                                                           \
                __m256 a = _mm256_fmadd_ps(x0, LOAD(r0 + j), _mm256_loadu_ps(out + j));              \
                __m256 b = _mm256_mul_ps(x1, LOAD(r1 + j));                                          \
                a = _mm256_fmadd_ps(x2, LOAD(r2 + j), a);                                            \
                b = _mm256_fmadd_ps(x3, LOAD(r3 + j), b);                                            \
                _mm256_storeu_ps(out + j, _mm256_add_ps(a, b));                                      \
            }                                                                                        \
            for (; j < end; j++)                                                                     \
                out[j] += x[i] * SCALAR(r0[j]) + x[i + 1] * SCALAR(r1[j]) +                          \
                          x[i + 2] * SCALAR(r2[j]) + x[i + 3] * SCALAR(r3[j]);                       \
        }                                                                                            \
        for (; i < k; i++) {                                                                         \
            const TYPE *r = base + i * n;                                                            \
            for (int64_t j = begin; j < end; j++) out[j] += x[i] * SCALAR(r[j]);                     \
        }                                                                                            \
    }

DEFINE_MATVEC_NK(matvec_nk_f32, float, LOAD_F32, SCALAR_F32)
DEFINE_MATVEC_NK(matvec_nk_f16, uint16_t, LOAD_F16, SCALAR_F16)
DEFINE_MATVEC_NK(matvec_nk_bf16, uint16_t, LOAD_BF16, SCALAR_BF16)
DEFINE_MATVEC_KN(matvec_kn_f32, float, LOAD_F32, SCALAR_F32)
DEFINE_MATVEC_KN(matvec_kn_f16, uint16_t, LOAD_F16, SCALAR_F16)
DEFINE_MATVEC_KN(matvec_kn_bf16, uint16_t, LOAD_BF16, SCALAR_BF16)

/// Sum of the 32 products of signed bytes, as eight int32 lanes in float.
static inline __m256 dot_i8(__m256i w, __m256i x) {
    __m256i magnitude = _mm256_sign_epi8(w, w);
    __m256i signedX = _mm256_sign_epi8(x, w);
    __m256i pairs = _mm256_maddubs_epi16(magnitude, signedX);
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

/// The 32 weights of a Q4_0 block as signed bytes in [-8, 7], in element order.
static inline __m256i unpack_q4(const uint8_t *q) {
    __m128i bytes = _mm_loadu_si128((const __m128i *)q);
    __m128i mask = _mm_set1_epi8(15);
    __m128i low = _mm_and_si128(bytes, mask), high = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
    return _mm256_sub_epi8(_mm256_set_m128i(high, low), _mm256_set1_epi8(8));
}

#define DEFINE_MATVEC_BLOCKS(NAME, BLOCK, UNPACK)                                                   \
    static void NAME(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out,      \
                     int64_t begin, int64_t end) {                                                   \
        (void)x;                                                                                     \
        const int64_t blocks = w->inputs / CK_BLOCK;                                                 \
        const BLOCK *base = w->data;                                                                 \
        int64_t n = begin;                                                                           \
        for (; n + 4 <= end; n += 4) {                                                               \
            const BLOCK *r0 = base + n * blocks, *r1 = r0 + blocks, *r2 = r1 + blocks, *r3 = r2 + blocks; \
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                              \
            for (int64_t b = 0; b < blocks; b++) {                                                   \
                __m256i xv = _mm256_loadu_si256((const __m256i *)xq[b].q);                           \
                float dx = xq[b].d;                                                                  \
                a0 = _mm256_fmadd_ps(_mm256_set1_ps(half(r0[b].d) * dx), dot_i8(UNPACK(r0[b].q), xv), a0); \
                a1 = _mm256_fmadd_ps(_mm256_set1_ps(half(r1[b].d) * dx), dot_i8(UNPACK(r1[b].q), xv), a1); \
                a2 = _mm256_fmadd_ps(_mm256_set1_ps(half(r2[b].d) * dx), dot_i8(UNPACK(r2[b].q), xv), a2); \
                a3 = _mm256_fmadd_ps(_mm256_set1_ps(half(r3[b].d) * dx), dot_i8(UNPACK(r3[b].q), xv), a3); \
            }                                                                                        \
            out[n] = hsum(a0); out[n + 1] = hsum(a1); out[n + 2] = hsum(a2); out[n + 3] = hsum(a3);  \
        }                                                                                            \
        for (; n < end; n++) {                                                                       \
            const BLOCK *r = base + n * blocks;                                                      \
            __m256 a = _mm256_setzero_ps();                                                          \
            for (int64_t b = 0; b < blocks; b++) {                                                   \
                __m256i xv = _mm256_loadu_si256((const __m256i *)xq[b].q);                           \
                a = _mm256_fmadd_ps(_mm256_set1_ps(half(r[b].d) * xq[b].d), dot_i8(UNPACK(r[b].q), xv), a); \
            }                                                                                        \
            out[n] = hsum(a);                                                                        \
        }                                                                                            \
    }

/// Q4_1: unsigned nibbles times signed activations need no sign trick; the block's minimum
/// multiplies the activations' sum, precomputed with them.
static void matvec_q4_1(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out,
                        int64_t begin, int64_t end) {
    (void)x;
    const int64_t blocks = w->inputs / CK_BLOCK;
    const ck_block_q4_1 *base = w->data;
    const __m128i mask = _mm_set1_epi8(15);
    const __m256i ones = _mm256_set1_epi16(1);
    for (int64_t n = begin; n < end; n++) {
        const ck_block_q4_1 *r = base + n * blocks;
        __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
        float minimums = 0;
        int64_t i = 0;
        for (; i + 2 <= blocks; i += 2) {
            __m128i bytes0 = _mm_loadu_si128((const __m128i *)r[i].q), bytes1 = _mm_loadu_si128((const __m128i *)r[i + 1].q);
            __m256i q0 = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(bytes0, 4), mask), _mm_and_si128(bytes0, mask));
            __m256i q1 = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(bytes1, 4), mask), _mm_and_si128(bytes1, mask));
            __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(q0, _mm256_loadu_si256((const __m256i *)xq[i].q)), ones);
            __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(q1, _mm256_loadu_si256((const __m256i *)xq[i + 1].q)), ones);
            a = _mm256_fmadd_ps(_mm256_set1_ps(half(r[i].d) * xq[i].d), _mm256_cvtepi32_ps(p0), a);
            b = _mm256_fmadd_ps(_mm256_set1_ps(half(r[i + 1].d) * xq[i + 1].d), _mm256_cvtepi32_ps(p1), b);
            minimums += half(r[i].m) * xq[i].sum + half(r[i + 1].m) * xq[i + 1].sum;
        }
        for (; i < blocks; i++) {
            __m128i bytes = _mm_loadu_si128((const __m128i *)r[i].q);
            __m256i q = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(bytes, 4), mask), _mm_and_si128(bytes, mask));
            __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(q, _mm256_loadu_si256((const __m256i *)xq[i].q)), ones);
            a = _mm256_fmadd_ps(_mm256_set1_ps(half(r[i].d) * xq[i].d), _mm256_cvtepi32_ps(p), a);
            minimums += half(r[i].m) * xq[i].sum;
        }
        out[n] = hsum(_mm256_add_ps(a, b)) + minimums;
    }
}

#define UNPACK_Q8(q) _mm256_loadu_si256((const __m256i *)(q))
DEFINE_MATVEC_BLOCKS(matvec_q8_0, ck_block_q8_0, UNPACK_Q8)
DEFINE_MATVEC_BLOCKS(matvec_q4_0, ck_block_q4_0, unpack_q4)

static void dequantize(int format, const void *source, float *out, int64_t count) {
    int64_t i = 0;
    switch (format) {
    case CK_F16:
        for (; i + 8 <= count; i += 8) _mm256_storeu_ps(out + i, LOAD_F16((const uint16_t *)source + i));
        break;
    case CK_BF16:
        for (; i + 8 <= count; i += 8) _mm256_storeu_ps(out + i, LOAD_BF16((const uint16_t *)source + i));
        break;
    case CK_Q8_0:
    case CK_Q4_0: {
        bool q8 = format == CK_Q8_0;
        for (int64_t b = 0; b < count / CK_BLOCK; b++) {
            const uint8_t *block = (const uint8_t *)source + b * (q8 ? sizeof(ck_block_q8_0) : sizeof(ck_block_q4_0));
            uint16_t bits;
            memcpy(&bits, block, 2);
            __m256 d = _mm256_set1_ps(half(bits));
            __m256i q = q8 ? UNPACK_Q8(block + 2) : unpack_q4(block + 2);
            __m128i low = _mm256_castsi256_si128(q), high = _mm256_extracti128_si256(q, 1);
            float *o = out + b * CK_BLOCK;
            _mm256_storeu_ps(o, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(low))));
            _mm256_storeu_ps(o + 8, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(low, 8)))));
            _mm256_storeu_ps(o + 16, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(high))));
            _mm256_storeu_ps(o + 24, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(high, 8)))));
        }
        return;
    }
    default:
        break;
    }
    if (format == CK_Q4_1) {
        ck_dequantize_row_portable(format, source, out, count);
        return;
    }
    if (i < count) {
        size_t size = format == CK_F32 ? 4 : 2;
        ck_dequantize_row_portable(format, (const uint8_t *)source + (size_t)i * size, out + i, count - i);
    }
}

/// e^x for eight lanes: Cephes' range reduction and polynomial (about 1 ulp).
static inline __m256 exp8(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
    __m256 n = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
    x = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1)));
    __m256i power = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(power));
}

static void gelu(float *x, int64_t count) {
    const __m256 c = _mm256_set1_ps(0.7978845608028654f), cubic = _mm256_set1_ps(0.044715f);
    const __m256 one = _mm256_set1_ps(1), two = _mm256_set1_ps(2), halfOne = _mm256_set1_ps(0.5f);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 u = _mm256_mul_ps(c, _mm256_fmadd_ps(_mm256_mul_ps(cubic, v), _mm256_mul_ps(v, v), v));
        // tanh(u) = 1 - 2 / (e^2u + 1)
        __m256 t = _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(exp8(_mm256_add_ps(u, u)), one)));
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_mul_ps(halfOne, v), _mm256_add_ps(one, t)));
    }
    ck_portable_kernels.gelu(x + i, count - i);
}

static float dot(const float *a, const float *b, int64_t count) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    int64_t i = 0;
    for (; i + 16 <= count; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    for (; i + 8 <= count; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float sum = hsum(_mm256_add_ps(s0, s1));
    for (; i < count; i++) sum += a[i] * b[i];
    return sum;
}

static void axpy(float *y, float a, const float *x, int64_t count) {
    __m256 av = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < count; i++) y[i] += a * x[i];
}

#pragma clang attribute pop

const ck_kernels ck_avx2_kernels = {
    .name = "avx2+fma+f16c",
    .matvec = {
        [CK_F32] = { matvec_kn_f32, matvec_nk_f32 },
        [CK_F16] = { matvec_kn_f16, matvec_nk_f16 },
        [CK_BF16] = { matvec_kn_bf16, matvec_nk_bf16 },
        [CK_Q8_0] = { NULL, matvec_q8_0 },
        [CK_Q4_0] = { NULL, matvec_q4_0 },
        [CK_Q4_1] = { NULL, matvec_q4_1 },
    },
    .dequantize = dequantize,
    .gelu = gelu,
    .dot = dot,
    .axpy = axpy,
};

#endif
