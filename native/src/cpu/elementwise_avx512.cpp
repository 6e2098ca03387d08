// AVX-512 elementwise kernels: 16 lanes at a time, a masked load and store for the last partial
// vector. Only GELU has one: its erfc is the one elementwise op that is bound by arithmetic
// rather than by memory, and twice the lanes halve its cost.
#include <immintrin.h>

#include "elementwise_avx512.h"
#include "vec_math_avx512.h"

namespace llm {
namespace avx512 {

void gelu(float* out, const float* x, int64_t n) {
    const __m512 minus_rsqrt2 = _mm512_set1_ps(-0.70710678118654752f);
    const __m512 half = _mm512_set1_ps(0.5f);
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        _mm512_mask_storeu_ps(out + i, m, _mm512_mul_ps(_mm512_mul_ps(half, v), erfc(_mm512_mul_ps(v, minus_rsqrt2))));
    }
}

}  // namespace avx512
}  // namespace llm
