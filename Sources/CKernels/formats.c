// The weight formats' conversions, in portable C: F16 and BF16 rounding, and the
// 8-bit and 4-bit blocks (the block layouts are documented in CKernels.h).

#include "internal.h"

#include <float.h>

float ck_half_to_float(uint16_t bits) {
    uint32_t sign = (uint32_t)(bits & 0x8000) << 16;
    uint32_t exponent = (bits >> 10) & 0x1f, mantissa = bits & 0x3ff;
    union { uint32_t u; float f; } v;
    if (exponent == 0) {
        // Zero or subnormal: the value is mantissa * 2^-24.
        float magnitude = (float)mantissa * 5.9604644775390625e-8f;
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31) v.u = sign | 0x7f800000u | (mantissa << 13);
    else v.u = sign | ((exponent + 112) << 23) | (mantissa << 13);
    return v.f;
}

uint16_t ck_float_to_half(float value) {
    union { float f; uint32_t u; } v = { value };
    uint32_t sign = (v.u >> 16) & 0x8000;
    uint32_t magnitude = v.u & 0x7fffffff;
    if (magnitude >= 0x7f800000u) return (uint16_t)(sign | 0x7c00 | (magnitude > 0x7f800000u ? 0x200 : 0));
    if (magnitude >= 0x477ff000u) return (uint16_t)(sign | 0x7c00);  // rounds past the largest half
    if (magnitude < 0x38800000u) {
        // Subnormal half: round magnitude / 2^-24 to nearest even.
        union { uint32_t u; float f; } m = { magnitude };
        float scaled = m.f * 16777216.0f;
        return (uint16_t)(sign | (uint32_t)lrintf(scaled));
    }
    uint32_t rounded = magnitude + 0xfff + ((magnitude >> 13) & 1);  // to nearest, ties to even
    return (uint16_t)(sign | ((rounded - 0x38000000u) >> 13));
}

uint16_t ck_float_to_bf16(float value) {
    union { float f; uint32_t u; } v = { value };
    if ((v.u & 0x7fffffff) > 0x7f800000u) return (uint16_t)((v.u >> 16) | 0x40);
    return (uint16_t)((v.u + 0x7fff + ((v.u >> 16) & 1)) >> 16);
}

size_t ck_row_bytes(int format, int64_t count) {
    switch (format) {
    case CK_F32: return (size_t)count * 4;
    case CK_F16: case CK_BF16: return (size_t)count * 2;
    case CK_Q8_0: return (size_t)(count / CK_BLOCK) * sizeof(ck_block_q8_0);
    case CK_Q4_0: return (size_t)(count / CK_BLOCK) * sizeof(ck_block_q4_0);
    case CK_Q4_1: return (size_t)(count / CK_BLOCK) * sizeof(ck_block_q4_1);
    default: return 0;
    }
}

float ck_half_scale(float largest) {
    int exponent = 0;  // largest = m * 2^exponent, m in [0.5, 1)
    if (largest > 0 && largest <= FLT_MAX) frexpf(largest, &exponent);
    int shift = 15 - exponent;
    shift = shift > 100 ? 100 : shift < -100 ? -100 : shift;
    return ldexpf(1, shift);
}

int64_t ck_slice_width(int64_t inputs) {
    enum { MOST = 3200 };
    if (inputs <= MOST) return inputs;
    const int64_t slices = (inputs + MOST - 1) / MOST;
    return ((inputs + slices - 1) / slices + 63) / 64 * 64;
}

int64_t ck_slice_count(const ck_matrix *w) {
    if (w->layout != CK_LAYOUT_NK_SLICED) return 1;
    const int64_t width = ck_slice_width(w->inputs);
    return (w->inputs + width - 1) / width;
}

ck_matrix ck_slice(const ck_matrix *w, int64_t slice, int64_t *first) {
    if (w->layout != CK_LAYOUT_NK_SLICED) {
        *first = 0;
        return *w;
    }
    const int64_t width = ck_slice_width(w->inputs), start = slice * width;
    const int64_t count = w->inputs - start < width ? w->inputs - start : width;
    *first = start;
    return (ck_matrix){ (const uint8_t *)w->data + ck_row_bytes(w->format, start) * (size_t)w->outputs, w->format,
                        CK_LAYOUT_NK, count, w->outputs };
}

