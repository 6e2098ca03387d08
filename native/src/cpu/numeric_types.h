// Scalar conversions between float and the 16-bit types, and the GGUF block layouts of the
// quantized types. Portable code: the SIMD files have their own vector conversions.
#ifndef LLMACCEL_NUMERIC_TYPES_H
#define LLMACCEL_NUMERIC_TYPES_H

#include <cstdint>
#include <cstring>

namespace llm {

inline float bits_to_float(uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

inline uint32_t float_to_bits(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    return bits;
}

// IEEE binary16 -> float, exact for every value including subnormals, inf and NaN.
inline float fp16_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    if (exp == 0x1f) return bits_to_float(sign | 0x7f800000u | (mant << 13));
    if (exp == 0) {
        if (mant == 0) return bits_to_float(sign);
        // subnormal: value = mant * 2^-24
        float v = (float)mant * (1.0f / 16777216.0f);
        return sign ? -v : v;
    }
    return bits_to_float(sign | ((exp + 112) << 23) | (mant << 13));
}

// float -> IEEE binary16, round to nearest even; overflow gives inf, NaN stays NaN.
inline uint16_t float_to_fp16(float f) {
    uint32_t x = float_to_bits(f);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t abs = x & 0x7fffffffu;
    if (abs > 0x7f800000u) return (uint16_t)(sign | 0x7e00);           // NaN
    if (abs >= 0x477ff000u) return (uint16_t)(sign | 0x7c00);          // rounds to >= 65520: inf
    if (abs < 0x38800000u) {                                            // below 2^-14: subnormal or zero
        // value / 2^-24, rounded to nearest even, is the subnormal mantissa
        float v = bits_to_float(abs) * 16777216.0f;
        uint32_t m = (uint32_t)v;
        float rem = v - (float)m;
        if (rem > 0.5f || (rem == 0.5f && (m & 1))) m++;
        return (uint16_t)(sign | m);
    }
    uint32_t mant = abs & 0x7fffff;
    uint32_t exp = (abs >> 23) - 112;
    uint32_t h = (exp << 10) | (mant >> 13);
    uint32_t rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h++;  // may carry into the exponent: correct
    return (uint16_t)(sign | h);
}

inline float bf16_to_float(uint16_t b) { return bits_to_float((uint32_t)b << 16); }

// float -> bfloat16, round to nearest even; NaN stays NaN.
inline uint16_t float_to_bf16(float f) {
    uint32_t x = float_to_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40);
    uint32_t rounding = 0x7fff + ((x >> 16) & 1);
    return (uint16_t)((x + rounding) >> 16);
}

// ---- GGUF block layouts -------------------------------------------------------------------------

constexpr int kQK = 32;     // elements per block of the 32-element formats
constexpr int kQKK = 256;   // elements per super-block of the K-quants

struct BlockQ8_0 {          // x = d * q
    uint16_t d;
    int8_t q[kQK];
};
struct BlockQ4_0 {          // x = d * (nibble - 8); byte j holds element j (low) and j + 16 (high)
    uint16_t d;
    uint8_t q[kQK / 2];
};
struct BlockQ4_1 {          // x = d * nibble + m
    uint16_t d;
    uint16_t m;
    uint8_t q[kQK / 2];
};
struct BlockQ5_0 {          // x = d * (5-bit value - 16); bit j of qh is the 5th bit of element j
    uint16_t d;
    uint8_t qh[4];
    uint8_t q[kQK / 2];
};
struct BlockQ5_1 {          // x = d * 5-bit value + m
    uint16_t d;
    uint16_t m;
    uint8_t qh[4];
    uint8_t q[kQK / 2];
};
struct BlockQ4_K {          // 8 sub-blocks of 32, 6-bit scales and mins packed in 12 bytes
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[12];
    uint8_t q[kQKK / 2];
};
struct BlockQ5_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[12];
    uint8_t qh[kQKK / 8];
    uint8_t q[kQKK / 2];
};
struct BlockQ6_K {          // 16 sub-blocks of 16, int8 scales
    uint8_t ql[kQKK / 2];
    uint8_t qh[kQKK / 4];
    int8_t scales[kQKK / 16];
    uint16_t d;
};

// Scale j (0..7) and minimum j of the 12 packed bytes of a Q4_K/Q5_K super-block: 6 bits each,
// the low 4 of j >= 4 in bytes 8..11, their top 2 in the top bits of bytes 0..7.
inline int scale_k4(const uint8_t* s, int j) {
    return j < 4 ? (s[j] & 63) : ((s[j + 4] & 0xf) | ((s[j - 4] >> 6) << 4));
}
inline int min_k4(const uint8_t* s, int j) {
    return j < 4 ? (s[j + 4] & 63) : ((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
}

// Value l (0..31) of sub-block j (0..7) of a Q4_K or Q5_K super-block, before scale and minimum:
// chunk j / 2 holds sub-block j in its low nibbles if j is even, in its high ones if odd; Q5_K
// adds bit j of qh[l] as the fifth bit.
inline int value_k4(const BlockQ4_K& b, int j, int l) {
    uint8_t byte = b.q[32 * (j / 2) + l];
    return j % 2 == 0 ? (byte & 0xf) : (byte >> 4);
}
inline int value_k4(const BlockQ5_K& b, int j, int l) {
    uint8_t byte = b.q[32 * (j / 2) + l];
    return (j % 2 == 0 ? (byte & 0xf) : (byte >> 4)) | (((b.qh[l] >> j) & 1) << 4);
}

// All 8 scales and 8 minimums of a Q4_K/Q5_K super-block at once, as the bytes of four 32-bit
// words: scales 0..3, scales 4..7, minimums 0..3, minimums 4..7 (scale_k4 / min_k4 on words).
struct ScalesK4 {
    uint32_t scales_lo, scales_hi, mins_lo, mins_hi;
};
inline ScalesK4 unpack_scales_k4(const uint8_t* packed) {
    const uint32_t low6 = 0x3f3f3f3f, low4 = 0x0f0f0f0f, low2 = 0x03030303;
    uint32_t w0, w1, w2;
    std::memcpy(&w0, packed, 4);
    std::memcpy(&w1, packed + 4, 4);
    std::memcpy(&w2, packed + 8, 4);
    return {w0 & low6, (w2 & low4) | (((w0 >> 6) & low2) << 4), w1 & low6,
            ((w2 >> 4) & low4) | (((w1 >> 6) & low2) << 4)};
}

// The 32 high bits of a Q5_0/Q5_1 block (bit j belongs to value j).
inline uint32_t load_u32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

static_assert(sizeof(BlockQ8_0) == 34, "Q8_0 block");
static_assert(sizeof(BlockQ4_0) == 18, "Q4_0 block");
static_assert(sizeof(BlockQ4_1) == 20, "Q4_1 block");
static_assert(sizeof(BlockQ5_0) == 22, "Q5_0 block");
static_assert(sizeof(BlockQ5_1) == 24, "Q5_1 block");
static_assert(sizeof(BlockQ4_K) == 144, "Q4_K block");
static_assert(sizeof(BlockQ5_K) == 176, "Q5_K block");
static_assert(sizeof(BlockQ6_K) == 210, "Q6_K block");

}  // namespace llm

#endif
