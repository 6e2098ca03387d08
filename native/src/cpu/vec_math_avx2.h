// Vector math on AVX2/FMA registers: exp (float and double), erfc, horizontal sums and tail masks.
// Include only from *_avx2.cpp files (compiled with -mavx2 -mfma -mf16c). Every function is
// static inline: a copy compiled with AVX2 must never be merged by the linker into code that runs
// on CPUs without it.
#ifndef LLMACCEL_VEC_MATH_AVX2_H
#define LLMACCEL_VEC_MATH_AVX2_H

#include <immintrin.h>

#include <cstdint>

namespace llm {
namespace avx2 {

// Lanes [0, n) set (n in [0, 8]): for _mm256_maskload_ps / _mm256_maskstore_ps on row tails.
static inline __m256i tail_mask(int64_t n) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), lanes);
}

// Lanes of a vector in a loop over a row: Full for the whole vectors, Tail for the last partial one
// (masked loads read zeros and masked stores leave memory alone outside it). Loops written once as
// a generic lambda get a plain and a masked instantiation; see for_lanes.
struct Full {};
struct Tail {
    __m256i mask;
};

static inline __m256 load(const float* p, Full) { return _mm256_loadu_ps(p); }
static inline __m256 load(const float* p, Tail t) { return _mm256_maskload_ps(p, t.mask); }
static inline void store(float* p, __m256 v, Full) { _mm256_storeu_ps(p, v); }
static inline void store(float* p, __m256 v, Tail t) { _mm256_maskstore_ps(p, t.mask, v); }
// v in the lanes that exist, fill in the others.
static inline __m256 keep(__m256 v, __m256, Full) { return v; }
static inline __m256 keep(__m256 v, __m256 fill, Tail t) { return _mm256_blendv_ps(fill, v, _mm256_castsi256_ps(t.mask)); }

// f(i, lanes) for i = 0, 8, 16, ... < n: Full vectors, then a Tail.
template <class F>
static inline void for_lanes(int64_t n, F&& f) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) f(i, Full{});
    if (i < n) f(i, Tail{tail_mask(n - i)});
}

static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline float hmax(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// The horizontal sums of four vectors, as the four lanes of one (a, b, c, d).
static inline __m128 hsum4(__m256 a, __m256 b, __m256 c, __m256 d) {
    __m256 ab = _mm256_hadd_ps(a, b);
    __m256 cd = _mm256_hadd_ps(c, d);
    __m256 abcd = _mm256_hadd_ps(ab, cd);
    return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

static inline double hsum(__m256d v) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

// exp(x) to about 1 ulp. x = n ln2 + r with |r| <= ln2 / 2 (ln2 split in two so n ln2 is exact),
// exp(r) = 1 + r + r² P(r) with Cephes' expf coefficients. Below ln(FLT_MIN) the result is 0
// (subnormals are flushed), above ln(FLT_MAX) it is +inf, NaN stays NaN.
static inline __m256 exp(__m256 x) {
    const __m256 hi = _mm256_set1_ps(88.72283905206835f);
    const __m256 lo = _mm256_set1_ps(-87.33654475055310f);
    __m256 xc = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), xc);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    // n lies in [-126, 128]: 2^n is built as 2^(n-1) * 2 so that n = 128 still has an exponent field.
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(126)), 23);
    __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, _mm256_castsi256_ps(e)), _mm256_set1_ps(2.0f));
    y = _mm256_blendv_ps(y, _mm256_setzero_ps(), _mm256_cmp_ps(x, lo, _CMP_LT_OQ));
    y = _mm256_blendv_ps(y, _mm256_set1_ps(__builtin_inff()), _mm256_cmp_ps(x, hi, _CMP_GT_OQ));
    return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

// exp(x) in double to about 1 ulp (Cephes' exp: a rational approximation on |r| <= ln2 / 2).
// Below -708.39 the result is 0 (subnormals are flushed), above 709.78 it is +inf, NaN stays NaN.
static inline __m256d exp(__m256d x) {
    const __m256d hi = _mm256_set1_pd(709.782712893383973096);
    const __m256d lo = _mm256_set1_pd(-708.396418532264106224);
    __m256d xc = _mm256_min_pd(_mm256_max_pd(x, lo), hi);
    __m256d n = _mm256_round_pd(_mm256_mul_pd(xc, _mm256_set1_pd(1.4426950408889634073599)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(6.93145751953125e-1), xc);
    r = _mm256_fnmadd_pd(n, _mm256_set1_pd(1.42860682030941723212e-6), r);
    __m256d rr = _mm256_mul_pd(r, r);
    __m256d p = _mm256_set1_pd(1.26177193074810590878e-4);
    p = _mm256_fmadd_pd(p, rr, _mm256_set1_pd(3.02994407707441961300e-2));
    p = _mm256_fmadd_pd(p, rr, _mm256_set1_pd(9.99999999999999999910e-1));
    p = _mm256_mul_pd(p, r);
    __m256d q = _mm256_set1_pd(3.00198505138664455042e-6);
    q = _mm256_fmadd_pd(q, rr, _mm256_set1_pd(2.52448340349684104192e-3));
    q = _mm256_fmadd_pd(q, rr, _mm256_set1_pd(2.27265548208155028766e-1));
    q = _mm256_fmadd_pd(q, rr, _mm256_set1_pd(2.00000000000000000009e0));
    __m256d er = _mm256_fmadd_pd(_mm256_set1_pd(2.0), _mm256_div_pd(p, _mm256_sub_pd(q, p)), _mm256_set1_pd(1.0));
    // n lies in [-1022, 1024]: 2^n is built as 2^(n-1) * 2, as in the float version.
    __m256i n64 = _mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(n));
    __m256i e = _mm256_slli_epi64(_mm256_add_epi64(n64, _mm256_set1_epi64x(1022)), 52);
    __m256d y = _mm256_mul_pd(_mm256_mul_pd(er, _mm256_castsi256_pd(e)), _mm256_set1_pd(2.0));
    y = _mm256_blendv_pd(y, _mm256_setzero_pd(), _mm256_cmp_pd(x, lo, _CMP_LT_OQ));
    y = _mm256_blendv_pd(y, _mm256_set1_pd(__builtin_inf()), _mm256_cmp_pd(x, hi, _CMP_GT_OQ));
    return _mm256_blendv_pd(y, x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}

// erfc(x) with a relative error below about 2e-7 everywhere (float evaluation of the Chebyshev
// fit of Numerical Recipes' erfcc: t = 1 / (1 + |x| / 2), erfc(|x|) = t exp(-x² + P(t))).
// Relative accuracy holds in the tail, which is what GELU needs for large negative inputs.
static inline __m256 erfc(__m256 x) {
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 z = _mm256_and_ps(x, abs_mask);
    __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(_mm256_set1_ps(0.5f), z, _mm256_set1_ps(1.0f)));
    __m256 p = _mm256_set1_ps(0.17087277f);
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.82215223f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.48851587f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.13520398f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.27886807f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.18628806f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.09678418f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.37409196f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.00002368f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.26551223f));
    __m256 tail = _mm256_mul_ps(t, exp(_mm256_fnmadd_ps(z, z, p)));  // erfc(|x|)
    __m256 negative = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
    return _mm256_blendv_ps(tail, _mm256_sub_ps(_mm256_set1_ps(2.0f), tail), negative);
}

}  // namespace avx2
}  // namespace llm

#endif
