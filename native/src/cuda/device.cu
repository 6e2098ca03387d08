// Devices, device memory, contexts, timers and scratch memory: everything of the CUDA library that
// is not an op.
#include <cstring>

#include "context.cuh"
#include "cublas.cuh"

extern "C" const char* llm_cuda_error_string(int code) {
    return llm_cuda::guarded_value<const char*>("unknown status", [&] {
        switch (code) {
            case LLM_CUDA_ERR_INTERNAL: return "internal error in the CUDA library's host code";
            case LLM_CUDA_ERR_UNSUPPORTED: return "no CUDA kernel for this type, shape or engine";
            case LLM_CUDA_ERR_HOST_OUT_OF_MEMORY: return "out of host memory in the CUDA library";
            case LLM_CUDA_ERR_INVALID_ARGUMENT: return "invalid argument to the CUDA library";
            case LLM_CUDA_ERR_UNKNOWN: return "unknown failure in the CUDA library (not a std::exception)";
            default: break;
        }
        if (code >= LLM_CUDA_ERR_CUBLAS) return llm_cuda::cublas_status_string(code - LLM_CUDA_ERR_CUBLAS);
        return cudaGetErrorString((cudaError_t)code);
    });
}

extern "C" const char* llm_cuda_error_detail(void) {
    return llm_cuda::guarded_value<const char*>("", [] { return static_cast<const char*>(llm::failure_detail()); });
}

// ---- devices --------------------------------------------------------------------------------------

extern "C" int llm_cuda_device_count(int* out) {
    return llm_cuda::guarded([&]() -> int {
        int count = 0;
        cudaError_t err = cudaGetDeviceCount(&count);
        *out = err == cudaSuccess ? count : 0;
        return (int)err;
    });
}

extern "C" int llm_cuda_device_capability(int* major, int* minor, int device) {
    return llm_cuda::guarded([&]() -> int {
        *major = 0;
        *minor = 0;
        LLM_CUDA_TRY(cudaDeviceGetAttribute(major, cudaDevAttrComputeCapabilityMajor, device));
        return (int)cudaDeviceGetAttribute(minor, cudaDevAttrComputeCapabilityMinor, device);
    });
}

extern "C" int llm_cuda_device_name(char* out, int capacity, int device) {
    return llm_cuda::guarded([&]() -> int {
        if (capacity > 0) out[0] = 0;
        cudaDeviceProp prop;
        LLM_CUDA_TRY(cudaGetDeviceProperties(&prop, device));
        if (capacity > 0) {
            strncpy(out, prop.name, (size_t)capacity - 1);
            out[capacity - 1] = 0;
        }
        return 0;
    });
}

extern "C" int llm_cuda_memory_info(int64_t* free_bytes, int64_t* total_bytes, int device) {
    return llm_cuda::guarded([&]() -> int {
        *free_bytes = 0;
        *total_bytes = 0;
        LLM_CUDA_TRY(cudaSetDevice(device));
        size_t f = 0, t = 0;
        LLM_CUDA_TRY(cudaMemGetInfo(&f, &t));
        *free_bytes = (int64_t)f;
        *total_bytes = (int64_t)t;
        return 0;
    });
}

// ---- device memory --------------------------------------------------------------------------------

extern "C" int llm_cuda_memory_alloc(void** out, int64_t bytes, int device) {
    return llm_cuda::guarded([&]() -> int {
        *out = nullptr;
        if (bytes == 0) return 0;
        LLM_CUDA_TRY(cudaSetDevice(device));
        void* p = nullptr;
        cudaError_t err = cudaMalloc(&p, (size_t)bytes);
        if (err != cudaSuccess) {
            cudaGetLastError();  // an allocation failure is not sticky: clear it so later launches start clean
            return (int)err;
        }
        err = cudaMemset(p, 0, (size_t)bytes);
        if (err != cudaSuccess) {
            cudaFree(p);
            return (int)err;
        }
        *out = p;
        return 0;
    });
}

extern "C" int llm_cuda_memory_free(void* ptr, int device) {
    return llm_cuda::guarded([&]() -> int {
        if (ptr == nullptr) return 0;
        LLM_CUDA_TRY(cudaSetDevice(device));
        return (int)cudaFree(ptr);
    });
}

extern "C" int llm_cuda_memory_write(void* dst, const void* src, int64_t bytes, int device) {
    return llm_cuda::guarded([&]() -> int {
        if (bytes == 0) return 0;
        LLM_CUDA_TRY(cudaSetDevice(device));
        return (int)cudaMemcpy(dst, src, (size_t)bytes, cudaMemcpyHostToDevice);
    });
}

extern "C" int llm_cuda_memory_read(void* dst, const void* src, int64_t bytes, int device) {
    return llm_cuda::guarded([&]() -> int {
        if (bytes == 0) return 0;
        LLM_CUDA_TRY(cudaSetDevice(device));
        return (int)cudaMemcpy(dst, src, (size_t)bytes, cudaMemcpyDeviceToHost);
    });
}

// ---- contexts -------------------------------------------------------------------------------------

