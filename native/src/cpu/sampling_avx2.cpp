// AVX2/FMA passes of the sampler over the vocabulary: conversion to double, maxima, the sum of
// the softmax weights with a vectorised double exp, and the selection of tokens above a threshold.
#include "sampling_avx2.h"

#include <immintrin.h>

#include "vec_math_avx2.h"

namespace llm {
namespace avx2 {

void logits_to_double(double* l, const float* logits, int64_t n, double divisor) {
    const __m256d neg_inf = _mm256_set1_pd(-__builtin_inf());
    const __m256d div = _mm256_set1_pd(divisor);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256d x = _mm256_cvtps_pd(_mm_loadu_ps(logits + i));
        x = _mm256_blendv_pd(x, neg_inf, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
        _mm256_storeu_pd(l + i, _mm256_div_pd(x, div));
    }
    for (; i < n; i++) l[i] = (logits[i] != logits[i] ? -__builtin_inf() : (double)logits[i]) / divisor;
}

double max_value(double* block_max, const double* l, int64_t n) {
    double max = -__builtin_inf();
    for (int64_t b0 = 0; b0 < n; b0 += 64) {
        double m;
        if (b0 + 64 <= n) {
            __m256d m0 = _mm256_loadu_pd(l + b0), m1 = _mm256_loadu_pd(l + b0 + 4);
            for (int64_t i = b0 + 8; i < b0 + 64; i += 8) {
                m0 = _mm256_max_pd(m0, _mm256_loadu_pd(l + i));
                m1 = _mm256_max_pd(m1, _mm256_loadu_pd(l + i + 4));
            }
            __m256d v = _mm256_max_pd(m0, m1);
            __m128d h = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
            m = _mm_cvtsd_f64(_mm_max_sd(h, _mm_unpackhi_pd(h, h)));
        } else {
            m = -__builtin_inf();
            for (int64_t i = b0; i < n; i++) m = l[i] > m ? l[i] : m;
        }
        block_max[b0 / 64] = m;
        max = m > max ? m : max;
    }
    return max;
}

double exp_sum(const double* l, int64_t n, double max) {
    const __m256d vmax = _mm256_set1_pd(max);
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        s0 = _mm256_add_pd(s0, exp(_mm256_sub_pd(_mm256_loadu_pd(l + i), vmax)));
        s1 = _mm256_add_pd(s1, exp(_mm256_sub_pd(_mm256_loadu_pd(l + i + 4), vmax)));
    }
    double sum = hsum(_mm256_add_pd(s0, s1));
    for (; i < n; i++) sum += __builtin_exp(l[i] - max);
    return sum;
}

int64_t collect(int32_t* ids, const double* l, int64_t n, double lo, double hi) {
    const __m256d vlo = _mm256_set1_pd(lo);
    const __m256d vhi = _mm256_set1_pd(hi);
    auto in_range = [&](__m256d x) {
        return _mm256_movemask_pd(_mm256_and_pd(_mm256_cmp_pd(x, vlo, _CMP_GE_OQ), _mm256_cmp_pd(x, vhi, _CMP_LT_OQ)));
    };
    int64_t count = 0;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        int bits = in_range(_mm256_loadu_pd(l + i)) | in_range(_mm256_loadu_pd(l + i + 4)) << 4;
        while (bits) {
            ids[count++] = (int32_t)(i + __builtin_ctz(bits));
            bits &= bits - 1;
        }
    }
    for (; i < n; i++) {
        if (l[i] >= lo && l[i] < hi) ids[count++] = (int32_t)i;
    }
    return count;
}

}  // namespace avx2
}  // namespace llm
