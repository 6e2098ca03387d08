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

#ifdef __cplusplus
}
#endif

#endif
