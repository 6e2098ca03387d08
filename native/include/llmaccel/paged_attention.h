/* llmaccel — attention over a paged key/value cache (many sequences in one batch). */
#ifndef LLMACCEL_PAGED_ATTENTION_H
#define LLMACCEL_PAGED_ATTENTION_H

#include "llmaccel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A paged cache holds keys and values in blocks of block_size token slots, each block with its KV
 * heads apart: per block and head, the keys transposed, (head_dim, block_size), and the values as
 * rows, (block_size, head_dim). Slot s is offset s % block_size of block s / block_size. A
 * sequence's block table lists its blocks in order: its position p lives in slot
 * table[p / block_size] · block_size + p % block_size.
 */

/* Writes the keys and values of n new tokens into their slots (distinct). */
int llm_paged_kv_write(float* k_pool,         /* (blocks, kv_heads, head_dim, block_size) */
                       float* v_pool,         /* (blocks, kv_heads, block_size, head_dim) */
                       const float* k,        /* (n, kv_heads, head_dim) */
                       const float* v,        /* (n, kv_heads, head_dim) */
                       const int32_t* slots,  /* (n) */
                       int64_t n, int64_t kv_heads, int64_t head_dim, int64_t block_size);

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
                        const float* k_pool,         /* (blocks, kv_heads, head_dim, block_size) */
                        const float* v_pool,         /* (blocks, kv_heads, block_size, head_dim) */
                        const int32_t* block_tables, /* (sequences, max_blocks) */
                        const int32_t* row_seq,      /* (n) */
                        const int32_t* row_pos,      /* (n) */
                        int64_t n, int64_t heads, int64_t kv_heads, int64_t head_dim, int64_t block_size,
                        int64_t max_blocks, float scale);

#ifdef __cplusplus
}
#endif

#endif
