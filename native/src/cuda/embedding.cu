// Embedding lookup with dequantisation, pooling of token vectors, and L2 normalisation.
#include "context.cuh"
#include "quant.cuh"

namespace {

constexpr int kThreads = 256;

// Grid (n, column blocks): out[i] = table[ids[i]].
template <int TYPE>
__global__ void embedding_kernel(float* out, const uint8_t* table, int64_t row_bytes, const int32_t* ids, int64_t d) {
    const int64_t i = blockIdx.x;
    const uint8_t* row = table + (int64_t)ids[i] * row_bytes;
    for (int64_t c = blockIdx.y * (int64_t)blockDim.x + threadIdx.x; c < d; c += (int64_t)gridDim.y * blockDim.x) {
        out[i * d + c] = llm_cuda::load_one<TYPE>(row, c);
    }
}

// One block per sequence; mode 0 = mean over kept tokens (summed in double), 1 = first token,
// 2 = last kept token; a sequence with nothing to pool gives zeros.
__global__ void pool_kernel(float* out, const float* x, const int32_t* mask, int mode, int64_t seq, int64_t d) {
    const int64_t b = blockIdx.x;
    const float* xs = x + b * seq * d;
    const int32_t* ms = mask ? mask + b * seq : nullptr;
    int64_t count = 0, last = -1;
    for (int64_t t = 0; t < seq; t++) {
        if (!ms || ms[t] != 0) {
            count++;
            last = t;
        }
    }
    for (int64_t c = threadIdx.x; c < d; c += blockDim.x) {
        float value = 0.0f;
        if (mode == LLM_POOL_MEAN) {
            double sum = 0.0;
            for (int64_t t = 0; t < seq; t++) {
                if (!ms || ms[t] != 0) sum += xs[t * d + c];
            }
            value = count == 0 ? 0.0f : (float)(sum / (double)count);
        } else if (mode == LLM_POOL_CLS) {
            value = seq == 0 ? 0.0f : xs[c];
        } else {
            value = last < 0 ? 0.0f : xs[last * d + c];
        }
        out[b * d + c] = value;
    }
}

__global__ void l2_normalize_kernel(float* out, const float* x, int64_t n, int64_t d) {
    __shared__ float shared[32];
    for (int64_t r = blockIdx.x; r < n; r += gridDim.x) {
        const float* row = x + r * d;
        float* y = out + r * d;
        const float ss = llm_cuda::row_square_sum(row, d, shared);
        const float inv = ss > 0.0f ? rsqrtf(ss) : 0.0f;
        for (int64_t c = threadIdx.x; c < d; c += blockDim.x) y[c] = row[c] * inv;
    }
}

}  // namespace

extern "C" int llm_cuda_embedding_rows(llm_cuda_context* ctx, float* out, const void* table, int table_type,
                                       const int32_t* ids, int64_t n, int64_t d) {
    return llm_cuda::guarded([&]() -> int {
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        if (!llm_cuda::type_supported(table_type)) return LLM_CUDA_ERR_UNSUPPORTED;
        if (n == 0 || d == 0) return 0;
        void* s = nullptr;
        int err = llm_cuda::scratch(&s, ctx, llm_cuda::align_up(n * sizeof(int32_t)));
        if (err) return err;
        int32_t* dev_ids = (int32_t*)s;
        err = llm_cuda::upload(dev_ids, ids, n * sizeof(int32_t), ctx->stream);
        if (err) return err;
        const int64_t rb = llm_cuda::row_bytes(table_type, d);
        const int64_t col_blocks = (d + kThreads - 1) / kThreads;
        // n rows in gridDim.x (up to 2^31 - 1), columns in gridDim.y (at most 65535 blocks, then looping)
        const dim3 grid((unsigned)n, (unsigned)(col_blocks < 65535 ? col_blocks : 65535));
        llm_cuda::dispatch_type(table_type, [&](auto type) {
            constexpr int TYPE = decltype(type)::value;
            embedding_kernel<TYPE><<<grid, kThreads, 0, ctx->stream>>>(out, (const uint8_t*)table, rb, dev_ids, d);
        });
        return llm_cuda::launch_status();
    });
}

extern "C" int llm_cuda_pool(llm_cuda_context* ctx, float* out, const float* x, const int32_t* mask, int mode,
                             int64_t batch, int64_t seq, int64_t d) {
    return llm_cuda::guarded([&]() -> int {
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        if (batch == 0 || d == 0) return 0;
        int32_t* dev_mask = nullptr;
        if (mask && seq > 0) {
            void* s = nullptr;
            int err = llm_cuda::scratch(&s, ctx, llm_cuda::align_up(batch * seq * sizeof(int32_t)));
            if (err) return err;
            dev_mask = (int32_t*)s;
            err = llm_cuda::upload(dev_mask, mask, batch * seq * sizeof(int32_t), ctx->stream);
            if (err) return err;
        }
        pool_kernel<<<(unsigned)batch, kThreads, 0, ctx->stream>>>(out, x, dev_mask, mode, seq, d);
        return llm_cuda::launch_status();
    });
}

extern "C" int llm_cuda_l2_normalize(llm_cuda_context* ctx, float* out, const float* x, int64_t n, int64_t d) {
    return llm_cuda::guarded([&]() -> int {
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        if (n * d == 0) return 0;
        l2_normalize_kernel<<<llm_cuda::row_grid(n), kThreads, 0, ctx->stream>>>(out, x, n, d);
        return llm_cuda::launch_status();
    });
}
