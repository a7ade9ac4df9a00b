// ck_linear: the product of activations and a weight matrix in any format.
//
// One row (a decode step) is a matrix-vector product that streams the weights once,
// split across the pool by output rows (N, K) or output columns (K, N). Several rows
// (reading a prompt) are matrix-matrix work. Block formats, where the CPU has VNNI,
// multiply int8 by int8 as a decode step does (the activations quantized the same way,
// so a prompt and the tokens after it see the same numbers). Otherwise tiles of the
// weights are dequantized into float and handed to sgemm, each worker on its own slice
// of output columns with a single-threaded OpenBLAS, so the pool is the process's only
// compute parallelism.

#include "internal.h"

#include <cblas.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/// Below this many rows the matrix-vector kernels, reading the weights once per row,
/// beat dequantizing tiles for sgemm.
enum { GEMM_MIN_ROWS = 4 };
/// Tile sizes for dequantized weights: 256 x 512 floats (512 KiB) stay in L2. Each sgemm
/// call packs its share of the prompt's activations again, so fewer, wider tiles pay for
/// that less (gpt2-xl f16 at 512 tokens: the packing fell from 12 % of the time at 64
/// outputs to 6 % at 256).
enum { TILE_OUTPUTS = 256, TILE_INPUTS = 512 };
/// Input rows of a (K, N) product a worker takes at a time: workers finish together even
/// when one runs slower (another process, memory contention), and each grab is still a
/// long sequential read (64 rows of gpt2-medium's MLP are 512 KiB in F16).
enum { KN_CHUNK_ROWS = 64 };

static bool is_block(int format) { return format >= CK_Q8_0; }

typedef struct {
    const ck_matrix *w;
    const float *bias;
    const float *input;
    const ck_block_q8_x *quantized;
    /// Integer products: the prompt's activations as ck_gemm_tile_fn reads them, for
    /// groups of eight tokens (the last padded with zeros), their blocks' scales and the
    /// corrections for the weights' offset.
    const int8_t *interleaved;
    const float *interleavedScales;
    const int32_t *interleavedCorrections;
    /// Integer products with Q4_1 weights: each token's blocks' d * sum(q), (T, K / 32),
    /// what the blocks' minimums multiply.
    const float *blockSums;
    float *out;
    int64_t rows;
    const ck_kernels *kernels;
    /// (K, N) products: one row of N partial sums per chunk of input rows, added up by the
    /// caller in chunk order.
    float *partials;
    /// (K, N) products: the first input row no worker has taken yet; integer products:
    /// the first output row.
    _Atomic int64_t nextRow;
} linear_job;

static void add_bias(float *out, const float *bias, int64_t rows, int64_t stride, int64_t begin, int64_t end) {
    if (!bias) return;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = begin; j < end; j++) out[r * stride + j] += bias[j];
}

/// The matrix-vector kernel for a layout: sliced (N, K) runs the (N, K) one on each slice.
static ck_matvec_fn matvec_kernel(const ck_kernels *kernels, const ck_matrix *w) {
    return kernels->matvec[w->format][w->layout == CK_LAYOUT_KN ? CK_LAYOUT_KN : CK_LAYOUT_NK];
}

/// Rows [begin, end) of a sliced (N, K) product: slice after slice, each one sequential run
/// of this worker's rows, the later slices' sums added to the first's in slice order.
static void matvec_sliced(ck_matvec_fn matvec, const ck_matrix *w, const float *x, const ck_block_q8_x *xq,
                          float *out, int64_t begin, int64_t end) {
    float *partial = NULL;
    for (int64_t s = 0; s < ck_slice_count(w); s++) {
        int64_t first;
        const ck_matrix slice = ck_slice(w, s, &first);
        const ck_block_q8_x *sliceXq = xq ? xq + first / CK_BLOCK : NULL;
        if (s == 0) {
            matvec(&slice, x + first, sliceXq, out, begin, end);
            continue;
        }
        if (!partial) partial = ck_thread_buffer(CK_BUFFER_TILE, sizeof(float) * (size_t)w->outputs);
        matvec(&slice, x + first, sliceXq, partial, begin, end);
        for (int64_t n = begin; n < end; n++) out[n] += partial[n];
    }
}

