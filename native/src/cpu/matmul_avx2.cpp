// AVX2/FMA/F16C dot kernels (this file alone is compiled with those flags; matmul.cpp calls it
// only when simd_level() allows).
//
// Integer products use vpmaddubsw, which multiplies unsigned weight bytes with signed activation
// bytes. The 4- and 5-bit formats are stored unsigned with an offset (8 or 16): the offset's
// share, -offset·Σx, comes precomputed with the activations (their corr lanes), so a block costs
// one maddubs per 32 values and no sign fix-up. Q8_0 weights are signed: they use the
// |w|·sign(x, w) identity instead.
#include <immintrin.h>

#include <type_traits>

#include "matmul_kernels.h"
#include "weight_types.h"

namespace llm {
namespace {

float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

__m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// Sums the pairs of i16 lanes into i32 lanes.
__m256i sum_pairs(__m256i v) { return _mm256_madd_epi16(v, _mm256_set1_epi16(1)); }

// Two f16 values as floats in lanes 0 and 1.
__m128 two_halves(uint16_t a, uint16_t b) {
    return _mm_cvtph_ps(_mm_cvtsi32_si128((int)((uint32_t)a | (uint32_t)b << 16)));
}

// Two floats at p into lanes 0 and 1.
__m128 two_floats(const float* p) { return _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(p))); }

// Byte i = 0xff where bit i of bits is set.
__m256i bits_to_bytes(uint32_t bits) {
    const __m256i spread = _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101, 0x0202020202020202,
                                              0x0303030303030303);
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), spread);
    return _mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit);
}

// ---- 32-value blocks with unsigned 4- or 5-bit values (Q4_0, Q4_1, Q5_0, Q5_1) ---------------------

// Nibbles of a pair of blocks in pair order: lo = values 0..15 of both blocks, hi = values 16..31.
template <class Block>
void pair_nibbles(const Block* b, __m256i& lo, __m256i& hi) {
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    __m256i v = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(b[1].q), reinterpret_cast<const __m128i*>(b[0].q));
    lo = _mm256_and_si256(v, m4);
    hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
}

// The 32 nibbles of one block in natural order.
template <class Block>
__m256i single_nibbles(const Block& b) {
    const __m128i m4 = _mm_set1_epi8(0x0f);
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.q));
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), m4), _mm_and_si128(v, m4));
}

// The fifth bits of Q5 blocks, as 0x10 bytes in the same orders.
template <class Block>
void pair_high_bits(const Block* b, __m256i& lo, __m256i& hi) {
    const __m256i bit4 = _mm256_set1_epi8(0x10);
    uint32_t h0 = load_u32(b[0].qh), h1 = load_u32(b[1].qh);
    lo = _mm256_or_si256(lo, _mm256_and_si256(bits_to_bytes((h0 & 0xffff) | (h1 << 16)), bit4));
    hi = _mm256_or_si256(hi, _mm256_and_si256(bits_to_bytes((h0 >> 16) | (h1 & 0xffff0000u)), bit4));
}

template <class Block>
__m256i single_high_bits(const Block& b, __m256i v) {
    return _mm256_or_si256(v, _mm256_and_si256(bits_to_bytes(load_u32(b.qh)), _mm256_set1_epi8(0x10)));
}

template <class Block>
struct NibbleTraits;
template <>
struct NibbleTraits<BlockQ4_0> {
    static constexpr int kOffset = 8;
    static constexpr bool kFifthBit = false;
};
template <>
struct NibbleTraits<BlockQ4_1> {
    static constexpr int kOffset = 0;  // has a minimum instead
    static constexpr bool kFifthBit = false;
};
template <>
struct NibbleTraits<BlockQ5_0> {
    static constexpr int kOffset = 16;
    static constexpr bool kFifthBit = true;
};
template <>
struct NibbleTraits<BlockQ5_1> {
    static constexpr int kOffset = 0;
    static constexpr bool kFifthBit = true;
};

// Σ_b (dw·dx)·(Σ u·q + corr) [+ m·s]: u the unsigned weights, corr = -offset·Σq, s = dx·Σq.
template <class Block>
struct NibbleKernel {
    static constexpr bool kMin = NibbleTraits<Block>::kOffset == 0;

