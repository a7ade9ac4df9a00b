// Kernels for x86-64 CPUs with AVX2, FMA and F16C, compiled for those instructions by
// function attribute (not build flags), and used only when cpuid reports all three.
//
// Matrix-vector products are bandwidth-bound, and each worker reads its share of the
// weights as one sequential stream, one row at a time with independent accumulators:
// reading four rows side by side (four streams) ran at a quarter of one core's bandwidth
// here. The block formats multiply int8 by int8 (the activations quantized once per
// product) with maddubs, as ggml does.

#if defined(__x86_64__)

#include "internal.h"
#include "kernels_q4_1.h"

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

/// (N, K): one dot product at a time, four accumulators over 32 elements per step, so
/// each worker reads one sequential stream.
#define DEFINE_MATVEC_NK(NAME, TYPE, LOAD, SCALAR)                                                  \
    static void NAME(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out,      \
                     int64_t begin, int64_t end) {                                                   \
        (void)xq;                                                                                    \
        const int64_t k = w->inputs, k32 = k & ~(int64_t)31, k8 = k & ~(int64_t)7;                  \
        const TYPE *base = w->data;                                                                  \
        for (int64_t n = begin; n < end; n++) {                                                      \
            const TYPE *r = base + n * k;                                                            \
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                              \
            int64_t i = 0;                                                                           \
            for (; i < k32; i += 32) {                                                               \
                a0 = _mm256_fmadd_ps(LOAD(r + i), _mm256_loadu_ps(x + i), a0);                       \
                a1 = _mm256_fmadd_ps(LOAD(r + i + 8), _mm256_loadu_ps(x + i + 8), a1);               \
                a2 = _mm256_fmadd_ps(LOAD(r + i + 16), _mm256_loadu_ps(x + i + 16), a2);            \
                a3 = _mm256_fmadd_ps(LOAD(r + i + 24), _mm256_loadu_ps(x + i + 24), a3);            \
            }                                                                                        \
            for (; i < k8; i += 8) a0 = _mm256_fmadd_ps(LOAD(r + i), _mm256_loadu_ps(x + i), a0);   \
            float sum = hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));           \
            for (; i < k; i++) sum += SCALAR(r[i]) * x[i];                                           \
            out[n] = sum;                                                                            \
        }                                                                                            \
    }

/// (K, N): out[0..<N] += the sum over input rows [begin, end) of x[i] times row i. Each
/// worker reads its rows in order, a sequential stream, into its own sums; the caller adds
/// up the workers' partial sums. Rows go one at a time while the N accumulators fit in L1
/// (two rows side by side measured 20 % slower on gpt2 and gpt2-medium), and two at a time
/// from N = 4800 (gpt2-xl's qkv and MLP), where halving the accumulators' traffic wins
/// (gpt2-xl f16: 8.1 to 9.9 tokens/s).
#define KN_PAIR_WIDTH 4800
#define DEFINE_MATVEC_KN(NAME, TYPE, LOAD, SCALAR)                                                  \
    static void NAME(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out,      \
                     int64_t begin, int64_t end) {                                                   \
        (void)xq;                                                                                    \
        const int64_t n = w->outputs, n8 = n & ~(int64_t)7;                                          \
        const TYPE *base = w->data;                                                                  \
        int64_t i = begin;                                                                           \
        for (; n >= KN_PAIR_WIDTH && i + 2 <= end; i += 2) {                                         \
            const TYPE *r0 = base + i * n, *r1 = r0 + n;                                             \
            __m256 x0 = _mm256_set1_ps(x[i]), x1 = _mm256_set1_ps(x[i + 1]);                         \
            int64_t j = 0;                                                                           \
            for (; j < n8; j += 8) {                                                                 \
                __m256 a = _mm256_fmadd_ps(x0, LOAD(r0 + j), _mm256_loadu_ps(out + j));              \
                _mm256_storeu_ps(out + j, _mm256_fmadd_ps(x1, LOAD(r1 + j), a));                     \
            }                                                                                        \
            for (; j < n; j++) out[j] += x[i] * SCALAR(r0[j]) + x[i + 1] * SCALAR(r1[j]);            \
        }                                                                                            \
        for (; i < end; i++) {                                                                       \
            const TYPE *r = base + i * n;                                                            \
            __m256 xi = _mm256_set1_ps(x[i]);                                                        \
            int64_t j = 0;                                                                           \
            for (; j < n8; j += 8)                                                                   \
                _mm256_storeu_ps(out + j, _mm256_fmadd_ps(xi, LOAD(r + j), _mm256_loadu_ps(out + j))); \
            for (; j < n; j++) out[j] += x[i] * SCALAR(r[j]);                                        \
        }                                                                                            \
    }