static void matvec_job(void *context, int index, int count) {
    linear_job *job = context;
    int64_t begin, end;
    ck_matvec_fn matvec = matvec_kernel(job->kernels, job->w);
    if (job->w->layout == CK_LAYOUT_KN) {
        // Each chunk sums into its own row of partials, whichever worker takes it, so the
        // result does not depend on which worker was faster: the same seed writes the same
        // story on a busy machine.
        const int64_t k = job->w->inputs, n = job->w->outputs;
        while ((begin = atomic_fetch_add(&job->nextRow, KN_CHUNK_ROWS)) < k) {
            end = begin + KN_CHUNK_ROWS < k ? begin + KN_CHUNK_ROWS : k;
            float *partial = job->partials + (begin / KN_CHUNK_ROWS) * n;
            memset(partial, 0, sizeof(float) * (size_t)n);
            matvec(job->w, job->input, job->quantized, partial, begin, end);
        }
        return;
    }
    ck_split(job->w->outputs, index, count, 16, &begin, &end);
    if (begin >= end) return;
    matvec_sliced(matvec, job->w, job->input, job->quantized, job->out, begin, end);
    add_bias(job->out, job->bias, 1, 0, begin, end);
}

/// Chunks of KN_CHUNK_ROWS input rows in a (K, N) product.
static int64_t kn_chunks(const ck_matrix *w) { return (w->inputs + KN_CHUNK_ROWS - 1) / KN_CHUNK_ROWS; }

/// out = bias + the chunks' partial sums of a (K, N) product, added in chunk order.
static void sum_partials(const linear_job *job) {
    const int64_t n = job->w->outputs, chunks = kn_chunks(job->w);
    for (int64_t j = 0; j < n; j++) job->out[j] = job->bias ? job->bias[j] : 0;
    for (int64_t c = 0; c < chunks; c++) {
        const float *partial = job->partials + c * n;
        for (int64_t j = 0; j < n; j++) job->out[j] += partial[j];
    }
}

/// Rows [k0, k0 + kt) and columns [n0, n0 + nt) of a (K, N) matrix as floats, (kt, nt).
static void dequantize_kn_tile(const ck_kernels *kernels, const ck_matrix *w, int64_t k0, int64_t kt,
                               int64_t n0, int64_t nt, float *tile) {
    size_t element = ck_row_bytes(w->format, 1);
    for (int64_t i = 0; i < kt; i++) {
        const uint8_t *row = (const uint8_t *)w->data + ((k0 + i) * w->outputs + n0) * element;
        kernels->dequantize(w->format, row, tile + i * nt, nt);
    }
}

/// Rows [n0, n0 + nt) and inputs [k0, k0 + kt) of an (N, K) matrix as floats, (nt, kt).
static void dequantize_nk_tile(const ck_kernels *kernels, const ck_matrix *w, int64_t n0, int64_t nt,
                               int64_t k0, int64_t kt, float *tile) {
    size_t offset = ck_row_bytes(w->format, k0);
    for (int64_t j = 0; j < nt; j++) kernels->dequantize(w->format, ck_nk_row(w, n0 + j) + offset, tile + j * kt, kt);
}

