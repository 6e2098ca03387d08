// Logits to the next token on the device, by the steps of llm_sample (llmaccel/sampling.h), in
// double precision like the CPU and reference samplers: only the chosen token crosses to the host.
//
// Greedy: one arg-max reduction (lowest id on ties). Otherwise: a stable radix sort of the
// scaled logits (descending; ties keep ascending ids, as the definition asks), exponentials of
// the first top-k, their prefix sums, and one thread that cuts top-p and min-p and draws by
// binary search over the prefix sums (both are monotone along the sorted order).
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_scan.cuh>

#include <algorithm>
#include <vector>

#include "context.cuh"
#include "sampling.cuh"

namespace {

constexpr int kThreads = 256;
constexpr int kArgmaxBlocks = 256;

// l[i] = logits[i] in double, NaN counted as -inf (it never wins and never breaks the order).
__global__ void widen_kernel(double* l, const float* logits, int64_t vocab) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < vocab; i += (int64_t)gridDim.x * blockDim.x) {
        const float x = logits[i];
        l[i] = isnan(x) ? -INFINITY : (double)x;
    }
}

__global__ void bias_kernel(double* l, const int32_t* ids, const float* values, int64_t n) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
        atomicAdd(&l[ids[i]], (double)values[i]);  // ids may repeat in the C API: add them all
    }
}

// Each distinct recent token once, with its count.
__global__ void penalty_kernel(double* l, const int32_t* tokens, const int32_t* counts, int64_t n, double repetition,
                               double frequency, double presence) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
        double x = l[tokens[i]];
        x = x > 0 ? x / repetition : x * repetition;
        l[tokens[i]] = x - ((double)counts[i] * frequency + presence);
    }
}

// a beats b: larger value, or the same value at a lower id.
__device__ __forceinline__ bool beats(double av, int64_t ai, double bv, int64_t bi) {
    return av > bv || (av == bv && ai < bi);
}

// Block-wide arg-max of (v, i) pairs; thread 0 gets the winner.
__device__ void block_argmax(double& v, int64_t& i) {
    __shared__ double sv[kThreads];
    __shared__ int64_t si[kThreads];
    sv[threadIdx.x] = v;
    si[threadIdx.x] = i;
    __syncthreads();
    for (int half = kThreads / 2; half > 0; half >>= 1) {
        if (threadIdx.x < half && beats(sv[threadIdx.x + half], si[threadIdx.x + half], sv[threadIdx.x], si[threadIdx.x])) {
            sv[threadIdx.x] = sv[threadIdx.x + half];
            si[threadIdx.x] = si[threadIdx.x + half];
        }
        __syncthreads();
    }
    v = sv[0];
    i = si[0];
}

__global__ void argmax_partial_kernel(double* best_v, int64_t* best_i, const double* l, int64_t vocab) {
    double v = -INFINITY;
    int64_t idx = INT64_MAX;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < vocab; i += (int64_t)gridDim.x * blockDim.x) {
        if (beats(l[i], i, v, idx)) {
            v = l[i];
            idx = i;
        }
    }
    block_argmax(v, idx);
    if (threadIdx.x == 0) {
        best_v[blockIdx.x] = v;
        best_i[blockIdx.x] = idx;
    }
}

__global__ void argmax_final_kernel(int32_t* out, const double* best_v, const int64_t* best_i, int blocks) {
    double v = -INFINITY;
    int64_t idx = INT64_MAX;
    for (int b = threadIdx.x; b < blocks; b += blockDim.x) {
        if (beats(best_v[b], best_i[b], v, idx)) {
            v = best_v[b];
            idx = best_i[b];
        }
    }
    block_argmax(v, idx);
    // every logit -inf (or NaN): id 0, as the sequential definition gives
    if (threadIdx.x == 0) *out = idx == INT64_MAX ? 0 : (int32_t)idx;
}