DEFINE_MATVEC_NK(matvec_nk_f32, float, LOAD_F32, SCALAR_F32)

/// F16 weights times F16 activations (internal.h), eight at a time.
static void matvec_nk_f16(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out, int64_t begin,
                          int64_t end) {
    (void)xq;
    const int64_t k = w->inputs;
    const uint16_t *base = w->data;
    uint16_t xh[CK_HALF_RUN];
    for (int64_t first = 0; first < k; first += CK_HALF_RUN) {
        const int64_t run = k - first < CK_HALF_RUN ? k - first : CK_HALF_RUN;
        const int64_t run32 = run & ~(int64_t)31, run8 = run & ~(int64_t)7;
        const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
        __m256 top = _mm256_setzero_ps();
        float largest = 0;
        int64_t i = 0;
        for (; i < run8; i += 8) top = _mm256_max_ps(top, _mm256_and_ps(_mm256_loadu_ps(x + first + i), magnitude));
        for (; i < run; i++) largest = fmaxf(largest, fabsf(x[first + i]));
        __m128 half4 = _mm_max_ps(_mm256_castps256_ps128(top), _mm256_extractf128_ps(top, 1));
        half4 = _mm_max_ps(half4, _mm_movehl_ps(half4, half4));
        largest = fmaxf(largest, _mm_cvtss_f32(_mm_max_ss(half4, _mm_movehdup_ps(half4))));
        const float scale = ck_half_scale(largest), unscale = 1 / scale;
        const __m256 scales = _mm256_set1_ps(scale);
        for (i = 0; i < run8; i += 8)
            _mm_storeu_si128((__m128i *)(xh + i),
                             _mm256_cvtps_ph(_mm256_mul_ps(_mm256_loadu_ps(x + first + i), scales), _MM_FROUND_TO_NEAREST_INT));
        for (; i < run; i++) xh[i] = _cvtss_sh(x[first + i] * scale, _MM_FROUND_TO_NEAREST_INT);
        for (int64_t n = begin; n < end; n++) {
            const uint16_t *r = base + n * k + first;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (i = 0; i < run32; i += 32) {
                a0 = _mm256_fmadd_ps(LOAD_F16(r + i), LOAD_F16(xh + i), a0);
                a1 = _mm256_fmadd_ps(LOAD_F16(r + i + 8), LOAD_F16(xh + i + 8), a1);
                a2 = _mm256_fmadd_ps(LOAD_F16(r + i + 16), LOAD_F16(xh + i + 16), a2);
                a3 = _mm256_fmadd_ps(LOAD_F16(r + i + 24), LOAD_F16(xh + i + 24), a3);
            }
            for (; i < run8; i += 8) a0 = _mm256_fmadd_ps(LOAD_F16(r + i), LOAD_F16(xh + i), a0);
            float sum = hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
            for (; i < run; i++) sum += half(r[i]) * half(xh[i]);
            out[n] = first == 0 ? sum * unscale : out[n] + sum * unscale;
        }
    }
}

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

/// One row at a time, two blocks per step into two accumulators: a single sequential
/// stream per worker, which the hardware prefetcher follows best (four interleaved rows
/// measured at a quarter of the single-core bandwidth).
#define DEFINE_MATVEC_BLOCKS(NAME, BLOCK, UNPACK)                                                   \
    static void NAME(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out,      \
                     int64_t begin, int64_t end) {                                                   \
        (void)x;                                                                                     \
        const int64_t blocks = w->inputs / CK_BLOCK;                                                 \
        const BLOCK *base = w->data;                                                                 \
        for (int64_t n = begin; n < end; n++) {                                                      \
            const BLOCK *r = base + n * blocks;                                                      \
            __m256 a0 = _mm256_setzero_ps(), a1 = a0;                                                \
            int64_t b = 0;                                                                           \
            for (; b + 2 <= blocks; b += 2) {                                                        \
                __m256 p0 = dot_i8(UNPACK(r[b].q), _mm256_loadu_si256((const __m256i *)xq[b].q));   \
                __m256 p1 = dot_i8(UNPACK(r[b + 1].q), _mm256_loadu_si256((const __m256i *)xq[b + 1].q)); \
                a0 = _mm256_fmadd_ps(_mm256_set1_ps(half(r[b].d) * xq[b].d), p0, a0);                \
                a1 = _mm256_fmadd_ps(_mm256_set1_ps(half(r[b + 1].d) * xq[b + 1].d), p1, a1);        \
            }                                                                                        \
            for (; b < blocks; b++) {                                                                \
                __m256 p = dot_i8(UNPACK(r[b].q), _mm256_loadu_si256((const __m256i *)xq[b].q));     \
                a0 = _mm256_fmadd_ps(_mm256_set1_ps(half(r[b].d) * xq[b].d), p, a0);                 \
            }                                                                                        \
            out[n] = hsum(_mm256_add_ps(a0, a1));                                                    \
        }                                                                                            \
    }

