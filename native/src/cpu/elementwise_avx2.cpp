// AVX2/FMA elementwise kernels: 8 lanes at a time, masked loads and stores for the last partial vector.
#include "elementwise_avx2.h"

#include <immintrin.h>

#include "vec_math_avx2.h"

namespace llm {
namespace avx2 {

void add(float* out, const float* a, const float* b, int64_t n) {
    for_lanes(n, [&](int64_t i, auto lanes) { store(out + i, _mm256_add_ps(load(a + i, lanes), load(b + i, lanes)), lanes); });
}

void swiglu(float* out, const float* gate, const float* up, int64_t n) {
    const __m256 one = _mm256_set1_ps(1.0f);
    for_lanes(n, [&](int64_t i, auto lanes) {
        __m256 g = load(gate + i, lanes);
        __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, exp(_mm256_sub_ps(_mm256_setzero_ps(), g))));
        store(out + i, _mm256_mul_ps(silu, load(up + i, lanes)), lanes);
    });
}

void gelu(float* out, const float* x, int64_t n) {
    const __m256 minus_rsqrt2 = _mm256_set1_ps(-0.70710678118654752f);
    const __m256 half = _mm256_set1_ps(0.5f);
    for_lanes(n, [&](int64_t i, auto lanes) {
        __m256 v = load(x + i, lanes);
        store(out + i, _mm256_mul_ps(_mm256_mul_ps(half, v), erfc(_mm256_mul_ps(v, minus_rsqrt2))), lanes);
    });
}

void softmax_row(float* y, const float* x, int64_t d) {
    const __m256 neg_inf = _mm256_set1_ps(-__builtin_inff());
    __m256 mv = neg_inf;
    for_lanes(d, [&](int64_t i, auto lanes) { mv = _mm256_max_ps(mv, keep(load(x + i, lanes), neg_inf, lanes)); });
    const __m256 max = _mm256_set1_ps(hmax(mv));
    __m256d sum_lo = _mm256_setzero_pd(), sum_hi = _mm256_setzero_pd();
    for_lanes(d, [&](int64_t i, auto lanes) {
        __m256 e = keep(exp(_mm256_sub_ps(load(x + i, lanes), max)), _mm256_setzero_ps(), lanes);
        store(y + i, e, lanes);
        sum_lo = _mm256_add_pd(sum_lo, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        sum_hi = _mm256_add_pd(sum_hi, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    });
    const __m256 inv = _mm256_set1_ps((float)(1.0 / hsum(_mm256_add_pd(sum_lo, sum_hi))));
    for_lanes(d, [&](int64_t i, auto lanes) { store(y + i, _mm256_mul_ps(load(y + i, lanes), inv), lanes); });
}

}  // namespace avx2
}  // namespace llm