// keys = l / temperature with -0 made +0 (the radix sort orders -0 below +0; the definition sees
// them as equal), ids = 0 .. vocab-1.
__global__ void scale_kernel(double* keys, int32_t* ids, const double* l, double temperature, int64_t vocab) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < vocab; i += (int64_t)gridDim.x * blockDim.x) {
        keys[i] = l[i] / temperature + 0.0;
        ids[i] = (int32_t)i;
    }
}

// p[i] = exp(x[i] - max) for the first keep sorted logits, exactly 1 at the top (also for +inf).
__global__ void exp_kernel(double* p, const double* sorted, int64_t keep) {
    const double max = sorted[0];
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < keep; i += (int64_t)gridDim.x * blockDim.x) {
        const double x = sorted[i];
        p[i] = x == max ? 1.0 : exp(x - max);
    }
}

// One thread: top-p, min-p and the draw over the sorted candidates.
__global__ void choose_kernel(int32_t* out, const double* sorted, const int32_t* ids, const double* p,
                              const double* prefix, int64_t keep, double top_p, double min_p, double uniform) {
    *out = llm_cuda::choose_token(sorted, ids, p, prefix, keep, top_p, min_p, uniform);
}

// Distinct tokens of recent and how often each occurs.
void count_tokens(std::vector<int32_t>& tokens, std::vector<int32_t>& counts, const int32_t* recent, int64_t n) {
    std::vector<int32_t> sorted(recent, recent + n);
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size(); i++) {
        if (tokens.empty() || tokens.back() != sorted[i]) {
            tokens.push_back(sorted[i]);
            counts.push_back(0);
        }
        counts.back()++;
    }
}

}  // namespace

