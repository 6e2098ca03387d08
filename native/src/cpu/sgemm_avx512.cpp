// F32 products with several activation rows on AVX-512: out (n × m) = x (n × k) · wᵀ for the
// weight rows (output columns) j0 .. j1 of w (m × k), on the calling thread.
//
// The blocking of GotoBLAS/BLIS, reduced to what this shape needs. The weights are packed a
// block of kPanelsPerBlock × 32 columns by kDepth values of k at a time (512 KiB: the block stays
// in L2), 32 columns per panel with the 32 values of one k next to each other. The activations are
// read in place, 12 rows by kDepth at a time (24 KiB: they stay in L1 while they meet every panel
// of the block). The inner kernel keeps a 12 × 32 tile of the output in 24 registers and, per k,
// loads two vectors of weights and broadcasts 12 activations into 24 FMAs. Partial columns are
// padded with zeros when packed; a partial tile of rows runs a kernel of that many rows.
//
// On a Zen 5 core (218 GFLOP/s of FMA peak) this ran at 190-200 GFLOP/s for the shapes of a BERT
// layer, where 8 × 32 tiles and 256-deep blocks ran at 165-178 (bench/RESULTS.md).
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "sgemm.h"

namespace llm {
namespace {

// Lanes [0, n) of a 16-lane vector (n clamped to [0, 16]): for masked stores of partial tiles.
inline __mmask16 tail_mask(int64_t n) {
    return n >= 16 ? (__mmask16)0xffff : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
}

constexpr int kRows = 12;     // activation rows of a tile
constexpr int kCols = 32;     // weight rows (output columns) of a tile: two vectors of 16
constexpr int64_t kDepth = 512;          // values of k packed at a time
constexpr int64_t kPanelsPerBlock = 8;  // 256 columns: 8 × 32 × 512 × 4 bytes = 512 KiB of weights

// The 16 × 16 floats of rows r[0..15] transposed in place: r[i] then holds element i of every row.
inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    }
}

// Panel p of the block: columns c0 + 32p .. c0 + 32p + 31 of w, k values k0 .. k0 + depth - 1,
// stored as [depth][32] (zeros beyond column c1). Whole 16 × 16 squares go through registers
// (one activation row's matmul is mostly this packing, so it must run near memory speed), the
// edges element by element.
void pack_weights(float* packed, const float* w, int64_t k, int64_t c0, int64_t c1, int64_t k0, int64_t depth) {
    for (int64_t p = 0; c0 + p * kCols < c1; p++) {
        float* panel = packed + p * depth * kCols;
        const int64_t first = c0 + p * kCols;
        const int cols = (int)std::min<int64_t>(kCols, c1 - first);
        for (int half = 0; half < kCols; half += 16) {
            const int have = std::max(0, std::min(16, cols - half));  // real columns of this half
            int64_t d = 0;
            if (have == 16) {
                for (; d + 16 <= depth; d += 16) {
                    __m512 r[16];
                    for (int c = 0; c < 16; c++) r[c] = _mm512_loadu_ps(w + (first + half + c) * k + k0 + d);
                    transpose16(r);
                    for (int i = 0; i < 16; i++) _mm512_store_ps(panel + (d + i) * kCols + half, r[i]);
                }
            }
            for (; d < depth; d++) {
                for (int c = 0; c < 16; c++) {
                    panel[d * kCols + half + c] = c < have ? w[(first + half + c) * k + k0 + d] : 0.0f;
                }
            }
        }
    }
}

// out[r][c] (+)= Σ_d rows[r][d] · panel[d][c] for r < R, c < nc; accumulate: add to out. Each
// output element is one FMA chain over d, whatever R is: a row's result does not depend on how
// many rows share the tile.
template <int R>
void tile(float* out, int64_t out_stride, const float* const* rows, const float* panel, int64_t depth, int nc,
          bool accumulate) {
    __m512 acc[R][2];
    for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int64_t d = 0; d < depth; d++) {
        const __m512 b0 = _mm512_load_ps(panel + d * kCols);
        const __m512 b1 = _mm512_load_ps(panel + d * kCols + 16);
        for (int r = 0; r < R; r++) {
            const __m512 a = _mm512_set1_ps(rows[r][d]);
            acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
        }
    }
    const __mmask16 m0 = tail_mask(nc);
    const __mmask16 m1 = tail_mask(nc - 16);
    for (int r = 0; r < R; r++) {
        float* o = out + r * out_stride;
        if (accumulate) {
            acc[r][0] = _mm512_add_ps(acc[r][0], _mm512_maskz_loadu_ps(m0, o));
            acc[r][1] = _mm512_add_ps(acc[r][1], _mm512_maskz_loadu_ps(m1, o + 16));
        }
        _mm512_mask_storeu_ps(o, m0, acc[r][0]);
        _mm512_mask_storeu_ps(o + 16, m1, acc[r][1]);
    }
}

using TileFn = void (*)(float*, int64_t, const float* const*, const float*, int64_t, int, bool);

template <int... R>
constexpr std::array<TileFn, sizeof...(R)> tiles(std::integer_sequence<int, R...>) {
    return {tile<R + 1>...};
}

// tile<nr> for nr = 1 .. kRows, at index nr - 1.
constexpr std::array<TileFn, kRows> kTiles = tiles(std::make_integer_sequence<int, kRows>());

}  // namespace

int64_t sgemm_avx512_workspace_floats() { return kPanelsPerBlock * kCols * kDepth; }

void sgemm_avx512(float* out, const float* x, const float* w, int64_t n, int64_t k, int64_t m, int64_t j0, int64_t j1,
                  float* workspace) {
    float* packed_w = workspace;  // 64-byte aligned, kPanelsPerBlock × kDepth × 32
    for (int64_t c0 = j0; c0 < j1; c0 += kPanelsPerBlock * kCols) {
        const int64_t c1 = std::min(j1, c0 + kPanelsPerBlock * kCols);
        for (int64_t k0 = 0; k0 < k; k0 += kDepth) {
            const int64_t depth = std::min(kDepth, k - k0);
            pack_weights(packed_w, w, k, c0, c1, k0, depth);
            for (int64_t r0 = 0; r0 < n; r0 += kRows) {
                const int nr = (int)std::min<int64_t>(kRows, n - r0);
                const float* rows[kRows];
                for (int r = 0; r < nr; r++) rows[r] = x + (r0 + r) * k + k0;
                for (int64_t p = 0; c0 + p * kCols < c1; p++) {
                    const int64_t first = c0 + p * kCols;
                    kTiles[nr - 1](out + r0 * m + first, m, rows, packed_w + p * depth * kCols, depth,
                                   (int)std::min<int64_t>(kCols, c1 - first), k0 > 0);
                }
            }
        }
    }
}

}  // namespace llm
