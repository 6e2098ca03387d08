// The vector layer the kernels of the *_simd.cpp files are written on, once for every level (see
// isa.h). Each level defines, in namespace llm::<level>:
//
//   Vec, kLanes     kLanes floats: __m512 (AVX-512, 16), __m256 (AVX2, 8), float (portable, 1)
//   VecD, kLanesD   kLanesD doubles: __m512d (8), __m256d (4), double (1)
//   kRegisters      vector registers the level has (for kernels sizing their accumulators)
//   Full, Tail      the lanes of a loop step: every lane, or the first n of them (for_lanes)
//   set1 zero load store keep | fma fnma fms min max abs round_even | lt gt unordered select |
//   pow2_minus1 | hsum hmax hsum4 | widen_lo widen_hi | load_f16 load_bf16 | dup_pairs swap_pairs |
//   the same for VecD (setd, loadd, ..., bits) and a 64-bit integer sum of bytes (Bytes)
//
// and then the math written once on those: exp, erfc (float) and exp (double). Arithmetic on
// Vec and VecD uses the operators (GCC vector types have them; portable floats do anyway).
//
// An aarch64 NEON level fits without touching a kernel: Vec = float32x4_t, VecD = float64x2_t,
// Tail through a zeroed copy (as load_f16 at AVX2 does), and its name in isa.h and CMake.
//
// Only the *_simd.cpp files include this header; everything in it lives in the level's namespace,
// so no function compiled with one level's flags can be merged by the linker into another's code.
#ifndef LLMACCEL_VEC_H
#define LLMACCEL_VEC_H

#ifndef LLM_ISA
#error "vec.h is for the *_simd.cpp files, which CMake compiles once per level with -DLLM_ISA=<level>"
#endif

#include <cstdint>
#include <cstring>

#if defined(LLM_ISA_AVX2) || defined(LLM_ISA_AVX512)
#include <immintrin.h>
#endif
#if defined(LLM_ISA_AVX512)
// GCC 12's AVX-512 headers start some intrinsics from an "undefined" register and then warn about
// it; the warning is about the headers, not about the kernels.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "numeric_types.h"

#if defined(LLM_ISA_AVX512) && !(defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__))
#error "the avx512 level needs -mavx512f -mavx512bw -mavx512vl"
#endif
#if defined(LLM_ISA_AVX2) && !(defined(__AVX2__) && defined(__FMA__) && defined(__F16C__))
#error "the avx2 level needs -mavx2 -mfma -mf16c"
#endif

