// The sampler's passes over a whole vocabulary at every level (sampling_simd.cpp, compiled once
// per level; see isa.h); sampling.cpp holds the steps that use them.
#ifndef LLMACCEL_SAMPLING_SIMD_H
#define LLMACCEL_SAMPLING_SIMD_H

#include <cstdint>

#include "isa.h"

namespace llm {

// Tokens per block of max_value's block maxima.
constexpr int64_t kSampleBlock = 64;

struct SamplingKernels {
    // l (n) = (double) logits / divisor, NaN read as -inf.
    void (*logits_to_double)(double* l, const float* logits, int64_t n, double divisor);
    // The largest value of l (n >= 1, no NaN); block_max[b] = the largest of l[64 b, 64 b + 64).
    double (*max_value)(double* block_max, const double* l, int64_t n);
    // Σ exp(l[i] - max) over n values (max finite, no NaN).
    double (*exp_sum)(const double* l, int64_t n, double max);
    // Writes the ids i with lo <= l[i] < hi, in increasing order, to ids; returns how many.
    int64_t (*collect)(int32_t* ids, const double* l, int64_t n, double lo, double hi);
};

LLM_ISA_DECLARE(SamplingKernels, kSamplingKernels)

}  // namespace llm

#endif
