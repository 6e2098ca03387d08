#include "quant.h"

#include <algorithm>
#include <cmath>

#include "llmaccel/embedding.h"
#include "status.h"
#include "thread_pool.h"
#include "weight_types.h"

namespace llm {

// ---- 16-bit floats and F32 ------------------------------------------------------------------------

void WeightType<LLM_TYPE_F32>::to_float(const Block* b, float* y, int64_t nb) { std::memcpy(y, b, (size_t)nb * 4); }

void WeightType<LLM_TYPE_F32>::from_float(const float* x, Block* b, int64_t nb) { std::memcpy(b, x, (size_t)nb * 4); }

void WeightType<LLM_TYPE_F16>::to_float(const Block* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) y[i] = fp16_to_float(b[i].bits);
}

void WeightType<LLM_TYPE_F16>::from_float(const float* x, Block* b, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) b[i].bits = float_to_fp16(x[i]);
}

void WeightType<LLM_TYPE_BF16>::to_float(const Block* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) y[i] = bf16_to_float(b[i].bits);
}

void WeightType<LLM_TYPE_BF16>::from_float(const float* x, Block* b, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) b[i].bits = float_to_bf16(x[i]);
}

// ---- 32-value blocks: decoding -------------------------------------------------------------------

void WeightType<LLM_TYPE_Q8_0>::to_float(const Block* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        float d = fp16_to_float(b[i].d);
        for (int j = 0; j < kQK; j++) y[i * kQK + j] = b[i].q[j] * d;
    }
}

void WeightType<LLM_TYPE_Q4_0>::to_float(const Block* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        float d = fp16_to_float(b[i].d);
        for (int j = 0; j < kQK / 2; j++) {
            y[i * kQK + j] = ((b[i].q[j] & 0xf) - 8) * d;
            y[i * kQK + j + 16] = ((b[i].q[j] >> 4) - 8) * d;
        }
    }
}

void WeightType<LLM_TYPE_Q4_1>::to_float(const Block* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        float d = fp16_to_float(b[i].d);
        float m = fp16_to_float(b[i].m);
        for (int j = 0; j < kQK / 2; j++) {
            y[i * kQK + j] = (b[i].q[j] & 0xf) * d + m;
            y[i * kQK + j + 16] = (b[i].q[j] >> 4) * d + m;
        }
    }
}

void WeightType<LLM_TYPE_Q5_0>::to_float(const Block* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        float d = fp16_to_float(b[i].d);
        uint32_t qh = load_u32(b[i].qh);
        for (int j = 0; j < kQK / 2; j++) {
            int lo = (b[i].q[j] & 0xf) | (((qh >> j) & 1) << 4);
            int hi = (b[i].q[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
            y[i * kQK + j] = (lo - 16) * d;
            y[i * kQK + j + 16] = (hi - 16) * d;
        }
    }
}

void WeightType<LLM_TYPE_Q5_1>::to_float(const Block* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        float d = fp16_to_float(b[i].d);
        float m = fp16_to_float(b[i].m);
        uint32_t qh = load_u32(b[i].qh);
        for (int j = 0; j < kQK / 2; j++) {
            int lo = (b[i].q[j] & 0xf) | (((qh >> j) & 1) << 4);
            int hi = (b[i].q[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
            y[i * kQK + j] = lo * d + m;
            y[i * kQK + j + 16] = hi * d + m;
        }
    }
}

// ---- K-quants: decoding, operation by operation as the GGUF definition (bit-exact) -------------

namespace {

// Q4_K / Q5_K: value = (d·sc_j)·q − dmin·m_j for sub-block j.
template <class Block>
void dequantize_k4(const Block* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, y += kQKK) {
        float d = fp16_to_float(b[i].d);
        float dmin = fp16_to_float(b[i].dmin);
        for (int j = 0; j < 8; j++) {
            float scale = d * (float)scale_k4(b[i].scales, j);
            float min = dmin * (float)min_k4(b[i].scales, j);
            for (int l = 0; l < 32; l++) y[32 * j + l] = scale * (float)value_k4(b[i], j, l) - min;
        }
    }
}

}  // namespace

void WeightType<LLM_TYPE_Q4_K>::to_float(const Block* b, float* y, int64_t nb) { dequantize_k4(b, y, nb); }

void WeightType<LLM_TYPE_Q5_K>::to_float(const Block* b, float* y, int64_t nb) { dequantize_k4(b, y, nb); }

void WeightType<LLM_TYPE_Q6_K>::to_float(const Block* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, y += kQKK) {
        float d = fp16_to_float(b[i].d);
        for (int h = 0; h < 2; h++) {
            const uint8_t* ql = b[i].ql + 64 * h;
            const uint8_t* qh = b[i].qh + 32 * h;
            const int8_t* sc = b[i].scales + 8 * h;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int q1 = ((ql[l] & 0xf) | ((qh[l] & 3) << 4)) - 32;
                int q2 = ((ql[l + 32] & 0xf) | (((qh[l] >> 2) & 3) << 4)) - 32;
                int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[128 * h + l] = d * (float)sc[is] * (float)q1;
                y[128 * h + l + 32] = d * (float)sc[is + 2] * (float)q2;
                y[128 * h + l + 64] = d * (float)sc[is + 4] * (float)q3;
                y[128 * h + l + 96] = d * (float)sc[is + 6] * (float)q4;
            }
        }
    }
}