static void gemm_job(void *context, int index, int count) {
    const linear_job *job = context;
    const ck_matrix *w = job->w;
    const int64_t t = job->rows, k = w->inputs, n = w->outputs;
    int64_t begin, end;
    ck_split(n, index, count, 64, &begin, &end);
    if (begin >= end) return;
    float *out = job->out;
    const float *x = job->input;

    if (w->format == CK_F32 && w->layout != CK_LAYOUT_NK_SLICED) {
        const float *data = w->data;
        if (w->layout == CK_LAYOUT_KN)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)t, (int)(end - begin), (int)k,
                        1, x, (int)k, data + begin, (int)n, 0, out + begin, (int)n);
        else
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)t, (int)(end - begin), (int)k,
                        1, x, (int)k, data + begin * k, (int)k, 0, out + begin, (int)n);
    } else if (w->layout == CK_LAYOUT_KN) {
        float *tile = ck_thread_buffer(CK_BUFFER_TILE, sizeof(float) * TILE_INPUTS * 256);
        for (int64_t n0 = begin; n0 < end; n0 += 256) {
            int64_t nt = end - n0 < 256 ? end - n0 : 256;
            for (int64_t k0 = 0; k0 < k; k0 += TILE_INPUTS) {
                int64_t kt = k - k0 < TILE_INPUTS ? k - k0 : TILE_INPUTS;
                dequantize_kn_tile(job->kernels, w, k0, kt, n0, nt, tile);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)t, (int)nt, (int)kt,
                            1, x + k0, (int)k, tile, (int)nt, k0 == 0 ? 0 : 1, out + n0, (int)n);
            }
        }
    } else {
        // (N, K), or each slice of a sliced one in turn.
        float *tile = ck_thread_buffer(CK_BUFFER_TILE, sizeof(float) * TILE_OUTPUTS * TILE_INPUTS);
        for (int64_t n0 = begin; n0 < end; n0 += TILE_OUTPUTS) {
            int64_t nt = end - n0 < TILE_OUTPUTS ? end - n0 : TILE_OUTPUTS;
            for (int64_t s = 0; s < ck_slice_count(w); s++) {
                int64_t first;
                const ck_matrix slice = ck_slice(w, s, &first);
                for (int64_t k0 = 0; k0 < slice.inputs; k0 += TILE_INPUTS) {
                    int64_t kt = slice.inputs - k0 < TILE_INPUTS ? slice.inputs - k0 : TILE_INPUTS;
                    dequantize_nk_tile(job->kernels, &slice, n0, nt, k0, kt, tile);
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)t, (int)nt, (int)kt,
                                1, x + first + k0, (int)k, tile, (int)kt, first + k0 == 0 ? 0 : 1, out + n0, (int)n);
                }
            }
        }
    }
    add_bias(out, job->bias, t, n, begin, end);
}

/// What ck_gemm_weights_fn adds to a format's weights to make them unsigned: Q8_0's
/// int8 plus 128, Q4_0's nibbles (its weights plus 8), Q4_1's nibbles (as stored).
static int gemm_weight_offset(int format) { return format == CK_Q8_0 ? 128 : format == CK_Q4_0 ? 8 : 0; }

/// Quantizes a prompt's rows exactly as a decode step does and lays them out for
/// ck_gemm_tile_fn (and the Q4_1 minimums' sums), each worker taking whole groups of
/// eight tokens.
static void interleave_job(void *context, int index, int count) {
    const linear_job *job = context;
    const int64_t k = job->w->inputs, blocks = k / CK_BLOCK, t = job->rows;
    const int64_t groups = (t + CK_GEMM_TOKENS - 1) / CK_GEMM_TOKENS;
    const size_t groupBytes = (size_t)blocks * CK_GEMM_TOKENS * CK_BLOCK;
    const int32_t offset = gemm_weight_offset(job->w->format);
    int8_t *interleaved = (int8_t *)job->interleaved;
    float *scales = (float *)job->interleavedScales, *sums = (float *)job->blockSums;
    int32_t *corrections = (int32_t *)job->interleavedCorrections;
    ck_block_q8_x *row = ck_thread_buffer(CK_BUFFER_TILE, sizeof(ck_block_q8_x) * (size_t)blocks);
    int64_t begin, end;
    ck_split(groups, index, count, 1, &begin, &end);
    for (int64_t group = begin; group < end; group++) {
        // Zeros for the padding tokens: no activations, no correction, no scale.
        memset(interleaved + group * groupBytes, 0, groupBytes);
        memset(scales + group * blocks * CK_GEMM_TOKENS, 0, sizeof(float) * (size_t)blocks * CK_GEMM_TOKENS);
        memset(corrections + group * blocks * CK_GEMM_TOKENS, 0, sizeof(int32_t) * (size_t)blocks * CK_GEMM_TOKENS);
        for (int64_t r = group * CK_GEMM_TOKENS; r < t && r < (group + 1) * CK_GEMM_TOKENS; r++) {
            job->kernels->quantize_activations(job->input + r * k, row, k);
            const int64_t token = r % CK_GEMM_TOKENS;
            for (int64_t b = 0; b < blocks; b++) {
                int8_t *block = interleaved + group * groupBytes + b * CK_GEMM_TOKENS * CK_BLOCK;
                int32_t sum = 0;
                for (int m = 0; m < CK_BLOCK / 4; m++)
                    for (int i = 0; i < 4; i++) {
                        block[(m * CK_GEMM_TOKENS + token) * 4 + i] = row[b].q[m * 4 + i];
                        sum += row[b].q[m * 4 + i];
                    }
                scales[(group * blocks + b) * CK_GEMM_TOKENS + token] = row[b].d;
                corrections[(group * blocks + b) * CK_GEMM_TOKENS + token] = -offset * sum;
                sums[r * blocks + b] = row[b].sum;
            }
        }
    }
}

