/* llmaccel — matrix products with weights of any llm_type. */
#ifndef LLMACCEL_MATMUL_H
#define LLMACCEL_MATMUL_H

#include "llmaccel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * out = x · wᵀ with F32 accumulation.
 *   F32 weights: OpenBLAS sgemm on slices, from the library's thread pool.
 *   F16/BF16 weights: converted on the fly.
 *   Quantized weights: x is quantized per row to 8-bit blocks and integer dot products are
 *   summed per block, as GGUF runtimes do.
 */
int llm_matmul(float* out,       /* (n, m) */
               const float* x,   /* (n, k) */
               const void* w,    /* (m, k) of type w_type */
               int w_type, int64_t n, int64_t k, int64_t m);

#ifdef __cplusplus
}
#endif

#endif
