#ifndef DUNGEON_CKERNELS_H
#define DUNGEON_CKERNELS_H

// The engine's hand-written kernels: a persistent worker pool, matrix-vector and
// matrix-matrix products over compact weights (F32, F16, BF16, 8-bit, 4-bit),
// attention over the KV cache, and the element-wise steps of a transformer block.
// Each kernel family has a portable scalar version and an AVX2 + FMA + F16C version,
// and CPUs with AVX-512 VNNI also read prompts in int8; cpuid chooses at run time,
// build flags never do.
//
// Shape legend (row-major everywhere):
//   T  rows in this pass (tokens)        K  input features     N  output features
//   H  heads, D head size, C = H * D     P  cache capacity (positions), S visible positions

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - Worker pool

/// A fixed set of threads that run one job at a time, the caller taking part as worker 0.
/// Workers spin briefly between jobs (a decode step issues hundreds) and then sleep.
typedef struct ck_pool ck_pool;

ck_pool *ck_pool_create(int threads);
void ck_pool_destroy(ck_pool *pool);
int ck_pool_threads(const ck_pool *pool);
/// Runs job(context, part, parts) for every part 0 ..< parts (a few per thread), each part
/// on whichever thread takes it first, the calling thread included, and returns when all
/// have finished. A job must not depend on which thread runs a part.
void ck_pool_run(ck_pool *pool, void (*job)(void *context, int index, int count), void *context);
/// Jobs that waited so long for a part another thread held (set aside by the scheduler)
/// that the caller went on alone for a while.
int64_t ck_pool_stalls(const ck_pool *pool);

// MARK: - Weight formats

typedef enum {
    CK_F32 = 0,
    CK_F16 = 1,
    CK_BF16 = 2,
    /// 32 weights per block: an F16 scale d, then 32 int8 q; weight = d * q. 34 bytes.
    CK_Q8_0 = 3,
    /// 32 weights per block: an F16 scale d, then 16 bytes; byte j holds weight j in its low
    /// nibble and weight j + 16 in its high nibble; weight = d * (nibble - 8). 18 bytes.
    CK_Q4_0 = 4,
    /// 32 weights per block: an F16 scale d and an F16 minimum m, then 16 bytes packed as in
    /// Q4_0; weight = d * nibble + m. 20 bytes.
    CK_Q4_1 = 5,
} ck_format;

/// Weights per block of the block formats.
#define CK_BLOCK 32

typedef enum {
    /// (K, N): one row per input feature, as GPT-2's Conv1D stores its weights.
    CK_LAYOUT_KN = 0,
    /// (N, K): one row per output feature; the block formats use only this layout, with
    /// blocks running along K.
    CK_LAYOUT_NK = 1,
    /// (N, K) in slices of inputs: inputs [0, w), [w, 2w), ... (w = ck_slice_width(K), the
    /// last slice shorter), each slice stored whole as an (N, slice width) matrix after the
    /// one before. A decode step reads one slice's activations at a time, which stay in L1
    /// beside the weights streaming past: a whole row's (gpt2-xl's MLP projection: 6,400
    /// floats, 25.6 KB) did not, and that matrix streamed at 12 GB/s per core against 29
    /// for the others. With one slice (K <= 3,200) it is (N, K).
    CK_LAYOUT_NK_SLICED = 2,
} ck_layout;

/// Inputs per slice of a CK_LAYOUT_NK_SLICED matrix of K inputs: K up to 3,200, otherwise
/// K split evenly into the fewest slices of at most 3,200, rounded up to a multiple of 64.
int64_t ck_slice_width(int64_t inputs);

/// A weight matrix in any format: a view, never owning its bytes.
typedef struct {
    const void *data;
    int32_t format;    // ck_format
    int32_t layout;    // ck_layout
    int64_t inputs;    // K
    int64_t outputs;   // N
} ck_matrix;

