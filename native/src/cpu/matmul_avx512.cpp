// AVX-512 dot kernels: F, BW, VL, VNNI and VBMI (this file alone is compiled with those flags;
// matmul.cpp calls it only when simd_level() allows).
//
// The 32-value formats go two or four blocks per step through vpdpbusd (unsigned weight bytes
// times signed activation bytes, summed into 32-bit lanes). The weights' offset (8 or 16, or 128
// for Q8_0's signed bytes flipped to unsigned) is paid by starting each sum at the activations'
// precomputed corr lanes (-offset·Σx, see Q8Block32Row). The f16 scales of a group of blocks are gathered from two
// loads with one vpermt2w and converted together, so a block's scale costs a fraction of an
// instruction instead of a scalar load, convert and broadcast. Up to eight activation rows share
// each unpacked weight block.
#include <immintrin.h>

#include <type_traits>

#include "matmul_kernels.h"
#include "vec_math_avx512.h"
#include "weight_types.h"

// GCC 12's AVX-512 headers start some intrinsics from an "undefined" register and then warn about
// it; the warning is about the headers, not about this file.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace llm {
namespace {

__m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
__m512i load512(const void* p) { return _mm512_loadu_si512(p); }

// ---- 32-value blocks ---------------------------------------------------------------------------------

template <class Block>
struct Block32Traits;
// kGroup: blocks whose scales are gathered at once (their d and m fields lie in 128 bytes).
// kUnit: blocks per dot step: 4 for the nibble formats (activations interleaved by quads), 2 for
// Q8_0 (two blocks in natural order). kOffset: the unsigned weights' offset, paid through corr
// (0: the type has a minimum instead).
template <>
struct Block32Traits<BlockQ4_0> {
    static constexpr int kGroup = 8, kUnit = 4, kOffset = 8;
    static constexpr bool kFifthBit = false, kMin = false;
};
template <>
struct Block32Traits<BlockQ4_1> {
    static constexpr int kGroup = 4, kUnit = 4, kOffset = 0;
    static constexpr bool kFifthBit = false, kMin = true;
};
template <>
struct Block32Traits<BlockQ5_0> {
    static constexpr int kGroup = 4, kUnit = 4, kOffset = 16;
    static constexpr bool kFifthBit = true, kMin = false;
};
template <>
struct Block32Traits<BlockQ5_1> {
    static constexpr int kGroup = 4, kUnit = 4, kOffset = 0;
    static constexpr bool kFifthBit = true, kMin = true;
};
template <>
struct Block32Traits<BlockQ8_0> {
    static constexpr int kGroup = 4, kUnit = 2, kOffset = 128;
    static constexpr bool kFifthBit = false, kMin = false;
};

__m128i load128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }

// Nibble formats, four blocks b[0..3] interleaved: lo = values 0..15 of each, hi = values 16..31.
template <class Block>
void quad_weights(const Block* b, __m512i& lo, __m512i& hi) {
    __m512i v = _mm512_castsi128_si512(load128(b[0].q));
    v = _mm512_inserti32x4(v, load128(b[1].q), 1);
    v = _mm512_inserti32x4(v, load128(b[2].q), 2);
    v = _mm512_inserti32x4(v, load128(b[3].q), 3);
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    lo = _mm512_and_si512(v, m4);
    hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
    if constexpr (Block32Traits<Block>::kFifthBit) {
        uint64_t lo_bits = 0, hi_bits = 0;  // byte 16t + j takes bit j (lo) or 16 + j (hi) of block t
        for (int t = 0; t < 4; t++) {
            const uint32_t h = load_u32(b[t].qh);
            lo_bits |= (uint64_t)(h & 0xffff) << (16 * t);
            hi_bits |= (uint64_t)(h >> 16) << (16 * t);
        }
        const __m512i sixteen = _mm512_set1_epi8(16);
        lo = _mm512_mask_add_epi8(lo, _cvtu64_mask64(lo_bits), lo, sixteen);
        hi = _mm512_mask_add_epi8(hi, _cvtu64_mask64(hi_bits), hi, sixteen);
    }
}

