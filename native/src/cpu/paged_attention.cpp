// Attention over a paged key/value cache (llmaccel/paged_attention.h): the rows of one batch come
// from many sequences, each with its own position and its own block table.
//
// Work is cut into tasks of one query row × one KV head (with every query head of its GQA group)
// × one span of kSpanKeys key positions. A group of two or three heads is padded to four rows (the
// padding's query is zero and its result dropped), so that the tile kernels read each key and
// value once for the whole group instead of once per head. A task gathers its keys block by block through the
// sequence's table, computes the span's scores, their softmax weights (one maximum and one sum per
// span) and the weighted sum of values, with the tile kernels of attention_tile.h. A row whose
// keys fill one span is finished in place; longer rows leave a partial (m, l, acc) per span, and
// the partials are merged in span order. The spans sit at fixed positions (not sized to the
// batch or to the threads), so the arithmetic of a row never depends on what else is in the batch.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "attention_tile.h"
#include "llmaccel/paged_attention.h"
#include "status.h"
#include "thread_pool.h"

namespace llm {
namespace {

// Key positions per span: spans [0, 256), [256, 512), ... of every sequence. Long enough that
// decoding a short sequence is one task per KV head, short enough that a long one feeds the threads.
constexpr int64_t kSpanKeys = 256;

struct Problem {
    float* out;                  // (n, heads, head_dim)
    const float* q;              // (n, heads, head_dim)
    const float* k_pool;         // (blocks, block_size, kv_heads, head_dim)
    const float* v_pool;
    const int32_t* block_tables; // (sequences, max_blocks)
    const int32_t* row_seq;      // (n)
    const int32_t* row_pos;      // (n)
    int64_t n, heads, kv_heads, head_dim, block_size, max_blocks;
    float scale;

    int64_t group() const { return heads / kv_heads; }
    // Rows of a task: the group, padded to the tile kernels' block of four rows.
    int64_t rows() const { return group() == 2 || group() == 3 ? 4 : group(); }
    int64_t spans(int64_t row) const { return row_pos[row] / kSpanKeys + 1; }
};

// The softmax state of one task's rows (the query heads of one GQA group, padded: Problem::rows).
struct TaskState {
    std::vector<float> q;    // (rows, head_dim): the queries times the scale; padding rows zero
    std::vector<float> s;    // (rows, kSpanKeys): scores, then weights
    std::vector<float> acc;  // (rows, head_dim)
    std::vector<float> m;    // (rows)
    std::vector<float> l;    // (rows)