// ---- quantizers: the same float operations, in the same order, as dev.llmaccel.tensor.Codec and
// KQuants, so that both produce the same bytes. That needs every product rounded on its own: this
// file is compiled for baseline x86-64, which has no FMA to contract a * b + c into.

void WeightType<LLM_TYPE_Q8_0>::from_float(const float* x, Block* b, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        const float* xb = x + i * kQK;
        float amax = 0;
        for (int j = 0; j < kQK; j++) amax = std::max(amax, std::fabs(xb[j]));
        float d = amax / 127.0f;
        float id = d != 0 ? 1.0f / d : 0.0f;
        b[i].d = float_to_fp16(d);
        for (int j = 0; j < kQK; j++) b[i].q[j] = (int8_t)std::lround(xb[j] * id);
    }
}

namespace {

// The value of largest magnitude in x[0..n), with its sign (the first one on ties).
float signed_abs_max(const float* x, int n) {
    float amax = 0, max = 0;
    for (int j = 0; j < n; j++) {
        if (std::fabs(x[j]) > amax) {
            amax = std::fabs(x[j]);
            max = x[j];
        }
    }
    return max;
}

// The codes of the 32 values of a block as the GGUF reference makes them: (x - sub) * id + add,
// truncated to int8 as C converts it, then capped at top. Finite inputs give codes in [0, top].
void block_codes(const float* x, float sub, float id, float add, int top, int* codes) {
    for (int j = 0; j < kQK; j++) codes[j] = std::min(top, (int)(int8_t)(int)((x[j] - sub) * id + add));
}

// Low nibbles of codes j and j + 16 in byte j.
void pack_nibbles(const int* codes, uint8_t* q) {
    for (int j = 0; j < 16; j++) q[j] = (uint8_t)((codes[j] & 0xf) | ((codes[16 + j] & 0xf) << 4));
}

// Bit 4 of code j in bit j.
void pack_fifth_bits(const int* codes, uint8_t* qh) {
    uint32_t bits = 0;
    for (int j = 0; j < kQK; j++) bits |= (uint32_t)((codes[j] >> 4) & 1) << j;
    std::memcpy(qh, &bits, 4);
}

}  // namespace

void WeightType<LLM_TYPE_Q4_0>::from_float(const float* x, Block* b, int64_t nb) {
    int codes[kQK];
    for (int64_t i = 0; i < nb; i++, x += kQK) {
        float d = signed_abs_max(x, kQK) / -8.0f;
        b[i].d = float_to_fp16(d);
        block_codes(x, 0.0f, d != 0 ? 1.0f / d : 0.0f, 8.5f, 15, codes);
        pack_nibbles(codes, b[i].q);
    }
}

namespace {

void min_max(const float* x, int n, float* min, float* max) {
    *min = INFINITY;
    *max = -INFINITY;
    for (int j = 0; j < n; j++) {
        *min = std::min(*min, x[j]);
        *max = std::max(*max, x[j]);
    }
}

}  // namespace

void WeightType<LLM_TYPE_Q4_1>::from_float(const float* x, Block* b, int64_t nb) {
    int codes[kQK];
    for (int64_t i = 0; i < nb; i++, x += kQK) {
        float min, max;
        min_max(x, kQK, &min, &max);
        float d = (max - min) / 15.0f;
        b[i].d = float_to_fp16(d);
        b[i].m = float_to_fp16(min);
        block_codes(x, min, d != 0 ? 1.0f / d : 0.0f, 0.5f, 15, codes);
        pack_nibbles(codes, b[i].q);
    }
}