/// Q4_1 minimums of rows [n0, n0 + nt), (nt, K / 32).
static void block_minimums(const ck_matrix *w, int64_t n0, int64_t nt, float *minimums) {
    const int64_t blocks = w->inputs / CK_BLOCK;
    const ck_block_q4_1 *rows = w->data;
    for (int64_t j = 0; j < nt; j++)
        for (int64_t b = 0; b < blocks; b++) minimums[j * blocks + b] = ck_half_to_float(rows[(n0 + j) * blocks + b].m);
}

/// Output rows a worker converts and takes at a time: as many as keep their converted
/// blocks (40 bytes each) within 256 KiB of L2, a multiple of four from 8 to 64 (gpt2-xl:
/// 64 rows of 1,600 inputs, 32 of 6,400).
static int64_t gemm_row_tile(int64_t blocks) {
    int64_t rows = (256 * 1024 / 40 / blocks) & ~(int64_t)3;
    return rows < 8 ? 8 : rows > 64 ? 64 : rows;
}

/// Workers take tiles of output rows, convert them once and run every group of eight
/// tokens past them.
static void gemm_int8_job(void *context, int index, int count) {
    (void)index, (void)count;
    linear_job *job = context;
    const ck_matrix *w = job->w;
    const int64_t t = job->rows, n = w->outputs, blocks = w->inputs / CK_BLOCK, tile = gemm_row_tile(blocks);
    const int64_t groups = (t + CK_GEMM_TOKENS - 1) / CK_GEMM_TOKENS;
    const size_t tileBlocks = (size_t)(tile * blocks);
    uint8_t *buffer = ck_thread_buffer(CK_BUFFER_TILE, tileBlocks * (CK_BLOCK + 4 + 4) + sizeof(float) * (size_t)tile * CK_GEMM_TOKENS);
    uint8_t *weights = buffer;
    float *scales = (float *)(buffer + tileBlocks * CK_BLOCK);
    float *minimums = (float *)(buffer + tileBlocks * (CK_BLOCK + 4));
    float *sums = minimums + tileBlocks;
    int64_t n0;
    while ((n0 = atomic_fetch_add(&job->nextRow, tile)) < n) {
        const int64_t nt = n - n0 < tile ? n - n0 : tile;
        job->kernels->gemm_weights(w, n0, nt, weights, scales);
        for (int64_t g = 0; g < groups; g++) {
            job->kernels->gemm_tile(weights, scales, nt, blocks, job->interleaved + g * blocks * CK_GEMM_TOKENS * CK_BLOCK,
                                    job->interleavedCorrections + g * blocks * CK_GEMM_TOKENS,
                                    job->interleavedScales + g * blocks * CK_GEMM_TOKENS, sums);
            const int64_t tokens = t - g * CK_GEMM_TOKENS < CK_GEMM_TOKENS ? t - g * CK_GEMM_TOKENS : CK_GEMM_TOKENS;
            for (int64_t c = 0; c < tokens; c++) {
                float *o = job->out + (g * CK_GEMM_TOKENS + c) * n + n0;
                for (int64_t j = 0; j < nt; j++) o[j] = sums[j * CK_GEMM_TOKENS + c] + (job->bias ? job->bias[n0 + j] : 0);
            }
        }
        if (w->format == CK_Q4_1) {
            block_minimums(w, n0, nt, minimums);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)t, (int)nt, (int)blocks,
                        1, job->blockSums, (int)blocks, minimums, (int)blocks, 1, job->out + n0, (int)n);
        }
    }
}

