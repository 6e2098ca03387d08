/* llmaccel — logits to the next token. */
#ifndef LLMACCEL_SAMPLING_H
#define LLMACCEL_SAMPLING_H

#include "llmaccel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Picks a token (into *out) by the steps of the Java SamplingParams, in this order: logit bias,
 * penalties over recent tokens (repetition, then frequency * count + presence), greedy when
 * temperature == 0, else division by temperature, sort descending (lower id first on ties),
 * top-k (0 = all), softmax, top-p (1 = all), min-p (0 = none), and the first candidate whose
 * cumulative probability exceeds uniform * total.
 * LLM_ERR_OUT_OF_MEMORY if scratch space cannot be allocated.
 */
int llm_sample(int32_t* out,
               const float* logits,           /* (vocab) */
               int64_t vocab,
               const int32_t* bias_ids,       /* (n_bias) */
               const float* bias_values,      /* (n_bias) */
               int64_t n_bias,
               const int32_t* recent,         /* (n_recent) */
               int64_t n_recent,
               float temperature, int32_t top_k, float top_p, float min_p,
               float repetition_penalty, float frequency_penalty, float presence_penalty,
               double uniform);

#ifdef __cplusplus
}
#endif

#endif