// The same for the pair of blocks a row may end with: lo = values 0..15 of b[0], b[1], hi = 16..31.
template <class Block>
void pair_weights(const Block* b, __m256i& lo, __m256i& hi) {
    const __m256i v = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(b[1].q), reinterpret_cast<const __m128i*>(b[0].q));
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    lo = _mm256_and_si256(v, m4);
    hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
    if constexpr (Block32Traits<Block>::kFifthBit) {
        const uint32_t h0 = load_u32(b[0].qh), h1 = load_u32(b[1].qh);
        const __m256i sixteen = _mm256_set1_epi8(16);
        lo = _mm256_mask_add_epi8(lo, _cvtu32_mask32((h0 & 0xffff) | (h1 << 16)), lo, sixteen);
        hi = _mm256_mask_add_epi8(hi, _cvtu32_mask32((h0 >> 16) | (h1 & 0xffff0000u)), hi, sixteen);
    }
}

// Q8_0: two blocks in natural order, flipped to unsigned (+128).
__m512i natural_pair_weights(const BlockQ8_0* b) {
    __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(load256(b[0].q)), load256(b[1].q), 1);
    return _mm512_xor_si512(v, _mm512_set1_epi8((char)0x80));
}

// Unsigned weight bytes of one block in natural order.
__m256i single_weights(const BlockQ8_0& b) { return _mm256_xor_si256(load256(b.q), _mm256_set1_epi8((char)0x80)); }

template <class Block>
__m256i single_weights(const Block& b) {
    __m128i v = load128(b.q);
    __m256i nibbles = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v, 4), v), _mm256_set1_epi8(0x0f));
    if constexpr (Block32Traits<Block>::kFifthBit) {
        nibbles = _mm256_mask_add_epi8(nibbles, _cvtu32_mask32(load_u32(b.qh)), nibbles, _mm256_set1_epi8(16));
    }
    return nibbles;
}

template <class Block>
struct Block32Kernel {
    using T = Block32Traits<Block>;
    static constexpr int kWords = (int)sizeof(Block) / 2;  // every block size is even
    static constexpr bool kCorr = T::kOffset != 0;
    static_assert((T::kGroup - 1) * kWords + (T::kMin ? 2 : 1) <= 64, "a group's scales lie within two 64-byte loads");
    static_assert(T::kGroup % T::kUnit == 0, "groups hold whole units");

    // vpermt2w indices: lane i < 8 takes d of block i, lane 8 + i its m (where the type has one).
    struct ScaleIndex {
        alignas(64) uint16_t word[32];
    };
    static constexpr ScaleIndex scale_index() {
        ScaleIndex s{};
        for (int i = 0; i < T::kGroup; i++) {
            s.word[i] = (uint16_t)(i * kWords);
            s.word[8 + i] = (uint16_t)(i * kWords + 1);
        }
        return s;
    }
    static constexpr ScaleIndex kScaleIndex = scale_index();

    // For each unit u of a group: the block (0 .. kGroup - 1) of each 32-bit lane of its sums.
    struct UnitLanes {
        alignas(64) int32_t block[T::kGroup / T::kUnit][16];
    };
    static constexpr UnitLanes unit_lanes() {
        UnitLanes s{};
        for (int u = 0; u < T::kGroup / T::kUnit; u++) {
            for (int l = 0; l < 16; l++) s.block[u][l] = T::kUnit * u + l / (16 / T::kUnit);
        }
        return s;
    }
    static constexpr UnitLanes kUnitLanes = unit_lanes();

    // d (lanes 0..7) and m (lanes 8..15) of count blocks at base as floats, reading only their bytes.
    static __m512 group_scales(const Block* base, int count) {
        const int words = (count - 1) * kWords + (T::kMin ? 2 : 1);
        const __mmask32 first = words >= 32 ? 0xffffffffu : (__mmask32)((1u << words) - 1);
        const __mmask32 second = words <= 32 ? 0u : (__mmask32)((1ull << (words - 32)) - 1);
        const char* bytes = reinterpret_cast<const char*>(base);
        __m512i z0 = _mm512_maskz_loadu_epi16(first, bytes);
        __m512i z1 = _mm512_maskz_loadu_epi16(second, bytes + 64);
        __m512i halves = _mm512_permutex2var_epi16(z0, _mm512_load_si512(kScaleIndex.word), z1);
        return _mm512_cvtph_ps(_mm512_castsi512_si256(halves));
    }

    // One FMA chain per activation row, for every row count: a row's sum must not depend on how
    // many rows share the call (a batch gives each sequence the result it gets alone). A single
    // row is bound by memory, not by the chain's latency; eight rows keep eight chains in flight
    // and leave registers for their scales (two chains per row measured slower at eight rows).