/// Bytes one row of `count` elements takes in `format` (count a multiple of CK_BLOCK for blocks).
size_t ck_row_bytes(int format, int64_t count);
/// Converts `count` floats to `format`; for block formats count is a multiple of CK_BLOCK.
void ck_quantize_row(int format, const float *source, void *destination, int64_t count);
/// Converts `count` elements of `format` to floats.
void ck_dequantize_row(int format, const void *source, float *destination, int64_t count);

/// Converts a whole matrix to the destination's format and layout (its data must be
/// writable and ck_row_bytes(format, K) * N bytes), transposing (K, N) to (N, K) or sliced
/// (N, K) when the layouts differ. Split across the pool.
void ck_convert(ck_pool *pool, const ck_matrix *source, const ck_matrix *destination);

// MARK: - Products

/// out = input · W + bias for every row; bias may be NULL.
/// input: (T, K); out: (T, N). One row runs the matrix-vector kernels (bandwidth-bound);
/// more rows are matrix-matrix work (compute-bound): block formats in int8 where the CPU
/// has VNNI, otherwise tiles of W dequantized into sgemm.
void ck_linear(ck_pool *pool, const ck_matrix *weight, const float *bias,
               const float *input, float *out, int64_t rows);

/// The same product with plain scalar loops (activations quantized exactly as the fast
/// kernels do for the block formats): the reference the tests hold the kernels to.
void ck_linear_reference(const ck_matrix *weight, const float *bias,
                         const float *input, float *out, int64_t rows);

/// Row `row` of an (N, K) matrix as K floats (an embedding lookup); any layout.
void ck_matrix_row(const ck_matrix *weight, int64_t row, float *out);

// MARK: - Transformer steps

/// Layer normalisation of each row of (T, C), with gain and bias.
void ck_layer_norm(ck_pool *pool, float *out, const float *input, const float *gain, const float *bias,
                   int64_t rows, int64_t size, float epsilon);
/// GELU with GPT-2's tanh approximation, in place.
void ck_gelu(ck_pool *pool, float *x, int64_t count);
/// x += y (the residual connection).
void ck_add(ck_pool *pool, float *x, const float *y, int64_t count);

/// Copies the keys and values of T new rows of qkv (T, 3C) into the caches at positions
/// start..<start + T. Caches are (H, P, D), each head's positions contiguous, in `format`
/// (CK_F32 or CK_F16).
void ck_store_kv(const float *qkv, void *keys, void *values, int format,
                 int64_t rows, int64_t start, int64_t heads, int64_t head_size, int64_t capacity);

/// Causal attention of T new rows (queries in qkv (T, 3C)) over the S = start + T cached
/// positions of caches in `format`; out: (T, C). Masked scores are never computed.
void ck_attention(ck_pool *pool, float *out, const float *qkv, const void *keys, const void *values, int format,
                  int64_t rows, int64_t start, int64_t heads, int64_t head_size, int64_t capacity);

/// Statistics of one row of logits for scoring text: the index of the largest, and the
/// log of the softmax's denominator relative to that largest (log sum exp(x - max)).
void ck_logit_statistics(const float *logits, int64_t count, int64_t *argmax, float *maximum, double *log_sum);

/// Whether several rows of block-format products multiply int8 (the activations quantized
/// as for one row, on CPUs with VNNI) rather than dequantized weights in sgemm.
int ck_integer_prompt_products(void);

/// The name of the instruction set the kernels chose ("avx2+fma+f16c+avx512-vnni",
/// "avx2+fma+f16c" or "portable").
const char *ck_instruction_set(void);
/// Forces the portable kernels for products called from this thread (tests compare both
/// paths); returns the previous setting.
int ck_force_portable(int enabled);
/// Forces the AVX2 kernels on a CPU with VNNI for products called from this thread (tests
/// reach the sgemm path of prompts with block formats); returns the previous setting.
int ck_force_without_vnni(int enabled);

// MARK: Checksums

/// CRC-32C (Castagnoli) of `size` bytes, as TensorFlow records it (before masking): the
/// SSE4.2 instruction when the CPU has it, else a table.
uint32_t ck_crc32c(const void *data, size_t size);
/// The table version, for testing the fast one against.
uint32_t ck_crc32c_portable(const void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif
