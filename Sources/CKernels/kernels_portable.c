// Portable kernels in plain C: the fallback on CPUs without AVX2 (and on arm64), and
// the reference the fast kernels are tested against.

#include "internal.h"

static float load(int format, const void *data, int64_t index) {
    switch (format) {
    case CK_F32: return ((const float *)data)[index];
    case CK_F16: return ck_half_to_float(((const uint16_t *)data)[index]);
    default: return ck_bf16_to_float(((const uint16_t *)data)[index]);
    }
}

/// (N, K) float formats: one dot product per output row.
static void matvec_nk(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out, int64_t begin, int64_t end) {
    (void)xq;
    int64_t k = w->inputs;
    for (int64_t n = begin; n < end; n++) {
        float sum = 0;
        for (int64_t i = 0; i < k; i++) sum += load(w->format, w->data, n * k + i) * x[i];
        out[n] = sum;
    }
}

/// (N, K) F16: F16 weights times F16 activations (internal.h).
static void matvec_nk_f16(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out, int64_t begin,
                          int64_t end) {
    (void)xq;
    const int64_t k = w->inputs;
    const uint16_t *base = w->data;
    float xh[CK_HALF_RUN];
    for (int64_t first = 0; first < k; first += CK_HALF_RUN) {
        const int64_t run = k - first < CK_HALF_RUN ? k - first : CK_HALF_RUN;
        float largest = 0;
        for (int64_t i = 0; i < run; i++) largest = fmaxf(largest, fabsf(x[first + i]));
        const float scale = ck_half_scale(largest);
        for (int64_t i = 0; i < run; i++) xh[i] = ck_half_to_float(ck_float_to_half(x[first + i] * scale));
        for (int64_t n = begin; n < end; n++) {
            float sum = 0;
            for (int64_t i = 0; i < run; i++) sum += ck_half_to_float(base[n * k + first + i]) * xh[i];
            out[n] = first == 0 ? sum / scale : out[n] + sum / scale;
        }
    }
}

/// (K, N) float formats: out[0..<N] += the sum over input rows [begin, end) of x[i] times row i.
static void matvec_kn(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out, int64_t begin, int64_t end) {
    (void)xq;
    int64_t n = w->outputs;
    for (int64_t i = begin; i < end; i++) {
        float xi = x[i];
        for (int64_t j = 0; j < n; j++) out[j] += xi * load(w->format, w->data, i * n + j);
    }
}

/// Block formats: integer dot products of the weights' and the activations' int8, scaled per block.
static void matvec_q8_0(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out, int64_t begin, int64_t end) {
    (void)x;
    int64_t blocks = w->inputs / CK_BLOCK;
    const ck_block_q8_0 *rows = w->data;
    for (int64_t n = begin; n < end; n++) {
        const ck_block_q8_0 *row = rows + n * blocks;
        float sum = 0;
        for (int64_t b = 0; b < blocks; b++) {
            int32_t dot = 0;
            for (int i = 0; i < CK_BLOCK; i++) dot += row[b].q[i] * xq[b].q[i];
            sum += ck_half_to_float(row[b].d) * xq[b].d * (float)dot;
        }
        out[n] = sum;
    }
}

static void matvec_q4_0(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out, int64_t begin, int64_t end) {
    (void)x;
    int64_t blocks = w->inputs / CK_BLOCK;
    const ck_block_q4_0 *rows = w->data;
    for (int64_t n = begin; n < end; n++) {
        const ck_block_q4_0 *row = rows + n * blocks;
        float sum = 0;
        for (int64_t b = 0; b < blocks; b++) {
            int32_t dot = 0;
            for (int i = 0; i < CK_BLOCK / 2; i++) {
                dot += ((row[b].q[i] & 15) - 8) * xq[b].q[i];
                dot += ((row[b].q[i] >> 4) - 8) * xq[b].q[i + CK_BLOCK / 2];
            }
            sum += ck_half_to_float(row[b].d) * xq[b].d * (float)dot;
        }
        out[n] = sum;
    }
}

static void matvec_q4_1(const ck_matrix *w, const float *x, const ck_block_q8_x *xq, float *out, int64_t begin, int64_t end) {
    (void)x;
    int64_t blocks = w->inputs / CK_BLOCK;
    const ck_block_q4_1 *rows = w->data;
    for (int64_t n = begin; n < end; n++) {
        const ck_block_q4_1 *row = rows + n * blocks;
        float sum = 0;
        for (int64_t b = 0; b < blocks; b++) {
            int32_t dot = 0;
            for (int i = 0; i < CK_BLOCK / 2; i++) {
                dot += (row[b].q[i] & 15) * xq[b].q[i];
                dot += (row[b].q[i] >> 4) * xq[b].q[i + CK_BLOCK / 2];
            }
            sum += ck_half_to_float(row[b].d) * xq[b].d * (float)dot + ck_half_to_float(row[b].m) * xq[b].sum;
        }
        out[n] = sum;
    }
}

static void gelu(float *x, int64_t count) {
    const float root2OverPi = 0.7978845608028654f;
    for (int64_t i = 0; i < count; i++) {
        float v = x[i];
        x[i] = 0.5f * v * (1 + tanhf(root2OverPi * (v + 0.044715f * v * v * v)));
    }
}

static void softmax(float *row, int64_t count) {
    float maximum = -INFINITY;
    for (int64_t j = 0; j < count; j++) maximum = fmaxf(maximum, row[j]);
    float sum = 0;
    for (int64_t j = 0; j < count; j++) {
        row[j] = expf(row[j] - maximum);
        sum += row[j];
    }
    float inverse = 1 / sum;
    for (int64_t j = 0; j < count; j++) row[j] *= inverse;
}

static void attend(const float *q, const void *keys, const void *values, int format, int64_t visible, int64_t d,
                   float scale, float *scores, float *out) {
    float maximum = -INFINITY;
    for (int64_t j = 0; j < visible; j++) {
        float sum = 0;
        for (int64_t i = 0; i < d; i++) sum += q[i] * load(format, keys, j * d + i);
        scores[j] = sum * scale;
        maximum = fmaxf(maximum, scores[j]);
    }
    float total = 0;
    for (int64_t j = 0; j < visible; j++) {
        scores[j] = expf(scores[j] - maximum);
        total += scores[j];
    }
    for (int64_t i = 0; i < d; i++) out[i] = 0;
    for (int64_t j = 0; j < visible; j++) {
        float weight = scores[j] / total;
        for (int64_t i = 0; i < d; i++) out[i] += weight * load(format, values, j * d + i);
    }
}

static void to_half(const float *source, uint16_t *destination, int64_t count) {
    for (int64_t i = 0; i < count; i++) destination[i] = ck_float_to_half(source[i]);
}

const ck_kernels ck_portable_kernels = {
    .name = "portable",
    .matvec = {
        [CK_F32] = { matvec_kn, matvec_nk },
        [CK_F16] = { matvec_kn, matvec_nk_f16 },
        [CK_BF16] = { matvec_kn, matvec_nk },
        [CK_Q8_0] = { NULL, matvec_q8_0 },
        [CK_Q4_0] = { NULL, matvec_q4_0 },
        [CK_Q4_1] = { NULL, matvec_q4_1 },
    },
    .dequantize = ck_dequantize_row_portable,
    .gelu = gelu,
    .softmax = softmax,
    .attend = attend,
    .to_half = to_half,
    .quantize_activations = ck_quantize_activations,
    .gemm_weights = NULL,
    .gemm_tile = NULL,
};
