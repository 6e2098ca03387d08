/* llmaccel CUDA — normalisation over the last dimension, one pass over each row. out may be x. */
#ifndef LLMACCEL_CUDA_NORM_H
#define LLMACCEL_CUDA_NORM_H

#include "llmaccel/cuda.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out = x / sqrt(mean(x²) + eps) * weight */
int llm_cuda_rms_norm(llm_cuda_context* ctx,
                      float* out,            /* (n, d) */
                      const float* x,        /* (n, d) */
                      const float* weight,   /* (d) */
                      float eps, int64_t n, int64_t d);

/* out = (x - mean) / sqrt(var + eps) * weight + bias; bias may be NULL */
int llm_cuda_layer_norm(llm_cuda_context* ctx,
                        float* out,            /* (n, d) */
                        const float* x,        /* (n, d) */
                        const float* weight,   /* (d) */
                        const float* bias,     /* (d) or NULL */
                        float eps, int64_t n, int64_t d);

#ifdef __cplusplus
}
#endif

#endif