    // Integer sums of the unit from block `first` with activation row x: 16 lanes of kUnit blocks.
    static __m512i unit_sums(int64_t first, const Q8Block32Row& x, const __m512i* w) {
        const int8_t* q = x.q + first * kQK;
        const __m512i start = kCorr ? load512(x.corr + first * 8) : _mm512_setzero_si512();
        if constexpr (T::kUnit == 4) {
            return _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(start, w[0], load512(q)), w[1], load512(q + 64));
        } else {
            return _mm512_dpbusd_epi32(start, w[0], load512(q));
        }
    }

    // Accumulates the count (<= kGroup) blocks from b: a full group with its units unrolled, or the
    // row's last, partial one with its leftover pair and single block.
    template <int NX, bool kFull>
    __attribute__((always_inline)) static inline void group(const Block* wb, int64_t b, int count,
                                                            const Q8Block32Row* xr, __m512* acc,
                                                            __m256* acc_min) {
        const __mmask16 in_group = (__mmask16)((1u << count) - 1);
        const __m512 dm = group_scales(wb + b, count);
        __m512 ds[NX];
        for (int r = 0; r < NX; r++) ds[r] = _mm512_mul_ps(dm, _mm512_maskz_loadu_ps(in_group, xr[r].d + b));
        if constexpr (T::kMin) {
            const __m256 mw = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(dm), 1));
            for (int r = 0; r < NX; r++) {
                acc_min[r] = _mm256_fmadd_ps(mw, _mm256_maskz_loadu_ps((__mmask8)in_group, xr[r].s + b), acc_min[r]);
            }
        }
        const int units = kFull ? T::kGroup / T::kUnit : count / T::kUnit;
#pragma GCC unroll 4
        for (int u = 0; u < units; u++) {
            const int64_t first = b + T::kUnit * u;
            __m512i w[2];
            if constexpr (T::kUnit == 4) {
                quad_weights(wb + first, w[0], w[1]);
            } else {
                w[0] = natural_pair_weights(wb + first);
            }
            const __m512i lanes = _mm512_load_si512(kUnitLanes.block[u]);
            for (int r = 0; r < NX; r++) {
                __m512i sum = unit_sums(first, xr[r], w);
                acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_permutexvar_ps(lanes, ds[r]), acc[r]);
            }
        }
        if constexpr (!kFull) {
            int i = units * T::kUnit;
            if (T::kUnit == 4 && i + 2 <= count) {  // a leftover pair, interleaved by two
                const int64_t first = b + i;
                __m256i lo, hi;
                pair_weights(wb + first, lo, hi);
                const __m512i lanes = _mm512_castsi256_si512(_mm256_setr_epi32(i, i, i, i, i + 1, i + 1, i + 1, i + 1));
                for (int r = 0; r < NX; r++) {
                    const int8_t* q = xr[r].q + first * kQK;
                    __m256i start = kCorr ? load256(xr[r].corr + first * 8) : _mm256_setzero_si256();
                    __m256i sum = _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(start, lo, load256(q)), hi, load256(q + 32));
                    __m256 scale = _mm512_castps512_ps256(_mm512_permutexvar_ps(lanes, ds[r]));
                    acc[r] = _mm512_add_ps(acc[r], _mm512_zextps256_ps512(_mm256_mul_ps(_mm256_cvtepi32_ps(sum), scale)));
                }
                i += 2;
            }
            if (i < count) {  // the row's last block, in natural order
                const int64_t last = b + i;
                const __m256i wy = single_weights(wb[last]);
                const __m512i lane = _mm512_set1_epi32(i);
                for (int r = 0; r < NX; r++) {
                    __m256i start = kCorr ? load256(xr[r].corr + last * 8) : _mm256_setzero_si256();
                    __m256i sum = _mm256_dpbusd_epi32(start, wy, load256(xr[r].q + last * kQK));
                    __m256 scale = _mm512_castps512_ps256(_mm512_permutexvar_ps(lane, ds[r]));
                    acc[r] = _mm512_add_ps(acc[r], _mm512_zextps256_ps512(_mm256_mul_ps(_mm256_cvtepi32_ps(sum), scale)));
                }
            }
        }
    }

    template <int NX>
    static void run(float* out, int64_t out_stride, const char* x, int64_t x_stride, const void* w, int64_t k) {
        const Block* wb = static_cast<const Block*>(w);
        const int64_t nb = k / kQK;
        Q8Block32Row xr[NX];
        __m512 acc[NX];
        __m256 acc_min[NX];
        for (int r = 0; r < NX; r++) {
            xr[r] = q8_block32_row(x + r * x_stride, k, kCorr);
            acc[r] = _mm512_setzero_ps();
            acc_min[r] = _mm256_setzero_ps();
        }
        int64_t b = 0;
        for (; b + T::kGroup <= nb; b += T::kGroup) group<NX, true>(wb, b, T::kGroup, xr, acc, acc_min);
        if (b < nb) group<NX, false>(wb, b, (int)(nb - b), xr, acc, acc_min);
        for (int r = 0; r < NX; r++) {
            __m512 total = acc[r];
            if constexpr (T::kMin) total = _mm512_add_ps(total, _mm512_zextps256_ps512(acc_min[r]));
            out[r * out_stride] = _mm512_reduce_add_ps(total);
        }
    }
};

