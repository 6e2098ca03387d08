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
 * cumulative probability exceeds uniform * total. NaN logits count as -inf.
 *
 * Only the leading candidates that the steps look at are sorted (a few passes over the
 * vocabulary, then a sort of those); the token is the one the full sort gives. One difference
 * from ReferenceBackend lies in rounding alone: without top-k, the total weight of the whole
 * vocabulary (used by top-p, and by the draw when nothing is cut) is summed in id order, not in
 * sorted order, so the token can differ only when the top-p cut or the draw falls within about
 * 1e-15 (relative) of a boundary between two candidates.
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
