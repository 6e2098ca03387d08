#include "quant.h"

#include <algorithm>
#include <cmath>

#include "llmaccel/embedding.h"
#include "numeric_types.h"
#include "thread_pool.h"

namespace llm {
namespace {

void dequantize_q8_0(const BlockQ8_0* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        float d = fp16_to_float(b[i].d);
        for (int j = 0; j < kQK; j++) y[i * kQK + j] = b[i].q[j] * d;
    }
}

void dequantize_q4_0(const BlockQ4_0* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        float d = fp16_to_float(b[i].d);
        for (int j = 0; j < kQK / 2; j++) {
            y[i * kQK + j] = ((b[i].q[j] & 0xf) - 8) * d;
            y[i * kQK + j + 16] = ((b[i].q[j] >> 4) - 8) * d;
        }
    }
}

void dequantize_q4_1(const BlockQ4_1* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        float d = fp16_to_float(b[i].d);
        float m = fp16_to_float(b[i].m);
        for (int j = 0; j < kQK / 2; j++) {
            y[i * kQK + j] = (b[i].q[j] & 0xf) * d + m;
            y[i * kQK + j + 16] = (b[i].q[j] >> 4) * d + m;
        }
    }
}

uint32_t load_u32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

void dequantize_q5_0(const BlockQ5_0* b, float* y, int64_t nb) {
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

void dequantize_q5_1(const BlockQ5_1* b, float* y, int64_t nb) {
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

void quantize_q8_0(const float* x, BlockQ8_0* b, int64_t nb) {
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

}  // namespace

int type_block_size(int type) {
    switch (type) {
        case LLM_TYPE_F32: case LLM_TYPE_F16: case LLM_TYPE_BF16: return 1;
        case LLM_TYPE_Q8_0: case LLM_TYPE_Q4_0: case LLM_TYPE_Q4_1: case LLM_TYPE_Q5_0: case LLM_TYPE_Q5_1: return kQK;
        case LLM_TYPE_Q4_K: case LLM_TYPE_Q5_K: case LLM_TYPE_Q6_K: return kQKK;
        default: return 0;
    }
}

int64_t type_bytes(int type, int64_t n) {
    switch (type) {
        case LLM_TYPE_F32: return n * 4;
        case LLM_TYPE_F16: case LLM_TYPE_BF16: return n * 2;
        case LLM_TYPE_Q8_0: return n / kQK * (int64_t)sizeof(BlockQ8_0);
        case LLM_TYPE_Q4_0: return n / kQK * (int64_t)sizeof(BlockQ4_0);
        case LLM_TYPE_Q4_1: return n / kQK * (int64_t)sizeof(BlockQ4_1);
        case LLM_TYPE_Q5_0: return n / kQK * (int64_t)sizeof(BlockQ5_0);
        case LLM_TYPE_Q5_1: return n / kQK * (int64_t)sizeof(BlockQ5_1);
        case LLM_TYPE_Q4_K: return n / kQKK * (int64_t)sizeof(BlockQ4_K);
        case LLM_TYPE_Q5_K: return n / kQKK * (int64_t)sizeof(BlockQ5_K);
        case LLM_TYPE_Q6_K: return n / kQKK * (int64_t)sizeof(BlockQ6_K);
        default: return 0;
    }
}

bool dequantize_row(int type, const void* src, float* dst, int64_t n) {
    switch (type) {
        case LLM_TYPE_F32:
            std::memcpy(dst, src, (size_t)n * 4);
            return true;
        case LLM_TYPE_F16: {
            auto* s = static_cast<const uint16_t*>(src);
            for (int64_t i = 0; i < n; i++) dst[i] = fp16_to_float(s[i]);
            return true;
        }
        case LLM_TYPE_BF16: {
            auto* s = static_cast<const uint16_t*>(src);
            for (int64_t i = 0; i < n; i++) dst[i] = bf16_to_float(s[i]);
            return true;
        }
        case LLM_TYPE_Q8_0: dequantize_q8_0(static_cast<const BlockQ8_0*>(src), dst, n / kQK); return true;
        case LLM_TYPE_Q4_0: dequantize_q4_0(static_cast<const BlockQ4_0*>(src), dst, n / kQK); return true;
        case LLM_TYPE_Q4_1: dequantize_q4_1(static_cast<const BlockQ4_1*>(src), dst, n / kQK); return true;
        case LLM_TYPE_Q5_0: dequantize_q5_0(static_cast<const BlockQ5_0*>(src), dst, n / kQK); return true;
        case LLM_TYPE_Q5_1: dequantize_q5_1(static_cast<const BlockQ5_1*>(src), dst, n / kQK); return true;
        default: return false;
    }
}

bool quantize_row(int type, const float* src, void* dst, int64_t n) {
    switch (type) {
        case LLM_TYPE_F32:
            std::memcpy(dst, src, (size_t)n * 4);
            return true;
        case LLM_TYPE_F16: {
            auto* d = static_cast<uint16_t*>(dst);
            for (int64_t i = 0; i < n; i++) d[i] = float_to_fp16(src[i]);
            return true;
        }
        case LLM_TYPE_BF16: {
            auto* d = static_cast<uint16_t*>(dst);
            for (int64_t i = 0; i < n; i++) d[i] = float_to_bf16(src[i]);
            return true;
        }
        case LLM_TYPE_Q8_0: quantize_q8_0(src, static_cast<BlockQ8_0*>(dst), n / kQK); return true;
        default: return false;
    }
}

}  // namespace llm

extern "C" int llm_dequantize(float* out, const void* src, int type, int64_t n) {
    return llm::dequantize_row(type, src, out, n) ? LLM_OK : LLM_ERR_UNSUPPORTED;
}

extern "C" int llm_quantize(void* out, const float* src, int type, int64_t n) {
    return llm::quantize_row(type, src, out, n) ? LLM_OK : LLM_ERR_UNSUPPORTED;
}