// ---- K-quants: two sub-blocks (64 values) per register through vpmaddubsw + vpmaddwd with the ----
// sub-blocks' scales, summed in 32-bit lanes over the super-block and scaled once.

// i16 lane l of the result = lane index[l] of the 16 i16 values in v (vpermw).
__m512i pick_words(__m256i v, const uint16_t* index) {
    return _mm512_permutexvar_epi16(_mm512_load_si512(index), _mm512_castsi256_si512(v));
}

// Word indices: for chunk c of a Q4_K/Q5_K super-block, lanes 0..15 take scale 2c, 16..31 scale 2c + 1;
// for quarter pair t of a Q6_K half, lanes take the scale of their 16-value sub-block 4t + lane / 8.
struct WordPicks {
    alignas(64) uint16_t k4[4][32];
    alignas(64) uint16_t k6[4][32];  // [2h + t]: half h, values 64t .. 64t + 63 of it
};
constexpr WordPicks word_picks() {
    WordPicks p{};
    for (int c = 0; c < 4; c++) {
        for (int l = 0; l < 32; l++) {
            p.k4[c][l] = (uint16_t)(2 * c + l / 16);
            p.k6[c][l] = (uint16_t)(4 * c + l / 8);
        }
    }
    return p;
}
constexpr WordPicks kWordPicks = word_picks();

// Q4_K / Q5_K: d·Σ_j sc_j·Σ q·q_x − dmin·Σ_j m_j·Σ q_x, times the activation scale.
template <bool kFifthBit>
struct K4Kernel {
    using Block = typename std::conditional<kFifthBit, BlockQ5_K, BlockQ4_K>::type;

    template <int NX>
    static void run(float* out, int64_t out_stride, const char* x, int64_t x_stride, const void* w, int64_t k) {
        const Block* wb = static_cast<const Block*>(w);
        const BlockQ8K* xr[NX];
        __m512 acc[NX];
        __m256 acc_min[NX];
        for (int r = 0; r < NX; r++) {
            xr[r] = reinterpret_cast<const BlockQ8K*>(x + r * x_stride);
            acc[r] = _mm512_setzero_ps();
            acc_min[r] = _mm256_setzero_ps();
        }
        const __m512i m4 = _mm512_set1_epi8(0x0f);
        for (int64_t b = 0; b < k / kQKK; b++) {
            const Block& blk = wb[b];
            const ScalesK4 packed = unpack_scales_k4(blk.scales);
            const __m128i scales8 = _mm_setr_epi32((int)packed.scales_lo, (int)packed.scales_hi, (int)packed.mins_lo,
                                                   (int)packed.mins_hi);
            const __m256i scales16 = _mm256_cvtepu8_epi16(scales8);  // scales 0..7, minimums 0..7
            // minimum j paired with bsums 2j and 2j + 1
            const __m256i mins = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(scales8, scales8));
            __m512i sums[NX];
            for (int r = 0; r < NX; r++) sums[r] = _mm512_setzero_si512();
            __m256i high = _mm256_setzero_si256();
            if constexpr (kFifthBit) high = load256(blk.qh);
#pragma GCC unroll 4
            for (int c = 0; c < 4; c++) {
                // values 64c .. 64c + 31 (low nibbles: sub-block 2c), then 64c + 32 .. (high: 2c + 1)
                const __m256i v = load256(blk.q + 32 * c);
                __m512i wz = _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(v), _mm256_srli_epi16(v, 4), 1), m4);
                if constexpr (kFifthBit) {
                    const __mmask32 lo = _mm256_test_epi8_mask(high, _mm256_set1_epi8((char)(1 << (2 * c))));
                    const __mmask32 hi = _mm256_test_epi8_mask(high, _mm256_set1_epi8((char)(2 << (2 * c))));
                    wz = _mm512_mask_add_epi8(wz, _mm512_kunpackd(hi, lo), wz, _mm512_set1_epi8(16));
                }
                const __m512i s = pick_words(scales16, kWordPicks.k4[c]);
                for (int r = 0; r < NX; r++) {
                    __m512i p = _mm512_maddubs_epi16(wz, load512(xr[r][b].q + 64 * c));
                    sums[r] = _mm512_add_epi32(sums[r], _mm512_madd_epi16(p, s));
                }
            }
            const float d = _cvtsh_ss(blk.d), dmin = _cvtsh_ss(blk.dmin);
            for (int r = 0; r < NX; r++) {
                const float dx = xr[r][b].d;
                __m256i m = _mm256_madd_epi16(load256(xr[r][b].bsums), mins);
                acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(d * dx), _mm512_cvtepi32_ps(sums[r]), acc[r]);
                acc_min[r] = _mm256_fmadd_ps(_mm256_set1_ps(dmin * dx), _mm256_cvtepi32_ps(m), acc_min[r]);
            }
        }
        for (int r = 0; r < NX; r++) {
            out[r * out_stride] = _mm512_reduce_add_ps(_mm512_sub_ps(acc[r], _mm512_zextps256_ps512(acc_min[r])));
        }
    }
};

