// ck_linear: the product of activations and a weight matrix in any format.
//
// One row (a decode step) is a matrix-vector product that streams the weights once,
// split across the pool by output rows (N, K) or output columns (K, N). Several rows
// (reading a prompt) dequantize tiles of the weights into float and hand them to
// sgemm, each worker on its own slice of output columns with a single-threaded
// OpenBLAS, so the pool is the process's only compute parallelism.

#include "internal.h"

#include <cblas.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/// Below this many rows the matrix-vector kernels, reading the weights once per row,
/// beat dequantizing tiles for sgemm.
enum { GEMM_MIN_ROWS = 4 };
/// Tile sizes for dequantized weights: 64 x 512 floats (128 KiB) stay in L2.
enum { TILE_OUTPUTS = 64, TILE_INPUTS = 512 };
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
    float *out;
    int64_t rows;
    const ck_kernels *kernels;
    /// (K, N) products: one row of N partial sums per worker, added up by the caller.
    float *partials;
    /// (K, N) products: the first input row no worker has taken yet.
    _Atomic int64_t nextRow;
} linear_job;

static void add_bias(float *out, const float *bias, int64_t rows, int64_t stride, int64_t begin, int64_t end) {
    if (!bias) return;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = begin; j < end; j++) out[r * stride + j] += bias[j];
}

static void matvec_job(void *context, int index, int count) {
    linear_job *job = context;
    int64_t begin, end;
    ck_matvec_fn matvec = job->kernels->matvec[job->w->format][job->w->layout];
    if (job->w->layout == CK_LAYOUT_KN) {
        const int64_t k = job->w->inputs;
        float *partial = job->partials + index * job->w->outputs;
        memset(partial, 0, sizeof(float) * (size_t)job->w->outputs);
        while ((begin = atomic_fetch_add(&job->nextRow, KN_CHUNK_ROWS)) < k) {
            end = begin + KN_CHUNK_ROWS < k ? begin + KN_CHUNK_ROWS : k;
            matvec(job->w, job->input, job->quantized, partial, begin, end);
        }
        return;
    }
    ck_split(job->w->outputs, index, count, 16, &begin, &end);
    if (begin >= end) return;
    matvec(job->w, job->input, job->quantized, job->out, begin, end);
    add_bias(job->out, job->bias, 1, 0, begin, end);
}

/// out = bias + the workers' partial sums of a (K, N) product.
static void sum_partials(const linear_job *job, int workers) {
    const int64_t n = job->w->outputs;
    for (int64_t j = 0; j < n; j++) {
        float sum = job->bias ? job->bias[j] : 0;
        for (int w = 0; w < workers; w++) sum += job->partials[w * n + j];
        job->out[j] = sum;
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
    size_t rowBytes = ck_row_bytes(w->format, w->inputs);
    size_t offset = ck_row_bytes(w->format, k0);
    for (int64_t j = 0; j < nt; j++) {
        const uint8_t *row = (const uint8_t *)w->data + (n0 + j) * rowBytes + offset;
        kernels->dequantize(w->format, row, tile + j * kt, kt);
    }
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

    if (w->format == CK_F32) {
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
        float *tile = ck_thread_buffer(CK_BUFFER_TILE, sizeof(float) * TILE_OUTPUTS * TILE_INPUTS);
        for (int64_t n0 = begin; n0 < end; n0 += TILE_OUTPUTS) {
            int64_t nt = end - n0 < TILE_OUTPUTS ? end - n0 : TILE_OUTPUTS;
            for (int64_t k0 = 0; k0 < k; k0 += TILE_INPUTS) {
                int64_t kt = k - k0 < TILE_INPUTS ? k - k0 : TILE_INPUTS;
                dequantize_nk_tile(job->kernels, w, n0, nt, k0, kt, tile);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)t, (int)nt, (int)kt,
                            1, x + k0, (int)k, tile, (int)kt, k0 == 0 ? 0 : 1, out + n0, (int)n);
            }
        }
    }
    add_bias(out, job->bias, t, n, begin, end);
}

void ck_linear(ck_pool *pool, const ck_matrix *weight, const float *bias, const float *input, float *out, int64_t rows) {
    linear_job job = { weight, bias, input, NULL, out, rows, ck_active(), NULL, 0 };
    if (rows >= GEMM_MIN_ROWS) {
        ck_pool_run(pool, gemm_job, &job);
        return;
    }
    for (int64_t r = 0; r < rows; r++) {
        job.input = input + r * weight->inputs;
        job.out = out + r * weight->outputs;
        if (is_block(weight->format)) {
            ck_block_q8_x *quantized = ck_thread_buffer(CK_BUFFER_ACTIVATIONS, sizeof(ck_block_q8_x) * (size_t)(weight->inputs / CK_BLOCK));
            ck_quantize_activations(job.input, quantized, weight->inputs);
            job.quantized = quantized;
        }
        if (weight->layout == CK_LAYOUT_KN) {
            job.partials = ck_thread_buffer(CK_BUFFER_ACTIVATIONS, sizeof(float) * (size_t)(weight->outputs * ck_pool_threads(pool)));
            atomic_store(&job.nextRow, 0);
        }
        ck_pool_run(pool, matvec_job, &job);
        if (weight->layout == CK_LAYOUT_KN) sum_partials(&job, ck_pool_threads(pool));
    }
}

void ck_linear_reference(const ck_matrix *weight, const float *bias, const float *input, float *out, int64_t rows) {
    const ck_kernels *kernels = &ck_portable_kernels;
    int64_t k = weight->inputs, n = weight->outputs;
    ck_block_q8_x *quantized = is_block(weight->format) ? malloc(sizeof(ck_block_q8_x) * (size_t)(k / CK_BLOCK)) : NULL;
    for (int64_t r = 0; r < rows; r++) {
        if (quantized) ck_quantize_activations(input + r * k, quantized, k);
        if (weight->layout == CK_LAYOUT_KN) memset(out + r * n, 0, sizeof(float) * (size_t)n);
        kernels->matvec[weight->format][weight->layout](weight, input + r * k, quantized, out + r * n, 0,
                                                         weight->layout == CK_LAYOUT_KN ? k : n);
        add_bias(out + r * n, bias, 1, 0, 0, n);
    }
    free(quantized);
}

void ck_matrix_row(const ck_matrix *w, int64_t row, float *out) {
    if (w->layout == CK_LAYOUT_NK) {
        size_t rowBytes = ck_row_bytes(w->format, w->inputs);
        ck_active()->dequantize(w->format, (const uint8_t *)w->data + row * rowBytes, out, w->inputs);
        return;
    }
    size_t element = ck_row_bytes(w->format, 1);
    for (int64_t i = 0; i < w->inputs; i++)
        ck_dequantize_row_portable(w->format, (const uint8_t *)w->data + (i * w->outputs + row) * element, out + i, 1);
}
