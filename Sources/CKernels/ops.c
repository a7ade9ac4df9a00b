// The element-wise steps of a transformer block and causal attention over the KV cache.

#include "internal.h"

#include <cblas.h>
#include <stdlib.h>

/// Element counts below which a step runs on the calling thread: waking the pool costs more.
enum { PARALLEL_ELEMENTS = 1 << 15 };
/// Query rows per sgemm in prompt attention: each block's scores stop at its last row's
/// position, so masked scores are at most one block's triangle.
enum { ATTENTION_BLOCK = 64 };

static float *thread_scores(int64_t count) {
    return ck_thread_buffer(CK_BUFFER_SCORES, sizeof(float) * (size_t)count);
}

// MARK: - Layer norm

typedef struct {
    float *out;
    const float *input, *gain, *bias;
    int64_t rows, size;
    float epsilon;
} norm_job;

static void layer_norm_rows(const norm_job *job, int64_t begin, int64_t end) {
    const int64_t c = job->size;
    for (int64_t r = begin; r < end; r++) {
        const float *x = job->input + r * c;
        float *y = job->out + r * c;
        float mean = 0;
        for (int64_t i = 0; i < c; i++) mean += x[i];
        mean /= (float)c;
        float variance = 0;
        for (int64_t i = 0; i < c; i++) variance += (x[i] - mean) * (x[i] - mean);
        variance /= (float)c;
        float inverse = 1 / sqrtf(variance + job->epsilon);
        for (int64_t i = 0; i < c; i++) y[i] = (x[i] - mean) * inverse * job->gain[i] + job->bias[i];
    }
}

static void layer_norm_job(void *context, int index, int count) {
    const norm_job *job = context;
    int64_t begin, end;
    ck_split(job->rows, index, count, 1, &begin, &end);
    layer_norm_rows(job, begin, end);
}

void ck_layer_norm(ck_pool *pool, float *out, const float *input, const float *gain, const float *bias,
                   int64_t rows, int64_t size, float epsilon) {
    norm_job job = { out, input, gain, bias, rows, size, epsilon };
    if (rows * size < PARALLEL_ELEMENTS) layer_norm_rows(&job, 0, rows);
    else ck_pool_run(pool, layer_norm_job, &job);
}

// MARK: - GELU and residual

typedef struct {
    float *x;
    const float *y;
    int64_t count;
} elementwise_job;

static void gelu_job(void *context, int index, int count) {
    const elementwise_job *job = context;
    int64_t begin, end;
    ck_split(job->count, index, count, 16, &begin, &end);
    ck_active()->gelu(job->x + begin, end - begin);
}

void ck_gelu(ck_pool *pool, float *x, int64_t count) {
    elementwise_job job = { x, NULL, count };
    if (count < PARALLEL_ELEMENTS) ck_active()->gelu(x, count);
    else ck_pool_run(pool, gelu_job, &job);
}

static void add_range(float *x, const float *y, int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) x[i] += y[i];
}

static void add_job(void *context, int index, int count) {
    const elementwise_job *job = context;
    int64_t begin, end;
    ck_split(job->count, index, count, 16, &begin, &end);
    add_range(job->x, job->y, begin, end);
}

void ck_add(ck_pool *pool, float *x, const float *y, int64_t count) {
    elementwise_job job = { x, y, count };
    if (count < PARALLEL_ELEMENTS) add_range(x, y, 0, count);
    else ck_pool_run(pool, add_job, &job);
}

// MARK: - Attention

void ck_store_kv(const float *qkv, void *keys, void *values, int format,
                 int64_t rows, int64_t start, int64_t heads, int64_t headSize, int64_t capacity) {
    const int64_t c = heads * headSize;
    const ck_kernels *kernels = ck_active();
    for (int64_t r = 0; r < rows; r++) {
        const float *k = qkv + r * 3 * c + c, *v = k + c;
        for (int64_t h = 0; h < heads; h++) {
            int64_t at = (h * capacity + start + r) * headSize;
            if (format == CK_F16) {
                kernels->to_half(k + h * headSize, (uint16_t *)keys + at, headSize);
                kernels->to_half(v + h * headSize, (uint16_t *)values + at, headSize);
            } else {
                memcpy((float *)keys + at, k + h * headSize, sizeof(float) * (size_t)headSize);
                memcpy((float *)values + at, v + h * headSize, sizeof(float) * (size_t)headSize);
            }
        }
    }
}

