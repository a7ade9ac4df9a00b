// Shared by the kernel files only; Swift sees include/CKernels.h.
#ifndef DUNGEON_CKERNELS_INTERNAL_H
#define DUNGEON_CKERNELS_INTERNAL_H

#include "CKernels.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

typedef struct {
    uint16_t d;
    int8_t q[CK_BLOCK];
} ck_block_q8_0;

typedef struct {
    uint16_t d;
    uint8_t q[CK_BLOCK / 2];
} ck_block_q4_0;

typedef struct {
    uint16_t d;
    uint16_t m;
    uint8_t q[CK_BLOCK / 2];
} ck_block_q4_1;

/// Activations quantized for the integer dot products: a float scale and 32 int8.
typedef struct {
    float d;
    /// d times the sum of q: what a block's minimum multiplies (Q4_1). Follows d, so the
    /// kernels load the pair at once.
    float sum;
    int8_t q[CK_BLOCK];
} ck_block_q8_x;

_Static_assert(sizeof(ck_block_q8_0) == 34, "Q8_0 block is 34 bytes");
_Static_assert(sizeof(ck_block_q4_0) == 18, "Q4_0 block is 18 bytes");
_Static_assert(sizeof(ck_block_q4_1) == 20, "Q4_1 block is 20 bytes");

/// Per-thread buffers kept for the thread's life, one per use, so that no two uses that
/// may be live at once share one.
typedef enum {
    CK_BUFFER_ACTIVATIONS,  // a product's quantized input or partial sums (the caller's)
    CK_BUFFER_TILE,         // dequantized weights for sgemm (each worker's)
    CK_BUFFER_SCORES,       // attention scores and widened F16 keys and values (each worker's)
    CK_BUFFER_COUNT,
} ck_buffer;

/// This thread's buffer `which`, at least `bytes` long, 64-byte aligned.
void *ck_thread_buffer(ck_buffer which, size_t bytes);

/// The [begin, end) share of `count` items for worker `index` of `parts`, in multiples of `align`.
void ck_split(int64_t count, int index, int parts, int64_t align, int64_t *begin, int64_t *end);

/// Slices of an (N, K) matrix in CK_LAYOUT_NK_SLICED (1 for CK_LAYOUT_NK), and slice
/// `slice` as an (N, width) matrix of its own, with the first input it covers.
int64_t ck_slice_count(const ck_matrix *w);
ck_matrix ck_slice(const ck_matrix *w, int64_t slice, int64_t *first);

/// Row `row` of an (N, K) matrix (a slice of a sliced one included): its K inputs' bytes.
static inline const uint8_t *ck_nk_row(const ck_matrix *w, int64_t row) {
    return (const uint8_t *)w->data + (size_t)row * ck_row_bytes(w->format, w->inputs);
}

float ck_half_to_float(uint16_t bits);
uint16_t ck_float_to_half(float value);
static inline float ck_bf16_to_float(uint16_t bits) {
    union { uint32_t u; float f; } v = { (uint32_t)bits << 16 };
    return v.f;
}
uint16_t ck_float_to_bf16(float value);

/// A decode step with F16 weights multiplies F16 activations, as llama.cpp's does: the
/// loads of halves leave the core's load ports to the weights, which then stream at the
/// memory's rate (gpt2-xl, two cores: 9.8 to 14.0 tokens/s; one: 5.1 to 7.6). Each run of
/// at most CK_HALF_RUN inputs is multiplied by ck_half_scale of its largest magnitude, a
/// power of two that brings that magnitude into [2^14, 2^15), so no activation overflows
/// and few underflow; rounded to nearest, the activations keep F16's 11 significant bits,
/// and each run's dot product is divided by the scale again. Every kernel table (portable,
/// AVX2, AVX-512) rounds the same way; a prompt's rows, read by sgemm, stay float.
enum { CK_HALF_RUN = 4096 };
float ck_half_scale(float largest);

/// Quantizes K activations (K a multiple of CK_BLOCK) for the integer dot products.
void ck_quantize_activations(const float *x, ck_block_q8_x *out, int64_t count);

/// Matrix-vector products. (N, K): out[n] = sum_k W(n, k) x[k] for output rows [begin, end).
/// (K, N): out[0..<N] += the partial sum over input rows [begin, end). x is float, or
/// quantized (xq) for the block formats.
typedef void (*ck_matvec_fn)(const ck_matrix *w, const float *x, const ck_block_q8_x *xq,
                             float *out, int64_t begin, int64_t end);

