// Whole-matrix conversion between formats and layouts, for the compact weights made
// once at load (and cached beside the model).

#include "internal.h"

#include <stdlib.h>

/// Output rows converted per step when transposing: a (64, K) float tile.
enum { TRANSPOSE_ROWS = 64 };

typedef struct {
    const ck_matrix *source, *destination;
} convert_job;

/// Writes K floats as row `row` of an (N, K) or sliced (N, K) matrix.
static void store_row(const ck_matrix *d, int64_t row, const float *values) {
    for (int64_t s = 0; s < ck_slice_count(d); s++) {
        int64_t first;
        const ck_matrix slice = ck_slice(d, s, &first);
        ck_quantize_row(slice.format, values + first, (uint8_t *)ck_nk_row(&slice, row), slice.inputs);
    }
}

static void convert_rows(void *context, int index, int count) {
    const convert_job *job = context;
    const ck_matrix *s = job->source, *d = job->destination;
    // Rows of the destination's layout: outputs for (N, K), inputs for (K, N).
    int64_t rows = d->layout == CK_LAYOUT_NK ? d->outputs : d->inputs;
    int64_t width = d->layout == CK_LAYOUT_NK ? d->inputs : d->outputs;
    size_t sourceRow = ck_row_bytes(s->format, width), destinationRow = ck_row_bytes(d->format, width);
    float *row = malloc(sizeof(float) * (size_t)width);
    int64_t begin, end;
    ck_split(rows, index, count, 1, &begin, &end);
    for (int64_t r = begin; r < end; r++) {
        ck_dequantize_row(s->format, (const uint8_t *)s->data + r * sourceRow, row, width);
        ck_quantize_row(d->format, row, (uint8_t *)d->data + r * destinationRow, width);
    }
    free(row);
}

static void transpose_rows(void *context, int index, int count) {
    const convert_job *job = context;
    const ck_matrix *s = job->source, *d = job->destination;
    const int64_t k = s->inputs, n = s->outputs;
    // (K, N) source to (N, K) destination: read TRANSPOSE_ROWS columns of every source
    // row (a short contiguous run each), then write them out as destination rows.
    int64_t blocks = (n + TRANSPOSE_ROWS - 1) / TRANSPOSE_ROWS;
    int64_t begin, end;
    ck_split(blocks, index, count, 1, &begin, &end);
    float *run = malloc(sizeof(float) * TRANSPOSE_ROWS);
    float *tile = malloc(sizeof(float) * TRANSPOSE_ROWS * (size_t)k);
    size_t element = ck_row_bytes(s->format, 1);
    for (int64_t block = begin; block < end; block++) {
        int64_t n0 = block * TRANSPOSE_ROWS, width = n - n0 < TRANSPOSE_ROWS ? n - n0 : TRANSPOSE_ROWS;
        for (int64_t i = 0; i < k; i++) {
            ck_dequantize_row(s->format, (const uint8_t *)s->data + (i * n + n0) * element, run, width);
            for (int64_t j = 0; j < width; j++) tile[j * k + i] = run[j];
        }
        for (int64_t j = 0; j < width; j++) store_row(d, n0 + j, tile + j * k);
    }
    free(tile);
    free(run);
}

void ck_convert(ck_pool *pool, const ck_matrix *source, const ck_matrix *destination) {
    convert_job job = { source, destination };
    if (source->layout == destination->layout && source->layout != CK_LAYOUT_NK_SLICED) ck_pool_run(pool, convert_rows, &job);
    else if (source->layout == CK_LAYOUT_KN) ck_pool_run(pool, transpose_rows, &job);
    else {
        // From (N, K) or sliced (N, K) to another layout, never needed by the engine: row by
        // row through the reference path.
        float *row = malloc(sizeof(float) * (size_t)source->inputs);
        size_t element = ck_row_bytes(destination->format, 1);
        for (int64_t j = 0; j < source->outputs; j++) {
            ck_matrix_row(source, j, row);
            if (destination->layout != CK_LAYOUT_KN) {
                store_row(destination, j, row);
                continue;
            }
            for (int64_t i = 0; i < source->inputs; i++)
                ck_quantize_row(destination->format, row + i,
                                (uint8_t *)destination->data + (i * destination->outputs + j) * element, 1);
        }
        free(row);
    }
}
