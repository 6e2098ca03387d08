/* llmaccel CUDA — matrix products with weights of type F32, F16, BF16, Q8_0 or Q4_0. */
#ifndef LLMACCEL_CUDA_MATMUL_H
#define LLMACCEL_CUDA_MATMUL_H

#include "llmaccel/cuda.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * out = x · wᵀ with F32 accumulation.
 *   n <= 8 rows (decode): one pass over w, dequantised in registers, x kept in F32.
 *   n > 8 rows (prefill, batches): F16/BF16/Q8_0/Q4_0 weights run on tensor cores with x rounded
 *   to the weight's 16-bit type (BF16 for the quantized types, whose blocks are dequantised to
 *   BF16 tiles); cuBLAS takes F16/BF16 (and F32, without TF32) when the engine says so; F32
 *   weights otherwise use an F32 kernel.
 * LLM_CUDA_ERR_UNSUPPORTED for other weight types.
 */
int llm_cuda_matmul(llm_cuda_context* ctx,
                    float* out,       /* (n, m) */
                    const float* x,   /* (n, k) */
                    const void* w,    /* (m, k) of type w_type */
                    int w_type, int64_t n, int64_t k, int64_t m);

/*
 * 1 when llm_cuda_matmul and llm_cuda_embedding_rows read weights of this llm_type, 0 when they
 * answer LLM_CUDA_ERR_UNSUPPORTED (the Java backend runs those on the CPU).
 */
int llm_cuda_weight_type_supported(int type);

#ifdef __cplusplus
}
#endif

#endif
