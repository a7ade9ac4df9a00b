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
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"))), apply_to = function)

/// Sixteen weights as floats: whole (LOAD) or the first lanes of `mask` (LOAD_MASKED).
#define LOAD_F32(p) _mm512_loadu_ps((const float *)(p))
#define LOAD_F16(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p)))
#define LOAD_BF16(p) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(p))), 16))
#define LOAD_MASKED_F32(p, mask) _mm512_maskz_loadu_ps(mask, (const float *)(p))
#define LOAD_MASKED_F16(p, mask) _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, (const uint16_t *)(p)))
#define LOAD_MASKED_BF16(p, mask) \
    _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mask, (const uint16_t *)(p))), 16))

/// The lanes of a 16-lane step that `remaining` elements fill (all 16 when there are more).
static inline __mmask16 lanes(int64_t remaining) {
    return remaining >= 16 ? 0xffff : (__mmask16)((1u << remaining) - 1);
}

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
                const __mmask16 mask = lanes(k - i);                                                  \
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
        const __mmask16 mask = lanes(k - i);
        top = _mm512_max_ps(top, _mm512_abs_ps(_mm512_maskz_loadu_ps(mask, x + i)));
    }
    const __m512 scale = _mm512_set1_ps(ck_half_scale(_mm512_reduce_max_ps(top)));
    for (int64_t i = 0; i < k; i += 16) {
        const __mmask16 mask = lanes(k - i);
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
                const __mmask16 mask = lanes(run - i);
                a0 = _mm512_fmadd_ps(LOAD_MASKED_F16(r + i, mask), LOAD_MASKED_F16(xh + i, mask), a0);
            }
            const float sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3))) * unscale;
            out[n] = first == 0 ? sum : out[n] + sum;
        }
    }
}
DEFINE_MATVEC_NK(ck_avx512_matvec_nk_bf16, uint16_t, LOAD_BF16, LOAD_MASKED_BF16)

/// Q4_1 with VNNI. Block by block (kernels_q4_1.h, as AVX2 still reads it) the product
/// was compute-bound on one core at 11-17 GB/s: about 16 instructions per 32 weights, most
/// of them for the block's scale and minimum. Here eight blocks (160 bytes) go at a time:
/// three loads, then dword permutes pick out the eight (d, m) pairs (converted and
/// multiplied by the activations' eight (d, sum) pairs at once) and each pair of blocks'
/// nibbles (every block's 16 bytes start on a dword), so one 512-bit vpdpbusd multiplies
/// two blocks: about 45 instructions per 256 weights. The activations are laid out once
/// per call in the order the unpacked nibbles come in.
/// The last blocks of a row that make no whole group go one at a time, as AVX2 reads them.
#define DOT_VNNI(q, x) _mm256_dpbusd_epi32(_mm256_setzero_si256(), q, x)
DEFINE_MATVEC_Q4_1(static, matvec_q4_1_blocks, DOT_VNNI)

/// Blocks of activations a group kernel call prepares at a time (8,192 inputs: every GPT-2).
enum { Q4_1_RUN = 256 };

/// The activations of a run's whole groups, laid out as q4_1_group reads them: for each
/// pair of blocks (b, b + 1), b's first 16 bytes, b + 1's first 16, b's last 16, b + 1's
/// last 16 (the order of the nibbles unpacked there), and each block's (d, sum).
static void q4_1_group_activations(const ck_block_q8_x *xq, int64_t blocks, int8_t *q, float *scales) {
    for (int64_t b = 0; b < blocks; b++) {
        scales[2 * b] = xq[b].d;
        scales[2 * b + 1] = xq[b].sum;
        int8_t *pair = q + (b & ~(int64_t)1) * CK_BLOCK + (b & 1) * 16;
        memcpy(pair, xq[b].q, 16);
        memcpy(pair + 32, xq[b].q + 16, 16);
    }
}

