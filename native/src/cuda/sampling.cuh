// The last step of sampling, where the steps of the definition meet the sorted candidates; a
// __host__ __device__ function so that the host test (native/test/cuda) runs it on the CPU.
#ifndef LLMACCEL_CUDA_SAMPLING_CUH
#define LLMACCEL_CUDA_SAMPLING_CUH

#include <cmath>
#include <cstdint>

namespace llm_cuda {

// First i in [0, n) whose prefix[i] passes the target (>= when inclusive, else >); n if none.
// prefix never decreases.
__host__ __device__ inline int64_t first_past(const double* prefix, int64_t n, double target, bool inclusive) {
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (inclusive ? prefix[mid] >= target : prefix[mid] > target) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

// The token among the first keep candidates, sorted by logit descending (ids ascending on ties):
// sorted holds their logits (already divided by the temperature), p[i] = exp(sorted[i] - sorted[0])
// and prefix[i] = p[0] + ... + p[i]. Applies top-p (the shortest prefix whose probability reaches
// top_p), min-p (the leading run with p >= min_p * p[0], at least one), then picks the first
// candidate whose cumulative p exceeds uniform times the kept total.
__host__ __device__ inline int32_t choose_token(const double* sorted, const int32_t* ids, const double* p,
                                                const double* prefix, int64_t keep, double top_p, double min_p,
                                                double uniform) {
    if (sorted[0] == -INFINITY) return ids[0];  // every logit -inf: the first in order
    if (top_p < 1.0) {
        const int64_t i = first_past(prefix, keep, top_p * prefix[keep - 1], true);
        if (i < keep) keep = i + 1;
    }
    if (min_p > 0.0) {
        const double threshold = min_p * p[0];
        int64_t lo = 1, hi = keep;  // p falls along the order: find the first below the threshold
        while (lo < hi) {
            const int64_t mid = lo + (hi - lo) / 2;
            if (p[mid] >= threshold) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        keep = lo;
    }
    const int64_t i = first_past(prefix, keep, uniform * prefix[keep - 1], false);
    return ids[i < keep ? i : keep - 1];
}

}  // namespace llm_cuda

#endif
