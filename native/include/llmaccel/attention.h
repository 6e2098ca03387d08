/* llmaccel — scaled dot-product attention. */
#ifndef LLMACCEL_ATTENTION_H
#define LLMACCEL_ATTENTION_H

#include "llmaccel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Attention with grouped-query heads (query head h reads kv head h / (heads / kv_heads)) and an
 * online softmax: the (nq × kv_len) score matrix is never materialised. The CPU kernel walks keys
 * in tiles shared by every query row of a GQA group, and splits long key ranges across threads
 * when heads alone cannot feed them (decode); scratch space is O(threads × tile), plus
 * O(heads × head_dim) per split.
 * The query i is at position q_pos + i; key j (j < kv_len) is visible when
 *   !causal || j <= pos;   window == 0 || (pos - j < window && (causal || j - pos < window));
 *   mask == NULL || mask[b * kv_len + j] != 0.
 * A query that sees no key gets zeros.
 */
int llm_attention(float* out,          /* (batch, nq, heads, head_dim) */
                  const float* q,      /* (batch, nq, heads, head_dim) */
                  const float* k,      /* (batch, capacity, kv_heads, head_dim), rows < kv_len used */
                  const float* v,      /* (batch, capacity, kv_heads, head_dim) */
                  const int32_t* mask, /* (batch, kv_len) or NULL */
                  int64_t batch, int64_t nq, int64_t heads, int64_t kv_heads, int64_t head_dim,
                  int64_t capacity, int64_t kv_len, int64_t q_pos,
                  float scale, int causal, int64_t window);

#ifdef __cplusplus
}
#endif

#endif
