// AVX-512 inner loops of attention (see attention_tile.h). The scores put keys in the vector lanes:
// the key tile is transposed once per call into (head_dim × keys), then each query value is
// broadcast against 16 keys at a time, so no dot product needs a horizontal sum (head_dim is
// often only 32 or 64); with few rows (decoding) the AVX2 dot products serve instead. The p·v
// update runs on 16-lane rows of values; the exponential is the AVX2 one (a small share of the time).
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "attention_tile.h"
#include "scratch.h"
#include "vec_math_avx512.h"

namespace llm {
namespace {

// Keys of a transposed tile row: the tiles of attention.cpp hold at most 64 keys; larger calls go
// through in slices of this many.
constexpr int64_t kKeySlice = 64;

// Fewer query rows than this share a key tile in decoding (one query's GQA group): transposing
// the tile would cost more than the horizontal sums it saves. With 4 rows (Llama's 32 over 8
// heads) the transposing kernel read the KV cache at 7.4 GB/s, the AVX2 one at 21.
constexpr int64_t kMinTransposeRows = 16;

// s[r][j] for R rows and J × 16 keys from the transposed keys kt (hd × kKeySlice).
template <int R, int J>
inline void score_tile(float* s, int64_t ld, const float* q, int64_t hd, const float* kt, int64_t keys) {
    __m512 acc[R][J];
    for (int r = 0; r < R; r++) {
        for (int j = 0; j < J; j++) acc[r][j] = _mm512_setzero_ps();
    }
    for (int64_t c = 0; c < hd; c++) {
        __m512 kv[J];
        for (int j = 0; j < J; j++) kv[j] = _mm512_load_ps(kt + c * kKeySlice + 16 * j);
        for (int r = 0; r < R; r++) {
            const __m512 qv = _mm512_set1_ps(q[r * hd + c]);
            for (int j = 0; j < J; j++) acc[r][j] = _mm512_fmadd_ps(qv, kv[j], acc[r][j]);
        }
    }
    for (int r = 0; r < R; r++) {
        for (int j = 0; j < J; j++) _mm512_mask_storeu_ps(s + r * ld + 16 * j, avx512::tail_mask(keys - 16 * j), acc[r][j]);
    }
}

template <int J>
inline void score_rows(float* s, int64_t ld, const float* q, int64_t rows, int64_t hd, const float* kt, int64_t keys) {
    int64_t r = 0;
    for (; r + 6 <= rows; r += 6) score_tile<6, J>(s + r * ld, ld, q + r * hd, hd, kt, keys);
    for (; r < rows; r++) score_tile<1, J>(s + r * ld, ld, q + r * hd, hd, kt, keys);
}

void scores(float* s, int64_t ld, const float* q, int64_t rows, const float* k, int64_t k_stride, int64_t keys,
            int64_t hd, const float* v) {
    if (rows < kMinTransposeRows) {
        // Decode: too few rows to pay for the transpose; the AVX2 dot products (which also
        // prefetch the strided key and value rows) serve.
        attention_tile_kernels_avx2().scores(s, ld, q, rows, k, k_stride, keys, hd, v);
        return;
    }
    // (hd × kKeySlice): the key slice transposed
    float* kt = reinterpret_cast<float*>(scratch(kScratchAttentionKeys, hd * kKeySlice * (int64_t)sizeof(float)));
    for (int64_t j0 = 0; j0 < keys; j0 += kKeySlice) {
        const int64_t n = std::min(kKeySlice, keys - j0);
        for (int64_t j = 0; j < n; j++) {
            const float* row = k + (j0 + j) * k_stride;
            for (int64_t c = 0; c < hd; c++) kt[c * kKeySlice + j] = row[c];
        }
        float* out = s + j0;
        if (n > 48) {
            score_rows<4>(out, ld, q, rows, hd, kt, n);
        } else if (n > 32) {
            score_rows<3>(out, ld, q, rows, hd, kt, n);
        } else if (n > 16) {
            score_rows<2>(out, ld, q, rows, hd, kt, n);
        } else {
            score_rows<1>(out, ld, q, rows, hd, kt, n);
        }
    }
}

// acc rows [0, R) × columns c .. c + 16V (the last vector masked by m_last) += p · v.
template <int R, int V>
inline void accumulate_block(float* acc, const float* p, int64_t ld, const float* v, int64_t v_stride, int64_t keys,
                             int64_t hd, int64_t c, __mmask16 m_last) {
    __m512 a[R][V];
    for (int r = 0; r < R; r++) {
        for (int x = 0; x < V; x++) {
            a[r][x] = _mm512_maskz_loadu_ps(x == V - 1 ? m_last : (__mmask16)0xffff, acc + r * hd + c + 16 * x);
        }
    }
    for (int64_t j = 0; j < keys; j++) {
        __m512 vv[V];
        for (int x = 0; x < V; x++) {
            vv[x] = _mm512_maskz_loadu_ps(x == V - 1 ? m_last : (__mmask16)0xffff, v + j * v_stride + c + 16 * x);
        }
        for (int r = 0; r < R; r++) {
            const __m512 pr = _mm512_set1_ps(p[r * ld + j]);
            for (int x = 0; x < V; x++) a[r][x] = _mm512_fmadd_ps(pr, vv[x], a[r][x]);
        }
    }
    for (int r = 0; r < R; r++) {
        for (int x = 0; x < V; x++) {
            _mm512_mask_storeu_ps(acc + r * hd + c + 16 * x, x == V - 1 ? m_last : (__mmask16)0xffff, a[r][x]);
        }
    }
}

// Columns in blocks of two vectors (32), then one (the last possibly partial).
template <int R>
inline void accumulate_rows(float* acc, const float* p, int64_t ld, const float* v, int64_t v_stride, int64_t keys,
                            int64_t hd) {
    int64_t c = 0;
    for (; c + 32 <= hd; c += 32) accumulate_block<R, 2>(acc, p, ld, v, v_stride, keys, hd, c, 0xffff);
    for (; c < hd; c += 16) accumulate_block<R, 1>(acc, p, ld, v, v_stride, keys, hd, c, avx512::tail_mask(hd - c));
}

void accumulate(float* acc, const float* p, int64_t ld, int64_t rows, const float* v, int64_t v_stride, int64_t keys,
                int64_t hd) {
    // Blocks of 8 and 4 rows: a GQA group (4 or 8 heads) in decoding reads each value row once.
    int64_t r = 0;
    for (; r + 8 <= rows; r += 8) accumulate_rows<8>(acc + r * hd, p + r * ld, ld, v, v_stride, keys, hd);
    for (; r + 4 <= rows; r += 4) accumulate_rows<4>(acc + r * hd, p + r * ld, ld, v, v_stride, keys, hd);
    for (; r < rows; r++) accumulate_rows<1>(acc + r * hd, p + r * ld, ld, v, v_stride, keys, hd);
}

}  // namespace

const AttentionTileKernels& attention_tile_kernels_avx512() {
    static const AttentionTileKernels kernels = {scores, attention_tile_kernels_avx2().exp_row, accumulate};
    return kernels;
}

}  // namespace llm
