// Decode-step matrix-vector products for x86-64 CPUs with AVX-512 (F, BW, VL, VNNI):
// output-major (N, K) float formats and Q4_1, compiled for those instructions by function
// attribute and used only when cpuid reports them (in ck_avx512_kernels).
//
// A decode step at f16 streams every weight once: each worker reads its rows in order,
// one sequential stream, 64 weights per step into four 16-lane accumulators, converting
// F16 (vcvtph2ps) or BF16 (a shift) to float on the way; a row's last partial step is a
// masked load, so no row ends in scalar code. F16 weights meet F16 activations (internal.h):
// with float activations, loading them (4 bytes for each 2-byte weight) held one core to
// about 20 GB/s where a loop that only loads the weights reads 27; with halves the product
// keeps up with that loop.

#if defined(__x86_64__)

#include "internal.h"
#include "kernels_q4_1.h"

#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"))), apply_to = function)

/// Sixteen weights as floats: whole (LOAD) or the first lanes of `mask` (LOAD_MASKED).
#define LOAD_F32(p) _mm512_loadu_ps((const float *)(p))
#define LOAD_F16(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p)))
#define LOAD_BF16(p) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(p))), 16))
#define LOAD_MASKED_F32(p, mask) _mm512_maskz_loadu_ps(mask, (const float *)(p))
#define LOAD_MASKED_F16(p, mask) _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, (const uint16_t *)(p)))
#define LOAD_MASKED_BF16(p, mask) \
    _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mask, (const uint16_t *)(p))), 16))

#define DEFINE_MATVEC_NK(NAME, TYPE, LOAD, LOAD_MASKED)                                               \
    void NAME(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out, int64_t begin,  \
              int64_t end) {                                                                          \
        (void)xq;                                                                                     \
        const int64_t k = w->inputs, k64 = k & ~(int64_t)63;                                          \
        const TYPE *base = w->data;                                                                   \
        for (int64_t n = begin; n < end; n++) {                                                       \
            const TYPE *r = base + n * k;                                                             \
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                               \
            int64_t i = 0;                                                                            \
            for (; i < k64; i += 64) {                                                                \
                a0 = _mm512_fmadd_ps(LOAD(r + i), _mm512_loadu_ps(x + i), a0);                        \
                a1 = _mm512_fmadd_ps(LOAD(r + i + 16), _mm512_loadu_ps(x + i + 16), a1);              \
                a2 = _mm512_fmadd_ps(LOAD(r + i + 32), _mm512_loadu_ps(x + i + 32), a2);              \
                a3 = _mm512_fmadd_ps(LOAD(r + i + 48), _mm512_loadu_ps(x + i + 48), a3);              \
            }                                                                                         \
            for (; i < k; i += 16) {                                                                  \
                const __mmask16 mask = k - i >= 16 ? 0xffff : (__mmask16)((1u << (k - i)) - 1);      \
                a0 = _mm512_fmadd_ps(LOAD_MASKED(r + i, mask), _mm512_maskz_loadu_ps(mask, x + i), a0); \
            }                                                                                         \
            out[n] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3))); \
        }                                                                                             \
    }

DEFINE_MATVEC_NK(ck_avx512_matvec_nk_f32, float, LOAD_F32, LOAD_MASKED_F32)
/// Rounds a run of activations to F16 as internal.h describes; returns the scale.
static float half_activations(const float *x, int64_t k, uint16_t *xh) {
    __m512 top = _mm512_setzero_ps();
    for (int64_t i = 0; i < k; i += 16) {
        const __mmask16 mask = k - i >= 16 ? 0xffff : (__mmask16)((1u << (k - i)) - 1);
        top = _mm512_max_ps(top, _mm512_abs_ps(_mm512_maskz_loadu_ps(mask, x + i)));
    }
    const __m512 scale = _mm512_set1_ps(ck_half_scale(_mm512_reduce_max_ps(top)));
    for (int64_t i = 0; i < k; i += 16) {
        const __mmask16 mask = k - i >= 16 ? 0xffff : (__mmask16)((1u << (k - i)) - 1);
        const __m512 scaled = _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, x + i), scale);
        _mm256_mask_storeu_epi16(xh + i, mask, _mm512_cvtps_ph(scaled, _MM_FROUND_TO_NEAREST_INT));
    }
    return _mm512_cvtss_f32(scale);
}

/// F16 weights times F16 activations (internal.h): the same stream as the float formats,
/// with both operands converted by vcvtph2ps.
void ck_avx512_matvec_nk_f16(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out, int64_t begin,
                             int64_t end) {
    (void)xq;
    const int64_t k = w->inputs;
    const uint16_t *base = w->data;
    uint16_t xh[CK_HALF_RUN];
    for (int64_t first = 0; first < k; first += CK_HALF_RUN) {
        const int64_t run = k - first < CK_HALF_RUN ? k - first : CK_HALF_RUN, run64 = run & ~(int64_t)63;
        const float unscale = 1 / half_activations(x + first, run, xh);
        for (int64_t n = begin; n < end; n++) {
            const uint16_t *r = base + n * k + first;
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            int64_t i = 0;
            for (; i < run64; i += 64) {
                a0 = _mm512_fmadd_ps(LOAD_F16(r + i), LOAD_F16(xh + i), a0);
                a1 = _mm512_fmadd_ps(LOAD_F16(r + i + 16), LOAD_F16(xh + i + 16), a1);
                a2 = _mm512_fmadd_ps(LOAD_F16(r + i + 32), LOAD_F16(xh + i + 32), a2);
                a3 = _mm512_fmadd_ps(LOAD_F16(r + i + 48), LOAD_F16(xh + i + 48), a3);
            }
            for (; i < run; i += 16) {
                const __mmask16 mask = run - i >= 16 ? 0xffff : (__mmask16)((1u << (run - i)) - 1);
                a0 = _mm512_fmadd_ps(LOAD_MASKED_F16(r + i, mask), LOAD_MASKED_F16(xh + i, mask), a0);
            }
            const float sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3))) * unscale;
            out[n] = first == 0 ? sum : out[n] + sum;
        }
    }
}
DEFINE_MATVEC_NK(ck_avx512_matvec_nk_bf16, uint16_t, LOAD_BF16, LOAD_MASKED_BF16)

/// Q4_1 (kernels_q4_1.h) with VNNI: vpdpbusd multiplies a block's 32 unsigned nibbles by
/// the signed activations and adds them four at a time into eight lanes, one instruction
/// where AVX2 needs maddubs and madd: on gpt2-xl's shapes about 5 % faster (two cores: 24
/// against 22.5 GB/s; one: 17.2 against 16.3). Two blocks per 512-bit vpdpbusd ran slower:
/// the lane shuffles that line up two blocks' nibbles and activations cost more than the
/// multiply saves. Q4_1 stays compute-bound on one core (11-17 GB/s as the host's load
/// varies, where F16 streams 28-29): a layout with several blocks' scales and nibbles side
/// by side is what would cut the per-block work further.
#define DOT_VNNI(q, x) _mm256_dpbusd_epi32(_mm256_setzero_si256(), q, x)
DEFINE_MATVEC_Q4_1(, ck_avx512_matvec_q4_1, DOT_VNNI)

#pragma clang attribute pop

#endif