    // Adds the pair of blocks b, b + 1 to acc (one FMA chain per row).
    template <int NX>
    __attribute__((always_inline)) static inline void pair(const Block* wb, int64_t b, const Q8Block32Row* xr,
                                                           __m256* acc, __m128* acc_min) {
        __m256i lo, hi;
        pair_nibbles(wb + b, lo, hi);
        if constexpr (NibbleTraits<Block>::kFifthBit) pair_high_bits(wb + b, lo, hi);
        const __m128 dw = two_halves(wb[b].d, wb[b + 1].d);
        const __m256i first_four = _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1);
        for (int r = 0; r < NX; r++) {
            const int8_t* q = xr[r].q + b * kQK;
            // lanes 0..3 belong to block b, lanes 4..7 to block b + 1
            __m256i p = sum_pairs(_mm256_add_epi16(_mm256_maddubs_epi16(lo, load256(q)),
                                                   _mm256_maddubs_epi16(hi, load256(q + 32))));
            if constexpr (!kMin) p = _mm256_add_epi32(p, load256(xr[r].corr + b * 8));
            __m128 ds = _mm_mul_ps(dw, two_floats(xr[r].d + b));
            __m256 scale = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(ds), first_four);
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), scale, acc[r]);
            if constexpr (kMin) {
                acc_min[r] = _mm_fmadd_ps(two_halves(wb[b].m, wb[b + 1].m), two_floats(xr[r].s + b), acc_min[r]);
            }
        }
    }

    template <int NX>
    static void run(float* out, int64_t out_stride, const char* x, int64_t x_stride, const void* w, int64_t k) {
        const Block* wb = static_cast<const Block*>(w);
        const int64_t nb = k / kQK;
        Q8Block32Row xr[NX];
        __m256 acc0[NX], acc1[NX];  // two FMA chains per row
        __m128 acc_min[NX];
        for (int r = 0; r < NX; r++) {
            xr[r] = q8_block32_row(x + r * x_stride, k, !kMin);
            acc0[r] = acc1[r] = _mm256_setzero_ps();
            acc_min[r] = _mm_setzero_ps();
        }
        int64_t b = 0;
        for (; b + 4 <= nb; b += 4) {
            pair<NX>(wb, b, xr, acc0, acc_min);
            pair<NX>(wb, b + 2, xr, acc1, acc_min);
        }
        if (b + 2 <= nb) {
            pair<NX>(wb, b, xr, acc0, acc_min);
            b += 2;
        }
        if (b < nb) {  // a trailing odd block, in natural order
            __m256i v = single_nibbles(wb[b]);
            if constexpr (NibbleTraits<Block>::kFifthBit) v = single_high_bits(wb[b], v);
            const float dw = _cvtsh_ss(wb[b].d);
            for (int r = 0; r < NX; r++) {
                __m256i p = sum_pairs(_mm256_maddubs_epi16(v, load256(xr[r].q + b * kQK)));
                if constexpr (!kMin) p = _mm256_add_epi32(p, load256(xr[r].corr + b * 8));
                acc1[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(dw * xr[r].d[b]), acc1[r]);
                if constexpr (kMin) acc_min[r] = _mm_add_ss(acc_min[r], _mm_set_ss(_cvtsh_ss(wb[b].m) * xr[r].s[b]));
            }
        }
        for (int r = 0; r < NX; r++) {
            __m128 m = acc_min[r];
            out[r * out_stride] = hsum(_mm256_add_ps(acc0[r], acc1[r])) + _mm_cvtss_f32(_mm_add_ss(m, _mm_movehdup_ps(m)));
        }
    }
};

// ---- Q8_0: signed weights, Σ_b (dw·dx)·Σ |w|·sign(q, w) --------------------------------------------