/// Tokens a prompt's integer product takes at once.
enum { CK_GEMM_TOKENS = 8 };

/// out[j * 8 + c] = the product of weight row j (of `rows`) and token c (of 8) over
/// `blocks` blocks. The weights are unsigned bytes, 32 per block, row after row, with a
/// float scale per block: each weight plus an offset (ck_gemm_weights_fn). The tokens'
/// activations are quantized as for a decode step (signed) and interleaved four bytes at a
/// time: block b holds, for each group m of four inputs, token 0's four bytes, token 1's,
/// ... token 7's (256 bytes), so that one multiply-add of four bytes serves eight tokens;
/// `corrections` holds per block the eight tokens' -offset * (sum of the token's block),
/// which takes the weights' offset back out, and `activationScales` their scales.
/// Converts rows [first, first + rows) of a block-format (N, K) matrix to what
/// ck_gemm_tile_fn reads: Q8_0's weights plus 128, Q4_0's and Q4_1's nibbles as stored
/// (Q4_0's weights plus 8; Q4_1's minimums left to the caller), and a float scale per block.
/// Offsetting the weights, not the activations, leaves nothing to add up per weight block:
/// the offset's correction is one sum per token and block, made with the activations.
typedef void (*ck_gemm_weights_fn)(const ck_matrix *w, int64_t first, int64_t rows, uint8_t *weights, float *scales);
typedef void (*ck_gemm_tile_fn)(const uint8_t *weights, const float *scales, int64_t rows, int64_t blocks,
                                const int8_t *activations, const int32_t *corrections,
                                const float *activationScales, float *out);

typedef struct {
    const char *name;
    ck_matvec_fn matvec[6][2];  // [format][layout]
    void (*dequantize)(int format, const void *source, float *destination, int64_t count);
    void (*gelu)(float *x, int64_t count);
    /// Softmax of `count` floats, in place.
    void (*softmax)(float *row, int64_t count);
    /// One query against one head's `visible` cached positions, (visible, D) keys and
    /// values in `format` (F32 or F16): out (D) = softmax(scale * keys · q) · values.
    /// `scores` holds `visible` floats.
    void (*attend)(const float *q, const void *keys, const void *values, int format, int64_t visible,
                   int64_t headSize, float scale, float *scores, float *out);
    /// Converts `count` floats to F16.
    void (*to_half)(const float *source, uint16_t *destination, int64_t count);
    /// Quantizes K activations (K a multiple of CK_BLOCK) for the integer dot products,
    /// with exactly the numbers of ck_quantize_activations.
    void (*quantize_activations)(const float *x, ck_block_q8_x *out, int64_t count);
    /// Reading a prompt with block-format weights, where the CPU has VNNI (both NULL
    /// elsewhere: those products dequantize tiles into sgemm). See ck_gemm_tile_fn.
    ck_gemm_weights_fn gemm_weights;
    ck_gemm_tile_fn gemm_tile;
} ck_kernels;

extern const ck_kernels ck_portable_kernels;
#if defined(__x86_64__)
extern const ck_kernels ck_avx2_kernels;
/// The AVX2 kernels, with VNNI's integer multiply-adds for reading prompts.
extern const ck_kernels ck_avx512_kernels;
/// AVX-512 (N, K) products of F32, F16 and BF16 weights (kernels_avx512.c).
void ck_avx512_matvec_nk_f32(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out, int64_t begin, int64_t end);
void ck_avx512_matvec_nk_f16(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out, int64_t begin, int64_t end);
void ck_avx512_matvec_nk_bf16(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out, int64_t begin, int64_t end);
/// Q4_1 (N, K) products with AVX-512 VNNI (kernels_avx512.c).
void ck_avx512_matvec_q4_1(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out, int64_t begin, int64_t end);
void ck_vnni_gemm_weights(const ck_matrix *w, int64_t first, int64_t rows, uint8_t *weights, float *scales);
void ck_vnni_gemm_tile(const uint8_t *weights, const float *scales, int64_t rows, int64_t blocks, const int8_t *activations,
                       const int32_t *corrections, const float *activationScales, float *out);
#endif
const ck_kernels *ck_active(void);

void ck_dequantize_row_portable(int format, const void *source, float *destination, int64_t count);

#endif
