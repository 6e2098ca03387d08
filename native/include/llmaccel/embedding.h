/* llmaccel — embedding lookup, pooling and normalisation. */
#ifndef LLMACCEL_EMBEDDING_H
#define LLMACCEL_EMBEDDING_H

#include "llmaccel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out[i] = table[ids[i]] converted to F32. ids are in [0, vocab). */
int llm_embedding_rows(float* out,         /* (n, d) */
                       const void* table,  /* (vocab, d) of type table_type */
                       int table_type, const int32_t* ids /* (n) */, int64_t n, int64_t d);

/*
 * Pools each sequence as mode (enum llm_pool_mode) says: the mean over kept tokens, the first
 * token, or the last kept token.
 * mask may be NULL (every token kept); a sequence with no kept token gives zeros.
 */
int llm_pool(float* out,             /* (batch, d) */
             const float* x,         /* (batch, seq, d) */
             const int32_t* mask,    /* (batch, seq), 0 = padding; or NULL */
             int mode, int64_t batch, int64_t seq, int64_t d);

/* Scales each row to unit L2 norm; a zero row stays zero. out may be x. */
int llm_l2_normalize(float* out,       /* (n, d) */
                     const float* x,   /* (n, d) */
                     int64_t n, int64_t d);

/* Dequantizes n values of type into F32 (n a multiple of the type's block size). */
int llm_dequantize(float* out, const void* src, int type, int64_t n);

/* Quantizes n F32 values into type (n a multiple of the type's block size). */
int llm_quantize(void* out, const float* src, int type, int64_t n);

#ifdef __cplusplus
}
#endif

#endif
