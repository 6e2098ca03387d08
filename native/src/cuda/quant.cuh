// The weight types the CUDA kernels read (F32, F16, BF16, Q8_0, Q4_0) in GGUF's byte layout, and
// their dequantisation, shared by the matrix products and the embedding lookup.
#ifndef LLMACCEL_CUDA_QUANT_CUH
#define LLMACCEL_CUDA_QUANT_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

#include "llmaccel/common.h"

namespace llm_cuda {

// Q8_0: 32 values = f16 scale d, 32 signed bytes q; value = q * d.
constexpr int kQ8Bytes = 34;
// Q4_0: 32 values = f16 scale d, 16 bytes; value i < 16 is (byte i & 15) - 8, value 16 + i is
// (byte i >> 4) - 8, times d.
constexpr int kQ4Bytes = 18;
constexpr int kQBlock = 32;

// Whether the kernels read this type.
inline bool type_supported(int type) {
    return type == LLM_TYPE_F32 || type == LLM_TYPE_F16 || type == LLM_TYPE_BF16 || type == LLM_TYPE_Q8_0 ||
           type == LLM_TYPE_Q4_0;
}

// Bytes of a row of k values (k a multiple of the block size for quantized types).
inline int64_t row_bytes(int type, int64_t k) {
    switch (type) {
        case LLM_TYPE_F32: return 4 * k;
        case LLM_TYPE_F16:
        case LLM_TYPE_BF16: return 2 * k;
        case LLM_TYPE_Q8_0: return k / kQBlock * kQ8Bytes;
        case LLM_TYPE_Q4_0: return k / kQBlock * kQ4Bytes;
        default: return 0;
    }
}

__device__ __forceinline__ float f16_bits(uint16_t h) { return __half2float(__ushort_as_half(h)); }

__device__ __forceinline__ float bf16_bits(uint16_t b) { return __uint_as_float((uint32_t)b << 16); }

// Value i of a row of TYPE (any alignment; for the generic paths).
template <int TYPE>
__device__ __forceinline__ float load_one(const uint8_t* row, int64_t i) {
    if constexpr (TYPE == LLM_TYPE_F32) {
        return reinterpret_cast<const float*>(row)[i];
    } else if constexpr (TYPE == LLM_TYPE_F16) {
        return f16_bits(reinterpret_cast<const uint16_t*>(row)[i]);
    } else if constexpr (TYPE == LLM_TYPE_BF16) {
        return bf16_bits(reinterpret_cast<const uint16_t*>(row)[i]);
    } else if constexpr (TYPE == LLM_TYPE_Q8_0) {
        const uint8_t* block = row + (i / kQBlock) * kQ8Bytes;
        const float d = f16_bits(*reinterpret_cast<const uint16_t*>(block));
        return (float)(int8_t)block[2 + i % kQBlock] * d;
    } else {
        static_assert(TYPE == LLM_TYPE_Q4_0, "unsupported type");
        const uint8_t* block = row + (i / kQBlock) * kQ4Bytes;
        const float d = f16_bits(*reinterpret_cast<const uint16_t*>(block));
        const int j = (int)(i % kQBlock);
        const uint8_t byte = block[2 + (j & 15)];
        return (float)((j < 16 ? byte & 15 : byte >> 4) - 8) * d;
    }
}

// A weight type as a compile-time value: f(Type<LLM_TYPE_Q8_0>{}) lets f read decltype(t)::value.
template <int TYPE>
using Type = std::integral_constant<int, TYPE>;

// Calls f(Type<type>{}) for a supported runtime type; returns false for others.
template <class F>
bool dispatch_type(int type, F&& f) {
    switch (type) {
        case LLM_TYPE_F32: f(Type<LLM_TYPE_F32>{}); return true;
        case LLM_TYPE_F16: f(Type<LLM_TYPE_F16>{}); return true;
        case LLM_TYPE_BF16: f(Type<LLM_TYPE_BF16>{}); return true;
        case LLM_TYPE_Q8_0: f(Type<LLM_TYPE_Q8_0>{}); return true;
        case LLM_TYPE_Q4_0: f(Type<LLM_TYPE_Q4_0>{}); return true;
        default: return false;
    }
}

}  // namespace llm_cuda

#endif