// Q6_K: d·Σ_j sc_j·(Σ u·q_x − 32·Σ q_x) with u = q + 32 in [0, 63], times the activation scale.
struct Q6KKernel {
    template <int NX>
    static void run(float* out, int64_t out_stride, const char* x, int64_t x_stride, const void* w, int64_t k) {
        const BlockQ6_K* wb = static_cast<const BlockQ6_K*>(w);
        const BlockQ8K* xr[NX];
        __m512 acc[NX];
        for (int r = 0; r < NX; r++) {
            xr[r] = reinterpret_cast<const BlockQ8K*>(x + r * x_stride);
            acc[r] = _mm512_setzero_ps();
        }
        const __m512i m4 = _mm512_set1_epi8(0x0f), low2 = _mm512_set1_epi8(0x03), bits45 = _mm512_set1_epi8(0x30);
        // the 2-bit pairs of quarter 0 (1) sit at bit 0 (2) of qh, those of quarter 2 (3) at bit 4 (6)
        const __m512i shifts = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
        for (int64_t b = 0; b < k / kQKK; b++) {
            const BlockQ6_K& blk = wb[b];
            const __m256i scales16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk.scales)));
            __m512i sums[NX];
            for (int r = 0; r < NX; r++) {
                // the offset's share, 32·Σ_j sc_j·Σ q_x, taken off up front
                __m256i offset = _mm256_madd_epi16(load256(xr[r][b].bsums), scales16);
                sums[r] = _mm512_zextsi256_si512(_mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(offset, 5)));
            }
#pragma GCC unroll 2
            for (int h = 0; h < 2; h++) {
                const __m512i ql = load512(blk.ql + 64 * h);  // quarters 0 | 1 (low nibbles), 2 | 3 (high)
                const __m512i qh = _mm512_srlv_epi16(_mm512_broadcast_i64x4(load256(blk.qh + 32 * h)), shifts);
                const __m512i u01 = _mm512_or_si512(_mm512_and_si512(ql, m4), _mm512_slli_epi16(_mm512_and_si512(qh, low2), 4));
                const __m512i u23 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), m4), _mm512_and_si512(qh, bits45));
                const __m512i s01 = pick_words(scales16, kWordPicks.k6[2 * h]);
                const __m512i s23 = pick_words(scales16, kWordPicks.k6[2 * h + 1]);
                for (int r = 0; r < NX; r++) {
                    const int8_t* q = xr[r][b].q + 128 * h;
                    __m512i p01 = _mm512_madd_epi16(_mm512_maddubs_epi16(u01, load512(q)), s01);
                    __m512i p23 = _mm512_madd_epi16(_mm512_maddubs_epi16(u23, load512(q + 64)), s23);
                    sums[r] = _mm512_add_epi32(sums[r], _mm512_add_epi32(p01, p23));
                }
            }
            const float d = _cvtsh_ss(blk.d);
            for (int r = 0; r < NX; r++) {
                acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(d * xr[r][b].d), _mm512_cvtepi32_ps(sums[r]), acc[r]);
            }
        }
        for (int r = 0; r < NX; r++) out[r * out_stride] = _mm512_reduce_add_ps(acc[r]);
    }
};