void WeightType<LLM_TYPE_Q5_0>::from_float(const float* x, Block* b, int64_t nb) {
    int codes[kQK];
    for (int64_t i = 0; i < nb; i++, x += kQK) {
        float d = signed_abs_max(x, kQK) / -16.0f;
        b[i].d = float_to_fp16(d);
        block_codes(x, 0.0f, d != 0 ? 1.0f / d : 0.0f, 16.5f, 31, codes);
        pack_nibbles(codes, b[i].q);
        pack_fifth_bits(codes, b[i].qh);
    }
}

void WeightType<LLM_TYPE_Q5_1>::from_float(const float* x, Block* b, int64_t nb) {
    int codes[kQK];
    for (int64_t i = 0; i < nb; i++, x += kQK) {
        float min, max;
        min_max(x, kQK, &min, &max);
        float d = (max - min) / 31.0f;
        b[i].d = float_to_fp16(d);
        b[i].m = float_to_fp16(min);
        block_codes(x, min, d != 0 ? 1.0f / d : 0.0f, 0.5f, 31, codes);
        pack_nibbles(codes, b[i].q);
        pack_fifth_bits(codes, b[i].qh);
    }
}

namespace {

// v rounded to the nearest integer (ties to even), clamped to [lo, hi]; NaN gives lo.
int round_clamp(float v, int lo, int hi) {
    if (!(v >= (float)lo)) return lo;
    if (v >= (float)hi) return hi;
    return (int)std::nearbyint(v);
}

// Candidate steps tried per sub-block: nmax + kStepDelta * s for s in [-kStepTries, kStepTries].
constexpr int kStepTries = 10;
constexpr float kStepDelta = 0.1f;

// Fits x[0..32) ≈ scale * q - min with q in [0, nmax] and min >= 0 over a grid of steps, each
// refitted by least squares; keeps the least squared error (KQuants.fitScaleMin).
void fit_scale_min(const float* x, int nmax, float* out_scale, float* out_min) {
    const int n = 32;
    float lo = 0, hi = x[0];
    for (int i = 0; i < n; i++) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
    }
    *out_scale = 0;
    *out_min = -lo;
    if (!(hi > lo)) return;
    float best_err = INFINITY;
    int q[32];
    for (int s = -kStepTries; s <= kStepTries; s++) {
        float iscale = ((float)nmax + kStepDelta * (float)s) / (hi - lo);
        float sum_q = 0, sum_q2 = 0, sum_x = 0, sum_xq = 0;
        for (int i = 0; i < n; i++) {
            q[i] = round_clamp((x[i] - lo) * iscale, 0, nmax);
            sum_q += (float)q[i];
            sum_q2 += (float)(q[i] * q[i]);
            sum_x += x[i];
            sum_xq += x[i] * (float)q[i];
        }
        float det = (float)n * sum_q2 - sum_q * sum_q;
        float scale = 0, offset = 1;
        if (det > 0) {
            scale = ((float)n * sum_xq - sum_x * sum_q) / det;
            offset = (sum_q2 * sum_x - sum_q * sum_xq) / det;
        }
        if (offset > 0 && sum_q2 > 0) {  // the format's offset is -dmin * m, never positive: fit through 0
            offset = 0;
            scale = sum_xq / sum_q2;
        }
        if (!(scale > 0)) continue;
        float err = 0;
        for (int i = 0; i < n; i++) {
            float diff = scale * (float)q[i] + offset - x[i];
            err += diff * diff;
        }
        if (err < best_err) {
            best_err = err;
            *out_scale = scale;
            *out_min = -offset;
        }
    }
}

// Quantizes x[0..32) to q[] in [0, nmax] for value = step * q - min; returns the squared error.
float quantize_sub_block(const float* x, float step, float min, int nmax, int* q) {
    float err = 0;
    for (int i = 0; i < 32; i++) {
        q[i] = step > 0 ? round_clamp((x[i] + min) / step, 0, nmax) : 0;
        float diff = step * (float)q[i] - min - x[i];
        err += diff * diff;
    }
    return err;
}

