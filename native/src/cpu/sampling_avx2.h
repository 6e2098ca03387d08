// AVX2/FMA passes of the sampler over a whole vocabulary (sampling_avx2.cpp); sampling.cpp calls
// them when use_avx2() is true and holds the portable versions of the same passes.
#ifndef LLMACCEL_SAMPLING_AVX2_H
#define LLMACCEL_SAMPLING_AVX2_H

#include <cstdint>

namespace llm {
namespace avx2 {

// l (n) = (double) logits / divisor, NaN read as -inf.
void logits_to_double(double* l, const float* logits, int64_t n, double divisor);

// The largest value of l (n >= 1, no NaN); block_max[b] = the largest of l[64 b, 64 b + 64).
double max_value(double* block_max, const double* l, int64_t n);

// Σ exp(l[i] - max) over n values (max finite, no NaN).
double exp_sum(const double* l, int64_t n, double max);

// Writes the ids i with lo <= l[i] < hi, in increasing order, to ids; returns how many.
int64_t collect(int32_t* ids, const double* l, int64_t n, double lo, double hi);

}  // namespace avx2
}  // namespace llm

#endif
