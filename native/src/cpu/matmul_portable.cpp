// Portable dot kernels: plain C++ for CPUs without AVX2 (and the readable definition of what the
// SIMD kernels compute). Activations come in natural order without correction lanes.

#include <type_traits>

#include "matmul_kernels.h"
#include "weight_types.h"

namespace llm {
namespace {

// ---- 32-value blocks: Σ_b (dw·dx)·Σ q_w·q_x, plus m·(dx·Σ q_x) for the types with a minimum ----------

// The 32 integer weights of one block and its scale (and minimum).
struct Block32 {
    int q[kQK];
    float d;
    float m;
};

void unpack(const BlockQ8_0& b, Block32& u) {
    for (int j = 0; j < kQK; j++) u.q[j] = b.q[j];
    u.d = fp16_to_float(b.d);
    u.m = 0;
}

void unpack(const BlockQ4_0& b, Block32& u) {
    for (int j = 0; j < 16; j++) {
        u.q[j] = (b.q[j] & 0xf) - 8;
        u.q[j + 16] = (b.q[j] >> 4) - 8;
    }
    u.d = fp16_to_float(b.d);
    u.m = 0;
}

void unpack(const BlockQ4_1& b, Block32& u) {
    for (int j = 0; j < 16; j++) {
        u.q[j] = b.q[j] & 0xf;
        u.q[j + 16] = b.q[j] >> 4;
    }
    u.d = fp16_to_float(b.d);
    u.m = fp16_to_float(b.m);
}

void unpack(const BlockQ5_0& b, Block32& u) {
    uint32_t qh = load_u32(b.qh);
    for (int j = 0; j < 16; j++) {
        u.q[j] = ((b.q[j] & 0xf) | (((qh >> j) & 1) << 4)) - 16;
        u.q[j + 16] = ((b.q[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - 16;
    }
    u.d = fp16_to_float(b.d);
    u.m = 0;
}

void unpack(const BlockQ5_1& b, Block32& u) {
    uint32_t qh = load_u32(b.qh);
    for (int j = 0; j < 16; j++) {
        u.q[j] = (b.q[j] & 0xf) | (((qh >> j) & 1) << 4);
        u.q[j + 16] = (b.q[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
    }
    u.d = fp16_to_float(b.d);
    u.m = fp16_to_float(b.m);
}

template <class Block>
void dot_block32(float* out, int64_t out_stride, const char* x, int64_t x_stride, int nx, const void* w, int64_t k) {
    const Block* blocks = static_cast<const Block*>(w);
    const int64_t nb = k / kQK;
    for (int r = 0; r < nx; r++) {
        Q8Block32Row xr = q8_block32_row(x + r * x_stride, k, false);
        float acc = 0;
        for (int64_t b = 0; b < nb; b++) {
            Block32 u;
            unpack(blocks[b], u);
            int sum = 0;
            for (int j = 0; j < kQK; j++) sum += u.q[j] * xr.q[b * kQK + j];
            acc += u.d * xr.d[b] * (float)sum + u.m * xr.s[b];
        }
        out[r * out_stride] = acc;
    }
}

// ---- K-quants: integer sums per sub-block, scaled per super-block -------------------------------

// Q4_K / Q5_K: Σ_j d·sc_j·Σ q·q_x − dmin·m_j·Σ q_x, times the activation scale.
template <class Block>
void dot_k4(float* out, int64_t out_stride, const char* x, int64_t x_stride, int nx, const void* w, int64_t k) {
    const Block* blocks = static_cast<const Block*>(w);
    for (int r = 0; r < nx; r++) {
        const auto* xb = reinterpret_cast<const BlockQ8K*>(x + r * x_stride);
        float acc = 0;
        for (int64_t b = 0; b < k / kQKK; b++) {
            const Block& blk = blocks[b];
            int scaled = 0, mins = 0;
            for (int j = 0; j < 8; j++) {
                int sum = 0;
                for (int l = 0; l < 32; l++) sum += value_k4(blk, j, l) * xb[b].q[32 * j + l];
                scaled += scale_k4(blk.scales, j) * sum;
                mins += min_k4(blk.scales, j) * (xb[b].bsums[2 * j] + xb[b].bsums[2 * j + 1]);
            }
            acc += xb[b].d * (fp16_to_float(blk.d) * (float)scaled - fp16_to_float(blk.dmin) * (float)mins);
        }
        out[r * out_stride] = acc;
    }
}

// Q6_K: d·Σ_j sc_j·Σ (q − 32)·q_x, times the activation scale.
void dot_q6_k(float* out, int64_t out_stride, const char* x, int64_t x_stride, int nx, const void* w, int64_t k) {
    const BlockQ6_K* blocks = static_cast<const BlockQ6_K*>(w);
    for (int r = 0; r < nx; r++) {
        const auto* xb = reinterpret_cast<const BlockQ8K*>(x + r * x_stride);
        float acc = 0;
        for (int64_t b = 0; b < k / kQKK; b++) {
            const BlockQ6_K& blk = blocks[b];
            int total = 0;
            for (int e = 0; e < kQKK; e++) {
                // element e: half h, quarter t (which nibble and which bit pair), position l
                int h = e / 128, t = (e % 128) / 32, l = e % 32;
                uint8_t low = blk.ql[64 * h + 32 * (t % 2) + l];
                int nibble = t < 2 ? (low & 0xf) : (low >> 4);
                int high = (blk.qh[32 * h + l] >> (2 * t)) & 3;
                total += blk.scales[e / 16] * ((nibble | (high << 4)) - 32) * xb[b].q[e];
            }
            acc += xb[b].d * fp16_to_float(blk.d) * (float)total;
        }
        out[r * out_stride] = acc;
    }
}

// ---- 16-bit floats -------------------------------------------------------------------------------

template <float (*Convert)(uint16_t)>
void dot_half(float* out, int64_t out_stride, const char* x, int64_t x_stride, int nx, const void* w, int64_t k) {
    const uint16_t* wh = static_cast<const uint16_t*>(w);
    for (int r = 0; r < nx; r++) {
        const float* xr = reinterpret_cast<const float*>(x + r * x_stride);
        float acc = 0;
        for (int64_t c = 0; c < k; c++) acc += Convert(wh[c]) * xr[c];
        out[r * out_stride] = acc;
    }
}

constexpr XFormat kFloat{XKind::kF32, 0, 1};
constexpr XFormat kBlock32{XKind::kQ8Block32, 0, 1};
constexpr XFormat kSuperBlock{XKind::kQ8K, 0, 1};

// This level's kernel for weight type T (weight_types.h), by the activations it takes.
template <class T>
DotKernel kernel_for(T) {
    using Block = typename T::Block;
    if constexpr (T::kActivation == XKind::kQ8Block32) {
        return {kBlock32, dot_block32<Block>};
    } else if constexpr (std::is_same_v<Block, BlockQ6_K>) {
        return {kSuperBlock, dot_q6_k};
    } else if constexpr (T::kActivation == XKind::kQ8K) {
        return {kSuperBlock, dot_k4<Block>};
    } else if constexpr (std::is_same_v<Block, F16Value>) {
        return {kFloat, dot_half<fp16_to_float>};
    } else if constexpr (std::is_same_v<Block, BF16Value>) {
        return {kFloat, dot_half<bf16_to_float>};
    } else {
        return {kFloat, nullptr};  // F32: OpenBLAS
    }
}

}  // namespace

DotKernel dot_kernel_portable(int type) {
    DotKernel kernel{kFloat, nullptr};
    visit_weight_type(type, [&](auto t) { kernel = kernel_for(t); });
    return kernel;
}

}  // namespace llm