extern "C" int llm_cuda_sample(llm_cuda_context* ctx, int32_t* out, const float* logits, int64_t vocab,
                               const int32_t* bias_ids, const float* bias_values, int64_t n_bias,
                               const int32_t* recent, int64_t n_recent, float temperature, int32_t top_k, float top_p,
                               float min_p, float repetition_penalty, float frequency_penalty, float presence_penalty,
                               double uniform) {
    return llm_cuda::guarded([&]() -> int {
        *out = 0;
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        if (vocab <= 0 || vocab > INT32_MAX) return LLM_CUDA_ERR_UNSUPPORTED;
        cudaStream_t stream = ctx->stream;
        std::vector<int32_t> tokens, counts;
        count_tokens(tokens, counts, recent, n_recent);
        const bool greedy = temperature == 0.0f;
        const int64_t keep = top_k > 0 && top_k < vocab ? top_k : vocab;

        // scratch: the regions below, in this order
        size_t sort_bytes = 0, scan_bytes = 0;
        if (!greedy) {
            LLM_CUDA_TRY(cub::DeviceRadixSort::SortPairsDescending(nullptr, sort_bytes, (const double*)nullptr,
                                                                   (double*)nullptr, (const int32_t*)nullptr,
                                                                   (int32_t*)nullptr, (int)vocab, 0, 64, stream));
            LLM_CUDA_TRY(cub::DeviceScan::InclusiveSum(nullptr, scan_bytes, (const double*)nullptr, (double*)nullptr,
                                                       (int)keep, stream));
        }
        using llm_cuda::align_up;
        size_t bytes = align_up(sizeof(int32_t)) + align_up(vocab * sizeof(double)) +
                       align_up(n_bias * sizeof(int32_t)) + align_up(n_bias * sizeof(float)) +
                       2 * align_up(tokens.size() * sizeof(int32_t));
        if (greedy) {
            bytes += align_up(kArgmaxBlocks * sizeof(double)) + align_up(kArgmaxBlocks * sizeof(int64_t));
        } else {
            bytes += align_up(vocab * sizeof(double)) + 2 * align_up(vocab * sizeof(int32_t)) +
                     2 * align_up(keep * sizeof(double)) + align_up(std::max(sort_bytes, scan_bytes));
        }
        void* base = nullptr;
        int err = llm_cuda::scratch(&base, ctx, bytes);
        if (err) return err;
        llm_cuda::Arena arena{(char*)base};
        int32_t* token = arena.take<int32_t>(1);
        double* l = arena.take<double>(vocab);
        int32_t* dev_bias_ids = arena.take<int32_t>(n_bias);
        float* dev_bias_values = arena.take<float>(n_bias);
        int32_t* dev_tokens = arena.take<int32_t>(tokens.size());
        int32_t* dev_counts = arena.take<int32_t>(tokens.size());

        // 1. bias, 2. penalties
        widen_kernel<<<llm_cuda::stride_grid(vocab, kThreads), kThreads, 0, stream>>>(l, logits, vocab);
        if (n_bias > 0) {
            if ((err = llm_cuda::upload(dev_bias_ids, bias_ids, n_bias * sizeof(int32_t), stream))) return err;
            if ((err = llm_cuda::upload(dev_bias_values, bias_values, n_bias * sizeof(float), stream))) return err;
            bias_kernel<<<llm_cuda::stride_grid(n_bias, kThreads), kThreads, 0, stream>>>(l, dev_bias_ids,
                                                                                        dev_bias_values, n_bias);
        }
        if (!tokens.empty()) {
            const int64_t n = (int64_t)tokens.size();
            if ((err = llm_cuda::upload(dev_tokens, tokens.data(), n * sizeof(int32_t), stream))) return err;
            if ((err = llm_cuda::upload(dev_counts, counts.data(), n * sizeof(int32_t), stream))) return err;
            penalty_kernel<<<llm_cuda::stride_grid(n, kThreads), kThreads, 0, stream>>>(
                l, dev_tokens, dev_counts, n, (double)repetition_penalty, (double)frequency_penalty,
                (double)presence_penalty);
        }

        if (greedy) {
            // 3. the largest logit, lowest id on ties
            double* best_v = arena.take<double>(kArgmaxBlocks);
            int64_t* best_i = arena.take<int64_t>(kArgmaxBlocks);
            argmax_partial_kernel<<<kArgmaxBlocks, kThreads, 0, stream>>>(best_v, best_i, l, vocab);
            argmax_final_kernel<<<1, kThreads, 0, stream>>>(token, best_v, best_i, kArgmaxBlocks);
        } else {
            // 3. temperature, 4. stable sort and top-k, 5. softmax numerators and their prefix sums,
            // top-p, min-p, 6. the draw
            double* sorted = arena.take<double>(vocab);
            int32_t* ids = arena.take<int32_t>(vocab);
            int32_t* sorted_ids = arena.take<int32_t>(vocab);
            double* p = arena.take<double>(keep);
            double* prefix = arena.take<double>(keep);
            void* temp = arena.take<char>(std::max(sort_bytes, scan_bytes));
            scale_kernel<<<llm_cuda::stride_grid(vocab, kThreads), kThreads, 0, stream>>>(l, ids, l,
                                                                                        (double)temperature, vocab);
            LLM_CUDA_TRY(cub::DeviceRadixSort::SortPairsDescending(temp, sort_bytes, l, sorted, ids, sorted_ids,
                                                                   (int)vocab, 0, 64, stream));
            exp_kernel<<<llm_cuda::stride_grid(keep, kThreads), kThreads, 0, stream>>>(p, sorted, keep);
            LLM_CUDA_TRY(cub::DeviceScan::InclusiveSum(temp, scan_bytes, p, prefix, (int)keep, stream));
            choose_kernel<<<1, 1, 0, stream>>>(token, sorted, sorted_ids, p, prefix, keep, (double)top_p,
                                               (double)min_p, uniform);
        }
        if ((err = llm_cuda::launch_status())) return err;
        LLM_CUDA_TRY(cudaMemcpyAsync(out, token, sizeof(int32_t), cudaMemcpyDeviceToHost, stream));
        return (int)cudaStreamSynchronize(stream);
    });
}
