// AVX2/FMA inner loops of attention (see attention_tile.h): register-blocked q·k dot products,
// the vectorised exponential of the online softmax, and the p·v update.
#include <immintrin.h>

#include "attention_tile.h"
#include "vec_math_avx2.h"

namespace llm {
namespace {

// s[r * ld + j] for R rows × K keys: the dot products run over head_dim in 8-lane steps and are
// reduced horizontally once at the end.
template <int R, int K>
inline void score_block(float* s, int64_t ld, const float* q, const float* k, int64_t k_stride, int64_t hd) {
    __m256 acc[R][K];
    for (int r = 0; r < R; r++) {
        for (int j = 0; j < K; j++) acc[r][j] = _mm256_setzero_ps();
    }
    int64_t c = 0;
    for (; c + 8 <= hd; c += 8) {
        __m256 kv[K];
        for (int j = 0; j < K; j++) kv[j] = _mm256_loadu_ps(k + j * k_stride + c);
        for (int r = 0; r < R; r++) {
            __m256 qv = _mm256_loadu_ps(q + r * hd + c);
            for (int j = 0; j < K; j++) acc[r][j] = _mm256_fmadd_ps(qv, kv[j], acc[r][j]);
        }
    }
    if (c < hd) {  // head_dim not a multiple of 8: masked lanes load as zeros
        const __m256i m = avx2::tail_mask(hd - c);
        __m256 kv[K];
        for (int j = 0; j < K; j++) kv[j] = _mm256_maskload_ps(k + j * k_stride + c, m);
        for (int r = 0; r < R; r++) {
            __m256 qv = _mm256_maskload_ps(q + r * hd + c, m);
            for (int j = 0; j < K; j++) acc[r][j] = _mm256_fmadd_ps(qv, kv[j], acc[r][j]);
        }
    }
    if constexpr (R == 4) {  // four rows: one hadd tree per key
        for (int j = 0; j < K; j++) {
            alignas(16) float out[4];
            _mm_store_ps(out, avx2::hsum4(acc[0][j], acc[1][j], acc[2][j], acc[3][j]));
            for (int r = 0; r < 4; r++) s[r * ld + j] = out[r];
        }
    } else if constexpr (K == 4) {  // one row, four keys: one hadd tree, one store
        for (int r = 0; r < R; r++) _mm_storeu_ps(s + r * ld, avx2::hsum4(acc[r][0], acc[r][1], acc[r][2], acc[r][3]));
    } else {
        for (int r = 0; r < R; r++) {
            for (int j = 0; j < K; j++) s[r * ld + j] = avx2::hsum(acc[r][j]);
        }
    }
}

// Rows of one head sit a page apart (k_stride is kv_heads * head_dim floats), which hardware
// prefetchers do not follow: the first pass over the keys asks for key rows kPrefetchKeys ahead
// and for the value rows that accumulate() reads next.
constexpr int64_t kPrefetchKeys = 8;

inline void prefetch_row(const float* row, int64_t hd) {
    for (int64_t c = 0; c < hd; c += 16) _mm_prefetch(reinterpret_cast<const char*>(row + c), _MM_HINT_T0);
}

void scores(float* s, int64_t ld, const float* q, int64_t rows, const float* k, int64_t k_stride, int64_t keys,
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

float exp_row(float* x, int64_t n, float* max) {
    const __m256 neg_inf = _mm256_set1_ps(-__builtin_inff());
    __m256 mv = neg_inf;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) mv = _mm256_max_ps(mv, _mm256_loadu_ps(x + i));
    const __m256i tail = avx2::tail_mask(n - i);
    const __m256 tail_lanes = _mm256_castsi256_ps(tail);
    if (i < n) mv = _mm256_max_ps(mv, _mm256_blendv_ps(neg_inf, _mm256_maskload_ps(x + i, tail), tail_lanes));
    float m = avx2::hmax(mv);
    if (*max > m) m = *max;
    if (m == -__builtin_inff()) {
        for (int64_t c = 0; c < n; c++) x[c] = 0.0f;
        return 0.0f;
    }
    *max = m;
    const __m256 shift = _mm256_set1_ps(m);
    __m256 sum = _mm256_setzero_ps();
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 e = avx2::exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), shift));
        _mm256_storeu_ps(x + i, e);
        sum = _mm256_add_ps(sum, e);
    }
    if (i < n) {
        __m256 e = avx2::exp(_mm256_sub_ps(_mm256_maskload_ps(x + i, tail), shift));
        e = _mm256_and_ps(e, tail_lanes);
        _mm256_maskstore_ps(x + i, tail, e);
        sum = _mm256_add_ps(sum, e);
    }
    return avx2::hsum(sum);
}

// acc rows [0, R) × V vectors of 8 columns starting at column c (V * 8 <= head_dim - c), or the
// last partial vector when Tail.
template <int R, int V, bool Tail>
inline void accumulate_block(float* acc, const float* p, int64_t ld, const float* v, int64_t v_stride, int64_t keys,
                             int64_t hd, int64_t c) {
    const __m256i m = avx2::tail_mask(Tail ? hd - c : 8);
    __m256 a[R][V];
    for (int r = 0; r < R; r++) {
        for (int x = 0; x < V; x++) {
            a[r][x] = Tail ? _mm256_maskload_ps(acc + r * hd + c + 8 * x, m) : _mm256_loadu_ps(acc + r * hd + c + 8 * x);
        }
    }
    for (int64_t j = 0; j < keys; j++) {
        __m256 vv[V];
        for (int x = 0; x < V; x++) {
            vv[x] = Tail ? _mm256_maskload_ps(v + j * v_stride + c + 8 * x, m) : _mm256_loadu_ps(v + j * v_stride + c + 8 * x);
        }
        for (int r = 0; r < R; r++) {
            __m256 pr = _mm256_broadcast_ss(p + r * ld + j);
            for (int x = 0; x < V; x++) a[r][x] = _mm256_fmadd_ps(pr, vv[x], a[r][x]);
        }
    }
    for (int r = 0; r < R; r++) {
        for (int x = 0; x < V; x++) {
            if (Tail) {
                _mm256_maskstore_ps(acc + r * hd + c + 8 * x, m, a[r][x]);
            } else {
                _mm256_storeu_ps(acc + r * hd + c + 8 * x, a[r][x]);
            }
        }
    }
}

template <int R>
inline void accumulate_rows(float* acc, const float* p, int64_t ld, const float* v, int64_t v_stride, int64_t keys,
                            int64_t hd) {
    int64_t c = 0;
    for (; c + 16 <= hd; c += 16) accumulate_block<R, 2, false>(acc, p, ld, v, v_stride, keys, hd, c);
    for (; c + 8 <= hd; c += 8) accumulate_block<R, 1, false>(acc, p, ld, v, v_stride, keys, hd, c);
    if (c < hd) accumulate_block<R, 1, true>(acc, p, ld, v, v_stride, keys, hd, c);
}

void accumulate(float* acc, const float* p, int64_t ld, int64_t rows, const float* v, int64_t v_stride, int64_t keys,
                int64_t hd) {
    int64_t r = 0;
    for (; r + 4 <= rows; r += 4) accumulate_rows<4>(acc + r * hd, p + r * ld, ld, v, v_stride, keys, hd);
    for (; r < rows; r++) accumulate_rows<1>(acc + r * hd, p + r * ld, ld, v, v_stride, keys, hd);
}

const AttentionTileKernels kAvx2Kernels = {scores, exp_row, accumulate};

}  // namespace

const AttentionTileKernels& attention_tile_kernels_avx2() { return kAvx2Kernels; }

}  // namespace llm
