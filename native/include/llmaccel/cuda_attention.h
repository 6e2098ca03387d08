/* llmaccel CUDA — scaled dot-product attention. */
#ifndef LLMACCEL_CUDA_ATTENTION_H
#define LLMACCEL_CUDA_ATTENTION_H

#include "llmaccel/cuda.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which arithmetic prefill (nq > 4 queries) uses; decode is always F32. */
enum llm_cuda_attention_precision {
    LLM_CUDA_ATTENTION_F32 = 0,   /* F32 throughout, as exact as the CPU (the default) */
    LLM_CUDA_ATTENTION_BF16 = 1   /* head sizes 64 and 128: q·k and p·v on BF16 tensor cores, F32 softmax and sums */
};
int llm_cuda_context_set_attention(llm_cuda_context* ctx, int precision);

/*
 * Attention with grouped-query heads, with the visibility rules of llmaccel/attention.h
 * (causal, sliding window, padding mask; a query that sees no key gets zeros).
 *   nq <= 4 (decode): flash-decoding — the visible keys are split into chunks that run in
 *   parallel, each reading its keys and values once for every query head of a group, and a
 *   second pass merges the chunks.
 *   nq > 4 (prefill): flash attention — tiles of queries × keys with an online softmax, in F32,
 *   or on tensor cores at the BF16 precision (llm_cuda_context_set_attention).
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