// Sets d, dmin and the packed 6-bit scales of a Q4_K/Q5_K super-block for x[0..256) and
// quantizes the values into q[] in [0, nmax] with the scales they will be decoded with.
void quantize_scaled_k4(const float* x, int nmax, uint16_t* d_out, uint16_t* dmin_out, uint8_t* packed, int* q) {
    float scales[8], mins[8];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; j++) {
        fit_scale_min(x + 32 * j, nmax, &scales[j], &mins[j]);
        max_scale = std::max(max_scale, scales[j]);
        max_min = std::max(max_min, mins[j]);
    }
    *d_out = float_to_fp16(max_scale / 63.0f);
    *dmin_out = float_to_fp16(max_min / 63.0f);
    float d = fp16_to_float(*d_out);
    float dmin = fp16_to_float(*dmin_out);
    int sc[8], mn[8];
    for (int j = 0; j < 8; j++) {
        // The 6-bit scale and minimum on either side of the fitted ones: rounding the minimum
        // down would clip the lowest values, rounding the scale down the highest.
        int sc0 = d > 0 ? round_clamp(std::floor(scales[j] / d), 0, 63) : 0;
        int mn0 = dmin > 0 ? round_clamp(std::floor(mins[j] / dmin), 0, 63) : 0;
        float best_err = INFINITY;
        for (int ds = 0; ds <= 1; ds++) {
            for (int dm = 0; dm <= 1; dm++) {
                int s = std::min(63, sc0 + ds), m = std::min(63, mn0 + dm);
                float err = quantize_sub_block(x + 32 * j, d * (float)s, dmin * (float)m, nmax, q + 32 * j);
                if (err < best_err) {
                    best_err = err;
                    sc[j] = s;
                    mn[j] = m;
                }
            }
        }
        quantize_sub_block(x + 32 * j, d * (float)sc[j], dmin * (float)mn[j], nmax, q + 32 * j);
    }
    std::memset(packed, 0, 12);
    for (int j = 0; j < 8; j++) {
        if (j < 4) {
            packed[j] |= (uint8_t)sc[j];
            packed[j + 4] |= (uint8_t)mn[j];
        } else {
            packed[j + 4] = (uint8_t)((sc[j] & 0xf) | ((mn[j] & 0xf) << 4));
            packed[j - 4] |= (uint8_t)((sc[j] >> 4) << 6);
            packed[j] |= (uint8_t)((mn[j] >> 4) << 6);
        }
    }
}

}  // namespace

void WeightType<LLM_TYPE_Q4_K>::from_float(const float* x, Block* b, int64_t nb) {
    int q[kQKK];
    for (int64_t i = 0; i < nb; i++, x += kQKK) {
        quantize_scaled_k4(x, 15, &b[i].d, &b[i].dmin, b[i].scales, q);
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) b[i].q[32 * c + l] = (uint8_t)(q[64 * c + l] | (q[64 * c + 32 + l] << 4));
        }
    }
}

void WeightType<LLM_TYPE_Q5_K>::from_float(const float* x, Block* b, int64_t nb) {
    int q[kQKK];
    for (int64_t i = 0; i < nb; i++, x += kQKK) {
        quantize_scaled_k4(x, 31, &b[i].d, &b[i].dmin, b[i].scales, q);
        for (int l = 0; l < 32; l++) {
            int qh = 0;
            for (int c = 0; c < 4; c++) {
                qh |= (q[64 * c + l] >> 4) << (2 * c);
                qh |= (q[64 * c + 32 + l] >> 4) << (2 * c + 1);
            }
            b[i].qh[l] = (uint8_t)qh;
        }
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                b[i].q[32 * c + l] = (uint8_t)((q[64 * c + l] & 0xf) | ((q[64 * c + 32 + l] & 0xf) << 4));
            }
        }
    }
}

namespace {

// Fits x[0..16) ≈ scale * q with q in [-32, 31] over a grid of steps around the one that maps
// the value of largest magnitude to -32, each refitted by least squares (KQuants.fitScaleSigned).
float fit_scale_signed(const float* x) {
    const int n = 16;
    float max = signed_abs_max(x, n);
    if (!(std::fabs(max) > 0)) return 0;
    float best_scale = 0, best_err = INFINITY;
    int q[16];
    for (int s = -kStepTries; s <= kStepTries; s++) {
        float iscale = -(32.0f + kStepDelta * (float)s) / max;
        float sum_xq = 0, sum_q2 = 0;
        for (int i = 0; i < n; i++) {
            q[i] = round_clamp(x[i] * iscale, -32, 31);
            sum_xq += x[i] * (float)q[i];
            sum_q2 += (float)(q[i] * q[i]);
        }
        if (!(sum_q2 > 0)) continue;
        float scale = sum_xq / sum_q2;
        float err = 0;
        for (int i = 0; i < n; i++) {
            float diff = scale * (float)q[i] - x[i];
            err += diff * diff;
        }
        if (err < best_err) {
            best_err = err;
            best_scale = scale;
        }
    }
    return best_scale;
}

// Quantizes x[0..16) to q[] in [0, 63] for value = step * (q - 32); returns the squared error.
float quantize_signed(const float* x, float step, int* q) {
    float err = 0;
    for (int i = 0; i < 16; i++) {
        int v = step != 0 ? round_clamp(x[i] / step, -32, 31) : 0;
        q[i] = v + 32;
        float diff = step * (float)v - x[i];
        err += diff * diff;
    }
    return err;
}

}  // namespace

