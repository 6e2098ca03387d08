// The inner loops of paged attention over one cache block at every level (paged_attention_simd.cpp,
// compiled once per level; see isa.h); paged_attention.cpp picks the level at run time.
//
// A block of the cache holds, per KV head, its keys transposed, (head_dim, block_size), and its
// values as rows, (block_size, head_dim) (see llmaccel/paged_attention.h). So the scores of a row
// against a block's keys run with keys in the vector lanes, one FMA per dimension and no
// horizontal sum, and the weighted sum of values runs along the head's dimensions; each key and
// value vector loaded serves every query head of the GQA group. Every lane sums in the same order
// (dimension by dimension, key by key) whatever the lane count or the number of rows, so a row's
// result depends only on its own query and keys.
#ifndef LLMACCEL_PAGED_ATTENTION_BLOCK_H
#define LLMACCEL_PAGED_ATTENTION_BLOCK_H

#include <cstdint>

#include "isa.h"

namespace llm {

struct PagedBlockKernels {
    // s[r * ld + j] = Σ_c q[r * hd + c] · kt[c * bs + j] for rows r < rows and keys j < keys
    // (keys <= bs: the block's first keys).
    void (*scores)(float* s, int64_t ld, const float* q, int64_t rows, const float* kt, int64_t bs, int64_t keys,
                   int64_t hd);
    // acc[r * hd + c] += Σ_j p[r * ld + j] · v[j * hd + c] for rows r < rows and keys j < keys.
    void (*accumulate)(float* acc, const float* p, int64_t ld, int64_t rows, const float* v, int64_t keys, int64_t hd);
};

LLM_ISA_DECLARE(PagedBlockKernels, kPagedBlockKernels)

}  // namespace llm

#endif
