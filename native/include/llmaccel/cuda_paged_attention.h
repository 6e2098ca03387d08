/* llmaccel CUDA — attention over a paged key/value cache. */
#ifndef LLMACCEL_CUDA_PAGED_ATTENTION_H
#define LLMACCEL_CUDA_PAGED_ATTENTION_H

#include "llmaccel/cuda.h"

#ifdef __cplusplus
extern "C" {
#endif

/* As llm_paged_kv_write (llmaccel/paged_attention.h); slots is host memory. */
int llm_cuda_paged_kv_write(llm_cuda_context* ctx,
                            float* k_pool,          /* (blocks, kv_heads, head_dim, block_size) */
                            float* v_pool,          /* (blocks, kv_heads, block_size, head_dim) */
                            const float* k,         /* (n, kv_heads, head_dim) */
                            const float* v,         /* (n, kv_heads, head_dim) */
                            const int32_t* slots,   /* host (n) */
                            int64_t n, int64_t kv_heads, int64_t head_dim, int64_t block_size);

/*
 * As llm_paged_attention (llmaccel/paged_attention.h); the three index arrays are host memory.
 * One thread block per (row, query head): its warps take the keys in turns, each with an online
 * softmax, and are merged in warp order, so a row's result does not depend on the batch.
 * head_dim at most 256.
 */
int llm_cuda_paged_attention(llm_cuda_context* ctx,
                             float* out,                  /* (n, heads, head_dim) */
                             const float* q,              /* (n, heads, head_dim) */
                             const float* k_pool,         /* (blocks, kv_heads, head_dim, block_size) */
                             const float* v_pool,         /* (blocks, kv_heads, block_size, head_dim) */
                             const int32_t* block_tables, /* host (sequences, max_blocks) */
                             const int32_t* row_seq,      /* host (n) */
                             const int32_t* row_pos,      /* host (n) */
                             int64_t sequences, int64_t n, int64_t heads, int64_t kv_heads, int64_t head_dim,
                             int64_t block_size, int64_t max_blocks, float scale);

#ifdef __cplusplus
}
#endif

#endif
