// Decode-step matrix-vector products for x86-64 CPUs with AVX-512 (F, BW, VL, VNNI):
// output-major (N, K) float formats and Q4_1, compiled for those instructions by function
// attribute and used only when cpuid reports them (in ck_avx512_kernels).
//
// A decode step at f16 streams every weight once: each worker reads its rows in order,
// one sequential stream, 64 weights per step into four 16-lane accumulators, converting
// F16 (vcvtph2ps) or BF16 (a shift) to float on the way; a row's last partial step is a
// masked load, so no row ends in scalar code. With sliced inputs (CK_LAYOUT_NK_SLICED) this
// reads gpt2-xl's F16 weights as fast as a loop that only loads them (one core: 29 against
// 28 GB/s for the AVX2 kernel; two cores: both at the loads-only rate).

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
DEFINE_MATVEC_NK(ck_avx512_matvec_nk_f16, uint16_t, LOAD_F16, LOAD_MASKED_F16)
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
