/*
 * llmaccel CUDA library (libllmaccel_cuda.so): devices, device memory, the per-backend context,
 * and (through the headers included at the end) one header per op family. Built only when a CUDA
 * toolkit is present; it links the CUDA runtime statically, so loading it on a host without a
 * driver works and llm_cuda_device_count reports why there is no device.
 *
 * Conventions (besides those of common.h):
 *   - every function returns 0 on success, else a CUDA runtime error code (cudaError_t, > 0:
 *     2 = cudaErrorMemoryAllocation, 35 = cudaErrorInsufficientDriver, 100 = cudaErrorNoDevice,
 *     ...) or one of the LLM_CUDA_ERR_* codes below; llm_cuda_error_string explains any of them;
 *   - op functions take the context first (like a cuBLAS handle), then outputs, then inputs;
 *   - tensor pointers are device addresses unless a comment says "host"; host arrays are copied
 *     before the call returns, so the caller may free them at once;
 *   - ops are enqueued on the context's stream and the call returns before they run: a fault
 *     inside a kernel is reported by the next call that waits (a read, sampling, synchronize).
 */
#ifndef LLMACCEL_CUDA_H
#define LLMACCEL_CUDA_H

#include <stdint.h>

#include "llmaccel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors --------------------------------------------------------------------------------- */

/*
 * The library's own codes. Every function runs inside one guard (as the CPU library's do) that
 * turns a C++ exception in host code into the code of its kind; llm_cuda_error_detail says what.
 */
#define LLM_CUDA_ERR_INTERNAL 10000             /* host code failed (std::runtime_error, any other std::exception) */
#define LLM_CUDA_ERR_UNSUPPORTED 10001          /* no kernel for this type, shape or engine */
#define LLM_CUDA_ERR_HOST_OUT_OF_MEMORY 10002   /* a host allocation failed (std::bad_alloc) */
#define LLM_CUDA_ERR_INVALID_ARGUMENT 10003     /* an argument the Java checks let through (std::logic_error) */
#define LLM_CUDA_ERR_UNKNOWN 10004              /* something was thrown that is not a std::exception */
#define LLM_CUDA_ERR_CUBLAS 11000               /* 11000 + cublasStatus_t: a cuBLAS call failed */

/* The message for any code these functions return (a static string). */
const char* llm_cuda_error_string(int code);

/*
 * The what() of the last C++ exception that a function of this library turned into a status on
 * the calling thread (truncated to 255 bytes; "" when there was none).
 */
const char* llm_cuda_error_detail(void);

/* ---- devices -------------------------------------------------------------------------------- */

/* Number of devices into *out (0 when none); the error says why there is none. */
int llm_cuda_device_count(int* out);

/* Compute capability of a device: *major, *minor. */
int llm_cuda_device_capability(int* major, int* minor, int device);

/* The device's name, NUL-terminated, into out (capacity bytes, truncated if need be). */
int llm_cuda_device_name(char* out, int capacity, int device);

/* Free and total device memory in bytes. */
int llm_cuda_memory_info(int64_t* free_bytes, int64_t* total_bytes, int device);

/* ---- device memory: plain cudaMalloc, waited for (the legacy default stream orders these after
 *      every op already enqueued on any context's stream) ------------------------------------- */

/* Allocates bytes of zeroed device memory into *out (NULL for 0 bytes). 2 = out of memory. */
int llm_cuda_memory_alloc(void** out, int64_t bytes, int device);

/* Frees what llm_cuda_memory_alloc returned (waits for pending work); NULL is ignored. */
int llm_cuda_memory_free(void* ptr, int device);

/* Copies bytes from host memory src to device memory dst. */
int llm_cuda_memory_write(void* dst, const void* src, int64_t bytes, int device);

/* Copies bytes from device memory src to host memory dst. */
int llm_cuda_memory_read(void* dst, const void* src, int64_t bytes, int device);

/* ---- context: one per backend (a stream, scratch memory, a cuBLAS handle when used) ---------- */

typedef struct llm_cuda_context llm_cuda_context;

int llm_cuda_context_create(llm_cuda_context** out, int device);

/* Waits for the stream, then frees everything the context holds; NULL is ignored. */
void llm_cuda_context_destroy(llm_cuda_context* ctx);

/* Waits until every op enqueued on the context has run; reports the first fault among them. */
int llm_cuda_context_synchronize(llm_cuda_context* ctx);

/* Which matrix-product code runs for batches (n > 8 rows) of F32/F16/BF16 weights. */
enum llm_cuda_gemm_engine {
    LLM_CUDA_GEMM_AUTO = 0,    /* cuBLAS when libcublas.so.13 loaded, else the library's own kernel */
    LLM_CUDA_GEMM_OWN = 1,     /* the library's own tensor-core (mma.sync) kernel */
    LLM_CUDA_GEMM_CUBLAS = 2   /* cuBLAS; LLM_CUDA_ERR_UNSUPPORTED when it did not load */
};
int llm_cuda_context_set_gemm(llm_cuda_context* ctx, int engine);

/* How much of the arithmetic may run in BF16 on tensor cores. */
enum llm_cuda_precision {
    /* Results within the CPU's error bounds (the default): batched products with BF16 weights split
     * x into two BF16 parts (two tensor-core passes); prefill attention runs in F32. */
    LLM_CUDA_PRECISION_F32 = 0,
    /* Faster, near 2e-3 relative error: x rounded to BF16 once for BF16 weights; prefill
     * attention with head size 64 or 128 on BF16 tensor cores. */
    LLM_CUDA_PRECISION_BF16 = 1
};
int llm_cuda_context_set_precision(llm_cuda_context* ctx, int precision);

/* 1 when libcublas.so.13 was found and loaded (tried once per process), else 0. */
int llm_cuda_cublas_available(void);

/* What happened when cuBLAS was looked for ("libcublas.so.13 loaded", or dlopen's message). */
const char* llm_cuda_cublas_description(void);

/* Timing with CUDA events on the context's stream: start, enqueue ops, stop (waits) -> *out_ms. */
int llm_cuda_timer_start(llm_cuda_context* ctx);
int llm_cuda_timer_stop(llm_cuda_context* ctx, float* out_ms);

/* Device-to-device copy of bytes, in stream order. */
int llm_cuda_copy(llm_cuda_context* ctx, void* dst, const void* src, int64_t bytes);

#ifdef __cplusplus
}
#endif

#include "llmaccel/cuda_attention.h"
#include "llmaccel/cuda_elementwise.h"
#include "llmaccel/cuda_embedding.h"
#include "llmaccel/cuda_matmul.h"
#include "llmaccel/cuda_norm.h"
#include "llmaccel/cuda_paged_attention.h"
#include "llmaccel/cuda_rope.h"
#include "llmaccel/cuda_sampling.h"

#endif
