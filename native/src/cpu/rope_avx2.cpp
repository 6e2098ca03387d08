// AVX2/FMA rotation of a head: four interleaved pairs or eight split ("neox") pairs per vector.
#include "rope_avx2.h"

#include <immintrin.h>

#include "vec_math_avx2.h"

namespace llm {
namespace avx2 {

void rope_rotate(float* v, const float* cs, const float* sn, int64_t pairs, int style) {
    if (style == 0) {
        // v = (x0, x1, x2, x3, ...): y = v * (c0, c0, c1, c1, ...) + swap(v) * (-s0, s0, -s1, s1, ...)
        const __m256 sign = _mm256_setr_ps(-1, 1, -1, 1, -1, 1, -1, 1);
        int64_t i = 0;
        for (; i + 4 <= pairs; i += 4) {
            __m128 c = _mm_loadu_ps(cs + i);
            __m128 s = _mm_loadu_ps(sn + i);
            __m256 c2 = _mm256_set_m128(_mm_unpackhi_ps(c, c), _mm_unpacklo_ps(c, c));
            __m256 s2 = _mm256_mul_ps(_mm256_set_m128(_mm_unpackhi_ps(s, s), _mm_unpacklo_ps(s, s)), sign);
            __m256 x = _mm256_loadu_ps(v + 2 * i);
            __m256 swapped = _mm256_permute_ps(x, 0xB1);
            _mm256_storeu_ps(v + 2 * i, _mm256_fmadd_ps(x, c2, _mm256_mul_ps(swapped, s2)));
        }
        for (; i < pairs; i++) {
            float x0 = v[2 * i], x1 = v[2 * i + 1];
            v[2 * i] = x0 * cs[i] - x1 * sn[i];
            v[2 * i + 1] = x0 * sn[i] + x1 * cs[i];
        }
        return;
    }
    // v = (first halves of the pairs | second halves): y0 = x0 c - x1 s, y1 = x0 s + x1 c
    float* v1 = v + pairs;
    for_lanes(pairs, [&](int64_t i, auto lanes) {
        __m256 c = load(cs + i, lanes);
        __m256 s = load(sn + i, lanes);
        __m256 x0 = load(v + i, lanes);
        __m256 x1 = load(v1 + i, lanes);
        store(v + i, _mm256_fmsub_ps(x0, c, _mm256_mul_ps(x1, s)), lanes);
        store(v1 + i, _mm256_fmadd_ps(x0, s, _mm256_mul_ps(x1, c)), lanes);
    });
}

}  // namespace avx2
}  // namespace llm
