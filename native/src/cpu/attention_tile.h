// The inner loops of attention over one tile of query rows × keys at every level (attention_simd.cpp,
// compiled once per level; see isa.h), shared by attention.cpp (which holds the bookkeeping: tiles,
// visibility, online softmax, split-K merge) and paged_attention.cpp.
//
// A "row" is one query head of one query: the rows of a tile are the heads of a GQA group for a
// few consecutive queries, so each key and value row read from memory serves all of them.
#ifndef LLMACCEL_ATTENTION_TILE_H
#define LLMACCEL_ATTENTION_TILE_H

#include <cstdint>

#include "isa.h"

namespace llm {

struct AttentionTileKernels {
    // s (rows, keys; row stride ld) = q (rows, head_dim) · kᵀ, key j at k + j * k_stride.
    // v (keys rows at the same stride) is what accumulate() reads next: a hint to prefetch.
    void (*scores)(float* s, int64_t ld, const float* q, int64_t rows, const float* k, int64_t k_stride,
                   int64_t keys, int64_t head_dim, const float* v);

    // One row of the online softmax: *max = max(*max, x), then x = exp(x - *max) in place.
    // Returns the sum of the new x. When *max stays -inf (nothing visible) x becomes zeros.
    float (*exp_row)(float* x, int64_t n, float* max);

    // acc (rows, head_dim) += p (rows, keys; row stride ld) · v, value j at v + j * v_stride.
    void (*accumulate)(float* acc, const float* p, int64_t ld, int64_t rows, const float* v, int64_t v_stride,
                       int64_t keys, int64_t head_dim);
};

// Each level's kernels are deterministic: the same arguments give the same bits, whatever other
// rows or threads do.
LLM_ISA_DECLARE(AttentionTileKernels, kAttentionTileKernels)

}  // namespace llm

#endif
