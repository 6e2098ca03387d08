// One row of the norms at every level (norm_simd.cpp, compiled once per level; see isa.h);
// norm.cpp holds the entry points. Sums are accumulated in double, so long rows stay exact enough.
#ifndef LLMACCEL_NORM_SIMD_H
#define LLMACCEL_NORM_SIMD_H

#include <cstdint>

#include "isa.h"

namespace llm {

struct NormKernels {
    // y (d) = x / sqrt(mean(x²) + eps) * weight
    void (*rms_norm_row)(float* y, const float* x, const float* weight, float eps, int64_t d);
    // y (d) = (x - mean) / sqrt(var + eps) * weight + bias; bias may be null
    void (*layer_norm_row)(float* y, const float* x, const float* weight, const float* bias, float eps, int64_t d);
};

LLM_ISA_DECLARE(NormKernels, kNormKernels)

}  // namespace llm

#endif
