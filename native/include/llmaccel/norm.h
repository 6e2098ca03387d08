/* llmaccel — normalisation over the last dimension. out may be x. */
#ifndef LLMACCEL_NORM_H
#define LLMACCEL_NORM_H

#include "llmaccel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out = x / sqrt(mean(x²) + eps) * weight */
int llm_rms_norm(float* out,            /* (n, d) */
                 const float* x,        /* (n, d) */
                 const float* weight,   /* (d) */
                 float eps, int64_t n, int64_t d);

/* out = (x - mean) / sqrt(var + eps) * weight + bias; bias may be NULL */
int llm_layer_norm(float* out,            /* (n, d) */
                   const float* x,        /* (n, d) */
                   const float* weight,   /* (d) */
                   const float* bias,     /* (d) or NULL */
                   float eps, int64_t n, int64_t d);

/* The row family (rms_norm, layer_norm, softmax, l2_normalize: out (n, d) = f(x (n, d)) row by
 * row, with vectors (d) and epsilons): the index of the kernel named name (an op's name in lower
 * case), or -1 when this library has none. */
int llm_rows_find(const char* name);

/* Runs row kernel `kernel` (from llm_rows_find); vectors holds the addresses of its n_vectors
 * vectors (0 for an absent optional one). LLM_ERR_UNSUPPORTED for an unknown kernel or counts of
 * vectors or scalars other than its own. */
int llm_rows(int kernel, float* out, const float* x, const int64_t* vectors, int n_vectors, const float* scalars,
             int n_scalars, int64_t n, int64_t d);

#ifdef __cplusplus
}
#endif

#endif
