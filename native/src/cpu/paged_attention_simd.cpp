// The paged attention block kernels of paged_attention_block.h, written once with GCC vector types
// of W lanes: the level's kLanes, and at least 4 (the portable level then runs on the baseline's
// SSE2 on x86, on NEON on aarch64). Every lane sums in the same order whatever W is.
#include <cstring>

#include "paged_attention_block.h"
#include "vec.h"

namespace llm {
namespace LLM_ISA {
namespace {

// The kernels for W lanes.
template <int W>
struct PagedBlock {
    typedef float Vec __attribute__((vector_size(W * sizeof(float))));
    static constexpr int kMaxRows = 8;  // rows kept in registers at once

    static Vec load(const float* p) {
        Vec v;
        std::memcpy(&v, p, sizeof v);
        return v;
    }

    static void store(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }

    // out[r * ld + i] = the score of row r < R against key i < W of kt (a block's keys from some
    // key on, dimension c at kt[c * bs]).
    template <int R>
    static void score_lanes(float* out, int64_t ld, const float* q, const float* kt, int64_t bs, int64_t hd) {
        Vec acc[R];
        for (int r = 0; r < R; r++) acc[r] = Vec{};
        for (int64_t c = 0; c < hd; c++) {
            const Vec k = load(kt + c * bs);
            for (int r = 0; r < R; r++) acc[r] += q[r * hd + c] * k;
        }
        for (int r = 0; r < R; r++) store(out + r * ld, acc[r]);
    }

    template <int R>
    static void score_rows(float* s, int64_t ld, const float* q, const float* kt, int64_t bs, int64_t keys, int64_t hd) {
        int64_t j = 0;
        for (; j + W <= keys; j += W) score_lanes<R>(s + j, ld, q, kt + j, bs, hd);
        // The last keys: a whole vector while it stays inside the block's row, then one by one.
        if (j < keys && j + W <= bs) {
            alignas(64) float tmp[R * W];
            score_lanes<R>(tmp, W, q, kt + j, bs, hd);
            for (int r = 0; r < R; r++) std::memcpy(s + r * ld + j, tmp + r * W, (size_t)(keys - j) * sizeof(float));
            return;
        }
        for (; j < keys; j++) {
            for (int r = 0; r < R; r++) {
                float dot = 0.0f;
                for (int64_t c = 0; c < hd; c++) dot += q[r * hd + c] * kt[c * bs + j];
                s[r * ld + j] = dot;
            }
        }
    }

    static void scores(float* s, int64_t ld, const float* q, int64_t rows, const float* kt, int64_t bs, int64_t keys,
                       int64_t hd) {
        int64_t r = 0;
        for (; r + 8 <= rows; r += 8) score_rows<8>(s + r * ld, ld, q + r * hd, kt, bs, keys, hd);
        for (; r + 4 <= rows; r += 4) score_rows<4>(s + r * ld, ld, q + r * hd, kt, bs, keys, hd);
        for (; r < rows; r++) score_rows<1>(s + r * ld, ld, q + r * hd, kt, bs, keys, hd);
    }

    // acc rows [0, R) × columns [c, c + W) += p · v.
    template <int R>
    static void accumulate_lanes(float* acc, const float* p, int64_t ld, const float* v, int64_t keys, int64_t hd,
                                 int64_t c) {
        Vec a[R];
        for (int r = 0; r < R; r++) a[r] = load(acc + r * hd + c);
        for (int64_t j = 0; j < keys; j++) {
            const Vec x = load(v + j * hd + c);
            for (int r = 0; r < R; r++) a[r] += p[r * ld + j] * x;
        }
        for (int r = 0; r < R; r++) store(acc + r * hd + c, a[r]);
    }

    template <int R>
    static void accumulate_rows(float* acc, const float* p, int64_t ld, const float* v, int64_t keys, int64_t hd) {
        int64_t c = 0;
        for (; c + W <= hd; c += W) accumulate_lanes<R>(acc, p, ld, v, keys, hd, c);
        for (; c < hd; c++) {
            for (int r = 0; r < R; r++) {
                float a = acc[r * hd + c];
                for (int64_t j = 0; j < keys; j++) a += p[r * ld + j] * v[j * hd + c];
                acc[r * hd + c] = a;
            }
        }
    }

    static void accumulate(float* acc, const float* p, int64_t ld, int64_t rows, const float* v, int64_t keys,
                           int64_t hd) {
        int64_t r = 0;
        for (; r + 8 <= rows; r += 8) accumulate_rows<8>(acc + r * hd, p + r * ld, ld, v, keys, hd);
        for (; r + 4 <= rows; r += 4) accumulate_rows<4>(acc + r * hd, p + r * ld, ld, v, keys, hd);
        for (; r < rows; r++) accumulate_rows<1>(acc + r * hd, p + r * ld, ld, v, keys, hd);
    }

    static constexpr PagedBlockKernels kernels() { return {scores, accumulate}; }
};

}  // namespace

extern const PagedBlockKernels kPagedBlockKernels = PagedBlock<(kLanes > 4 ? kLanes : 4)>::kernels();

}  // namespace LLM_ISA
}  // namespace llm
