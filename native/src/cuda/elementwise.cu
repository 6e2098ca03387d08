// Elementwise ops and softmax: grid-stride loops over float4s where the pointers allow it, one
// pass over each input.
#include "context.cuh"

namespace {

constexpr int kThreads = 256;

bool aligned16(const void* p) { return ((uintptr_t)p & 15) == 0; }

__device__ __forceinline__ float silu_times(float g, float u) { return g / (1.0f + expf(-g)) * u; }

__device__ __forceinline__ float gelu(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); }

__global__ void add_kernel(float* out, const float* a, const float* b, int64_t n, int64_t d, int full) {
    const int64_t total = n * d;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        out[i] = a[i] + b[full ? i : i % d];
    }
}

__global__ void swiglu_kernel(float* out, const float* gate, const float* up, int64_t n) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
        out[i] = silu_times(gate[i], up[i]);
    }
}

// The same on float4s: n4 = n / 4 groups, pointers 16-byte aligned.
__global__ void swiglu4_kernel(float4* out, const float4* gate, const float4* up, int64_t n4) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n4; i += (int64_t)gridDim.x * blockDim.x) {
        float4 g = gate[i], u = up[i];
        out[i] = make_float4(silu_times(g.x, u.x), silu_times(g.y, u.y), silu_times(g.z, u.z), silu_times(g.w, u.w));
    }
}

__global__ void gelu_kernel(float* out, const float* x, int64_t n) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
        out[i] = gelu(x[i]);
    }
}

// One block per row (rows beyond the grid loop): the maximum, the sum of exponentials, then the
// output; the row is re-read from cache, not from memory, for rows of the sizes models use.
__global__ void softmax_kernel(float* out, const float* x, int64_t n, int64_t d) {
    __shared__ float shared[32];
    for (int64_t r = blockIdx.x; r < n; r += gridDim.x) {
        const float* row = x + r * d;
        float* y = out + r * d;
        float m = -INFINITY;
        for (int64_t c = threadIdx.x; c < d; c += blockDim.x) m = fmaxf(m, row[c]);
        m = llm_cuda::block_max(m, shared);
        float s = 0.0f;
        for (int64_t c = threadIdx.x; c < d; c += blockDim.x) s += expf(row[c] - m);
        s = llm_cuda::block_sum(s, shared);
        const float inv = 1.0f / s;
        for (int64_t c = threadIdx.x; c < d; c += blockDim.x) y[c] = expf(row[c] - m) * inv;
    }
}

}  // namespace

extern "C" int llm_cuda_add(llm_cuda_context* ctx, float* out, const float* a, const float* b, int64_t n, int64_t d,
                            int full) {
    return llm_cuda::guarded([&]() -> int {
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        if (n * d == 0) return 0;
        add_kernel<<<llm_cuda::stride_grid(n * d, kThreads), kThreads, 0, ctx->stream>>>(out, a, b, n, d, full);
        return llm_cuda::launch_status();
    });
}

extern "C" int llm_cuda_swiglu(llm_cuda_context* ctx, float* out, const float* gate, const float* up, int64_t n) {
    return llm_cuda::guarded([&]() -> int {
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        if (n == 0) return 0;
        if (n % 4 == 0 && aligned16(out) && aligned16(gate) && aligned16(up)) {
            swiglu4_kernel<<<llm_cuda::stride_grid(n / 4, kThreads), kThreads, 0, ctx->stream>>>((float4*)out, (const float4*)gate,
                                                                            (const float4*)up, n / 4);
        } else {
            swiglu_kernel<<<llm_cuda::stride_grid(n, kThreads), kThreads, 0, ctx->stream>>>(out, gate, up, n);
        }
        return llm_cuda::launch_status();
    });
}

extern "C" int llm_cuda_gelu(llm_cuda_context* ctx, float* out, const float* x, int64_t n) {
    return llm_cuda::guarded([&]() -> int {
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        if (n == 0) return 0;
        gelu_kernel<<<llm_cuda::stride_grid(n, kThreads), kThreads, 0, ctx->stream>>>(out, x, n);
        return llm_cuda::launch_status();
    });
}

extern "C" int llm_cuda_softmax(llm_cuda_context* ctx, float* out, const float* x, int64_t n, int64_t d) {
    return llm_cuda::guarded([&]() -> int {
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        if (n * d == 0) return 0;
        softmax_kernel<<<llm_cuda::row_grid(n), kThreads, 0, ctx->stream>>>(out, x, n, d);
        return llm_cuda::launch_status();
    });
}
