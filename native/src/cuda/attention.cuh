// Which keys a query sees, and how decode attention cuts them into chunks: __host__ __device__
// so that the host test (native/test/cuda) checks them on the CPU.
#ifndef LLMACCEL_CUDA_ATTENTION_CUH
#define LLMACCEL_CUDA_ATTENTION_CUH

#include <cstdint>

namespace llm_cuda {

// The visibility rules of llmaccel/attention.h.
struct Rules {
    int64_t kv_len, q_pos, window;
    int causal;
    const int32_t* mask;  // device (batch, kv_len) or null
};

// Keys [lo, hi) that may be visible to the query at position pos, before the padding mask.
__host__ __device__ inline void key_range(const Rules& r, int64_t pos, int64_t& lo, int64_t& hi) {
    hi = r.causal ? (pos + 1 < r.kv_len ? pos + 1 : r.kv_len) : r.kv_len;
    lo = 0;
    if (r.window > 0) {
        lo = pos - r.window + 1 > 0 ? pos - r.window + 1 : 0;
        if (!r.causal && pos + r.window < hi) hi = pos + r.window;
    }
}

__host__ __device__ inline bool visible(const Rules& r, int64_t b, int64_t pos, int64_t j) {
    if (j < 0 || j >= r.kv_len) return false;
    if (r.causal && j > pos) return false;
    if (r.window > 0 && (pos - j >= r.window || (!r.causal && j - pos >= r.window))) return false;
    return r.mask == nullptr || r.mask[b * r.kv_len + j] != 0;
}

constexpr int kChunk = 512;  // most keys one decode block takes (its scores sit in shared memory)

// Decode splits the keys of each (batch, query, kv head group) pair into chunks: at most kChunk
// keys, a multiple of 16, and enough of them for about two blocks per multiprocessor (chunks of
// 64 keys at least). A query's visible range [lo, hi) is covered by chunks lo + s·chunk, s < splits.
inline void plan_splits(int64_t& splits, int64_t& chunk, int64_t kv_len, int64_t pairs, int sm_count) {
    const int64_t wanted = (2 * (int64_t)sm_count + pairs - 1) / pairs;
    const int64_t most = (kv_len + 63) / 64;
    splits = (kv_len + kChunk - 1) / kChunk;
    if (splits < wanted) splits = wanted < most ? wanted : most;
    if (splits < 1) splits = 1;
    chunk = (kv_len + splits - 1) / splits;
    chunk = (chunk + 15) / 16 * 16;
    if (chunk < 16) chunk = 16;
    splits = kv_len > 0 ? (kv_len + chunk - 1) / chunk : 1;
}

}  // namespace llm_cuda

#endif