void WeightType<LLM_TYPE_Q6_K>::from_float(const float* x, Block* b, int64_t nb) {
    int q[kQKK];
    for (int64_t i = 0; i < nb; i++, x += kQKK) {
        float scales[16];
        float max_scale = 0, max_abs = 0;
        for (int j = 0; j < 16; j++) {
            scales[j] = fit_scale_signed(x + 16 * j);
            if (std::fabs(scales[j]) > max_abs) {
                max_abs = std::fabs(scales[j]);
                max_scale = scales[j];
            }
        }
        // The scale of largest magnitude maps to -128, the one int8 value without a positive twin.
        b[i].d = float_to_fp16(max_scale / -128.0f);
        float d = fp16_to_float(b[i].d);
        for (int j = 0; j < 16; j++) {
            // the 8-bit scales on either side of the fitted one; keep the one with less error
            int sc0 = d != 0 ? round_clamp(std::floor(scales[j] / d), -128, 127) : 0;
            int sc = sc0;
            float best_err = INFINITY;
            for (int ds = 0; ds <= 1; ds++) {
                int s = std::min(127, sc0 + ds);
                float err = quantize_signed(x + 16 * j, d * (float)s, q + 16 * j);
                if (err < best_err) {
                    best_err = err;
                    sc = s;
                }
            }
            quantize_signed(x + 16 * j, d * (float)sc, q + 16 * j);
            b[i].scales[j] = (int8_t)sc;
        }
        for (int h = 0; h < 2; h++) {
            const int* qb = q + 128 * h;
            for (int l = 0; l < 32; l++) {
                b[i].ql[64 * h + l] = (uint8_t)((qb[l] & 0xf) | ((qb[l + 64] & 0xf) << 4));
                b[i].ql[64 * h + 32 + l] = (uint8_t)((qb[l + 32] & 0xf) | ((qb[l + 96] & 0xf) << 4));
                b[i].qh[32 * h + l] = (uint8_t)((qb[l] >> 4) | ((qb[l + 32] >> 4) << 2) | ((qb[l + 64] >> 4) << 4) |
                                                ((qb[l + 96] >> 4) << 6));
            }
        }
    }
}

// ---- by type id: the traits of weight_types.h ------------------------------------------------------

int type_block_size(int type) {
    int size = 0;
    visit_weight_type(type, [&](auto t) { size = decltype(t)::kBlockSize; });
    return size;
}

int64_t type_bytes(int type, int64_t n) {
    int64_t bytes = 0;
    visit_weight_type(type, [&](auto t) {
        using T = decltype(t);
        bytes = n / T::kBlockSize * T::kBlockBytes;
    });
    return bytes;
}

bool dequantize_row(int type, const void* src, float* dst, int64_t n) {
    return visit_weight_type(type, [&](auto t) {
        using T = decltype(t);
        T::to_float(static_cast<const typename T::Block*>(src), dst, n / T::kBlockSize);
    });
}

bool quantize_row(int type, const float* src, void* dst, int64_t n) {
    return visit_weight_type(type, [&](auto t) {
        using T = decltype(t);
        T::from_float(src, static_cast<typename T::Block*>(dst), n / T::kBlockSize);
    });
}

}  // namespace llm

extern "C" int llm_dequantize(float* out, const void* src, int type, int64_t n) {
    return llm::guarded([&]() -> int {
        return llm::dequantize_row(type, src, out, n) ? LLM_OK : LLM_ERR_UNSUPPORTED;
    });
}

extern "C" int llm_quantize(void* out, const float* src, int type, int64_t n) {
    return llm::guarded([&]() -> int {
        return llm::quantize_row(type, src, out, n) ? LLM_OK : LLM_ERR_UNSUPPORTED;
    });
}

extern "C" int llm_type_block_size(int type) {
    return llm::guarded_value(0, [&] { return llm::type_block_size(type); });
}

extern "C" int llm_type_block_bytes(int type) {
    return llm::guarded_value(0, [&] { return (int)llm::type_bytes(type, llm::type_block_size(type)); });
}