struct Q8_0Kernel {
    // Adds block b to acc (one FMA chain per row).
    template <int NX>
    __attribute__((always_inline)) static inline void block(const BlockQ8_0* wb, int64_t b, const Q8Block32Row* xr,
                                                            __m256* acc) {
        const __m256i wv = load256(wb[b].q);
        const __m256i magnitude = _mm256_sign_epi8(wv, wv);
        const float dw = _cvtsh_ss(wb[b].d);
        for (int r = 0; r < NX; r++) {
            __m256i signed_x = _mm256_sign_epi8(load256(xr[r].q + b * kQK), wv);
            __m256i p = sum_pairs(_mm256_maddubs_epi16(magnitude, signed_x));
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(dw * xr[r].d[b]), acc[r]);
        }
    }

    template <int NX>
    static void run(float* out, int64_t out_stride, const char* x, int64_t x_stride, const void* w, int64_t k) {
        const BlockQ8_0* wb = static_cast<const BlockQ8_0*>(w);
        const int64_t nb = k / kQK;
        Q8Block32Row xr[NX];
        __m256 acc0[NX], acc1[NX];  // two FMA chains per row
        for (int r = 0; r < NX; r++) {
            xr[r] = q8_block32_row(x + r * x_stride, k, false);
            acc0[r] = acc1[r] = _mm256_setzero_ps();
        }
        int64_t b = 0;
        for (; b + 2 <= nb; b += 2) {
            block<NX>(wb, b, xr, acc0);
            block<NX>(wb, b + 1, xr, acc1);
        }
        if (b < nb) block<NX>(wb, b, xr, acc0);
        for (int r = 0; r < NX; r++) out[r * out_stride] = hsum(_mm256_add_ps(acc0[r], acc1[r]));
    }
};

// ---- K-quants ---------------------------------------------------------------------------------------

// i16 lanes all equal to byte i of v.
__m256i broadcast_byte(__m128i v, int i) {
    return _mm256_cvtepu8_epi16(_mm_shuffle_epi8(v, _mm_set1_epi8((char)i)));
}

// The 6-bit scales (bytes 0..7) and minimums (bytes 8..15) of a Q4_K/Q5_K super-block.
__m128i scales_k4(const uint8_t* packed) {
    const ScalesK4 s = unpack_scales_k4(packed);
    return _mm_setr_epi32((int)s.scales_lo, (int)s.scales_hi, (int)s.mins_lo, (int)s.mins_hi);
}

// Q4_K / Q5_K: d·Σ_j sc_j·Σ q·q_x − dmin·Σ_j m_j·Σ q_x, times the activation scale.
template <bool kFifthBit>
struct K4Kernel {
    using Block = typename std::conditional<kFifthBit, BlockQ5_K, BlockQ4_K>::type;

    template <int NX>
    static void run(float* out, int64_t out_stride, const char* x, int64_t x_stride, const void* w, int64_t k) {
        const Block* wb = static_cast<const Block*>(w);
        const BlockQ8K* xr[NX];
        __m256 acc[NX];
        for (int r = 0; r < NX; r++) {
            xr[r] = reinterpret_cast<const BlockQ8K*>(x + r * x_stride);
            acc[r] = _mm256_setzero_ps();
        }
        const __m256i m4 = _mm256_set1_epi8(0x0f);
        for (int64_t b = 0; b < k / kQKK; b++) {
            const Block& blk = wb[b];
            const __m128i scales = scales_k4(blk.scales);
            // minimum j paired with bsums 2j and 2j + 1
            const __m256i mins = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(scales, scales));
            const float d = _cvtsh_ss(blk.d), dmin = _cvtsh_ss(blk.dmin);
            __m256i sums[NX];
            for (int r = 0; r < NX; r++) sums[r] = _mm256_setzero_si256();
            __m256i high = _mm256_setzero_si256();
            if constexpr (kFifthBit) high = load256(blk.qh);
            for (int c = 0; c < 4; c++) {
                const __m256i v = load256(blk.q + 32 * c);
                __m256i lo = _mm256_and_si256(v, m4);
                __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
                if constexpr (kFifthBit) {  // bits 2c and 2c + 1 of each qh byte; high is shifted by 2 per chunk
                    lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(high, _mm256_set1_epi8(1)), 4));
                    hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(high, _mm256_set1_epi8(2)), 3));
                    high = _mm256_srli_epi16(high, 2);
                }
                const __m256i s_lo = broadcast_byte(scales, 2 * c), s_hi = broadcast_byte(scales, 2 * c + 1);
                for (int r = 0; r < NX; r++) {
                    const int8_t* q = xr[r][b].q + 64 * c;
                    __m256i p_lo = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, load256(q)), s_lo);
                    __m256i p_hi = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, load256(q + 32)), s_hi);
                    sums[r] = _mm256_add_epi32(sums[r], _mm256_add_epi32(p_lo, p_hi));
                }
            }
            for (int r = 0; r < NX; r++) {
                const float dx = xr[r][b].d;
                __m256i m = _mm256_madd_epi16(load256(xr[r][b].bsums), mins);
                acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(d * dx), _mm256_cvtepi32_ps(sums[r]), acc[r]);
                acc[r] = _mm256_fnmadd_ps(_mm256_set1_ps(dmin * dx), _mm256_cvtepi32_ps(m), acc[r]);
            }
        }
        for (int r = 0; r < NX; r++) out[r * out_stride] = hsum(acc[r]);
    }
};

