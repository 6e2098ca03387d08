// The AVX-512 elementwise kernels (elementwise_avx512.cpp); call only when simd_level() >= kSimdAvx512.
#ifndef LLMACCEL_ELEMENTWISE_AVX512_H
#define LLMACCEL_ELEMENTWISE_AVX512_H

#include <cstdint>

namespace llm {
namespace avx512 {

// out = x · Φ(x) = x / 2 · erfc(-x / √2), n values.
void gelu(float* out, const float* x, int64_t n);

}  // namespace avx512
}  // namespace llm

#endif
