// The inner loops of paged attention over one cache block, written once with GCC vector types and
// compiled three times: in paged_attention.cpp (4 lanes: the baseline x86-64 SSE2), in
// paged_attention_avx2.cpp (8 lanes) and in paged_attention_avx512.cpp (16 lanes), each file with
// its own instruction set; paged_attention.cpp picks the level at run time.
//
// A block of the cache holds, per KV head, its keys transposed, (head_dim, block_size), and its
// values as rows, (block_size, head_dim) (see llmaccel/paged_attention.h). So the scores of a row
// against a block's keys run with keys in the vector lanes, one FMA per dimension and no
// horizontal sum, and the weighted sum of values runs along the head's dimensions; each key and
// value vector loaded serves every query head of the GQA group. Every lane sums in the same order
// (dimension by dimension, key by key) whatever the lane count or the number of rows, so a row's
// result depends only on its own query and keys.
#ifndef LLMACCEL_PAGED_ATTENTION_BLOCK_H
#define LLMACCEL_PAGED_ATTENTION_BLOCK_H

#include <cstdint>
#include <cstring>

namespace llm {

struct PagedBlockKernels {
    // s[r * ld + j] = Σ_c q[r * hd + c] · kt[c * bs + j] for rows r < rows and keys j < keys
    // (keys <= bs: the block's first keys).
    void (*scores)(float* s, int64_t ld, const float* q, int64_t rows, const float* kt, int64_t bs, int64_t keys,
                   int64_t hd);
    // acc[r * hd + c] += Σ_j p[r * ld + j] · v[j * hd + c] for rows r < rows and keys j < keys.
    void (*accumulate)(float* acc, const float* p, int64_t ld, int64_t rows, const float* v, int64_t keys, int64_t hd);
};

const PagedBlockKernels& paged_block_kernels_portable();
const PagedBlockKernels& paged_block_kernels_avx2();    // only when use_avx2()
const PagedBlockKernels& paged_block_kernels_avx512();  // only when simd_level() >= kSimdAvx512

// The kernels for W lanes; instantiated by the three files above.
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

}  // namespace llm

#endif