/// Q4_1 (kernels_q4_1.h), the nibbles' products summed by maddubs and madd.
#define DOT_MADDUBS(q, x) _mm256_madd_epi16(_mm256_maddubs_epi16(q, x), _mm256_set1_epi16(1))
DEFINE_MATVEC_Q4_1(static, matvec_q4_1, DOT_MADDUBS)

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

static void softmax(float *row, int64_t count) {
    int64_t j = 0;
    __m256 maxima = _mm256_set1_ps(-INFINITY);
    for (; j + 8 <= count; j += 8) maxima = _mm256_max_ps(maxima, _mm256_loadu_ps(row + j));
    __m128 half4 = _mm_max_ps(_mm256_castps256_ps128(maxima), _mm256_extractf128_ps(maxima, 1));
    half4 = _mm_max_ps(half4, _mm_movehl_ps(half4, half4));
    float maximum = fmaxf(_mm_cvtss_f32(half4), _mm_cvtss_f32(_mm_movehdup_ps(half4)));
    for (; j < count; j++) maximum = fmaxf(maximum, row[j]);
    __m256 sums = _mm256_setzero_ps(), shift = _mm256_set1_ps(maximum);
    float sum = 0;
    for (j = 0; j + 8 <= count; j += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(row + j), shift));
        _mm256_storeu_ps(row + j, e);
        sums = _mm256_add_ps(sums, e);
    }
    for (; j < count; j++) {
        row[j] = expf(row[j] - maximum);
        sum += row[j];
    }
    __m256 inverse = _mm256_set1_ps(1 / (sum + hsum(sums)));
    for (j = 0; j + 8 <= count; j += 8) _mm256_storeu_ps(row + j, _mm256_mul_ps(_mm256_loadu_ps(row + j), inverse));
    for (; j < count; j++) row[j] *= _mm256_cvtss_f32(inverse);
}

/// Decode attention for one head, the loops inlined: head sizes that are multiples of 8
/// (GPT-2's are 64) stay in registers; others take the portable loops.
/// Eight cached floats of either format.
static inline __m256 load_cached(const void *base, int format, int64_t index) {
    return format == CK_F16 ? LOAD_F16((const uint16_t *)base + index) : _mm256_loadu_ps((const float *)base + index);
}

static void attend(const float *q, const void *keys, const void *values, int format, int64_t visible, int64_t d,
                   float scale, float *scores, float *out) {
    if (d % 8 != 0 || d > 128) {
        ck_portable_kernels.attend(q, keys, values, format, visible, d, scale, scores, out);
        return;
    }
    __m256 query[16];
    for (int64_t i = 0; i < d / 8; i++) query[i] = _mm256_loadu_ps(q + i * 8);
    float maximum = -INFINITY;
    for (int64_t j = 0; j < visible; j++) {
        const int64_t k = j * d;
        __m256 s0 = _mm256_mul_ps(query[0], load_cached(keys, format, k)), s1 = _mm256_setzero_ps();
        for (int64_t i = 1; i < d / 8; i += 2) {
            s1 = _mm256_fmadd_ps(query[i], load_cached(keys, format, k + i * 8), s1);
            if (i + 1 < d / 8) s0 = _mm256_fmadd_ps(query[i + 1], load_cached(keys, format, k + i * 8 + 8), s0);
        }
        scores[j] = hsum(_mm256_add_ps(s0, s1)) * scale;
        maximum = fmaxf(maximum, scores[j]);
    }
    float total = 0;
    int64_t j = 0;
    for (; j + 8 <= visible; j += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(scores + j), _mm256_set1_ps(maximum)));
        _mm256_storeu_ps(scores + j, e);
        total += hsum(e);
    }
    for (; j < visible; j++) {
        scores[j] = expf(scores[j] - maximum);
        total += scores[j];
    }
    __m256 accumulator[16];
    for (int64_t i = 0; i < d / 8; i++) accumulator[i] = _mm256_setzero_ps();
    for (j = 0; j < visible; j++) {
        __m256 weight = _mm256_set1_ps(scores[j]);
        for (int64_t i = 0; i < d / 8; i++)
            accumulator[i] = _mm256_fmadd_ps(weight, load_cached(values, format, j * d + i * 8), accumulator[i]);
    }
    __m256 inverse = _mm256_set1_ps(1 / total);
    for (int64_t i = 0; i < d / 8; i++) _mm256_storeu_ps(out + i * 8, _mm256_mul_ps(accumulator[i], inverse));
}