// Q6_K: d·Σ_j sc_j·(Σ u·q_x − 32·Σ q_x) with u = q + 32 in [0, 63], times the activation scale.
struct Q6KKernel {
    template <int NX>
    static void run(float* out, int64_t out_stride, const char* x, int64_t x_stride, const void* w, int64_t k) {
        const BlockQ6_K* wb = static_cast<const BlockQ6_K*>(w);
        const BlockQ8K* xr[NX];
        __m256 acc[NX];
        for (int r = 0; r < NX; r++) {
            xr[r] = reinterpret_cast<const BlockQ8K*>(x + r * x_stride);
            acc[r] = _mm256_setzero_ps();
        }
        const __m256i m4 = _mm256_set1_epi8(0x0f);
        const __m256i low2 = _mm256_set1_epi8(0x03), bits45 = _mm256_set1_epi8(0x30);
        for (int64_t b = 0; b < k / kQKK; b++) {
            const BlockQ6_K& blk = wb[b];
            const __m128i scales = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk.scales));
            const __m256i scales16 = _mm256_cvtepi8_epi16(scales);
            __m256i sums[NX];
            for (int r = 0; r < NX; r++) {
                // the offset's share, 32·Σ_j sc_j·Σ q_x, taken off up front
                __m256i offset = _mm256_madd_epi16(load256(xr[r][b].bsums), scales16);
                sums[r] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(offset, 5));
            }
            for (int h = 0; h < 2; h++) {
                const __m256i ql0 = load256(blk.ql + 64 * h), ql1 = load256(blk.ql + 64 * h + 32);
                const __m256i qh = load256(blk.qh + 32 * h);
                const __m256i qh2 = _mm256_srli_epi16(qh, 2);
                // quarter t holds values 128h + 32t + l: low nibbles of ql0/ql1, then high ones
                const __m256i u[4] = {
                    _mm256_or_si256(_mm256_and_si256(ql0, m4), _mm256_slli_epi16(_mm256_and_si256(qh, low2), 4)),
                    _mm256_or_si256(_mm256_and_si256(ql1, m4), _mm256_slli_epi16(_mm256_and_si256(qh2, low2), 4)),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), _mm256_and_si256(qh, bits45)),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4), _mm256_and_si256(qh2, bits45))};
                for (int t = 0; t < 4; t++) {
                    // 16 values of sub-block 8h + 2t, then 16 of the next: their scales as i16 lanes
                    const int j = 8 * h + 2 * t;
                    const __m128i pick = _mm_setr_epi8((char)j, (char)j, (char)j, (char)j, (char)j, (char)j, (char)j,
                                                       (char)j, (char)(j + 1), (char)(j + 1), (char)(j + 1),
                                                       (char)(j + 1), (char)(j + 1), (char)(j + 1), (char)(j + 1),
                                                       (char)(j + 1));
                    const __m256i s = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales, pick));
                    for (int r = 0; r < NX; r++) {
                        __m256i p = _mm256_maddubs_epi16(u[t], load256(xr[r][b].q + 128 * h + 32 * t));
                        sums[r] = _mm256_add_epi32(sums[r], _mm256_madd_epi16(p, s));
                    }
                }
            }
            const float d = _cvtsh_ss(blk.d);
            for (int r = 0; r < NX; r++) {
                acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(d * xr[r][b].d), _mm256_cvtepi32_ps(sums[r]), acc[r]);
            }
        }
        for (int r = 0; r < NX; r++) out[r * out_stride] = hsum(acc[r]);
    }
};

