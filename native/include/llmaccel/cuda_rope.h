/* llmaccel CUDA — rotary position embedding. */
#ifndef LLMACCEL_CUDA_ROPE_H
#define LLMACCEL_CUDA_ROPE_H

#include "llmaccel/cuda.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * As llm_rope (llmaccel/rope.h), in place, in one pass: each token's angles are computed once in
 * double precision and applied to all of its heads.
 */
int llm_cuda_rope(llm_cuda_context* ctx,
                  float* x,                    /* (batch, seq, heads, head_dim) */
                  int64_t batch, int64_t seq, int64_t heads, int64_t head_dim,
                  int64_t pos_offset, int style, double theta, int64_t rot_dims,
                  const float* freq_factors    /* host (rot_dims / 2) or NULL */);

/* As llm_rope_rows (llmaccel/rope.h): row t (of n) at positions[t]. */
int llm_cuda_rope_rows(llm_cuda_context* ctx,
                       float* x,                    /* (n, heads, head_dim) */
                       const int32_t* positions,    /* host (n) */
                       int64_t n, int64_t heads, int64_t head_dim,
                       int style, double theta, int64_t rot_dims,
                       const float* freq_factors    /* host (rot_dims / 2) or NULL */);

#ifdef __cplusplus
}
#endif

#endif