namespace llm {
namespace LLM_ISA {

struct Full {};

#if defined(LLM_ISA_AVX512)
// ---- AVX-512 (F, BW, VL): 16 floats, 8 doubles, mask registers for tails and comparisons --------

using Vec = __m512;
using VecD = __m512d;
using Mask = __mmask16;   // a comparison of Vecs
using MaskD = __mmask8;   // a comparison of VecDs
using Bytes = __m512i;
constexpr int kLanes = 16;
constexpr int kLanesD = 8;
constexpr int kRegisters = 32;

struct Tail {
    __mmask16 mask;
};
inline Tail tail(int64_t n) { return {(__mmask16)((1u << n) - 1)}; }  // n in [1, 16)

inline Vec set1(float x) { return _mm512_set1_ps(x); }
inline Vec zero() { return _mm512_setzero_ps(); }
inline Vec load(const float* p) { return _mm512_loadu_ps(p); }
inline Vec load(const float* p, Full) { return _mm512_loadu_ps(p); }
inline Vec load(const float* p, Tail t) { return _mm512_maskz_loadu_ps(t.mask, p); }
inline void store(float* p, Vec v) { _mm512_storeu_ps(p, v); }
inline void store(float* p, Vec v, Full) { _mm512_storeu_ps(p, v); }
inline void store(float* p, Vec v, Tail t) { _mm512_mask_storeu_ps(p, t.mask, v); }
// v in the lanes that exist, fill in the others.
inline Vec keep(Vec v, Vec, Full) { return v; }
inline Vec keep(Vec v, Vec fill, Tail t) { return _mm512_mask_blend_ps(t.mask, fill, v); }

inline Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }   // a b + c
inline Vec fnma(Vec a, Vec b, Vec c) { return _mm512_fnmadd_ps(a, b, c); } // c - a b
inline Vec fms(Vec a, Vec b, Vec c) { return _mm512_fmsub_ps(a, b, c); }   // a b - c
inline Vec min(Vec a, Vec b) { return _mm512_min_ps(a, b); }
inline Vec max(Vec a, Vec b) { return _mm512_max_ps(a, b); }
inline Vec abs(Vec a) { return _mm512_abs_ps(a); }
inline Vec round_even(Vec a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline Mask lt(Vec a, Vec b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
inline Mask gt(Vec a, Vec b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
inline Mask unordered(Vec a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
inline Vec select(Mask m, Vec if_set, Vec if_clear) { return _mm512_mask_blend_ps(m, if_clear, if_set); }
// 2^(n - 1) for whole n in [-125, 128] (so that n = 128 still has an exponent field).
inline Vec pow2_minus1(Vec n) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(126)), 23));
}
inline float hsum(Vec v) { return _mm512_reduce_add_ps(v); }
inline float hmax(Vec v) { return _mm512_reduce_max_ps(v); }
// The horizontal sums of a, b, c, d into out[0 .. 3]: the halves folded, then one hadd tree.
inline void hsum4(Vec a, Vec b, Vec c, Vec d, float* out) {
    auto fold = [](Vec v) {
        return _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    };
    const __m256 abcd = _mm256_hadd_ps(_mm256_hadd_ps(fold(a), fold(b)), _mm256_hadd_ps(fold(c), fold(d)));
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1)));
}
// The lower and upper halves of v as doubles.
inline VecD widen_lo(Vec v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
inline VecD widen_hi(Vec v) {
    return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}
// kLanes 16-bit floats at p as floats.
inline Vec load_f16(const uint16_t* p, Full) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
inline Vec load_f16(const uint16_t* p, Tail t) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(t.mask, p)); }
inline Vec bf16_widen(__m256i h) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)); }
inline Vec load_bf16(const uint16_t* p, Full) { return bf16_widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
inline Vec load_bf16(const uint16_t* p, Tail t) { return bf16_widen(_mm256_maskz_loadu_epi16(t.mask, p)); }
// (p0, p0, p1, p1, ...): kLanes / 2 floats at p, each twice; and v with the lanes of each pair swapped.
inline Vec dup_pairs(const float* p) {
    const __m512i idx = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    return _mm512_permutexvar_ps(idx, _mm512_castps256_ps512(_mm256_loadu_ps(p)));
}
inline Vec swap_pairs(Vec v) { return _mm512_permute_ps(v, 0xB1); }

inline VecD setd(double x) { return _mm512_set1_pd(x); }
inline VecD zerod() { return _mm512_setzero_pd(); }
inline VecD loadd(const double* p) { return _mm512_loadu_pd(p); }
inline void stored(double* p, VecD v) { _mm512_storeu_pd(p, v); }
inline VecD load_widen(const float* p) { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); }  // kLanesD floats
inline VecD fma(VecD a, VecD b, VecD c) { return _mm512_fmadd_pd(a, b, c); }
inline VecD fnma(VecD a, VecD b, VecD c) { return _mm512_fnmadd_pd(a, b, c); }
inline VecD min(VecD a, VecD b) { return _mm512_min_pd(a, b); }
inline VecD max(VecD a, VecD b) { return _mm512_max_pd(a, b); }
inline VecD round_even(VecD a) { return _mm512_roundscale_pd(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline MaskD lt(VecD a, VecD b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
inline MaskD gt(VecD a, VecD b) { return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ); }
inline MaskD ge(VecD a, VecD b) { return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ); }
inline MaskD unordered(VecD a) { return _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q); }
inline MaskD both(MaskD a, MaskD b) { return (MaskD)(a & b); }
inline VecD select(MaskD m, VecD if_set, VecD if_clear) { return _mm512_mask_blend_pd(m, if_clear, if_set); }
inline unsigned bits(MaskD m) { return m; }  // bit i: lane i
// 2^(n - 1) for whole n in [-1021, 1024].
inline VecD pow2_minus1(VecD n) {
    const __m512i n64 = _mm512_cvtepi32_epi64(_mm512_cvtpd_epi32(n));
    return _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_add_epi64(n64, _mm512_set1_epi64(1022)), 52));
}
inline double hsum(VecD v) { return _mm512_reduce_add_pd(v); }
inline double hmax(VecD v) { return _mm512_reduce_max_pd(v); }