/// A prompt's block-format product in integers: the activations quantized and laid out
/// across the pool, then the product.
static void gemm_int8(ck_pool *pool, linear_job *job) {
    const int64_t blocks = job->w->inputs / CK_BLOCK, t = job->rows;
    const size_t groupBlocks = (size_t)((t + CK_GEMM_TOKENS - 1) / CK_GEMM_TOKENS * blocks);
    const size_t interleavedBytes = groupBlocks * CK_GEMM_TOKENS * CK_BLOCK;
    const size_t scaleBytes = groupBlocks * CK_GEMM_TOKENS * sizeof(float);  // also the corrections' (int32)
    uint8_t *buffer = ck_thread_buffer(CK_BUFFER_ACTIVATIONS,
                                       interleavedBytes + 2 * scaleBytes + sizeof(float) * (size_t)(t * blocks));
    job->interleaved = (const int8_t *)buffer;
    job->interleavedScales = (const float *)(buffer + interleavedBytes);
    job->interleavedCorrections = (const int32_t *)(buffer + interleavedBytes + scaleBytes);
    job->blockSums = (const float *)(buffer + interleavedBytes + 2 * scaleBytes);
    ck_pool_run(pool, interleave_job, job);
    ck_pool_run(pool, gemm_int8_job, job);
}

void ck_linear(ck_pool *pool, const ck_matrix *weight, const float *bias, const float *input, float *out, int64_t rows) {
    linear_job job = { weight, bias, input, NULL, NULL, NULL, NULL, NULL, out, rows, ck_active(), NULL, 0 };
    if (rows >= GEMM_MIN_ROWS && is_block(weight->format) && job.kernels->gemm_tile && weight->layout == CK_LAYOUT_NK) {
        gemm_int8(pool, &job);
        return;
    }
    if (rows >= GEMM_MIN_ROWS) {
        ck_pool_run(pool, gemm_job, &job);
        return;
    }
    for (int64_t r = 0; r < rows; r++) {
        job.input = input + r * weight->inputs;
        job.out = out + r * weight->outputs;
        if (is_block(weight->format)) {
            ck_block_q8_x *quantized = ck_thread_buffer(CK_BUFFER_ACTIVATIONS, sizeof(ck_block_q8_x) * (size_t)(weight->inputs / CK_BLOCK));
            job.kernels->quantize_activations(job.input, quantized, weight->inputs);
            job.quantized = quantized;
        }
        if (weight->layout == CK_LAYOUT_KN) {
            job.partials = ck_thread_buffer(CK_BUFFER_ACTIVATIONS, sizeof(float) * (size_t)(weight->outputs * kn_chunks(weight)));
            atomic_store(&job.nextRow, 0);
        }
        ck_pool_run(pool, matvec_job, &job);
        if (weight->layout == CK_LAYOUT_KN) sum_partials(&job);
    }
}

void ck_linear_reference(const ck_matrix *weight, const float *bias, const float *input, float *out, int64_t rows) {
    const ck_kernels *kernels = &ck_portable_kernels;
    int64_t k = weight->inputs, n = weight->outputs;
    ck_block_q8_x *quantized = is_block(weight->format) ? malloc(sizeof(ck_block_q8_x) * (size_t)(k / CK_BLOCK)) : NULL;
    for (int64_t r = 0; r < rows; r++) {
        if (quantized) ck_quantize_activations(input + r * k, quantized, k);
        if (weight->layout == CK_LAYOUT_KN) {
            memset(out + r * n, 0, sizeof(float) * (size_t)n);
            kernels->matvec[weight->format][CK_LAYOUT_KN](weight, input + r * k, quantized, out + r * n, 0, k);
        } else {
            matvec_sliced(matvec_kernel(kernels, weight), weight, input + r * k, quantized, out + r * n, 0, n);
        }
        add_bias(out + r * n, bias, 1, 0, 0, n);
    }
    free(quantized);
}

void ck_matrix_row(const ck_matrix *w, int64_t row, float *out) {
    if (w->layout != CK_LAYOUT_KN) {
        for (int64_t s = 0; s < ck_slice_count(w); s++) {
            int64_t first;
            const ck_matrix slice = ck_slice(w, s, &first);
            ck_active()->dequantize(slice.format, ck_nk_row(&slice, row), out + first, slice.inputs);
        }
        return;
    }
    size_t element = ck_row_bytes(w->format, 1);
    for (int64_t i = 0; i < w->inputs; i++)
        ck_dequantize_row_portable(w->format, (const uint8_t *)w->data + (i * w->outputs + row) * element, out + i, 1);
}