/// ck_quantize_activations eight lanes at a time: the same multiply by the same inverse,
/// and cvtps rounds half to even as lrintf does, so the numbers are identical.
static void quantize_activations(const float *x, ck_block_q8_x *out, int64_t count) {
    const __m256 signBit = _mm256_set1_ps(-0.0f);
    for (int64_t b = 0; b < count / CK_BLOCK; b++, x += CK_BLOCK) {
        __m256 v[4], amax = _mm256_setzero_ps();
        for (int i = 0; i < 4; i++) {
            v[i] = _mm256_loadu_ps(x + i * 8);
            amax = _mm256_max_ps(amax, _mm256_andnot_ps(signBit, v[i]));
        }
        __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
        m = _mm_max_ps(m, _mm_movehl_ps(m, m));
        m = _mm_max_ss(m, _mm_movehdup_ps(m));
        const float d = _mm_cvtss_f32(m) / 127;
        const __m256 inverse = _mm256_set1_ps(d > 0 ? 1 / d : 0);
        __m256i q[4];
        for (int i = 0; i < 4; i++) q[i] = _mm256_cvtps_epi32(_mm256_mul_ps(v[i], inverse));
        // packs interleaves 128-bit lanes; the permute puts the 32 bytes back in order
        __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
        bytes = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)out[b].q, bytes);
        __m256i sums = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
        __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
        s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
        s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
        out[b].d = d;
        out[b].sum = d * (float)_mm_cvtsi128_si32(s4);
    }
}

static void to_half(const float *source, uint16_t *destination, int64_t count) {
    int64_t i = 0;
    for (; i + 8 <= count; i += 8)
        _mm_storeu_si128((__m128i *)(destination + i), _mm256_cvtps_ph(_mm256_loadu_ps(source + i), _MM_FROUND_TO_NEAREST_INT));
    ck_portable_kernels.to_half(source + i, destination + i, count - i);
}

#pragma clang attribute pop

/// The entries both x86-64 tables share, with the (N, K) products of the float formats
/// given by each table.
#define AVX2_ENTRIES(NK_F32, NK_F16, NK_BF16, Q4_1)       \
    .matvec = {                                           \
        [CK_F32] = { matvec_kn_f32, NK_F32 },             \
        [CK_F16] = { matvec_kn_f16, NK_F16 },             \
        [CK_BF16] = { matvec_kn_bf16, NK_BF16 },          \
        [CK_Q8_0] = { NULL, matvec_q8_0 },                \
        [CK_Q4_0] = { NULL, matvec_q4_0 },                \
        [CK_Q4_1] = { NULL, Q4_1 },                       \
    },                                                    \
    .dequantize = dequantize,                             \
    .gelu = gelu,                                         \
    .softmax = softmax,                                   \
    .attend = attend,                                     \
    .to_half = to_half,                                   \
    .quantize_activations = quantize_activations

const ck_kernels ck_avx2_kernels = {
    .name = "avx2+fma+f16c",
    AVX2_ENTRIES(matvec_nk_f32, matvec_nk_f16, matvec_nk_bf16, matvec_q4_1),
    .gemm_weights = NULL,
    .gemm_tile = NULL,
};

/// The same kernels but the float formats' decode products in AVX-512 (kernels_avx512.c),
/// and prompts with block formats in int8 (kernels_vnni.c).
const ck_kernels ck_avx512_kernels = {
    .name = "avx2+fma+f16c+avx512-vnni",
    AVX2_ENTRIES(ck_avx512_matvec_nk_f32, ck_avx512_matvec_nk_f16, ck_avx512_matvec_nk_bf16, ck_avx512_matvec_q4_1),
    .gemm_weights = ck_vnni_gemm_weights,
    .gemm_tile = ck_vnni_gemm_tile,
};

#endif
