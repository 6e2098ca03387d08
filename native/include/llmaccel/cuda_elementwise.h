/* llmaccel CUDA — elementwise ops and softmax. Outputs may alias their first input exactly. */
#ifndef LLMACCEL_CUDA_ELEMENTWISE_H
#define LLMACCEL_CUDA_ELEMENTWISE_H

#include "llmaccel/cuda.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out = a + b; b has a's n * d values when full != 0, else b is one row (d) added to every row. */
int llm_cuda_add(llm_cuda_context* ctx,
                 float* out,       /* (n, d) */
                 const float* a,   /* (n, d) */
                 const float* b,   /* (n, d) or (d) */
                 int64_t n, int64_t d, int full);

/* out = silu(gate) * up, reading each input once. */
int llm_cuda_swiglu(llm_cuda_context* ctx, float* out, const float* gate, const float* up, int64_t n /* elements */);

/* out = 0.5 * x * (1 + erf(x / sqrt(2))) */
int llm_cuda_gelu(llm_cuda_context* ctx, float* out, const float* x, int64_t n /* elements */);

/* Softmax over each row. */
int llm_cuda_softmax(llm_cuda_context* ctx,
                     float* out,       /* (n, d) */
                     const float* x,   /* (n, d) */
                     int64_t n, int64_t d);

#ifdef __cplusplus
}
#endif

#endif
