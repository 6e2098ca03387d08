// Scaled dot-product attention, flash-attention style: the (nq × kv_len) score matrix is never
// materialised. Work is cut into tasks of
//   one batch entry × a block of KV heads × a tile of queries (with every query head of those KV
//   heads: the GQA groups) × a span of keys;
// a task walks its keys in tiles, so each K and V tile is read once for all the query rows that
// use it and stays in cache meanwhile, and keeps per row a running maximum m, a running sum l and
// a running weighted sum of values acc (the online softmax).
//
// Prefill (many queries): one KV head per task, tiles of 64 queries' rows × 64 keys.
// Decode (queries that fit one tile): a task takes every KV head, so it streams whole K and V
// rows (contiguous memory: rows of a single head sit a page apart, which costs a TLB miss per
// 512 bytes), and the keys are split (split-K, "flash decoding") until the tasks feed the
// threads; each span yields a partial (m, l, acc) per row, and the partials are merged with
// their log-sum-exp weights.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "attention_tile.h"
#include "cpu_features.h"
#include "llmaccel/attention.h"
#include "status.h"
#include "thread_pool.h"

namespace llm {
namespace {

// Keys per tile, at most: the row length of the score tile.
constexpr int64_t kTileKeys = 64;
// Bytes of a K (or V) tile, so that it stays in L2 while every row of the task uses it: 64 keys
// of one head (prefill) or 32 keys of 8 heads (decode), enough keys per tile that the per-row
// softmax bookkeeping and the accumulator loads and stores are spread thin.
constexpr int64_t kTileBytes = 128 * 1024;
// Query rows (queries × heads) per task: the Q tile and the accumulators stay in L2.
constexpr int64_t kTileRows = 64;
// A span of keys worth a task of its own in split-K.
constexpr int64_t kMinSplitKeys = 512;
// Tasks per thread that split-K aims at, so that a thread slowed by other load is made up for.
constexpr int64_t kTasksPerThread = 4;

// ---- portable tile kernels ------------------------------------------------------------------------

void scores_portable(float* s, int64_t ld, const float* q, int64_t rows, const float* k, int64_t k_stride,
                     int64_t keys, int64_t hd, const float*) {
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t j = 0; j < keys; j++) {
            const float* qr = q + r * hd;
            const float* kr = k + j * k_stride;
            float dot = 0.0f;
            for (int64_t c = 0; c < hd; c++) dot += qr[c] * kr[c];
            s[r * ld + j] = dot;
        }
    }
}

float exp_row_portable(float* x, int64_t n, float* max) {
    float m = *max;
    for (int64_t i = 0; i < n; i++) m = x[i] > m ? x[i] : m;
    if (m == -INFINITY) {
        std::fill(x, x + n, 0.0f);
        return 0.0f;
    }
    *max = m;
    float sum = 0.0f;
    for (int64_t i = 0; i < n; i++) {
        x[i] = std::exp(x[i] - m);
        sum += x[i];
    }
    return sum;
}

void accumulate_portable(float* acc, const float* p, int64_t ld, int64_t rows, const float* v, int64_t v_stride,
                         int64_t keys, int64_t hd) {
    for (int64_t r = 0; r < rows; r++) {
        float* a = acc + r * hd;
        for (int64_t j = 0; j < keys; j++) {
            const float pj = p[r * ld + j];
            const float* vr = v + j * v_stride;
            for (int64_t c = 0; c < hd; c++) a[c] += pj * vr[c];
        }
    }
}

const AttentionTileKernels kPortableKernels = {scores_portable, exp_row_portable, accumulate_portable};

}  // namespace

const AttentionTileKernels& attention_tile_kernels() {
    const int level = simd_level();
    return level >= kSimdAvx512 ? attention_tile_kernels_avx512()
           : level >= kSimdAvx2 ? attention_tile_kernels_avx2()
                                : kPortableKernels;
}

namespace {

// ---- the plan -------------------------------------------------------------------------------------

struct Problem {
    float* out;          // (batch, nq, heads, head_dim)
    const float* q;      // (batch, nq, heads, head_dim)
    const float* k;      // (batch, capacity, kv_heads, head_dim)
    const float* v;      // (batch, capacity, kv_heads, head_dim)
    const int32_t* mask; // (batch, kv_len) or null
    int64_t batch, nq, heads, kv_heads, head_dim, capacity, kv_len, q_pos;
    float scale;
    bool causal;
    int64_t window;

    int64_t group() const { return heads / kv_heads; }

