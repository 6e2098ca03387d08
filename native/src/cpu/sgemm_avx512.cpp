// F32 products with several activation rows on AVX-512: out (n × m) = x (n × k) · wᵀ for the
// weight rows (output columns) j0 .. j1 of w (m × k), on the calling thread.
//
// The blocking of GotoBLAS/BLIS, reduced to what this shape needs. The weights are packed a
// block of kPanelsPerBlock × 32 columns by kDepth values of k at a time (512 KiB: the block stays
// in L2), 32 columns per panel with the 32 values of one k next to each other. The activations are
// read in place, 12 rows by kDepth at a time (24 KiB: they stay in L1 while they meet every panel
// of the block). The inner kernel keeps a 12 × 32 tile of the output in 24 registers and, per k,
// loads two vectors of weights and broadcasts 12 activations into 24 FMAs. Partial columns are
// padded with zeros when packed, partial rows read a row of zeros, and neither is stored.
//
// On a Zen 5 core (218 GFLOP/s of FMA peak) this ran at 190-200 GFLOP/s for the shapes of a BERT
// layer, where 8 × 32 tiles and 256-deep blocks ran at 165-178 (bench/RESULTS.md).
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "sgemm.h"
#include "vec_math_avx512.h"

namespace llm {
namespace {

constexpr int kRows = 12;     // activation rows of a tile
constexpr int kCols = 32;     // weight rows (output columns) of a tile: two vectors of 16
constexpr int64_t kDepth = 512;          // values of k packed at a time
constexpr int64_t kPanelsPerBlock = 8;  // 256 columns: 8 × 32 × 512 × 4 bytes = 512 KiB of weights

// Panel p of the block: columns c0 + 32p .. c0 + 32p + 31 of w, k values k0 .. k0 + depth - 1,
// stored as [depth][32] (zeros beyond column c1).
void pack_weights(float* packed, const float* w, int64_t k, int64_t c0, int64_t c1, int64_t k0, int64_t depth) {
    for (int64_t p = 0; c0 + p * kCols < c1; p++) {
        float* panel = packed + p * depth * kCols;
        const int64_t first = c0 + p * kCols;
        const int cols = (int)std::min<int64_t>(kCols, c1 - first);
        for (int c = 0; c < kCols; c++) {
            if (c < cols) {
                const float* src = w + (first + c) * k + k0;
                for (int64_t d = 0; d < depth; d++) panel[d * kCols + c] = src[d];
            } else {
                for (int64_t d = 0; d < depth; d++) panel[d * kCols + c] = 0.0f;
            }
        }
    }
}

// out[r][c] (+)= Σ_d rows[r][d] · panel[d][c] for r < nr, c < nc; accumulate: add to out.
void tile(float* out, int64_t out_stride, const float* const* rows, const float* panel, int64_t depth, int nr, int nc,
          bool accumulate) {
    __m512 acc[kRows][2];
    for (int r = 0; r < kRows; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int64_t d = 0; d < depth; d++) {
        const __m512 b0 = _mm512_load_ps(panel + d * kCols);
        const __m512 b1 = _mm512_load_ps(panel + d * kCols + 16);
        for (int r = 0; r < kRows; r++) {
            const __m512 a = _mm512_set1_ps(rows[r][d]);
            acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
        }
    }
    const __mmask16 m0 = avx512::tail_mask(nc);
    const __mmask16 m1 = avx512::tail_mask(nc - 16);
    for (int r = 0; r < nr; r++) {
        float* o = out + r * out_stride;
        if (accumulate) {
            acc[r][0] = _mm512_add_ps(acc[r][0], _mm512_maskz_loadu_ps(m0, o));
            acc[r][1] = _mm512_add_ps(acc[r][1], _mm512_maskz_loadu_ps(m1, o + 16));
        }
        _mm512_mask_storeu_ps(o, m0, acc[r][0]);
        _mm512_mask_storeu_ps(o + 16, m1, acc[r][1]);
    }
}

}  // namespace

int64_t sgemm_avx512_workspace_floats() { return kPanelsPerBlock * kCols * kDepth + kDepth; }

void sgemm_avx512(float* out, const float* x, const float* w, int64_t n, int64_t k, int64_t m, int64_t j0, int64_t j1,
                  float* workspace) {
    float* packed_w = workspace;  // 64-byte aligned, kPanelsPerBlock × kDepth × 32
    // Rows past n read zeros: a row of kDepth of them after the packed weights.
    float* zeros = workspace + kPanelsPerBlock * kCols * kDepth;
    std::fill(zeros, zeros + kDepth, 0.0f);
    for (int64_t c0 = j0; c0 < j1; c0 += kPanelsPerBlock * kCols) {
        const int64_t c1 = std::min(j1, c0 + kPanelsPerBlock * kCols);
        for (int64_t k0 = 0; k0 < k; k0 += kDepth) {
            const int64_t depth = std::min(kDepth, k - k0);
            pack_weights(packed_w, w, k, c0, c1, k0, depth);
            for (int64_t r0 = 0; r0 < n; r0 += kRows) {
                const int nr = (int)std::min<int64_t>(kRows, n - r0);
                const float* rows[kRows];
                for (int r = 0; r < kRows; r++) rows[r] = r < nr ? x + (r0 + r) * k + k0 : zeros;
                for (int64_t p = 0; c0 + p * kCols < c1; p++) {
                    const int64_t first = c0 + p * kCols;
                    tile(out + r0 * m + first, m, rows, packed_w + p * depth * kCols, depth, nr,
                         (int)std::min<int64_t>(kCols, c1 - first), k0 > 0);
                }
            }
        }
    }
}

}  // namespace llm
