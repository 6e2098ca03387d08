// AVX2/FMA rows of RMSNorm and LayerNorm. The sums run in double (four lanes per register, two
// registers per eight floats), so long rows keep the accuracy of the portable loops.
#include "norm_avx2.h"

#include <immintrin.h>

#include <cmath>

#include "vec_math_avx2.h"

namespace llm {
namespace avx2 {
namespace {

// Σ (x - shift)² over a row, in double.
double sum_squares(const float* x, float shift, int64_t d) {
    const __m256 s = _mm256_set1_ps(shift);
    __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
    for_lanes(d, [&](int64_t i, auto lanes) {
        __m256 v = _mm256_sub_ps(load(x + i, lanes), s);  // masked lanes: 0 - shift, zeroed below
        v = keep(v, _mm256_setzero_ps(), lanes);
        __m256d a = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
        __m256d b = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
        lo = _mm256_fmadd_pd(a, a, lo);
        hi = _mm256_fmadd_pd(b, b, hi);
    });
    return hsum(_mm256_add_pd(lo, hi));
}

double sum(const float* x, int64_t d) {
    __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
    for_lanes(d, [&](int64_t i, auto lanes) {
        __m256 v = load(x + i, lanes);
        lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
        hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    });
    return hsum(_mm256_add_pd(lo, hi));
}

}  // namespace

void rms_norm_row(float* y, const float* x, const float* weight, float eps, int64_t d) {
    const __m256 inv = _mm256_set1_ps((float)(1.0 / std::sqrt(sum_squares(x, 0.0f, d) / (double)d + eps)));
    for_lanes(d, [&](int64_t i, auto lanes) {
        store(y + i, _mm256_mul_ps(_mm256_mul_ps(load(x + i, lanes), inv), load(weight + i, lanes)), lanes);
    });
}

void layer_norm_row(float* y, const float* x, const float* weight, const float* bias, float eps, int64_t d) {
    const float mean = (float)(sum(x, d) / (double)d);
    const float inv = (float)(1.0 / std::sqrt(sum_squares(x, mean, d) / (double)d + eps));
    const __m256 m = _mm256_set1_ps(mean);
    const __m256 s = _mm256_set1_ps(inv);
    for_lanes(d, [&](int64_t i, auto lanes) {
        __m256 v = _mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(load(x + i, lanes), m), s), load(weight + i, lanes));
        if (bias) v = _mm256_add_ps(v, load(bias + i, lanes));
        store(y + i, v, lanes);
    });
}

}  // namespace avx2
}  // namespace llm