inline Bytes load_bytes(const uint8_t* p) { return _mm512_loadu_si512(p); }
inline Bytes add_u64(Bytes a, Bytes b) { return _mm512_add_epi64(a, b); }
inline Bytes zero_bytes() { return _mm512_setzero_si512(); }
inline uint64_t hsum_u64(Bytes v) { return (uint64_t)_mm512_reduce_add_epi64(v); }

#elif defined(LLM_ISA_AVX2)
// ---- AVX2, FMA, F16C: 8 floats, 4 doubles; tails through vmaskmov -------------------------------

using Vec = __m256;
using VecD = __m256d;
using Mask = __m256;   // all-ones lanes where a comparison holds
using MaskD = __m256d;
using Bytes = __m256i;
constexpr int kLanes = 8;
constexpr int kLanesD = 4;
constexpr int kRegisters = 16;

struct Tail {
    __m256i mask;
    int n;
};
inline Tail tail(int64_t n) {  // n in [1, 8)
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return {_mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), lanes), (int)n};
}

inline Vec set1(float x) { return _mm256_set1_ps(x); }
inline Vec zero() { return _mm256_setzero_ps(); }
inline Vec load(const float* p) { return _mm256_loadu_ps(p); }
inline Vec load(const float* p, Full) { return _mm256_loadu_ps(p); }
inline Vec load(const float* p, Tail t) { return _mm256_maskload_ps(p, t.mask); }
inline void store(float* p, Vec v) { _mm256_storeu_ps(p, v); }
inline void store(float* p, Vec v, Full) { _mm256_storeu_ps(p, v); }
inline void store(float* p, Vec v, Tail t) { _mm256_maskstore_ps(p, t.mask, v); }
inline Vec keep(Vec v, Vec, Full) { return v; }
inline Vec keep(Vec v, Vec fill, Tail t) { return _mm256_blendv_ps(fill, v, _mm256_castsi256_ps(t.mask)); }