typedef struct {
    float *out;
    const float *qkv;
    const void *keys, *values;
    int format;
    int64_t rows, start, heads, headSize, capacity;
} attention_job;

/// A few query rows: dot products against the contiguous keys of one head, then a
/// weighted sum of its values. The decode step's path.
static void attend_rows(const attention_job *job, int64_t head) {
    const ck_kernels *kernels = ck_active();
    const int64_t d = job->headSize, c = job->heads * d;
    size_t element = job->format == CK_F16 ? 2 : 4;
    const char *keys = (const char *)job->keys + (size_t)(head * job->capacity * d) * element;
    const char *values = (const char *)job->values + (size_t)(head * job->capacity * d) * element;
    float *weights = thread_scores(job->start + job->rows);
    for (int64_t r = 0; r < job->rows; r++) {
        kernels->attend(job->qkv + r * 3 * c + head * d, keys, values, job->format, job->start + r + 1, d,
                        1 / sqrtf((float)d), weights, job->out + r * c + head * d);
    }
}

/// Many query rows: blocks of rows through sgemm, each block's scores ending at the
/// block's last visible position.
static void attend_blocks(const attention_job *job, int64_t head) {
    const int64_t d = job->headSize, c = job->heads * d, s = job->start + job->rows;
    const float scale = 1 / sqrtf((float)d);
    float *block = thread_scores(ATTENTION_BLOCK * s + (job->format == CK_F16 ? 2 * s * d : 0));
    const float *keys, *values;
    if (job->format == CK_F16) {
        // sgemm reads floats: widen this head's visible keys and values once for all blocks.
        float *wide = block + ATTENTION_BLOCK * s;
        const uint16_t *k = (const uint16_t *)job->keys + head * job->capacity * d;
        const uint16_t *v = (const uint16_t *)job->values + head * job->capacity * d;
        ck_active()->dequantize(CK_F16, k, wide, s * d);
        ck_active()->dequantize(CK_F16, v, wide + s * d, s * d);
        keys = wide;
        values = wide + s * d;
    } else {
        keys = (const float *)job->keys + head * job->capacity * d;
        values = (const float *)job->values + head * job->capacity * d;
    }
    for (int64_t r0 = 0; r0 < job->rows; r0 += ATTENTION_BLOCK) {
        int64_t rows = job->rows - r0 < ATTENTION_BLOCK ? job->rows - r0 : ATTENTION_BLOCK;
        int64_t width = job->start + r0 + rows;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)width, (int)d, scale,
                    job->qkv + r0 * 3 * c + head * d, (int)(3 * c), keys, (int)d, 0, block, (int)width);
        for (int64_t r = 0; r < rows; r++) {
            float *row = block + r * width;
            int64_t visible = job->start + r0 + r + 1;
            ck_active()->softmax(row, visible);
            memset(row + visible, 0, sizeof(float) * (size_t)(width - visible));
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)d, (int)width, 1,
                    block, (int)width, values, (int)d, 0, job->out + r0 * c + head * d, (int)c);
    }
}

static void attention_heads(void *context, int index, int count) {
    const attention_job *job = context;
    int64_t begin, end;
    ck_split(job->heads, index, count, 1, &begin, &end);
    for (int64_t head = begin; head < end; head++) {
        if (job->rows < 16) attend_rows(job, head);
        else attend_blocks(job, head);
    }
}

void ck_attention(ck_pool *pool, float *out, const float *qkv, const void *keys, const void *values, int format,
                  int64_t rows, int64_t start, int64_t heads, int64_t headSize, int64_t capacity) {
    attention_job job = { out, qkv, keys, values, format, rows, start, heads, headSize, capacity };
    ck_pool_run(pool, attention_heads, &job);
}

void ck_logit_statistics(const float *logits, int64_t count, int64_t *argmax, float *maximum, double *logSum) {
    int64_t best = 0;
    for (int64_t i = 1; i < count; i++) if (logits[i] > logits[best]) best = i;
    double sum = 0;
    for (int64_t i = 0; i < count; i++) sum += exp((double)(logits[i] - logits[best]));
    *argmax = best;
    *maximum = logits[best];
    *logSum = log(sum);
}