    // Keys [lo, hi) visible to the query at position pos, mask aside. Both ends are
    // non-decreasing in pos, so a tile of consecutive queries sees [lo(first), hi(last)).
    void visible(int64_t pos, int64_t* lo, int64_t* hi) const {
        *hi = causal ? std::min(kv_len, pos + 1) : kv_len;
        *lo = 0;
        if (window > 0) {
            *lo = std::max<int64_t>(0, pos - window + 1);
            if (!causal) *hi = std::min(*hi, pos + window);
        }
        if (*hi < *lo) *hi = *lo;
    }
};

// How the work is cut. Task t is key span t % splits of unit t / splits; unit u is query tile
// u % query_tiles of head block (u / query_tiles) % head_blocks of batch entry
// u / (query_tiles * head_blocks). Within a task, row r is group head r % group of query
// r / group % tile queries of KV head r / (tile queries * group) of the block.
struct Tiling {
    int64_t queries_per_tile;
    int64_t query_tiles;      // per (batch, head block)
    int64_t heads_per_block;  // KV heads per task
    int64_t head_blocks;      // per batch entry
    int64_t tile_keys;        // keys per K/V tile
    int64_t rows_max;         // rows of the largest task
    int64_t splits;           // key spans per unit; 1 = no split-K
};

// What one task covers: batch entry b, KV heads [kh0, kh1), queries [i0, i1), key span `span`.
struct Task {
    int64_t b, kh0, kh1, i0, i1, span;
    int64_t queries() const { return i1 - i0; }
};

Task task_of(const Problem& pb, const Tiling& tl, int64_t t) {
    const int64_t u = t / tl.splits;
    const int64_t qt = u % tl.query_tiles;
    const int64_t hb = (u / tl.query_tiles) % tl.head_blocks;
    Task task;
    task.span = t % tl.splits;
    task.b = u / (tl.query_tiles * tl.head_blocks);
    task.kh0 = hb * tl.heads_per_block;
    task.kh1 = std::min(pb.kv_heads, task.kh0 + tl.heads_per_block);
    task.i0 = qt * tl.queries_per_tile;
    task.i1 = std::min(pb.nq, task.i0 + tl.queries_per_tile);
    return task;
}

// Running state of the online softmax for the rows of one task.
struct TileState {
    std::unique_ptr<float[]> q;     // (rows, head_dim): the queries, pre-multiplied by the scale
    std::unique_ptr<float[]> acc;   // (rows, head_dim)
    std::unique_ptr<float[]> s;     // (rows, tile_keys): scores, then probabilities
    std::unique_ptr<float[]> m;     // (rows)
    std::unique_ptr<float[]> l;     // (rows)