// ---- float weights: F32, F16 (vcvtph2ps), BF16 (shifted into the top half of an F32) ------------------

struct LoadF32 {
    static __m256 load8(const void* w, int64_t i) { return _mm256_loadu_ps(static_cast<const float*>(w) + i); }
    static float load1(const void* w, int64_t i) { return static_cast<const float*>(w)[i]; }
};
struct LoadF16 {
    static __m256 load8(const void* w, int64_t i) {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(w) + i)));
    }
    static float load1(const void* w, int64_t i) { return _cvtsh_ss(static_cast<const uint16_t*>(w)[i]); }
};
struct LoadBF16 {
    static __m256 load8(const void* w, int64_t i) {
        __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(w) + i));
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    }
    static float load1(const void* w, int64_t i) { return bf16_to_float(static_cast<const uint16_t*>(w)[i]); }
};

template <class Load>
struct FloatKernel {
    template <int NX>
    static void run(float* out, int64_t out_stride, const char* x, int64_t x_stride, const void* w, int64_t k) {
        // Two chains of FMAs in flight per row, for every row count: a row's sum must not depend
        // on how many rows share the call (a batch gives each sequence the result it gets alone),
        // and four rows of four chains would not fit in 16 registers.
        constexpr int U = 2;
        const float* xr[NX];
        __m256 acc[NX][U];
        for (int r = 0; r < NX; r++) {
            xr[r] = reinterpret_cast<const float*>(x + r * x_stride);
            for (int u = 0; u < U; u++) acc[r][u] = _mm256_setzero_ps();
        }
        int64_t c = 0;
        for (; c + 8 * U <= k; c += 8 * U) {
            for (int u = 0; u < U; u++) {
                const __m256 wv = Load::load8(w, c + 8 * u);
                for (int r = 0; r < NX; r++) acc[r][u] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(xr[r] + c + 8 * u), acc[r][u]);
            }
        }
        for (; c + 8 <= k; c += 8) {
            const __m256 wv = Load::load8(w, c);
            for (int r = 0; r < NX; r++) acc[r][0] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(xr[r] + c), acc[r][0]);
        }
        for (int r = 0; r < NX; r++) {
            for (int u = 1; u < U; u++) acc[r][0] = _mm256_add_ps(acc[r][0], acc[r][u]);
            float sum = hsum(acc[r][0]);
            for (int64_t t = c; t < k; t++) sum += Load::load1(w, t) * xr[r][t];
            out[r * out_stride] = sum;
        }
    }
};

// ---- activation preparation: the same bytes as matmul.cpp's portable definition ---------------------

int hsum_epi32(__m128i v) {
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(v);
}

// max |x| over n (a multiple of 32) values.
float abs_max(const float* x, int n) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps();
    for (int j = 0; j < n; j += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)));
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

