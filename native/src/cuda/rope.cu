// Rotary position embedding, in place. One block per token: its angles are computed once, in double
// precision (positions reach 10^5 and more, where float angles lose the low bits), then applied to
// every head of the token. Tokens sit at consecutive positions (llm_cuda_rope) or at positions of
// their own (llm_cuda_rope_rows).
#include "context.cuh"

namespace {

constexpr int kThreads = 128;
constexpr int kMaxPairs = 2048;  // rot_dims / 2; heads are far smaller

__global__ void rope_kernel(float* x, int64_t tokens, int64_t seq, int64_t heads, int64_t head_dim,
                            int64_t pos_offset, const int32_t* positions, int style, double theta,
                            int64_t rot_dims, const float* freq_factors) {
    __shared__ float cs[kMaxPairs];
    __shared__ float sn[kMaxPairs];
    const int64_t pairs = rot_dims / 2;
    for (int64_t t = blockIdx.x; t < tokens; t += gridDim.x) {
        const double pos = positions ? (double)positions[t] : (double)(pos_offset + t % seq);
        for (int64_t i = threadIdx.x; i < pairs; i += blockDim.x) {
            double freq = pow(theta, -2.0 * (double)i / (double)rot_dims);
            if (freq_factors) freq /= freq_factors[i];
            double s, c;
            sincos(pos * freq, &s, &c);
            cs[i] = (float)c;
            sn[i] = (float)s;
        }
        __syncthreads();
        float* token = x + t * heads * head_dim;
        for (int64_t e = threadIdx.x; e < heads * pairs; e += blockDim.x) {
            const int64_t h = e / pairs, i = e % pairs;
            float* v = token + h * head_dim;
            const int64_t i0 = style == LLM_ROPE_NORMAL ? 2 * i : i;
            const int64_t i1 = style == LLM_ROPE_NORMAL ? 2 * i + 1 : i + pairs;
            const float x0 = v[i0], x1 = v[i1];
            v[i0] = x0 * cs[i] - x1 * sn[i];
            v[i1] = x0 * sn[i] + x1 * cs[i];
        }
        __syncthreads();  // cs and sn are rewritten for the next token
    }
}

// Uploads the factors and positions (either may be null) and runs the kernel over tokens.
int rope(llm_cuda_context* ctx, float* x, int64_t tokens, int64_t seq, int64_t heads, int64_t head_dim,
         int64_t pos_offset, const int32_t* positions, int style, double theta, int64_t rot_dims,
         const float* freq_factors) {
    LLM_CUDA_TRY(llm_cuda::enter(ctx));
    const int64_t pairs = rot_dims / 2;
    if (pairs > kMaxPairs) return LLM_CUDA_ERR_UNSUPPORTED;
    if (tokens == 0 || heads == 0 || pairs == 0) return 0;
    size_t bytes = 0;
    if (freq_factors) bytes += llm_cuda::align_up(pairs * sizeof(float));
    if (positions) bytes += llm_cuda::align_up(tokens * sizeof(int32_t));
    float* factors = nullptr;
    int32_t* dev_positions = nullptr;
    if (bytes) {
        void* base = nullptr;
        int err = llm_cuda::scratch(&base, ctx, bytes);
        if (err) return err;
        llm_cuda::Arena arena{(char*)base};
        if (freq_factors) {
            factors = arena.take<float>(pairs);
            err = llm_cuda::upload(factors, freq_factors, pairs * sizeof(float), ctx->stream);
            if (err) return err;
        }
        if (positions) {
            dev_positions = arena.take<int32_t>(tokens);
            err = llm_cuda::upload(dev_positions, positions, tokens * sizeof(int32_t), ctx->stream);
            if (err) return err;
        }
    }
    rope_kernel<<<llm_cuda::row_grid(tokens), kThreads, 0, ctx->stream>>>(x, tokens, seq, heads, head_dim, pos_offset,
                                                                          dev_positions, style, theta, rot_dims, factors);
    return llm_cuda::launch_status();
}

}  // namespace

extern "C" int llm_cuda_rope(llm_cuda_context* ctx, float* x, int64_t batch, int64_t seq, int64_t heads,
                             int64_t head_dim, int64_t pos_offset, int style, double theta, int64_t rot_dims,
                             const float* freq_factors) {
    return llm_cuda::guarded([&]() -> int {
        return rope(ctx, x, batch * seq, seq, heads, head_dim, pos_offset, nullptr, style, theta, rot_dims, freq_factors);
    });
}

extern "C" int llm_cuda_rope_rows(llm_cuda_context* ctx, float* x, const int32_t* positions, int64_t n, int64_t heads,
                                  int64_t head_dim, int style, double theta, int64_t rot_dims,
                                  const float* freq_factors) {
    return llm_cuda::guarded([&]() -> int {
        return rope(ctx, x, n, 1, heads, head_dim, 0, positions, style, theta, rot_dims, freq_factors);
    });
}
