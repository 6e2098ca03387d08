// RMS and layer normalisation: one block per row; the statistics pass reads the row from memory,
// the output pass re-reads it from cache.
#include "context.cuh"

namespace {

constexpr int kThreads = 256;

__global__ void rms_norm_kernel(float* out, const float* x, const float* weight, float eps, int64_t n, int64_t d) {
    __shared__ float shared[32];
    for (int64_t r = blockIdx.x; r < n; r += gridDim.x) {
        const float* row = x + r * d;
        float* y = out + r * d;
        const float inv = rsqrtf(llm_cuda::row_square_sum(row, d, shared) / (float)d + eps);
        for (int64_t c = threadIdx.x; c < d; c += blockDim.x) y[c] = row[c] * inv * weight[c];
    }
}

// Mean first, then the variance around it (two passes over the cached row: no cancellation).
__global__ void layer_norm_kernel(float* out, const float* x, const float* weight, const float* bias, float eps,
                                  int64_t n, int64_t d) {
    __shared__ float shared[32];
    for (int64_t r = blockIdx.x; r < n; r += gridDim.x) {
        const float* row = x + r * d;
        float* y = out + r * d;
        float s = 0.0f;
        for (int64_t c = threadIdx.x; c < d; c += blockDim.x) s += row[c];
        const float mean = llm_cuda::block_sum(s, shared) / (float)d;
        float v = 0.0f;
        for (int64_t c = threadIdx.x; c < d; c += blockDim.x) {
            float t = row[c] - mean;
            v += t * t;
        }
        const float inv = rsqrtf(llm_cuda::block_sum(v, shared) / (float)d + eps);
        for (int64_t c = threadIdx.x; c < d; c += blockDim.x) {
            y[c] = (row[c] - mean) * inv * weight[c] + (bias ? bias[c] : 0.0f);
        }
    }
}

}  // namespace

extern "C" int llm_cuda_rms_norm(llm_cuda_context* ctx, float* out, const float* x, const float* weight, float eps,
                                 int64_t n, int64_t d) {
    return llm_cuda::guarded([&]() -> int {
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        if (n * d == 0) return 0;
        rms_norm_kernel<<<llm_cuda::row_grid(n), kThreads, 0, ctx->stream>>>(out, x, weight, eps, n, d);
        return llm_cuda::launch_status();
    });
}

extern "C" int llm_cuda_layer_norm(llm_cuda_context* ctx, float* out, const float* x, const float* weight,
                                   const float* bias, float eps, int64_t n, int64_t d) {
    return llm_cuda::guarded([&]() -> int {
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        if (n * d == 0) return 0;
        layer_norm_kernel<<<llm_cuda::row_grid(n), kThreads, 0, ctx->stream>>>(out, x, weight, bias, eps, n, d);
        return llm_cuda::launch_status();
    });
}
