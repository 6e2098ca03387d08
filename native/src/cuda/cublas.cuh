// cuBLAS, loaded at run time (dlopen of libcublas.so.13) when the host has it: the library builds
// without cuBLAS headers and runs without cuBLAS.
#ifndef LLMACCEL_CUDA_CUBLAS_CUH
#define LLMACCEL_CUDA_CUBLAS_CUH

#include <cstdint>

#include "context.cuh"

namespace llm_cuda {

// Whether libcublas.so.13 loaded with every function used here (looked for once per process).
bool cublas_loaded();

// "libcublas.so.13 loaded", or why not.
const char* cublas_description();

// cuBLAS's name for a status (cublasGetStatusString when loaded).
const char* cublas_status_string(int status);

// Frees ctx's cuBLAS handle, if it has one.
void cublas_destroy(llm_cuda_context* ctx);

// Element types cuBLAS is asked to read.
enum class GemmType { F32, F16, BF16 };

// out (n, m) F32 = a (n, k) · b (m, k)ᵀ (+ out when accumulate), both operands of type t, a's rows
// a_row elements apart, F32 accumulation (no TF32), on ctx's stream. Returns 0, a CUDA error or
// LLM_CUDA_ERR_CUBLAS + status.
int cublas_gemm(llm_cuda_context* ctx, float* out, const void* a, int64_t a_row, const void* b, GemmType t, int64_t n,
                int64_t k, int64_t m, bool accumulate);

}  // namespace llm_cuda

#endif