    TaskState(int64_t rows, int64_t hd)
        : q((size_t)(rows * hd), 0.0f), s((size_t)(rows * kSpanKeys), 0.0f), acc((size_t)(rows * hd)),
          m((size_t)rows), l((size_t)rows) {}
};

// Runs task (row, kv head kh, span) into st: st.m, st.l and st.acc hold its partial softmax.
void run_span(const Problem& pb, const AttentionTileKernels& kern, int64_t row, int64_t kh, int64_t span, TaskState& st) {
    const int64_t hd = pb.head_dim, group = pb.group(), rows = pb.rows(), bs = pb.block_size;
    const int64_t kv_stride = pb.kv_heads * hd;  // floats between the slots of one block
    const float* qrow = pb.q + (row * pb.heads + kh * group) * hd;
    for (int64_t c = 0; c < group * hd; c++) st.q[(size_t)c] = qrow[c] * pb.scale;
    const int32_t* table = pb.block_tables + (int64_t)pb.row_seq[row] * pb.max_blocks;
    const int64_t lo = span * kSpanKeys;
    const int64_t hi = std::min<int64_t>(lo + kSpanKeys, (int64_t)pb.row_pos[row] + 1);
    const int64_t keys = hi - lo;
    float* s = st.s.data();
    // The keys of the span, block by block: scores (rows, keys) with row stride kSpanKeys.
    for (int64_t p = lo; p < hi;) {
        const int64_t block = p / bs, offset = p % bs;
        const int64_t count = std::min(bs - offset, hi - p);
        const int64_t slot = (int64_t)table[block] * bs + offset;
        const float* k = pb.k_pool + slot * kv_stride + kh * hd;
        kern.scores(s + (p - lo), kSpanKeys, st.q.data(), rows, k, kv_stride, count, hd,
                    pb.v_pool + slot * kv_stride + kh * hd);
        p += count;
    }
    for (int64_t r = 0; r < group; r++) {
        st.m[(size_t)r] = -INFINITY;
        st.l[(size_t)r] = kern.exp_row(s + r * kSpanKeys, keys, &st.m[(size_t)r]);
    }
    for (int64_t r = group; r < rows; r++) {
        std::fill(s + r * kSpanKeys, s + r * kSpanKeys + keys, 0.0f);  // the padding weighs nothing
    }
    std::fill(st.acc.begin(), st.acc.end(), 0.0f);
    for (int64_t p = lo; p < hi;) {
        const int64_t block = p / bs, offset = p % bs;
        const int64_t count = std::min(bs - offset, hi - p);
        const int64_t slot = (int64_t)table[block] * bs + offset;
        kern.accumulate(st.acc.data(), s + (p - lo), kSpanKeys, rows, pb.v_pool + slot * kv_stride + kh * hd,
                        kv_stride, count, hd);
        p += count;
    }
}

void paged_attention(const Problem& pb) {
    const AttentionTileKernels& kern = attention_tile_kernels();
    const int64_t hd = pb.head_dim, group = pb.group();
    // Task t of row i: first[i] <= t < first[i + 1]; within a row, KV head major, span minor.
    std::vector<int64_t> first((size_t)pb.n + 1, 0);
    bool split = false;
    for (int64_t i = 0; i < pb.n; i++) {
        first[(size_t)i + 1] = first[(size_t)i] + pb.kv_heads * pb.spans(i);
        split = split || pb.spans(i) > 1;
    }
    const int64_t tasks = first[(size_t)pb.n];
    // Partial results of every task (only when some row has several spans): m, l, acc per head.
    const int64_t part_floats = group * (hd + 2);
    std::vector<float> parts(split ? (size_t)(tasks * part_floats) : 0);
    parallel_for(tasks, 1, [&](int64_t t0, int64_t t1) {
        TaskState st(pb.rows(), hd);
        int64_t row = std::upper_bound(first.begin(), first.end(), t0) - first.begin() - 1;
        for (int64_t t = t0; t < t1; t++) {
            while (t >= first[(size_t)row + 1]) row++;
            const int64_t spans = pb.spans(row);
            const int64_t kh = (t - first[(size_t)row]) / spans, span = (t - first[(size_t)row]) % spans;
            run_span(pb, kern, row, kh, span, st);
            if (spans == 1) {
                float* y = pb.out + (row * pb.heads + kh * group) * hd;
                for (int64_t r = 0; r < group; r++) {
                    const float inv = 1.0f / st.l[(size_t)r];  // the row's own key is always visible: l > 0
                    for (int64_t c = 0; c < hd; c++) y[r * hd + c] = st.acc[(size_t)(r * hd + c)] * inv;
                }
                continue;
            }
            float* part = parts.data() + t * part_floats;
            std::copy(st.m.begin(), st.m.begin() + group, part);
            std::copy(st.l.begin(), st.l.begin() + group, part + group);
            std::copy(st.acc.begin(), st.acc.begin() + group * hd, part + 2 * group);
        }
    });
    if (!split) return;
    // out = Σ_s e^(m_s - M) acc_s / Σ_s e^(m_s - M) l_s over the spans s of a row, M = max m_s.
    parallel_for(pb.n * pb.kv_heads, 1, [&](int64_t u0, int64_t u1) {
        for (int64_t u = u0; u < u1; u++) {
            const int64_t row = u / pb.kv_heads, kh = u % pb.kv_heads, spans = pb.spans(row);
            if (spans == 1) continue;
            const float* base = parts.data() + (first[(size_t)row] + kh * spans) * part_floats;
            float* y = pb.out + (row * pb.heads + kh * group) * hd;
            for (int64_t r = 0; r < group; r++) {
                float max = -INFINITY;
                for (int64_t sp = 0; sp < spans; sp++) max = std::max(max, base[sp * part_floats + r]);
                float total = 0.0f;
                for (int64_t sp = 0; sp < spans; sp++) {
                    total += std::exp(base[sp * part_floats + r] - max) * base[sp * part_floats + group + r];
                }
                std::fill(y + r * hd, y + (r + 1) * hd, 0.0f);
                for (int64_t sp = 0; sp < spans; sp++) {
                    const float w = std::exp(base[sp * part_floats + r] - max) / total;
                    const float* a = base + sp * part_floats + 2 * group + r * hd;
                    for (int64_t c = 0; c < hd; c++) y[r * hd + c] += w * a[c];
                }
            }
        }
    });
}

}  // namespace
}  // namespace llm

extern "C" int llm_paged_kv_write(float* k_pool, float* v_pool, const float* k, const float* v, const int32_t* slots,
                                  int64_t n, int64_t row) {
    const size_t bytes = (size_t)row * sizeof(float);
    for (int64_t i = 0; i < n; i++) {
        std::memcpy(k_pool + (int64_t)slots[i] * row, k + i * row, bytes);
        std::memcpy(v_pool + (int64_t)slots[i] * row, v + i * row, bytes);
    }
    return LLM_OK;
}

extern "C" int llm_paged_attention(float* out, const float* q, const float* k_pool, const float* v_pool,
                                   const int32_t* block_tables, const int32_t* row_seq, const int32_t* row_pos,
                                   int64_t n, int64_t heads, int64_t kv_heads, int64_t head_dim, int64_t block_size,
                                   int64_t max_blocks, float scale) {
    if (n <= 0 || heads <= 0 || head_dim <= 0) return LLM_OK;
    return llm::guarded([&] {
        llm::paged_attention({out, q, k_pool, v_pool, block_tables, row_seq, row_pos, n, heads, kv_heads, head_dim,
                              block_size, max_blocks, scale});
    });
}
