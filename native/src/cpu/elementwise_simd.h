// The elementwise kernels of every level (elementwise_simd.cpp, compiled once per level; see
// isa.h), on the ranges the thread pool hands out; elementwise.cpp holds the entry points.
#ifndef LLMACCEL_ELEMENTWISE_SIMD_H
#define LLMACCEL_ELEMENTWISE_SIMD_H

#include <cstdint>

#include "isa.h"

namespace llm {

struct ElementwiseKernels {
    // out (n) = a (n) + b (n)
    void (*add)(float* out, const float* a, const float* b, int64_t n);
    // out (n) = silu(gate) * up
    void (*swiglu)(float* out, const float* gate, const float* up, int64_t n);
    // out (n) = 0.5 x (1 + erf(x / sqrt(2))), computed as 0.5 x erfc(-x / sqrt(2))
    void (*gelu)(float* out, const float* x, int64_t n);
    // y (d) = softmax(x (d)); the sum is accumulated in double
    void (*softmax_row)(float* y, const float* x, int64_t d);
};

LLM_ISA_DECLARE(ElementwiseKernels, kElementwiseKernels)

}  // namespace llm

#endif
