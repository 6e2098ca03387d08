// The inner loops of attention (see attention_tile.h), written once over vec.h: register-blocked
// q·k dot products, the vectorised exponential of the online softmax, and the p·v update.
//
// Scores take one of two forms. The dot products run over head_dim in kLanes steps and are
// reduced horizontally once at the end. With 16 lanes and many rows (prefill) the key tile is
// transposed once per call into (head_dim × keys) instead, and each query value is broadcast
// against 16 keys at a time, so no dot product needs a horizontal sum (head_dim is often only 32
// or 64). With fewer rows (decoding) transposing costs more than the sums it saves, and with 8
// lanes a slice of 64 keys needs more accumulators per row than the registers hold.
#include <type_traits>

#include "attention_tile.h"
#include "scratch.h"
#include "vec.h"

namespace llm {
namespace LLM_ISA {
namespace {

// s[r * ld + j] for R rows × K keys by dot products.
template <int R, int K>
inline void score_block(float* s, int64_t ld, const float* q, const float* k, int64_t k_stride, int64_t hd) {
    Vec acc[R][K];
    for (int r = 0; r < R; r++) {
        for (int j = 0; j < K; j++) acc[r][j] = zero();
    }
    // head_dim not a multiple of kLanes: masked lanes load as zeros
    for_lanes(hd, [&](int64_t c, auto lanes) {
        Vec kv[K];
        for (int j = 0; j < K; j++) kv[j] = load(k + j * k_stride + c, lanes);
        for (int r = 0; r < R; r++) {
            const Vec qv = load(q + r * hd + c, lanes);
            for (int j = 0; j < K; j++) acc[r][j] = fma(qv, kv[j], acc[r][j]);
        }
    });
    if constexpr (R == 4) {  // four rows: one hsum4 per key
        for (int j = 0; j < K; j++) {
            float out[4];
            hsum4(acc[0][j], acc[1][j], acc[2][j], acc[3][j], out);
            for (int r = 0; r < 4; r++) s[r * ld + j] = out[r];
        }
    } else if constexpr (K == 4) {  // one row, four keys: one hsum4, one store
        for (int r = 0; r < R; r++) hsum4(acc[r][0], acc[r][1], acc[r][2], acc[r][3], s + r * ld);
    } else {
        for (int r = 0; r < R; r++) {
            for (int j = 0; j < K; j++) s[r * ld + j] = hsum(acc[r][j]);
        }
    }
}

// Rows of one head sit a page apart (k_stride is kv_heads * head_dim floats), which hardware
// prefetchers do not follow: the first pass over the keys asks for key rows kPrefetchKeys ahead
// and for the value rows that accumulate() reads next.
constexpr int64_t kPrefetchKeys = 8;

inline void prefetch_row(const float* row, int64_t hd) {
    for (int64_t c = 0; c < hd; c += 16) __builtin_prefetch(row + c, 0, 3);
}

void dot_scores(float* s, int64_t ld, const float* q, int64_t rows, const float* k, int64_t k_stride, int64_t keys,
                int64_t hd, const float* v) {
    int64_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        int64_t j = 0;
        for (; j + 2 <= keys; j += 2) {
            if (r == 0) {
                prefetch_row(k + (j + kPrefetchKeys) * k_stride, hd);
                prefetch_row(k + (j + 1 + kPrefetchKeys) * k_stride, hd);
                prefetch_row(v + j * k_stride, hd);
                prefetch_row(v + (j + 1) * k_stride, hd);
            }
            score_block<4, 2>(s + r * ld + j, ld, q + r * hd, k + j * k_stride, k_stride, hd);
        }
        for (; j < keys; j++) score_block<4, 1>(s + r * ld + j, ld, q + r * hd, k + j * k_stride, k_stride, hd);
    }
    for (; r < rows; r++) {
        int64_t j = 0;
        for (; j + 4 <= keys; j += 4) score_block<1, 4>(s + r * ld + j, ld, q + r * hd, k + j * k_stride, k_stride, hd);
        for (; j < keys; j++) score_block<1, 1>(s + r * ld + j, ld, q + r * hd, k + j * k_stride, k_stride, hd);
    }
}

// ---- transposed keys (16 lanes, prefill) ----------------------------------------------------------

constexpr bool kTransposeScores = kLanes >= 16;

// Keys of a transposed tile row: the tiles of attention.cpp hold at most 64 keys; larger calls go
// through in slices of this many.
constexpr int64_t kKeySlice = 64;

// Fewer query rows than this share a key tile in decoding (one query's GQA group): transposing
// the tile would cost more than the horizontal sums it saves. With 4 rows (Llama's 32 over 8
// heads) the transposing kernel read the KV cache at 7.4 GB/s, the dot products at 21.
constexpr int64_t kMinTransposeRows = 16;

// s[r][j] for R rows and J × kLanes keys from the transposed keys kt (hd × kKeySlice).
template <int R, int J>
inline void score_tile(float* s, int64_t ld, const float* q, int64_t hd, const float* kt, int64_t keys) {
    Vec acc[R][J];
    for (int r = 0; r < R; r++) {
        for (int j = 0; j < J; j++) acc[r][j] = zero();
    }
    for (int64_t c = 0; c < hd; c++) {
        Vec kv[J];
        for (int j = 0; j < J; j++) kv[j] = load(kt + c * kKeySlice + kLanes * j);
        for (int r = 0; r < R; r++) {
            const Vec qv = set1(q[r * hd + c]);
            for (int j = 0; j < J; j++) acc[r][j] = fma(qv, kv[j], acc[r][j]);
        }
    }
    for (int r = 0; r < R; r++) {
        for (int j = 0; j < J; j++) {
            const int64_t left = keys - kLanes * j;  // the last vector may be partial
            if (left >= kLanes) {
                store(s + r * ld + kLanes * j, acc[r][j]);
            } else {
                store(s + r * ld + kLanes * j, acc[r][j], tail(left));
            }
        }
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
    if constexpr (kTransposeScores) {
        if (rows >= kMinTransposeRows) {
            // (hd × kKeySlice): the key slice transposed
            float* kt = reinterpret_cast<float*>(scratch(kScratchAttentionKeys, hd * kKeySlice * (int64_t)sizeof(float)));
            for (int64_t j0 = 0; j0 < keys; j0 += kKeySlice) {
                const int64_t n = keys - j0 < kKeySlice ? keys - j0 : kKeySlice;
                for (int64_t j = 0; j < n; j++) {
                    const float* row = k + (j0 + j) * k_stride;
                    for (int64_t c = 0; c < hd; c++) kt[c * kKeySlice + j] = row[c];
                }
                float* out = s + j0;
                static_assert(kKeySlice == 4 * kLanes || !kTransposeScores, "a slice is one to four vectors");
                if (n > 3 * kLanes) {
                    score_rows<4>(out, ld, q, rows, hd, kt, n);
                } else if (n > 2 * kLanes) {
                    score_rows<3>(out, ld, q, rows, hd, kt, n);
                } else if (n > kLanes) {
                    score_rows<2>(out, ld, q, rows, hd, kt, n);
                } else {
                    score_rows<1>(out, ld, q, rows, hd, kt, n);
                }
            }
            return;
        }
    }
    dot_scores(s, ld, q, rows, k, k_stride, keys, hd, v);
}

// ---- the online softmax and p·v ------------------------------------------------------------------

float exp_row(float* x, int64_t n, float* max_inout) {
    const Vec neg_inf = set1(-__builtin_inff());
    Vec mv = neg_inf;
    for_lanes(n, [&](int64_t i, auto lanes) { mv = max(mv, keep(load(x + i, lanes), neg_inf, lanes)); });
    float m = hmax(mv);
    if (*max_inout > m) m = *max_inout;
    if (m == -__builtin_inff()) {
        for (int64_t c = 0; c < n; c++) x[c] = 0.0f;
        return 0.0f;
    }
    *max_inout = m;
    const Vec shift = set1(m);
    Vec sum = zero();
    for_lanes(n, [&](int64_t i, auto lanes) {
        const Vec e = keep(exp(load(x + i, lanes) - shift), zero(), lanes);
        store(x + i, e, lanes);
        sum = sum + e;
    });
    return hsum(sum);
}

// acc rows [0, R) × V vectors of columns from column c (the last one partial when lanes is a Tail).
template <int R, int V, class Lanes>
inline void accumulate_block(float* acc, const float* p, int64_t ld, const float* v, int64_t v_stride, int64_t keys,
                             int64_t hd, int64_t c, Lanes lanes) {
    static_assert(V == 1 || std::is_same<Lanes, Full>::value, "only a single vector may be partial");
    Vec a[R][V];
    for (int r = 0; r < R; r++) {
        for (int x = 0; x < V; x++) a[r][x] = load(acc + r * hd + c + kLanes * x, lanes);
    }
    for (int64_t j = 0; j < keys; j++) {
        Vec vv[V];
        for (int x = 0; x < V; x++) vv[x] = load(v + j * v_stride + c + kLanes * x, lanes);
        for (int r = 0; r < R; r++) {
            const Vec pr = set1(p[r * ld + j]);
            for (int x = 0; x < V; x++) a[r][x] = fma(pr, vv[x], a[r][x]);
        }
    }
    for (int r = 0; r < R; r++) {
        for (int x = 0; x < V; x++) store(acc + r * hd + c + kLanes * x, a[r][x], lanes);
    }
}

// Columns in blocks of two vectors, then one, the last possibly partial.
template <int R>
inline void accumulate_rows(float* acc, const float* p, int64_t ld, const float* v, int64_t v_stride, int64_t keys,
                            int64_t hd) {
    int64_t c = 0;
    for (; c + 2 * kLanes <= hd; c += 2 * kLanes) accumulate_block<R, 2>(acc, p, ld, v, v_stride, keys, hd, c, Full{});
    for_lanes(hd - c, [&](int64_t i, auto lanes) { accumulate_block<R, 1>(acc, p, ld, v, v_stride, keys, hd, c + i, lanes); });
}

// Blocks of 8 rows where the registers hold them (a GQA group of 8 heads in decoding reads each
// value row once), then 4, then single rows.
constexpr bool kEightRows = kRegisters >= 32;

void accumulate(float* acc, const float* p, int64_t ld, int64_t rows, const float* v, int64_t v_stride, int64_t keys,
                int64_t hd) {
    int64_t r = 0;
    if constexpr (kEightRows) {
        for (; r + 8 <= rows; r += 8) accumulate_rows<8>(acc + r * hd, p + r * ld, ld, v, v_stride, keys, hd);
    }
    for (; r + 4 <= rows; r += 4) accumulate_rows<4>(acc + r * hd, p + r * ld, ld, v, v_stride, keys, hd);
    for (; r < rows; r++) accumulate_rows<1>(acc + r * hd, p + r * ld, ld, v, v_stride, keys, hd);
}

}  // namespace

extern const AttentionTileKernels kAttentionTileKernels = {scores, exp_row, accumulate};

}  // namespace LLM_ISA
}  // namespace llm