extern "C" int llm_cuda_context_create(llm_cuda_context** out, int device) {
    return llm_cuda::guarded([&]() -> int {
        *out = nullptr;
        LLM_CUDA_TRY(cudaSetDevice(device));
        llm_cuda_context* ctx = new llm_cuda_context();
        ctx->device = device;
        int err = (int)cudaDeviceGetAttribute(&ctx->sm_count, cudaDevAttrMultiProcessorCount, device);
        // A blocking stream: the legacy default stream (device memory reads and writes) orders
        // itself after the work enqueued here.
        if (err == 0) err = (int)cudaStreamCreate(&ctx->stream);
        if (err == 0) err = (int)cudaEventCreate(&ctx->timer_start);
        if (err == 0) err = (int)cudaEventCreate(&ctx->timer_stop);
        if (err != 0) {
            llm_cuda_context_destroy(ctx);
            return err;
        }
        *out = ctx;
        return 0;
    });
}

extern "C" void llm_cuda_context_destroy(llm_cuda_context* ctx) {
    llm_cuda::guarded([&] {
        if (ctx == nullptr) return;
        cudaSetDevice(ctx->device);
        if (ctx->stream) cudaStreamSynchronize(ctx->stream);
        llm_cuda::cublas_destroy(ctx);
        if (ctx->scratch) cudaFree(ctx->scratch);
        if (ctx->timer_start) cudaEventDestroy(ctx->timer_start);
        if (ctx->timer_stop) cudaEventDestroy(ctx->timer_stop);
        if (ctx->stream) cudaStreamDestroy(ctx->stream);
        cudaGetLastError();  // nothing to report to: leave the thread's error state clean
        delete ctx;
    });
}

extern "C" int llm_cuda_context_synchronize(llm_cuda_context* ctx) {
    return llm_cuda::guarded([&]() -> int {
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        return (int)cudaStreamSynchronize(ctx->stream);
    });
}

extern "C" int llm_cuda_context_set_gemm(llm_cuda_context* ctx, int engine) {
    return llm_cuda::guarded([&]() -> int {
        if (engine < LLM_CUDA_GEMM_AUTO || engine > LLM_CUDA_GEMM_CUBLAS) return LLM_CUDA_ERR_UNSUPPORTED;
        if (engine == LLM_CUDA_GEMM_CUBLAS && !llm_cuda::cublas_loaded()) return LLM_CUDA_ERR_UNSUPPORTED;
        ctx->gemm_engine = engine;
        return 0;
    });
}

extern "C" int llm_cuda_context_set_precision(llm_cuda_context* ctx, int precision) {
    return llm_cuda::guarded([&]() -> int {
        if (precision != LLM_CUDA_PRECISION_F32 && precision != LLM_CUDA_PRECISION_BF16) return LLM_CUDA_ERR_UNSUPPORTED;
        ctx->precision = precision;
        return 0;
    });
}

extern "C" int llm_cuda_cublas_available(void) {
    return llm_cuda::guarded_value(0, [] { return llm_cuda::cublas_loaded() ? 1 : 0; });
}

extern "C" const char* llm_cuda_cublas_description(void) {
    return llm_cuda::guarded_value<const char*>("cuBLAS state unknown", [] { return llm_cuda::cublas_description(); });
}

extern "C" int llm_cuda_timer_start(llm_cuda_context* ctx) {
    return llm_cuda::guarded([&]() -> int {
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        return (int)cudaEventRecord(ctx->timer_start, ctx->stream);
    });
}

extern "C" int llm_cuda_timer_stop(llm_cuda_context* ctx, float* out_ms) {
    return llm_cuda::guarded([&]() -> int {
        *out_ms = 0.0f;
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        LLM_CUDA_TRY(cudaEventRecord(ctx->timer_stop, ctx->stream));
        LLM_CUDA_TRY(cudaEventSynchronize(ctx->timer_stop));
        return (int)cudaEventElapsedTime(out_ms, ctx->timer_start, ctx->timer_stop);
    });
}

extern "C" int llm_cuda_copy(llm_cuda_context* ctx, void* dst, const void* src, int64_t bytes) {
    return llm_cuda::guarded([&]() -> int {
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        if (bytes == 0 || dst == src) return 0;
        return (int)cudaMemcpyAsync(dst, src, (size_t)bytes, cudaMemcpyDeviceToDevice, ctx->stream);
    });
}

// ---- scratch --------------------------------------------------------------------------------------

int llm_cuda::scratch(void** out, llm_cuda_context* ctx, size_t bytes) {
    if (bytes > ctx->scratch_bytes) {
        // Ops already enqueued may still use the old buffer.
        LLM_CUDA_TRY(cudaStreamSynchronize(ctx->stream));
        if (ctx->scratch) {
            LLM_CUDA_TRY(cudaFree(ctx->scratch));
            ctx->scratch = nullptr;
            ctx->scratch_bytes = 0;
        }
        size_t grown = bytes + bytes / 4;  // some headroom, so that slowly growing requests do not reallocate each time
        void* p = nullptr;
        cudaError_t err = cudaMalloc(&p, grown);
        if (err != cudaSuccess) {
            cudaGetLastError();
            err = cudaMalloc(&p, bytes);
            if (err != cudaSuccess) {
                cudaGetLastError();
                return (int)err;
            }
            grown = bytes;
        }
        ctx->scratch = p;
        ctx->scratch_bytes = grown;
    }
    *out = ctx->scratch;
    return 0;
}
