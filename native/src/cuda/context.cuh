// What every CUDA op family shares: the per-backend context (device, stream, scratch memory), the
// error plumbing that turns CUDA statuses into return codes, and the launch checks.
#ifndef LLMACCEL_CUDA_CONTEXT_CUH
#define LLMACCEL_CUDA_CONTEXT_CUH

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <new>

#include "llmaccel/cuda.h"
#include "status.h"

// One per CudaBackend: everything an op needs besides its arguments. Ops are enqueued on stream;
// nothing waits for them except calls that bring data back to the host.
struct llm_cuda_context {
    int device;
    int sm_count;               // multiprocessors, for sizing grids
    cudaStream_t stream;
    cudaEvent_t timer_start;    // llm_cuda_timer_start / _stop
    cudaEvent_t timer_stop;
    void* scratch;              // device memory reused by every op's temporaries; grows, never shrinks
    size_t scratch_bytes;
    int gemm_engine;            // LLM_CUDA_GEMM_*
    int precision;              // LLM_CUDA_PRECISION_*
    void* cublas;               // cublasHandle_t, created on the first GEMM that uses cuBLAS
};

namespace llm_cuda {

// Returns the status of a CUDA runtime call from the enclosing function unless it succeeded.
#define LLM_CUDA_TRY(call)                              \
    do {                                                \
        cudaError_t llm_cuda_status_ = (call);          \
        if (llm_cuda_status_ != cudaSuccess) {          \
            return (int)llm_cuda_status_;               \
        }                                               \
    } while (0)

// The status of the kernel launches since the last check: configuration errors show here at once;
// faults inside a kernel show at the next call that waits for the stream.
inline int launch_status() { return (int)cudaGetLastError(); }

// This library's codes for the C++ failures of host code (cuda.h).
constexpr llm::status_codes kStatus{LLM_CUDA_ERR_HOST_OUT_OF_MEMORY, LLM_CUDA_ERR_INVALID_ARGUMENT,
                                    LLM_CUDA_ERR_INTERNAL, LLM_CUDA_ERR_UNKNOWN};

// The C ABI's one guard (status.h) with this library's codes: every extern "C" function runs its
// body in one of these two, so nothing unwinds into the JVM.
template <class Body>
int guarded(Body&& body) noexcept {
    return llm::guarded(body, kStatus);
}

template <class T, class Body>
T guarded_value(T fallback, Body&& body) noexcept {
    return llm::guarded_value(fallback, body, kStatus);
}

// Makes ctx's device current on this thread (JNI calls arrive on any Java thread).
inline cudaError_t enter(llm_cuda_context* ctx) { return cudaSetDevice(ctx->device); }

// Bytes rounded up so that every region carved from scratch starts 256-byte aligned.
constexpr size_t align_up(size_t bytes) { return (bytes + 255) & ~(size_t)255; }

// Device scratch of at least bytes into *out (grows ctx's buffer after the stream drains).
int scratch(void** out, llm_cuda_context* ctx, size_t bytes);

// Consecutive 256-byte aligned regions of one scratch allocation. Size the whole request with
// align_up() per region first, then take() the regions in the same order.
struct Arena {
    char* next;

    template <class T>
    T* take(size_t count) {
        T* p = reinterpret_cast<T*>(next);
        next += align_up(count * sizeof(T));
        return p;
    }
};

// Copies a host array (pageable: the call returns once it has been read) into device memory, in
// stream order.
inline int upload(void* dst, const void* src, size_t bytes, cudaStream_t stream) {
    if (bytes == 0) return 0;
    return (int)cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream);
}

// Grid for grid-stride loops over n items: enough blocks of `threads` to cover them once, capped.
inline unsigned stride_grid(int64_t n, int threads) {
    int64_t blocks = (n + threads - 1) / threads;
    return (unsigned)(blocks < 65535 ? (blocks > 0 ? blocks : 1) : 65535);
}

// Grid for kernels that give each row a block and loop when there are more rows than blocks.
inline unsigned row_grid(int64_t rows) { return (unsigned)(rows < (1 << 20) ? rows : (1 << 20)); }

struct Sum {
    __device__ float operator()(float a, float b) const { return a + b; }
};

struct Max {
    __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

// Combines v over the 32 lanes of a warp; every lane gets the result.
template <class Op>
__device__ __forceinline__ float warp_reduce(float v, Op op) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Combines v over all threads of a block of at most 1024 threads (blockDim.x a multiple of 32);
// every thread gets the result. shared must hold 32 floats and is free again on return.
template <class Op>
__device__ __forceinline__ float block_reduce(float v, float* shared, float identity, Op op) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_reduce(v, op);
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    v = lane < warps ? shared[lane] : identity;
    v = warp_reduce(v, op);
    __syncthreads();
    return v;
}

__device__ __forceinline__ float block_sum(float v, float* shared) { return block_reduce(v, shared, 0.0f, Sum()); }

__device__ __forceinline__ float block_max(float v, float* shared) { return block_reduce(v, shared, -INFINITY, Max()); }

// Σ row[c]² over a row of d values, by all threads of a block (see block_reduce).
__device__ __forceinline__ float row_square_sum(const float* row, int64_t d, float* shared) {
    float ss = 0.0f;
    for (int64_t c = threadIdx.x; c < d; c += blockDim.x) ss += row[c] * row[c];
    return block_sum(ss, shared);
}

}  // namespace llm_cuda

#endif