// ---- 16-bit float weights: F16, BF16; 16 values per step, the tail through masked loads ------------
// (F32 weights take the GEMM of sgemm_avx512.cpp at every row count on this level.)

struct LoadF16 {
    static __m512 load16(const void* w, int64_t i, __mmask16 m) {
        return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, static_cast<const uint16_t*>(w) + i));
    }
};
struct LoadBF16 {
    static __m512 load16(const void* w, int64_t i, __mmask16 m) {
        __m256i h = _mm256_maskz_loadu_epi16(m, static_cast<const uint16_t*>(w) + i);
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
};

template <class Load>
struct FloatKernel {
    template <int NX>
    static void run(float* out, int64_t out_stride, const char* x, int64_t x_stride, const void* w, int64_t k) {
        // Chains of FMAs in flight per row: the same for every row count, so that a row's sum
        // does not depend on how many rows share the call (see Block32Kernel).
        constexpr int U = 4;
        const __mmask16 all = 0xffff;
        const float* xr[NX];
        __m512 acc[NX][U];
        for (int r = 0; r < NX; r++) {
            xr[r] = reinterpret_cast<const float*>(x + r * x_stride);
            for (int u = 0; u < U; u++) acc[r][u] = _mm512_setzero_ps();
        }
        int64_t c = 0;
        for (; c + 16 * U <= k; c += 16 * U) {
            for (int u = 0; u < U; u++) {
                const __m512 wv = Load::load16(w, c + 16 * u, all);
                for (int r = 0; r < NX; r++) {
                    acc[r][u] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(xr[r] + c + 16 * u), acc[r][u]);
                }
            }
        }
        for (; c < k; c += 16) {
            const __mmask16 m = avx512::tail_mask(k - c);
            const __m512 wv = Load::load16(w, c, m);
            for (int r = 0; r < NX; r++) acc[r][0] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(m, xr[r] + c), acc[r][0]);
        }
        for (int r = 0; r < NX; r++) {
            for (int u = 1; u < U; u++) acc[r][0] = _mm512_add_ps(acc[r][0], acc[r][u]);
            out[r * out_stride] = _mm512_reduce_add_ps(acc[r][0]);
        }
    }
};

constexpr XFormat kFloat{XKind::kF32, 0, 1};

template <class Block>
DotKernel block32_kernel() {
    using T = Block32Traits<Block>;
    // the nibble formats' quads and their leftover pair; Q8_0 in natural order
    return {{XKind::kQ8Block32, T::kOffset, T::kUnit == 4 ? 4 : 1}, dot_rows<Block32Kernel<Block>, 8>, 8};
}

constexpr XFormat kSuperBlock{XKind::kQ8K, 0, 1};

// This level's kernel for weight type T (weight_types.h), by the activations it takes.
template <class T>
DotKernel kernel_for(T) {
    using Block = typename T::Block;
    if constexpr (T::kActivation == XKind::kQ8Block32) {
        return block32_kernel<Block>();
    } else if constexpr (std::is_same_v<Block, BlockQ6_K>) {
        return {kSuperBlock, dot_rows<Q6KKernel>};
    } else if constexpr (T::kActivation == XKind::kQ8K) {
        return {kSuperBlock, dot_rows<K4Kernel<std::is_same_v<Block, BlockQ5_K>>>};
    } else if constexpr (std::is_same_v<Block, F16Value>) {
        return {kFloat, dot_rows<FloatKernel<LoadF16>>};
    } else if constexpr (std::is_same_v<Block, BF16Value>) {
        return {kFloat, dot_rows<FloatKernel<LoadBF16>>};
    } else {
        return {kFloat, nullptr};  // F32: sgemm_avx512 at every row count
    }
}

}  // namespace

DotKernel dot_kernel_avx512(int type) {
    DotKernel kernel{kFloat, nullptr};
    visit_weight_type(type, [&](auto t) { kernel = kernel_for(t); });
    return kernel;
}

}  // namespace llm
