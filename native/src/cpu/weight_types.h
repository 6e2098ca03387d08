// The weight types, one traits specialization each: the C++ side of the one table whose Java side
// is dev.llmaccel.tensor.DType. WeightType<T> holds llm_type T's block layout (Block, kBlockSize,
// kBlockBytes), its codec (to_float and from_float, defined in quant.cpp) and the activation
// format its dot products take (kActivation; each level's kernels are in the matmul_* files).
// Code that depends on the type reads these through visit_weight_type instead of switching on the
// id. The ids and layouts are checked against GGML's numbers below at compile time, and the Java
// table against this one by TypeTableTest (through llm_type_block_size / llm_type_block_bytes).
//
// Adding a weight type: its llm_type in common.h, a specialization and its line in
// visit_weight_type here, its codec in quant.cpp, its kernels.
#ifndef LLMACCEL_WEIGHT_TYPES_H
#define LLMACCEL_WEIGHT_TYPES_H

#include <cstdint>

#include "llmaccel/common.h"
#include "numeric_types.h"

namespace llm {

// The activation format a weight type's dot products take (matmul_kernels.h has the layouts).
enum class XKind {
    kF32,        // the F32 row as given
    kQ8Block32,  // 32-value blocks: Q8Block32Row
    kQ8K         // 256-value blocks: BlockQ8K
};

// The 16-bit float types as blocks of one value (two structs, so that the types stay apart).
struct F16Value {
    uint16_t bits;
};
struct BF16Value {
    uint16_t bits;
};

// Block layout and activation format; each specialization below adds its codec:
//   to_float(b, y, nb)    y (nb · kBlockSize) = the values of the nb blocks at b
//   from_float(x, b, nb)  the nb blocks at b = x (nb · kBlockSize), rounded as the Java codec rounds
template <class BlockT, int BlockSize, XKind Activation>
struct WeightLayout {
    using Block = BlockT;
    static constexpr int kBlockSize = BlockSize;
    static constexpr int kBlockBytes = (int)sizeof(BlockT);
    static constexpr XKind kActivation = Activation;
};

template <int Type>
struct WeightType;  // no definition: an id without a specialization is no weight type

template <>
struct WeightType<LLM_TYPE_F32> : WeightLayout<float, 1, XKind::kF32> {
    static void to_float(const Block* b, float* y, int64_t nb);
    static void from_float(const float* x, Block* b, int64_t nb);
};

template <>
struct WeightType<LLM_TYPE_F16> : WeightLayout<F16Value, 1, XKind::kF32> {
    static void to_float(const Block* b, float* y, int64_t nb);
    static void from_float(const float* x, Block* b, int64_t nb);
};

template <>
struct WeightType<LLM_TYPE_BF16> : WeightLayout<BF16Value, 1, XKind::kF32> {
    static void to_float(const Block* b, float* y, int64_t nb);
    static void from_float(const float* x, Block* b, int64_t nb);
};

template <>
struct WeightType<LLM_TYPE_Q8_0> : WeightLayout<BlockQ8_0, kQK, XKind::kQ8Block32> {
    static void to_float(const Block* b, float* y, int64_t nb);
    static void from_float(const float* x, Block* b, int64_t nb);
};

template <>
struct WeightType<LLM_TYPE_Q4_0> : WeightLayout<BlockQ4_0, kQK, XKind::kQ8Block32> {
    static void to_float(const Block* b, float* y, int64_t nb);
    static void from_float(const float* x, Block* b, int64_t nb);
};

template <>
struct WeightType<LLM_TYPE_Q4_1> : WeightLayout<BlockQ4_1, kQK, XKind::kQ8Block32> {
    static void to_float(const Block* b, float* y, int64_t nb);
    static void from_float(const float* x, Block* b, int64_t nb);
};

template <>
struct WeightType<LLM_TYPE_Q5_0> : WeightLayout<BlockQ5_0, kQK, XKind::kQ8Block32> {
    static void to_float(const Block* b, float* y, int64_t nb);
    static void from_float(const float* x, Block* b, int64_t nb);
};

template <>
struct WeightType<LLM_TYPE_Q5_1> : WeightLayout<BlockQ5_1, kQK, XKind::kQ8Block32> {
    static void to_float(const Block* b, float* y, int64_t nb);
    static void from_float(const float* x, Block* b, int64_t nb);
};

template <>
struct WeightType<LLM_TYPE_Q4_K> : WeightLayout<BlockQ4_K, kQKK, XKind::kQ8K> {
    static void to_float(const Block* b, float* y, int64_t nb);
    static void from_float(const float* x, Block* b, int64_t nb);
};

template <>
struct WeightType<LLM_TYPE_Q5_K> : WeightLayout<BlockQ5_K, kQKK, XKind::kQ8K> {
    static void to_float(const Block* b, float* y, int64_t nb);
    static void from_float(const float* x, Block* b, int64_t nb);
};

template <>
struct WeightType<LLM_TYPE_Q6_K> : WeightLayout<BlockQ6_K, kQKK, XKind::kQ8K> {
    static void to_float(const Block* b, float* y, int64_t nb);
    static void from_float(const float* x, Block* b, int64_t nb);
};

// Calls f(WeightType<type>{}) and returns true; false when type is no weight type. The one list of
// the weight types.
template <class F>
bool visit_weight_type(int type, F&& f) {
    switch (type) {
        case LLM_TYPE_F32: f(WeightType<LLM_TYPE_F32>{}); return true;
        case LLM_TYPE_F16: f(WeightType<LLM_TYPE_F16>{}); return true;
        case LLM_TYPE_BF16: f(WeightType<LLM_TYPE_BF16>{}); return true;
        case LLM_TYPE_Q8_0: f(WeightType<LLM_TYPE_Q8_0>{}); return true;
        case LLM_TYPE_Q4_0: f(WeightType<LLM_TYPE_Q4_0>{}); return true;
        case LLM_TYPE_Q4_1: f(WeightType<LLM_TYPE_Q4_1>{}); return true;
        case LLM_TYPE_Q5_0: f(WeightType<LLM_TYPE_Q5_0>{}); return true;
        case LLM_TYPE_Q5_1: f(WeightType<LLM_TYPE_Q5_1>{}); return true;
        case LLM_TYPE_Q4_K: f(WeightType<LLM_TYPE_Q4_K>{}); return true;
        case LLM_TYPE_Q5_K: f(WeightType<LLM_TYPE_Q5_K>{}); return true;
        case LLM_TYPE_Q6_K: f(WeightType<LLM_TYPE_Q6_K>{}); return true;
        default: return false;
    }
}

// GGML's numbers (ggml.h's enum ggml_type and block layouts), which GGUF files and the Java table
// carry: id, values per block, bytes per block.
template <int Type>
constexpr bool is_ggml_type(int id, int block_size, int block_bytes) {
    return Type == id && WeightType<Type>::kBlockSize == block_size && WeightType<Type>::kBlockBytes == block_bytes;
}
static_assert(is_ggml_type<LLM_TYPE_F32>(0, 1, 4), "F32");
static_assert(is_ggml_type<LLM_TYPE_F16>(1, 1, 2), "F16");
static_assert(is_ggml_type<LLM_TYPE_BF16>(30, 1, 2), "BF16");
static_assert(is_ggml_type<LLM_TYPE_Q8_0>(8, 32, 34), "Q8_0");
static_assert(is_ggml_type<LLM_TYPE_Q4_0>(2, 32, 18), "Q4_0");
static_assert(is_ggml_type<LLM_TYPE_Q4_1>(3, 32, 20), "Q4_1");
static_assert(is_ggml_type<LLM_TYPE_Q5_0>(6, 32, 22), "Q5_0");
static_assert(is_ggml_type<LLM_TYPE_Q5_1>(7, 32, 24), "Q5_1");
static_assert(is_ggml_type<LLM_TYPE_Q4_K>(12, 256, 144), "Q4_K");
static_assert(is_ggml_type<LLM_TYPE_Q5_K>(13, 256, 176), "Q5_K");
static_assert(is_ggml_type<LLM_TYPE_Q6_K>(14, 256, 210), "Q6_K");

}  // namespace llm

#endif
