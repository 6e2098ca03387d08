// The weight types the CUDA kernels read (F32, F16, BF16, Q8_0, Q4_0) in GGUF's byte layout, and
// their dequantisation, shared by the matrix products and the embedding lookup.
#ifndef LLMACCEL_CUDA_QUANT_CUH
#define LLMACCEL_CUDA_QUANT_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "llmaccel/common.h"

namespace llm_cuda {

// Q8_0: 32 values = f16 scale d, 32 signed bytes q; value = q * d.
constexpr int kQ8Bytes = 34;
// Q4_0: 32 values = f16 scale d, 16 bytes; value i < 16 is (byte i & 15) - 8, value 16 + i is
// (byte i >> 4) - 8, times d.
constexpr int kQ4Bytes = 18;
constexpr int kQBlock = 32;

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

// The helpers below are __host__ __device__: the host test (native/test/cuda) runs these very
// functions on the CPU, where no GPU is available.

__host__ __device__ inline float f16_bits(uint16_t h) { return __half2float(__ushort_as_half(h)); }

__host__ __device__ inline float bf16_bits(uint16_t b) {
    const uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

// Value i of a row of TYPE (any alignment; for the generic paths).
template <int TYPE>
__host__ __device__ inline float load_one(const uint8_t* row, int64_t i) {
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

// Two floats as one 32-bit pair of 16-bit values, lower index in the low half (round to nearest
// even): F16 when HALF, else BF16.
template <bool HALF>
__host__ __device__ inline uint32_t pack2(float lo, float hi) {
    uint32_t u;
    if constexpr (HALF) {
        const __half2 h = __floats2half2_rn(lo, hi);
        memcpy(&u, &h, sizeof u);
    } else {
        const __nv_bfloat162 h = __floats2bfloat162_rn(lo, hi);
        memcpy(&u, &h, sizeof u);
    }
    return u;
}

// Values o .. o+7 of a Q8_0 / Q4_0 block (o % 8 == 0) are stored in the eight bytes from this offset.
template <int TYPE>
__host__ __device__ constexpr int value_bytes(int o) {
    return 2 + (TYPE == LLM_TYPE_Q8_0 ? o : (o & 15));
}

// Those eight values as integers (Q4_0's offset of 8 applied) from their bytes: lo holds the first
// four, hi the next four.
template <int TYPE>
__host__ __device__ inline void ints8(uint32_t lo, uint32_t hi, int o, float v[8]) {
    if constexpr (TYPE == LLM_TYPE_Q8_0) {
        for (int i = 0; i < 4; i++) {
            v[i] = (float)(int8_t)(lo >> (8 * i));
            v[4 + i] = (float)(int8_t)(hi >> (8 * i));
        }
    } else {
        static_assert(TYPE == LLM_TYPE_Q4_0, "block types only");
        const int nibble = o < 16 ? 0 : 4;
        for (int i = 0; i < 4; i++) {
            v[i] = (float)((int)((lo >> (8 * i + nibble)) & 15) - 8);
            v[4 + i] = (float)((int)((hi >> (8 * i + nibble)) & 15) - 8);
        }
    }
}

// Eight bytes at an even offset of a 4-byte aligned buffer, from aligned 32-bit words (for shared
// memory; the word after the eight bytes is read too, so buffers keep 4 bytes of slack).
__host__ __device__ inline void bytes8_words(const uint8_t* buffer, int offset, uint32_t& lo, uint32_t& hi) {
    const uint32_t* words = reinterpret_cast<const uint32_t*>(buffer + (offset & ~3));
    const uint32_t shift = (offset & 3) * 8;
    const uint64_t w01 = ((uint64_t)words[1] << 32) | words[0], w12 = ((uint64_t)words[2] << 32) | words[1];
    lo = (uint32_t)(w01 >> shift);
    hi = (uint32_t)(w12 >> shift);
}

// Eight bytes at any even address, by four 2-byte loads (for rows in global memory).
__host__ __device__ inline void bytes8_halves(const uint8_t* p, uint32_t& lo, uint32_t& hi) {
    const uint16_t* q = reinterpret_cast<const uint16_t*>(p);
    lo = (uint32_t)q[0] | ((uint32_t)q[1] << 16);
    hi = (uint32_t)q[2] | ((uint32_t)q[3] << 16);
}

__host__ __device__ inline float block_scale(const uint8_t* block) {
    return f16_bits(*reinterpret_cast<const uint16_t*>(block));
}

// Values e .. e+7 (e % 8 == 0) of consecutive Q8_0 / Q4_0 blocks in a 4-byte aligned buffer, as
// integers v; returns their block's scale d (the values are v * d).
template <int TYPE>
__host__ __device__ inline float block_ints8(const uint8_t* blocks, int e, float v[8]) {
    constexpr int kBlockBytes = TYPE == LLM_TYPE_Q8_0 ? kQ8Bytes : kQ4Bytes;
    const int b = e / kQBlock, o = e % kQBlock;
    uint32_t lo, hi;
    bytes8_words(blocks, b * kBlockBytes + value_bytes<TYPE>(o), lo, hi);
    ints8<TYPE>(lo, hi, o, v);
    return block_scale(blocks + b * kBlockBytes);
}

// Values kk .. kk+7 (kk % 8 == 0) of a row of Q8_0 / Q4_0 blocks at any even address, dequantised
// and rounded to BF16, packed as a GEMM tile row expects them.
template <int TYPE>
__host__ __device__ inline uint4 block_bf16x8(const uint8_t* row, int64_t kk) {
    constexpr int kBlockBytes = TYPE == LLM_TYPE_Q8_0 ? kQ8Bytes : kQ4Bytes;
    const uint8_t* block = row + (kk / kQBlock) * kBlockBytes;
    const int o = (int)(kk % kQBlock);
    uint32_t lo, hi;
    bytes8_halves(block + value_bytes<TYPE>(o), lo, hi);
    float v[8];
    ints8<TYPE>(lo, hi, o, v);
    const float d = block_scale(block);
    return make_uint4(pack2<false>(v[0] * d, v[1] * d), pack2<false>(v[2] * d, v[3] * d),
                      pack2<false>(v[4] * d, v[5] * d), pack2<false>(v[6] * d, v[7] * d));
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

// Whether the kernels read this type: the types dispatch_type lists, the one list.
inline bool type_supported(int type) {
    return dispatch_type(type, [](auto) {});
}

}  // namespace llm_cuda

#endif