// 32 values times id, rounded to nearest even (as nearbyint), as int8 in order.
__m256i quantize32(const float* x, __m256 id) {
    auto rounded = [&](int i) { return _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i), id)); };
    __m256i ab = _mm256_packs_epi32(rounded(0), rounded(8));
    __m256i cd = _mm256_packs_epi32(rounded(16), rounded(24));
    // the packs work per 128-bit lane: put the 4-byte groups back in order
    return _mm256_permutevar8x32_epi32(_mm256_packs_epi16(ab, cd), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// Sums of each 4 consecutive bytes of q, as i32 lanes.
__m256i sums_of_four(__m256i q) { return sum_pairs(_mm256_maddubs_epi16(_mm256_set1_epi8(1), q)); }

void prepare_block32(char* out, const float* x, int64_t k, const XFormat& f) {
    const bool with_corr = f.offset != 0;
    const Q8Block32Row row = q8_block32_row(out, k, with_corr);
    auto* q = const_cast<int8_t*>(row.q);
    auto* corr = const_cast<int32_t*>(row.corr);
    const int64_t nb = k / kQK;
    for (int64_t b = 0; b < nb; b++) {
        const float amax = abs_max(x + b * kQK, kQK);
        const float d = amax / 127.0f;
        const float id = d > 0 ? 1.0f / d : 0.0f;
        const __m256i qv = quantize32(x + b * kQK, _mm256_set1_ps(id));
        const __m256i fours = sums_of_four(qv);
        const_cast<float*>(row.d)[b] = d;
        const_cast<float*>(row.s)[b] = d * (float)hsum_epi32(_mm_add_epi32(_mm256_castsi256_si128(fours),
                                                                          _mm256_extracti128_si256(fours, 1)));
        // corr: the sums of values 0..15 and 16..31 folded into the first half's four lanes
        const __m128i c = _mm_mullo_epi32(_mm_add_epi32(_mm256_castsi256_si128(fours), _mm256_extracti128_si256(fours, 1)),
                                          _mm_set1_epi32(-f.offset));
        int64_t first;
        int size;
        interleave_group(b, nb, f.interleave, &first, &size);
        const int64_t t = b - first;
        auto store16 = [](void* at, __m128i v) { _mm_storeu_si128(static_cast<__m128i*>(at), v); };
        store16(q + first * kQK + 16 * t, _mm256_castsi256_si128(qv));
        store16(q + first * kQK + 16 * size + 16 * t, _mm256_extracti128_si256(qv, 1));
        if (with_corr) {
            store16(corr + first * 8 + 4 * t, c);
            store16(corr + first * 8 + 4 * size + 4 * t, _mm_setzero_si128());
        }
    }
}

void prepare_q8k(BlockQ8K* out, const float* x, int64_t k) {
    for (int64_t b = 0; b < k / kQKK; b++, x += kQKK) {
        BlockQ8K& blk = out[b];
        const float amax = abs_max(x, kQKK);
        blk.d = amax / 127.0f;
        const __m256 id = _mm256_set1_ps(blk.d > 0 ? 1.0f / blk.d : 0.0f);
        for (int g = 0; g < kQKK / 32; g++) {
            const __m256i qv = quantize32(x + 32 * g, id);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(blk.q + 32 * g), qv);
            const __m256i fours = sums_of_four(qv);
            blk.bsums[2 * g] = (int16_t)hsum_epi32(_mm256_castsi256_si128(fours));
            blk.bsums[2 * g + 1] = (int16_t)hsum_epi32(_mm256_extracti128_si256(fours, 1));
        }
    }
}

constexpr XFormat kFloat{XKind::kF32, 0, 1};
constexpr XFormat kSuperBlock{XKind::kQ8K, 0, 1};

template <class Block>
constexpr XFormat nibble_format() {
    return {XKind::kQ8Block32, NibbleTraits<Block>::kOffset, 2};
}

// This level's kernel for weight type T (weight_types.h), by the activations it takes.
template <class T>
DotKernel kernel_for(T) {
    using Block = typename T::Block;
    if constexpr (std::is_same_v<Block, BlockQ8_0>) {
        return {{XKind::kQ8Block32, 0, 1}, dot_rows<Q8_0Kernel>};
    } else if constexpr (T::kActivation == XKind::kQ8Block32) {
        return {nibble_format<Block>(), dot_rows<NibbleKernel<Block>>};
    } else if constexpr (std::is_same_v<Block, BlockQ6_K>) {
        return {kSuperBlock, dot_rows<Q6KKernel>};
    } else if constexpr (T::kActivation == XKind::kQ8K) {
        return {kSuperBlock, dot_rows<K4Kernel<std::is_same_v<Block, BlockQ5_K>>>};
    } else {
        using Load = std::conditional_t<std::is_same_v<Block, float>, LoadF32,
                                        std::conditional_t<std::is_same_v<Block, F16Value>, LoadF16, LoadBF16>>;
        return {kFloat, dot_rows<FloatKernel<Load>>};
    }
}

}  // namespace

void prepare_row_avx2(char* out, const float* row, int64_t k, const XFormat& f) {
    if (f.kind == XKind::kQ8K) {
        prepare_q8k(reinterpret_cast<BlockQ8K*>(out), row, k);
    } else {
        prepare_block32(out, row, k, f);
    }
}

DotKernel dot_kernel_avx2(int type) {
    DotKernel kernel{kFloat, nullptr};
    visit_weight_type(type, [&](auto t) { kernel = kernel_for(t); });
    return kernel;
}

}  // namespace llm
