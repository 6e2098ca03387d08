/* llmaccel CUDA — embedding lookup, pooling and L2 normalisation. */
#ifndef LLMACCEL_CUDA_EMBEDDING_H
#define LLMACCEL_CUDA_EMBEDDING_H

#include "llmaccel/cuda.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out[i] = table[ids[i]] dequantised to F32 (F32, F16, BF16, Q8_0, Q4_0 tables). */
int llm_cuda_embedding_rows(llm_cuda_context* ctx,
                            float* out,          /* (n, d) */
                            const void* table,   /* (vocab, d) of type table_type */
                            int table_type,
                            const int32_t* ids,  /* host (n), in [0, vocab) */
                            int64_t n, int64_t d);

/* As llm_pool: mode is an enum llm_pool_mode. */
int llm_cuda_pool(llm_cuda_context* ctx,
                  float* out,            /* (batch, d) */
                  const float* x,        /* (batch, seq, d) */
                  const int32_t* mask,   /* host (batch, seq), 0 = padding; or NULL */
                  int mode, int64_t batch, int64_t seq, int64_t d);

/* Scales each row to unit L2 norm; a zero row stays zero. out may be x. */
int llm_cuda_l2_normalize(llm_cuda_context* ctx,
                          float* out,       /* (n, d) */
                          const float* x,   /* (n, d) */
                          int64_t n, int64_t d);

#ifdef __cplusplus
}
#endif

#endif
