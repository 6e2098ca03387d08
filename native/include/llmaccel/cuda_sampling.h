/* llmaccel CUDA — logits to the next token on the device: only the token comes back. */
#ifndef LLMACCEL_CUDA_SAMPLING_H
#define LLMACCEL_CUDA_SAMPLING_H

#include "llmaccel/cuda.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The steps of llm_sample (llmaccel/sampling.h) in double precision: bias, penalties, greedy
 * arg-max or temperature, a stable descending sort (lower id first on ties), top-k, softmax,
 * top-p, min-p and the draw. Waits for the stream (the token is needed on the host).
 */
int llm_cuda_sample(llm_cuda_context* ctx,
                    int32_t* out,                  /* host: the token */
                    const float* logits,           /* (vocab) */
                    int64_t vocab,
                    const int32_t* bias_ids,       /* host (n_bias) */
                    const float* bias_values,      /* host (n_bias) */
                    int64_t n_bias,
                    const int32_t* recent,         /* host (n_recent) */
                    int64_t n_recent,
                    float temperature, int32_t top_k, float top_p, float min_p,
                    float repetition_penalty, float frequency_penalty, float presence_penalty,
                    double uniform);

#ifdef __cplusplus
}
#endif

#endif