    TileState(int64_t rows, int64_t hd, int64_t tile_keys)
        : q(new float[(size_t)(rows * hd)]),
          acc(new float[(size_t)(rows * hd)]),
          s(new float[(size_t)(rows * tile_keys)]),
          m(new float[(size_t)rows]),
          l(new float[(size_t)rows]) {}
};

// Where a task's rows end up: straight into out (no split-K), or a partial (m, l, acc) per row.
struct Partials {
    float* m;    // (tasks, rows_max)
    float* l;    // (tasks, rows_max)
    float* acc;  // (tasks, rows_max, head_dim)
};

// The output row of row r of a task.
float* out_row(const Problem& pb, const Task& task, int64_t r) {
    const int64_t group = pb.group();
    const int64_t per_head = task.queries() * group;
    const int64_t kh = task.kh0 + r / per_head;
    const int64_t i = task.i0 + (r % per_head) / group;
    return pb.out + ((task.b * pb.nq + i) * pb.heads + kh * group + r % group) * pb.head_dim;
}

// Runs one task: the online softmax of its rows over its keys, finished into out, or left in
// partials when the keys are split.
void run_task(const Problem& pb, const Tiling& tl, const AttentionTileKernels& kern, int64_t t, TileState& st,
              const Partials* partials) {
    const Task task = task_of(pb, tl, t);
    const int64_t hd = pb.head_dim;
    const int64_t group = pb.group();
    const int64_t per_head = task.queries() * group;  // rows of one KV head
    const int64_t rows = (task.kh1 - task.kh0) * per_head;
    const int64_t kv_stride = pb.kv_heads * hd;
    const int64_t ld = tl.tile_keys;

    // The heads of one query that share a KV head are contiguous in q.
    for (int64_t kh = task.kh0; kh < task.kh1; kh++) {
        for (int64_t i = task.i0; i < task.i1; i++) {
            const float* src = pb.q + ((task.b * pb.nq + i) * pb.heads + kh * group) * hd;
            float* dst = st.q.get() + ((kh - task.kh0) * per_head + (i - task.i0) * group) * hd;
            for (int64_t c = 0; c < group * hd; c++) dst[c] = src[c] * pb.scale;
        }
    }
    std::fill(st.acc.get(), st.acc.get() + rows * hd, 0.0f);
    std::fill(st.m.get(), st.m.get() + rows, -INFINITY);
    std::fill(st.l.get(), st.l.get() + rows, 0.0f);

    // The keys of this task: the visible range of its queries, cut into spans of whole tiles.
    int64_t lo, hi, unused;
    pb.visible(pb.q_pos + task.i0, &lo, &unused);
    pb.visible(pb.q_pos + task.i1 - 1, &unused, &hi);
    if (hi < lo) hi = lo;
    const int64_t tiles = (hi - lo + tl.tile_keys - 1) / tl.tile_keys;
    const int64_t span_keys = (tiles + tl.splits - 1) / tl.splits * tl.tile_keys;
    const int64_t k_begin = std::min(hi, lo + task.span * span_keys);
    const int64_t k_end = std::min(hi, k_begin + span_keys);

    const float* kb = pb.k + task.b * pb.capacity * kv_stride;
    const float* vb = pb.v + task.b * pb.capacity * kv_stride;
    const int32_t* mask = pb.mask ? pb.mask + task.b * pb.kv_len : nullptr;
    float* s = st.s.get();
    for (int64_t j0 = k_begin; j0 < k_end; j0 += tl.tile_keys) {
        const int64_t n = std::min(tl.tile_keys, k_end - j0);
        for (int64_t kh = task.kh0; kh < task.kh1; kh++) {
            const int64_t r0 = (kh - task.kh0) * per_head;
            const int64_t offset = j0 * kv_stride + kh * hd;
            kern.scores(s + r0 * ld, ld, st.q.get() + r0 * hd, per_head, kb + offset, kv_stride, n, hd, vb + offset);
        }
        // Hide what the rules hide: keys outside a query's range, and masked keys. A padding mask
        // usually hides no key of a tile; then only the ranges are checked, once per query.
        const int32_t* tile_mask = mask && std::find(mask + j0, mask + j0 + n, 0) != mask + j0 + n ? mask : nullptr;
        for (int64_t i = task.i0; i < task.i1; i++) {
            int64_t qlo, qhi;
            pb.visible(pb.q_pos + i, &qlo, &qhi);
            if (qlo <= j0 && qhi >= j0 + n && !tile_mask) continue;
            for (int64_t j = 0; j < n; j++) {
                const int64_t key = j0 + j;
                if (key >= qlo && key < qhi && !(tile_mask && tile_mask[key] == 0)) continue;
                for (int64_t kh = 0; kh < task.kh1 - task.kh0; kh++) {
                    for (int64_t g = 0; g < group; g++) s[(kh * per_head + (i - task.i0) * group + g) * ld + j] = -INFINITY;
                }
            }
        }
        for (int64_t r = 0; r < rows; r++) {
            const float old_max = st.m[r];
            const float sum = kern.exp_row(s + r * ld, n, &st.m[r]);
            if (st.m[r] == -INFINITY) continue;  // nothing visible to this row yet
            // 0 when old_max is -inf; 1 (without an exp) when the maximum did not move
            const float correction = old_max == st.m[r] ? 1.0f : std::exp(old_max - st.m[r]);
            if (correction != 1.0f) {
                float* a = st.acc.get() + r * hd;
                for (int64_t c = 0; c < hd; c++) a[c] *= correction;
            }
            st.l[r] = st.l[r] * correction + sum;
        }
        for (int64_t kh = task.kh0; kh < task.kh1; kh++) {
            const int64_t r0 = (kh - task.kh0) * per_head;
            kern.accumulate(st.acc.get() + r0 * hd, s + r0 * ld, ld, per_head, vb + j0 * kv_stride + kh * hd, kv_stride,
                            n, hd);
        }
    }

    if (partials) {
        std::copy(st.m.get(), st.m.get() + rows, partials->m + t * tl.rows_max);
        std::copy(st.l.get(), st.l.get() + rows, partials->l + t * tl.rows_max);
        std::copy(st.acc.get(), st.acc.get() + rows * hd, partials->acc + t * tl.rows_max * hd);
        return;
    }
    for (int64_t r = 0; r < rows; r++) {
        float* y = out_row(pb, task, r);
        const float inv = st.l[r] > 0.0f ? 1.0f / st.l[r] : 0.0f;
        const float* a = st.acc.get() + r * hd;
        for (int64_t c = 0; c < hd; c++) y[c] = a[c] * inv;
    }
}

// Merges the partials of the spans of each unit into out:
//   M = max m_s,  out = Σ_s e^(m_s - M) acc_s / Σ_s e^(m_s - M) l_s.
void merge_partials(const Problem& pb, const Tiling& tl, const Partials& parts) {
    const int64_t hd = pb.head_dim;
    const int64_t splits = tl.splits;
    const int64_t units = pb.batch * tl.head_blocks * tl.query_tiles;
    parallel_for(units, 1, [&](int64_t u0, int64_t u1) {
        std::vector<float> weight((size_t)splits);
        for (int64_t u = u0; u < u1; u++) {
            const Task task = task_of(pb, tl, u * splits);
            const int64_t rows = (task.kh1 - task.kh0) * task.queries() * pb.group();
            for (int64_t r = 0; r < rows; r++) {
                float max = -INFINITY;
                for (int64_t sp = 0; sp < splits; sp++) max = std::max(max, parts.m[(u * splits + sp) * tl.rows_max + r]);
                float total = 0.0f;
                for (int64_t sp = 0; sp < splits; sp++) {
                    const int64_t t = u * splits + sp;
                    const float ms = parts.m[t * tl.rows_max + r];
                    weight[(size_t)sp] = ms == -INFINITY ? 0.0f : std::exp(ms - max);
                    total += weight[(size_t)sp] * parts.l[t * tl.rows_max + r];
                }
                float* y = out_row(pb, task, r);
                std::fill(y, y + hd, 0.0f);
                if (!(total > 0.0f)) continue;  // no visible key: zeros
                for (int64_t sp = 0; sp < splits; sp++) {
                    const float w = weight[(size_t)sp] / total;
                    if (w == 0.0f) continue;
                    const float* a = parts.acc + ((u * splits + sp) * tl.rows_max + r) * hd;
                    for (int64_t c = 0; c < hd; c++) y[c] += w * a[c];
                }
            }
        }
    });
}

void attention(const Problem& pb) {
    const AttentionTileKernels& kern = attention_tile_kernels();
    const int64_t group = pb.group();
    const int64_t wanted = kTasksPerThread * thread_count();
    Tiling tl;
    tl.queries_per_tile = std::max<int64_t>(1, kTileRows / group);
    tl.query_tiles = (pb.nq + tl.queries_per_tile - 1) / tl.queries_per_tile;
    // Queries that fit one tile (decode): every KV head in one task, so that K and V are read
    // whole rows at a time.
    tl.heads_per_block = tl.query_tiles == 1 ? pb.kv_heads : 1;
    int64_t lo, hi, unused;
    pb.visible(pb.q_pos, &lo, &unused);
    pb.visible(pb.q_pos + pb.nq - 1, &unused, &hi);
    const int64_t max_splits = std::max<int64_t>(1, (hi - lo) / kMinSplitKeys);
    for (;;) {
        tl.head_blocks = (pb.kv_heads + tl.heads_per_block - 1) / tl.heads_per_block;
        const int64_t units = pb.batch * tl.head_blocks * tl.query_tiles;
        // Split-K when the units alone leave threads idle and the keys are many; smaller head
        // blocks when even that is not enough.
        tl.splits = units >= wanted ? 1 : std::min((wanted + units - 1) / units, max_splits);
        if (units * tl.splits >= wanted || tl.heads_per_block == 1) break;
        tl.heads_per_block = (tl.heads_per_block + 1) / 2;
    }
    // K/V tiles of about kTileBytes (at least 8 keys), at most kTileKeys keys.
    tl.tile_keys = std::clamp<int64_t>(kTileBytes / (4 * tl.heads_per_block * pb.head_dim), 8, kTileKeys);
    tl.rows_max = std::min(pb.nq, tl.queries_per_tile) * std::min(pb.kv_heads, tl.heads_per_block) * group;
    const int64_t tasks = pb.batch * tl.head_blocks * tl.query_tiles * tl.splits;

    std::vector<float> part_m, part_l, part_acc;
    Partials partials{nullptr, nullptr, nullptr};
    if (tl.splits > 1) {
        part_m.resize((size_t)(tasks * tl.rows_max));
        part_l.resize((size_t)(tasks * tl.rows_max));
        part_acc.resize((size_t)(tasks * tl.rows_max * pb.head_dim));
        partials = {part_m.data(), part_l.data(), part_acc.data()};
    }
    parallel_for(tasks, 1, [&](int64_t t0, int64_t t1) {
        TileState st(tl.rows_max, pb.head_dim, tl.tile_keys);
        for (int64_t t = t0; t < t1; t++) run_task(pb, tl, kern, t, st, tl.splits > 1 ? &partials : nullptr);
    });
    if (tl.splits > 1) merge_partials(pb, tl, partials);
}

}  // namespace
}  // namespace llm

extern "C" int llm_attention(float* out, const float* q, const float* k, const float* v, const int32_t* mask,
                             int64_t batch, int64_t nq, int64_t heads, int64_t kv_heads, int64_t head_dim,
                             int64_t capacity, int64_t kv_len, int64_t q_pos, float scale, int causal,
                             int64_t window) {
    return llm::guarded([&] {
        if (batch <= 0 || nq <= 0 || heads <= 0 || kv_heads <= 0 || head_dim <= 0) return;  // nothing to compute
        llm::attention({out, q, k, v, mask, batch, nq, heads, kv_heads, head_dim, capacity, kv_len, q_pos, scale,
                        causal != 0, window});
    });
}
