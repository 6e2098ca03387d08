/* llmaccel — rotary position embedding. */
#ifndef LLMACCEL_ROPE_H
#define LLMACCEL_ROPE_H

#include "llmaccel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Rotates, in place, the first rot_dims dimensions of every head; token t is at position
 * pos_offset + t. Pair i (of rot_dims / 2) turns by pos * theta^(-2i / rot_dims) / freq_factors[i].
 * style (enum llm_rope_style) says which dimensions form the pairs.
 */
int llm_rope(float* x,                    /* (batch, seq, heads, head_dim) */
             int64_t batch, int64_t seq, int64_t heads, int64_t head_dim,
             int64_t pos_offset, int style, double theta, int64_t rot_dims,
             const float* freq_factors    /* (rot_dims / 2) or NULL */);

/*
 * The same rotation for tokens at positions of their own: token t (of n) is at positions[t]. For a
 * batch of rows from several sequences (each row continues its own sequence).
 */
int llm_rope_rows(float* x,                 /* (n, heads, head_dim) */
                  const int32_t* positions, /* (n) */
                  int64_t n, int64_t heads, int64_t head_dim,
                  int style, double theta, int64_t rot_dims,
                  const float* freq_factors /* (rot_dims / 2) or NULL */);

#ifdef __cplusplus
}
#endif

#endif