/// Eight blocks (160 bytes) of a row against their prepared activations: the minimums'
/// products go to *minimums' odd lanes, the rest to the four accumulators.
static inline void q4_1_group(const uint8_t *r, const int8_t *q, const float *scales, __m512 a[4], __m512 *minimums) {
    const __m512i v0 = _mm512_loadu_si512(r), v1 = _mm512_loadu_si512(r + 64);
    const __m512i v2 = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(r + 128)));
    // Block b's (d, m) is dword 5b; its 16 nibble bytes are dwords 5b + 1 ... 5b + 4.
    __m512i dm = _mm512_permutex2var_epi32(v0, _mm512_setr_epi32(0, 5, 10, 15, 20, 25, 30, 0, 0, 0, 0, 0, 0, 0, 0, 0), v1);
    dm = _mm512_mask_permutexvar_epi32(dm, 1 << 7, _mm512_set1_epi32(3), v2);
    const __m512 products = _mm512_mul_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(dm)), _mm512_loadu_ps(scales));
    *minimums = _mm512_add_ps(*minimums, products);  // (d * dx, m * sum) per block
    const __m512i pairs[4] = {
        _mm512_permutexvar_epi32(_mm512_setr_epi32(1, 2, 3, 4, 6, 7, 8, 9, 0, 0, 0, 0, 0, 0, 0, 0), v0),
        _mm512_permutex2var_epi32(v0, _mm512_setr_epi32(11, 12, 13, 14, 16, 17, 18, 19, 0, 0, 0, 0, 0, 0, 0, 0), v1),
        _mm512_permutexvar_epi32(_mm512_setr_epi32(5, 6, 7, 8, 10, 11, 12, 13, 0, 0, 0, 0, 0, 0, 0, 0), v1),
        _mm512_permutex2var_epi32(v1, _mm512_setr_epi32(15, 16, 17, 18, 20, 21, 22, 23, 0, 0, 0, 0, 0, 0, 0, 0), v2),
    };
    const __m512i low = _mm512_set1_epi8(15);
    for (int p = 0; p < 4; p++) {
        const __m256i bytes = _mm512_castsi512_si256(pairs[p]);
        const __m512i nibbles =
            _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(bytes), _mm256_srli_epi16(bytes, 4), 1), low);
        const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), nibbles, _mm512_loadu_si512(q + p * 64));
        // Lanes 0-3 and 8-11 are block 2p's, 4-7 and 12-15 block 2p + 1's: d * dx of each.
        const int first = 4 * p, second = 4 * p + 2;
        const __m512 scale = _mm512_permutexvar_ps(
            _mm512_setr_epi32(first, first, first, first, second, second, second, second, first, first, first, first,
                              second, second, second, second),
            products);
        a[p] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, a[p]);
    }
}

void ck_avx512_matvec_q4_1(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out, int64_t begin,
                           int64_t end) {
    (void)x;
    const int64_t blocks = w->inputs / CK_BLOCK;
    const ck_block_q4_1 *base = w->data;
    int8_t q[Q4_1_RUN * CK_BLOCK];
    float scales[Q4_1_RUN * 2];
    for (int64_t first = 0; first < blocks; first += Q4_1_RUN) {
        const int64_t run = blocks - first < Q4_1_RUN ? blocks - first : Q4_1_RUN, grouped = run & ~(int64_t)7;
        q4_1_group_activations(xq + first, grouped, q, scales);
        for (int64_t n = begin; n < end; n++) {
            const ck_block_q4_1 *r = base + n * blocks + first;
            __m512 a[4] = { _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps() };
            __m512 minimums = _mm512_setzero_ps();
            for (int64_t b = 0; b < grouped; b += 8)
                q4_1_group((const uint8_t *)(r + b), q + b * CK_BLOCK, scales + 2 * b, a, &minimums);
            const __m512 sums = _mm512_add_ps(_mm512_add_ps(a[0], a[1]), _mm512_add_ps(a[2], a[3]));
            float sum = _mm512_reduce_add_ps(_mm512_add_ps(sums, _mm512_maskz_mov_ps(0xaaaa, minimums)));
            if (grouped < run) {  // the last few blocks, one at a time
                float rest;
                const ck_matrix tail = { r + grouped, CK_Q4_1, CK_LAYOUT_NK, (run - grouped) * CK_BLOCK, 1 };
                matvec_q4_1_blocks(&tail, NULL, xq + first + grouped, &rest, 0, 1);
                sum += rest;
            }
            out[n] = first == 0 ? sum : out[n] + sum;
        }
    }
}

#pragma clang attribute pop

#endif
