// AVX2/FMA versions of the elementwise kernels (elementwise_avx2.cpp), on ranges the thread pool
// hands out; elementwise.cpp calls them when use_avx2() is true.
#ifndef LLMACCEL_ELEMENTWISE_AVX2_H
#define LLMACCEL_ELEMENTWISE_AVX2_H

#include <cstdint>

namespace llm {
namespace avx2 {

// out (n) = a (n) + b (n)
void add(float* out, const float* a, const float* b, int64_t n);

// out (n) = silu(gate) * up
void swiglu(float* out, const float* gate, const float* up, int64_t n);

// out (n) = 0.5 x (1 + erf(x / sqrt(2))), computed as 0.5 x erfc(-x / sqrt(2))
void gelu(float* out, const float* x, int64_t n);

// y (d) = softmax(x (d)); the sum is accumulated in double
void softmax_row(float* y, const float* x, int64_t d);

}  // namespace avx2
}  // namespace llm

#endif
