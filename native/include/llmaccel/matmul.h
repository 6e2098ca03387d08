/* llmaccel — matrix products with weights of any llm_type. */
#ifndef LLMACCEL_MATMUL_H
#define LLMACCEL_MATMUL_H

#include "llmaccel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * out = x · wᵀ with F32 accumulation, on the library's thread pool, with the best kernels the CPU
 * has (AVX-512 VNNI, AVX2/FMA/F16C or portable C++; see llm_cpu_simd_limit).
 *   F32 weights: our own kernel for fewer than 4 rows of x (one pass over the weights), OpenBLAS
 *   sgemm on one share of the weight rows per thread otherwise.
 *   F16/BF16 weights: converted on the fly, FMA in F32.
 *   Quantized weights: each row of x is quantized once to 8-bit blocks (32 values, or 256 for the
 *   K-quants) and integer dot products are summed per block, then scaled in F32, as GGUF
 *   runtimes do. The relative error this adds is about 0.5% of a row's dot products.
 * With several rows of x, each thread's weight rows are taken in tiles that stay in cache while
 * all rows of x meet them, so the weights are read from memory once.
 */
int llm_matmul(float* out,       /* (n, m) */
               const float* x,   /* (n, k) */
               const void* w,    /* (m, k) of type w_type */
               int w_type, int64_t n, int64_t k, int64_t m);

#ifdef __cplusplus
}
#endif

#endif
