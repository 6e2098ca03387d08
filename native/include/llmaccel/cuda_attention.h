/* llmaccel CUDA — scaled dot-product attention. */
#ifndef LLMACCEL_CUDA_ATTENTION_H
#define LLMACCEL_CUDA_ATTENTION_H

#include "llmaccel/cuda.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Attention with grouped-query heads, with the visibility rules of llmaccel/attention.h
 * (causal, sliding window, padding mask; a query that sees no key gets zeros).
 *   nq <= 4 (decode): flash-decoding — the visible keys are split into chunks that run in
 *   parallel, each reading its keys and values once for every query head of a group, and a
 *   second pass merges the chunks.
 *   nq > 4 (prefill): flash attention — tiles of queries × keys with an online softmax, in F32,
 *   or, at LLM_CUDA_PRECISION_BF16 and head sizes 64 and 128, on BF16 tensor cores (F32 softmax
 *   and sums).
 */
int llm_cuda_attention(llm_cuda_context* ctx,
                       float* out,          /* (batch, nq, heads, head_dim) */
                       const float* q,      /* (batch, nq, heads, head_dim) */
                       const float* k,      /* (batch, capacity, kv_heads, head_dim), rows < kv_len used */
                       const float* v,      /* (batch, capacity, kv_heads, head_dim) */
                       const int32_t* mask, /* host (batch, kv_len), 0 hides a key; or NULL */
                       int64_t batch, int64_t nq, int64_t heads, int64_t kv_heads, int64_t head_dim,
                       int64_t capacity, int64_t kv_len, int64_t q_pos,
                       float scale, int causal, int64_t window);

#ifdef __cplusplus
}
#endif

#endif
