/* llmaccel — attention over a paged key/value cache (many sequences in one batch). */
#ifndef LLMACCEL_PAGED_ATTENTION_H
#define LLMACCEL_PAGED_ATTENTION_H

#include "llmaccel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A paged cache holds keys (and, in a second pool of the same shape, values) in blocks of
 * block_size token slots; slot s is row s of the pool seen as (blocks · block_size, kv_heads ·
 * head_dim). A sequence's block table lists its blocks in order: its position p lives in slot
 * table[p / block_size] · block_size + p % block_size.
 */

/* Writes the keys and values of n new tokens into their slots: row i of k goes to slot slots[i]
 * of k_pool, row i of v to the same slot of v_pool. The slots are distinct. */
int llm_paged_kv_write(float* k_pool,         /* (slots_total, row) */
                       float* v_pool,         /* (slots_total, row) */
                       const float* k,        /* (n, row) */
                       const float* v,        /* (n, row) */
                       const int32_t* slots,  /* (n) */
                       int64_t n, int64_t row);

/*
 * Causal attention of n query rows from several sequences: row i belongs to the sequence whose
 * block table is row row_seq[i] of block_tables, sits at position row_pos[i], and attends that
 * sequence's keys at positions 0 .. row_pos[i] (which must be in the cache already: write the
 * new tokens first). Grouped-query heads: query head h reads kv head h / (heads / kv_heads).
 *
 * Each output row depends on its own query, position and keys only, never on the other rows of
 * the batch: the keys are taken in spans of fixed positions, each span's softmax sums in one
 * order, and the spans merged in order. So a sequence gets the same bits in any batch.
 */
int llm_paged_attention(float* out,                  /* (n, heads, head_dim) */
                        const float* q,              /* (n, heads, head_dim) */
                        const float* k_pool,         /* (blocks, block_size, kv_heads, head_dim) */
                        const float* v_pool,         /* (blocks, block_size, kv_heads, head_dim) */
                        const int32_t* block_tables, /* (sequences, max_blocks) */
                        const int32_t* row_seq,      /* (n) */
                        const int32_t* row_pos,      /* (n) */
                        int64_t n, int64_t heads, int64_t kv_heads, int64_t head_dim, int64_t block_size,
                        int64_t max_blocks, float scale);

#ifdef __cplusplus
}
#endif

#endif