inline Vec fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
inline Vec fnma(Vec a, Vec b, Vec c) { return _mm256_fnmadd_ps(a, b, c); }
inline Vec fms(Vec a, Vec b, Vec c) { return _mm256_fmsub_ps(a, b, c); }
inline Vec min(Vec a, Vec b) { return _mm256_min_ps(a, b); }
inline Vec max(Vec a, Vec b) { return _mm256_max_ps(a, b); }
inline Vec abs(Vec a) { return _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff))); }
inline Vec round_even(Vec a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline Mask lt(Vec a, Vec b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
inline Mask gt(Vec a, Vec b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
inline Mask unordered(Vec a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
inline Vec select(Mask m, Vec if_set, Vec if_clear) { return _mm256_blendv_ps(if_clear, if_set, m); }
inline Vec pow2_minus1(Vec n) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(126)), 23));
}
inline float hsum(Vec v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
inline float hmax(Vec v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
// The horizontal sums of a, b, c, d into out[0 .. 3], in one hadd tree.
inline void hsum4(Vec a, Vec b, Vec c, Vec d, float* out) {
    const __m256 abcd = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1)));
}
inline VecD widen_lo(Vec v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
inline VecD widen_hi(Vec v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
inline Vec load_f16(const uint16_t* p, Full) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
// AVX2 has no 16-bit masked load: the tail goes through a zeroed copy.
inline __m128i load_halves(const uint16_t* p, Tail t) {
    alignas(16) uint16_t copy[8] = {};
    std::memcpy(copy, p, (size_t)t.n * 2);
    return _mm_load_si128(reinterpret_cast<const __m128i*>(copy));
}
inline Vec load_f16(const uint16_t* p, Tail t) { return _mm256_cvtph_ps(load_halves(p, t)); }
inline Vec bf16_widen(__m128i h) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16)); }
inline Vec load_bf16(const uint16_t* p, Full) { return bf16_widen(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
inline Vec load_bf16(const uint16_t* p, Tail t) { return bf16_widen(load_halves(p, t)); }
inline Vec dup_pairs(const float* p) {
    const __m128 c = _mm_loadu_ps(p);
    return _mm256_set_m128(_mm_unpackhi_ps(c, c), _mm_unpacklo_ps(c, c));
}
inline Vec swap_pairs(Vec v) { return _mm256_permute_ps(v, 0xB1); }

inline VecD setd(double x) { return _mm256_set1_pd(x); }
inline VecD zerod() { return _mm256_setzero_pd(); }
inline VecD loadd(const double* p) { return _mm256_loadu_pd(p); }
inline void stored(double* p, VecD v) { _mm256_storeu_pd(p, v); }
inline VecD load_widen(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
inline VecD fma(VecD a, VecD b, VecD c) { return _mm256_fmadd_pd(a, b, c); }
inline VecD fnma(VecD a, VecD b, VecD c) { return _mm256_fnmadd_pd(a, b, c); }
inline VecD min(VecD a, VecD b) { return _mm256_min_pd(a, b); }
inline VecD max(VecD a, VecD b) { return _mm256_max_pd(a, b); }
inline VecD round_even(VecD a) { return _mm256_round_pd(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline MaskD lt(VecD a, VecD b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
inline MaskD gt(VecD a, VecD b) { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
inline MaskD ge(VecD a, VecD b) { return _mm256_cmp_pd(a, b, _CMP_GE_OQ); }
inline MaskD unordered(VecD a) { return _mm256_cmp_pd(a, a, _CMP_UNORD_Q); }
inline MaskD both(MaskD a, MaskD b) { return _mm256_and_pd(a, b); }
inline VecD select(MaskD m, VecD if_set, VecD if_clear) { return _mm256_blendv_pd(if_clear, if_set, m); }
inline unsigned bits(MaskD m) { return (unsigned)_mm256_movemask_pd(m); }
inline VecD pow2_minus1(VecD n) {
    const __m256i n64 = _mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(n));
    return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(n64, _mm256_set1_epi64x(1022)), 52));
}
inline double hsum(VecD v) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}
inline double hmax(VecD v) {
    __m128d h = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_max_sd(h, _mm_unpackhi_pd(h, h)));
}

inline Bytes load_bytes(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline Bytes add_u64(Bytes a, Bytes b) { return _mm256_add_epi64(a, b); }
inline Bytes zero_bytes() { return _mm256_setzero_si256(); }
inline uint64_t hsum_u64(Bytes v) {
    const __m128i h = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    return (uint64_t)_mm_cvtsi128_si64(h) + (uint64_t)_mm_extract_epi64(h, 1);
}

#else
// ---- portable C++: one lane; the same kernels as plain loops ------------------------------------

using Vec = float;
using VecD = double;
using Mask = bool;
using MaskD = bool;
using Bytes = uint64_t;
constexpr int kLanes = 1;
constexpr int kLanesD = 1;
constexpr int kRegisters = 16;

struct Tail {  // never used with one lane (for_lanes has no partial step)
    bool unused;
};
inline Tail tail(int64_t) { return {false}; }

inline Vec set1(float x) { return x; }
inline Vec zero() { return 0.0f; }
inline Vec load(const float* p) { return *p; }
inline Vec load(const float* p, Full) { return *p; }
inline Vec load(const float* p, Tail) { return 0.0f; }
inline void store(float* p, Vec v) { *p = v; }
inline void store(float* p, Vec v, Full) { *p = v; }
inline void store(float*, Vec, Tail) {}
inline Vec keep(Vec v, Vec, Full) { return v; }
inline Vec keep(Vec, Vec fill, Tail) { return fill; }

// Products and sums rounded apart: the baseline has no FMA instruction, and std::fma without one
// is a slow library call.
inline Vec fma(Vec a, Vec b, Vec c) { return a * b + c; }
inline Vec fnma(Vec a, Vec b, Vec c) { return c - a * b; }
inline Vec fms(Vec a, Vec b, Vec c) { return a * b - c; }
inline Vec min(Vec a, Vec b) { return a < b ? a : b; }
inline Vec max(Vec a, Vec b) { return a > b ? a : b; }
inline Vec abs(Vec a) { return bits_to_float(float_to_bits(a) & 0x7fffffffu); }
// |a| < 2^22: adding and taking away 1.5 · 2^23 rounds to a whole number, ties to even.
inline Vec round_even(Vec a) { return (a + 12582912.0f) - 12582912.0f; }
inline Mask lt(Vec a, Vec b) { return a < b; }
inline Mask gt(Vec a, Vec b) { return a > b; }
inline Mask unordered(Vec a) { return a != a; }
inline Vec select(Mask m, Vec if_set, Vec if_clear) { return m ? if_set : if_clear; }
inline Vec pow2_minus1(Vec n) { return bits_to_float((uint32_t)((int32_t)n + 126) << 23); }
inline float hsum(Vec v) { return v; }
inline float hmax(Vec v) { return v; }
inline void hsum4(Vec a, Vec b, Vec c, Vec d, float* out) {
    out[0] = a;
    out[1] = b;
    out[2] = c;
    out[3] = d;
}
inline VecD widen_lo(Vec v) { return v; }
inline VecD widen_hi(Vec) { return 0.0; }
inline Vec load_f16(const uint16_t* p, Full) { return fp16_to_float(*p); }
inline Vec load_f16(const uint16_t*, Tail) { return 0.0f; }
inline Vec load_bf16(const uint16_t* p, Full) { return bf16_to_float(*p); }
inline Vec load_bf16(const uint16_t*, Tail) { return 0.0f; }
// No pair fits one lane: kernels check kLanes >= 2 before they use these.
inline Vec dup_pairs(const float* p) { return *p; }
inline Vec swap_pairs(Vec v) { return v; }

inline VecD setd(double x) { return x; }
inline VecD zerod() { return 0.0; }
inline VecD loadd(const double* p) { return *p; }
inline void stored(double* p, VecD v) { *p = v; }
inline VecD load_widen(const float* p) { return *p; }
inline VecD fma(VecD a, VecD b, VecD c) { return a * b + c; }
inline VecD fnma(VecD a, VecD b, VecD c) { return c - a * b; }
inline VecD min(VecD a, VecD b) { return a < b ? a : b; }
inline VecD max(VecD a, VecD b) { return a > b ? a : b; }
inline VecD round_even(VecD a) { return (a + 6755399441055744.0) - 6755399441055744.0; }  // |a| < 2^51
inline MaskD lt(VecD a, VecD b) { return a < b; }
inline MaskD gt(VecD a, VecD b) { return a > b; }
inline MaskD ge(VecD a, VecD b) { return a >= b; }
inline MaskD unordered(VecD a) { return a != a; }
inline MaskD both(MaskD a, MaskD b) { return a && b; }
inline VecD select(MaskD m, VecD if_set, VecD if_clear) { return m ? if_set : if_clear; }
inline unsigned bits(MaskD m) { return m ? 1u : 0u; }
inline VecD pow2_minus1(VecD n) {
    const uint64_t b = (uint64_t)((int64_t)n + 1022) << 52;
    double d;
    std::memcpy(&d, &b, 8);
    return d;
}
inline double hsum(VecD v) { return v; }
inline double hmax(VecD v) { return v; }

inline Bytes load_bytes(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}
inline Bytes add_u64(Bytes a, Bytes b) { return a + b; }
inline Bytes zero_bytes() { return 0; }
inline uint64_t hsum_u64(Bytes v) { return v; }
#endif

// ---- written once on the primitives above -------------------------------------------------------

// f(i, lanes) for i = 0, kLanes, 2 kLanes, ... < n: Full steps, then a Tail for the last partial
// vector (masked loads read zeros and masked stores leave memory alone outside it). A loop
// written once as a generic lambda gets a plain and a masked instantiation.
template <class F>
inline void for_lanes(int64_t n, F&& f) {
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes) f(i, Full{});
    if constexpr (kLanes > 1) {
        if (i < n) f(i, tail(n - i));
    }
}

// Σ of the lanes of Vecs, in double: two VecD accumulators for the halves of each Vec.
struct SumD {
    VecD lo = zerod(), hi = zerod();
    void add(Vec v) {
        lo = lo + widen_lo(v);
        hi = hi + widen_hi(v);
    }
    void add_squares(Vec v) {
        const VecD a = widen_lo(v), b = widen_hi(v);
        lo = fma(a, a, lo);
        hi = fma(b, b, hi);
    }
    double total() const { return hsum(lo + hi); }
};

// exp(x) to about 1 ulp. x = n ln2 + r with |r| <= ln2 / 2 (ln2 split in two so n ln2 is exact),
// exp(r) = 1 + r + r² P(r) with Cephes' expf coefficients. Below ln(FLT_MIN) the result is 0
// (subnormals are flushed), above ln(FLT_MAX) it is +inf, NaN stays NaN.
inline Vec exp(Vec x) {
    const Vec hi = set1(88.72283905206835f);
    const Vec lo = set1(-87.33654475055310f);
    const Vec xc = min(max(x, lo), hi);
    const Vec n = round_even(xc * set1(1.44269504088896341f));
    Vec r = fnma(n, set1(0.693359375f), xc);
    r = fnma(n, set1(-2.12194440e-4f), r);
    Vec p = set1(1.9875691500e-4f);
    p = fma(p, r, set1(1.3981999507e-3f));
    p = fma(p, r, set1(8.3334519073e-3f));
    p = fma(p, r, set1(4.1665795894e-2f));
    p = fma(p, r, set1(1.6666665459e-1f));
    p = fma(p, r, set1(5.0000001201e-1f));
    p = fma(p, r * r, r + set1(1.0f));
    // n lies in [-126, 128]: 2^n is built as 2^(n-1) * 2 so that n = 128 still has an exponent field.
    Vec y = p * pow2_minus1(n) * set1(2.0f);
    y = select(lt(x, lo), zero(), y);
    y = select(gt(x, hi), set1(__builtin_inff()), y);
    return select(unordered(x), x, y);
}

// exp(x) in double to about 1 ulp (Cephes' exp: a rational approximation on |r| <= ln2 / 2).
// Below -708.39 the result is 0 (subnormals are flushed), above 709.78 it is +inf, NaN stays NaN.
inline VecD exp(VecD x) {
    const VecD hi = setd(709.782712893383973096);
    const VecD lo = setd(-708.396418532264106224);
    const VecD xc = min(max(x, lo), hi);
    const VecD n = round_even(xc * setd(1.4426950408889634073599));
    VecD r = fnma(n, setd(6.93145751953125e-1), xc);
    r = fnma(n, setd(1.42860682030941723212e-6), r);
    const VecD rr = r * r;
    VecD p = setd(1.26177193074810590878e-4);
    p = fma(p, rr, setd(3.02994407707441961300e-2));
    p = fma(p, rr, setd(9.99999999999999999910e-1));
    p = p * r;
    VecD q = setd(3.00198505138664455042e-6);
    q = fma(q, rr, setd(2.52448340349684104192e-3));
    q = fma(q, rr, setd(2.27265548208155028766e-1));
    q = fma(q, rr, setd(2.00000000000000000009e0));
    const VecD er = fma(setd(2.0), p / (q - p), setd(1.0));
    // n lies in [-1022, 1024]: 2^n is built as 2^(n-1) * 2, as in the float version.
    VecD y = er * pow2_minus1(n) * setd(2.0);
    y = select(lt(x, lo), zerod(), y);
    y = select(gt(x, hi), setd(__builtin_inf()), y);
    return select(unordered(x), x, y);
}

// erfc(x) with a relative error below about 2e-7 everywhere (float evaluation of the Chebyshev
// fit of Numerical Recipes' erfcc: t = 1 / (1 + |x| / 2), erfc(|x|) = t exp(-x² + P(t))).
// Relative accuracy holds in the tail, which is what GELU needs for large negative inputs.
inline Vec erfc(Vec x) {
    const Vec z = abs(x);
    const Vec t = set1(1.0f) / fma(set1(0.5f), z, set1(1.0f));
    Vec p = set1(0.17087277f);
    p = fma(p, t, set1(-0.82215223f));
    p = fma(p, t, set1(1.48851587f));
    p = fma(p, t, set1(-1.13520398f));
    p = fma(p, t, set1(0.27886807f));
    p = fma(p, t, set1(-0.18628806f));
    p = fma(p, t, set1(0.09678418f));
    p = fma(p, t, set1(0.37409196f));
    p = fma(p, t, set1(1.00002368f));
    p = fma(p, t, set1(-1.26551223f));
    const Vec e = t * exp(fnma(z, z, p));  // erfc(|x|)
    return select(lt(x, zero()), set1(2.0f) - e, e);
}

}  // namespace LLM_ISA
}  // namespace llm

#endif