static void quantize_q8_0(const float *x, ck_block_q8_0 *out, int64_t blocks) {
    for (int64_t b = 0; b < blocks; b++, x += CK_BLOCK) {
        float amax = 0;
        for (int i = 0; i < CK_BLOCK; i++) amax = fmaxf(amax, fabsf(x[i]));
        // As llama.cpp's quantize_row_q8_0_ref does: the levels against the exact scale, which
        // is then stored in F16, rounding half away from zero. The same numbers as its Q8_0,
        // so that comparing the two programs at 8 bits compares their arithmetic; against the
        // F16-rounded scale, q8 agreed with f32's top token on 98.8 % of the demo model's
        // predictions where Q8_0 and this agree on 99.0-99.2 %.
        const float d = amax / 127, inverse = d > 0 ? 1 / d : 0;
        out[b].d = ck_float_to_half(d);
        for (int i = 0; i < CK_BLOCK; i++) {
            long q = lroundf(x[i] * inverse);
            out[b].q[i] = (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
        }
    }
}

/// Squared error of a 4-bit block quantized with scale d (weight = d * (q - 8), q in 0...15).
static float q4_error(const float *x, float d) {
    float inverse = d != 0 ? 1 / d : 0, error = 0;
    for (int i = 0; i < CK_BLOCK; i++) {
        long q = lrintf(x[i] * inverse) + 8;
        q = q < 0 ? 0 : q > 15 ? 15 : q;
        float e = x[i] - d * (float)(q - 8);
        error += e * e;
    }
    return error;
}

static void quantize_q4_0(const float *x, ck_block_q4_0 *out, int64_t blocks) {
    for (int64_t b = 0; b < blocks; b++, x += CK_BLOCK) {
        // The plain scale maps the weight of largest magnitude to -8 (the end of the range
        // with the most room). Scales a little smaller or larger trade clipping that weight
        // for finer steps; of 21 candidates the one with the least squared error is kept,
        // which lowers the demo model's perplexity rise at 4 bits by about half.
        float extreme = 0;
        for (int i = 0; i < CK_BLOCK; i++) if (fabsf(x[i]) > fabsf(extreme)) extreme = x[i];
        float best = extreme / -8, bestError = q4_error(x, ck_half_to_float(ck_float_to_half(best)));
        for (int step = -10; step <= 10; step++) {
            float candidate = ck_half_to_float(ck_float_to_half(extreme / (-8 - 0.1f * (float)step)));
            float error = q4_error(x, candidate);
            if (error < bestError) { best = candidate; bestError = error; }
        }
        out[b].d = ck_float_to_half(best);
        float d = ck_half_to_float(out[b].d);
        float inverse = d != 0 ? 1 / d : 0;
        for (int i = 0; i < CK_BLOCK / 2; i++) {
            int low = (int)lrintf(x[i] * inverse) + 8, high = (int)lrintf(x[i + CK_BLOCK / 2] * inverse) + 8;
            low = low < 0 ? 0 : low > 15 ? 15 : low;
            high = high < 0 ? 0 : high > 15 ? 15 : high;
            out[b].q[i] = (uint8_t)(low | (high << 4));
        }
    }
}

/// The 4-bit level of x: (x - m) / d rounded, within 0...15. Rounding by truncating x + 0.5
/// (ties up) is one instruction, where lrintf is a library call; the search below calls
/// this 800 times per block.
static inline int q4_1_level(float x, float m, float inverse) {
    int q = (int)((x - m) * inverse + 0.5f);
    return q < 0 ? 0 : q > 15 ? 15 : q;
}

/// Squared error of a Q4_1 block with scale d and minimum m (weight = d * q + m, q in 0...15).
static float q4_1_error(const float *x, float d, float m) {
    float inverse = d > 0 ? 1 / d : 0, error = 0;
    for (int i = 0; i < CK_BLOCK; i++) {
        int q = q4_1_level(x[i], m, inverse);
        float e = x[i] - (d * (float)q + m);
        error += e * e;
    }
    return error;
}

static void quantize_q4_1(const float *x, ck_block_q4_1 *out, int64_t blocks) {
    for (int64_t b = 0; b < blocks; b++, x += CK_BLOCK) {
        float low = x[0], high = x[0];
        for (int i = 1; i < CK_BLOCK; i++) { low = fminf(low, x[i]); high = fmaxf(high, x[i]); }
        // The plain range maps the smallest weight to 0 and the largest to 15; pulling either
        // end in by up to half a step, in eighths, trades clipping an outlier for finer steps.
        // Of the 25 candidates, the one with the least squared error (with the F16-rounded
        // scale and minimum actually stored) is kept: on the demo model this cut q4's
        // perplexity rise from 0.8 % to 0.2 %, where nine candidates lost agreement.
        float bestD = 0, bestM = low, bestError = INFINITY;
        for (int lowStep = 0; lowStep <= 4; lowStep++) {
            for (int highStep = 0; highStep <= 4; highStep++) {
                float step = (high - low) / 15;
                float m = low + step * 0.125f * (float)lowStep, top = high - step * 0.125f * (float)highStep;
                float d = ck_half_to_float(ck_float_to_half((top - m) / 15));
                m = ck_half_to_float(ck_float_to_half(m));
                float error = q4_1_error(x, d, m);
                if (error < bestError) { bestError = error; bestD = d; bestM = m; }
            }
        }
        out[b].d = ck_float_to_half(bestD);
        out[b].m = ck_float_to_half(bestM);
        float d = ck_half_to_float(out[b].d), m = ck_half_to_float(out[b].m);
        float inverse = d > 0 ? 1 / d : 0;
        for (int i = 0; i < CK_BLOCK / 2; i++) {
            out[b].q[i] = (uint8_t)(q4_1_level(x[i], m, inverse) | (q4_1_level(x[i + CK_BLOCK / 2], m, inverse) << 4));
        }
    }
}

void ck_quantize_row(int format, const float *source, void *destination, int64_t count) {
    switch (format) {
    case CK_F32: memcpy(destination, source, (size_t)count * 4); break;
    case CK_F16: for (int64_t i = 0; i < count; i++) ((uint16_t *)destination)[i] = ck_float_to_half(source[i]); break;
    case CK_BF16: for (int64_t i = 0; i < count; i++) ((uint16_t *)destination)[i] = ck_float_to_bf16(source[i]); break;
    case CK_Q8_0: quantize_q8_0(source, destination, count / CK_BLOCK); break;
    case CK_Q4_0: quantize_q4_0(source, destination, count / CK_BLOCK); break;
    case CK_Q4_1: quantize_q4_1(source, destination, count / CK_BLOCK); break;
    }
}

void ck_dequantize_row_portable(int format, const void *source, float *out, int64_t count) {
    switch (format) {
    case CK_F32: memcpy(out, source, (size_t)count * 4); break;
    case CK_F16: for (int64_t i = 0; i < count; i++) out[i] = ck_half_to_float(((const uint16_t *)source)[i]); break;
    case CK_BF16: for (int64_t i = 0; i < count; i++) out[i] = ck_bf16_to_float(((const uint16_t *)source)[i]); break;
    case CK_Q8_0: {
        const ck_block_q8_0 *blocks = source;
        for (int64_t b = 0; b < count / CK_BLOCK; b++) {
            float d = ck_half_to_float(blocks[b].d);
            for (int i = 0; i < CK_BLOCK; i++) out[b * CK_BLOCK + i] = d * blocks[b].q[i];
        }
        break;
    }
    case CK_Q4_0: {
        const ck_block_q4_0 *blocks = source;
        for (int64_t b = 0; b < count / CK_BLOCK; b++) {
            float d = ck_half_to_float(blocks[b].d);
            for (int i = 0; i < CK_BLOCK / 2; i++) {
                out[b * CK_BLOCK + i] = d * ((blocks[b].q[i] & 15) - 8);
                out[b * CK_BLOCK + i + CK_BLOCK / 2] = d * ((blocks[b].q[i] >> 4) - 8);
            }
        }
        break;
    }
    case CK_Q4_1: {
        const ck_block_q4_1 *blocks = source;
        for (int64_t b = 0; b < count / CK_BLOCK; b++) {
            float d = ck_half_to_float(blocks[b].d), m = ck_half_to_float(blocks[b].m);
            for (int i = 0; i < CK_BLOCK / 2; i++) {
                out[b * CK_BLOCK + i] = d * (blocks[b].q[i] & 15) + m;
                out[b * CK_BLOCK + i + CK_BLOCK / 2] = d * (blocks[b].q[i] >> 4) + m;
            }
        }
        break;
    }
    }
}

void ck_dequantize_row(int format, const void *source, float *destination, int64_t count) {
    ck_active()->dequantize(format, source, destination, count);
}

void ck_quantize_activations(const float *x, ck_block_q8_x *out, int64_t count) {
    for (int64_t b = 0; b < count / CK_BLOCK; b++, x += CK_BLOCK) {
        float amax = 0;
        for (int i = 0; i < CK_BLOCK; i++) amax = fmaxf(amax, fabsf(x[i]));
        float d = amax / 127;
        float inverse = d > 0 ? 1 / d : 0;
        out[b].d = d;
        int sum = 0;
        for (int i = 0; i < CK_BLOCK; i++) {
            out[b].q[i] = (int8_t)lrintf(x[i] * inverse);
            sum += out[b].q[i];
        }
        out[b].sum = d * (float)sum;
    }
}
