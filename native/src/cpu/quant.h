// Row conversions between F32 and every llm_type by type id (portable scalar code; the types'
// traits are in weight_types.h). Used by the embedding lookup, the matmul fallbacks and the Java codec tests.
#ifndef LLMACCEL_QUANT_H
#define LLMACCEL_QUANT_H

#include <cstdint>

namespace llm {

// Bytes of n values of type (n a multiple of the block size); 0 for an unknown type.
int64_t type_bytes(int type, int64_t n);

// Elements per block of type (1 for F32/F16/BF16); 0 for an unknown type.
int type_block_size(int type);

// dst (n) = src (n values of type). Returns false for an unknown type.
bool dequantize_row(int type, const void* src, float* dst, int64_t n);

// dst (n values of type) = src (n). Returns false for an unknown type.
bool quantize_row(int type, const float* src, void* dst, int64_t n);

}  // namespace llm

#endif
