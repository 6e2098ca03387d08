// AVX2/FMA versions of one row of the norms (norm_avx2.cpp); norm.cpp calls them when use_avx2()
// is true. Sums are accumulated in double, as in the portable loops.
#ifndef LLMACCEL_NORM_AVX2_H
#define LLMACCEL_NORM_AVX2_H

#include <cstdint>

namespace llm {
namespace avx2 {

// y (d) = x / sqrt(mean(x²) + eps) * weight
void rms_norm_row(float* y, const float* x, const float* weight, float eps, int64_t d);

// y (d) = (x - mean) / sqrt(var + eps) * weight + bias; bias may be null
void layer_norm_row(float* y, const float* x, const float* weight, const float* bias, float eps, int64_t d);

}  // namespace avx2
}  // namespace llm

#endif
