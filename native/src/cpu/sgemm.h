// The library's own F32 GEMM for hosts with the AVX-512 level (sgemm_avx512.cpp), used by
// llm_matmul for F32 weights with several activation rows in place of OpenBLAS sgemm.
#ifndef LLMACCEL_SGEMM_H
#define LLMACCEL_SGEMM_H

#include <cstdint>

namespace llm {

// Floats of the workspace sgemm_avx512 needs (64-byte aligned, one per calling thread).
int64_t sgemm_avx512_workspace_floats();

// out (n × m, row-major) = x (n × k) · wᵀ for w (m × k, row-major), columns j0 .. j1 - 1 of out
// only; on the calling thread.
void sgemm_avx512(float* out, const float* x, const float* w, int64_t n, int64_t k, int64_t m, int64_t j0, int64_t j1,
                  float* workspace);

}  // namespace llm

#endif
