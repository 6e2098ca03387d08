// Attention over a paged key/value cache (llmaccel/paged_attention.h): the rows of one batch come
// from many sequences, each with its own position and its own block table.
//
// Work is cut into tasks of one query row × one KV head (with every query head of its GQA group)
// × one span of kSpanKeys key positions. A task walks its keys block by block through the
// sequence's table: the span's scores (paged_attention_block.h: keys in the vector lanes), their
// softmax weights (one maximum and one sum per span, the exponential of attention_tile.h) and the
// weighted sum of values. A row whose keys fill one span is finished in place; longer rows leave a
// partial (m, l, acc) per span, and the partials are merged in span order. The spans sit at fixed
// positions (not sized to the batch or to the threads), so the arithmetic of a row never depends
// on what else is in the batch.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "attention_tile.h"
#include "cpu_features.h"
#include "llmaccel/paged_attention.h"
#include "paged_attention_block.h"
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
    int64_t spans(int64_t row) const { return row_pos[row] / kSpanKeys + 1; }
};

// The softmax state of one task's rows (the query heads of one GQA group).
struct TaskState {
    std::vector<float> q;    // (group, head_dim): the queries times the scale
    std::vector<float> s;    // (group, kSpanKeys): scores, then weights
    std::vector<float> acc;  // (group, head_dim)
    std::vector<float> m;    // (group)
    std::vector<float> l;    // (group)

    TaskState(int64_t group, int64_t hd)
        : q((size_t)(group * hd)), s((size_t)(group * kSpanKeys)), acc((size_t)(group * hd)), m((size_t)group),
          l((size_t)group) {}
};

const PagedBlockKernels& block_kernels() {
    const int level = simd_level();
    return level >= kSimdAvx512 ? paged_block_kernels_avx512()
           : level >= kSimdAvx2 ? paged_block_kernels_avx2()
                                : paged_block_kernels_portable();
}

// Runs task (row, kv head kh, span) into st: st.m, st.l and st.acc hold its partial softmax.
void run_span(const Problem& pb, const PagedBlockKernels& blocks, const AttentionTileKernels& tile, int64_t row,
              int64_t kh, int64_t span, TaskState& st) {
    const int64_t hd = pb.head_dim, group = pb.group(), bs = pb.block_size;
    const int64_t head_floats = hd * bs;  // one KV head of one block, in either pool
    const float* qrow = pb.q + (row * pb.heads + kh * group) * hd;
    for (int64_t c = 0; c < group * hd; c++) st.q[(size_t)c] = qrow[c] * pb.scale;
    const int32_t* table = pb.block_tables + (int64_t)pb.row_seq[row] * pb.max_blocks;
    const int64_t lo = span * kSpanKeys;
    const int64_t hi = std::min<int64_t>(lo + kSpanKeys, (int64_t)pb.row_pos[row] + 1);
    const int64_t keys = hi - lo;
    float* s = st.s.data();
    // The span's scores, block by block: (group, keys) with row stride kSpanKeys. Spans start on
    // block boundaries when the block size divides kSpanKeys; otherwise a block's first keys may
    // belong to the span before.
    for (int64_t p = lo; p < hi;) {
        const int64_t block = p / bs, offset = p % bs;
        const int64_t count = std::min(bs - offset, hi - p);
        const float* kt = pb.k_pool + ((int64_t)table[block] * pb.kv_heads + kh) * head_floats;
        if (offset == 0) {
            blocks.scores(s + (p - lo), kSpanKeys, st.q.data(), group, kt, bs, count, hd);
        } else {  // keys [offset, offset + count) of the block, one by one
            for (int64_t r = 0; r < group; r++) {
                for (int64_t j = 0; j < count; j++) {
                    float dot = 0.0f;
                    for (int64_t c = 0; c < hd; c++) dot += st.q[(size_t)(r * hd + c)] * kt[c * bs + offset + j];
                    s[r * kSpanKeys + (p - lo) + j] = dot;
                }
            }
        }
        p += count;
    }
    for (int64_t r = 0; r < group; r++) {
        st.m[(size_t)r] = -INFINITY;
        st.l[(size_t)r] = tile.exp_row(s + r * kSpanKeys, keys, &st.m[(size_t)r]);
    }
    std::fill(st.acc.begin(), st.acc.end(), 0.0f);
    for (int64_t p = lo; p < hi;) {
        const int64_t block = p / bs, offset = p % bs;
        const int64_t count = std::min(bs - offset, hi - p);
        const float* v = pb.v_pool + ((int64_t)table[block] * pb.kv_heads + kh) * head_floats + offset * hd;
        blocks.accumulate(st.acc.data(), s + (p - lo), kSpanKeys, group, v, count, hd);
        p += count;
    }
}

void paged_attention(const Problem& pb) {
    const PagedBlockKernels& blocks = block_kernels();
    const AttentionTileKernels& tile = attention_tile_kernels();
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
        TaskState st(group, hd);
        int64_t row = std::upper_bound(first.begin(), first.end(), t0) - first.begin() - 1;
        for (int64_t t = t0; t < t1; t++) {
            while (t >= first[(size_t)row + 1]) row++;
            const int64_t spans = pb.spans(row);
            const int64_t kh = (t - first[(size_t)row]) / spans, span = (t - first[(size_t)row]) % spans;
            run_span(pb, blocks, tile, row, kh, span, st);
            if (spans == 1) {
                float* y = pb.out + (row * pb.heads + kh * group) * hd;
                for (int64_t r = 0; r < group; r++) {
                    const float inv = 1.0f / st.l[(size_t)r];  // the row's own key is always visible: l > 0
                    for (int64_t c = 0; c < hd; c++) y[r * hd + c] = st.acc[(size_t)(r * hd + c)] * inv;
                }
                continue;
            }
            float* part = parts.data() + t * part_floats;
            std::copy(st.m.begin(), st.m.end(), part);
            std::copy(st.l.begin(), st.l.end(), part + group);
            std::copy(st.acc.begin(), st.acc.end(), part + 2 * group);
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

const PagedBlockKernels& paged_block_kernels_portable() {
    static constexpr PagedBlockKernels kernels = PagedBlock<4>::kernels();
    return kernels;
}

}  // namespace llm

extern "C" int llm_paged_kv_write(float* k_pool, float* v_pool, const float* k, const float* v, const int32_t* slots,
                                  int64_t n, int64_t kv_heads, int64_t head_dim, int64_t block_size) {
    return llm::guarded([&]() -> int {
        const int64_t head_floats = head_dim * block_size;
        for (int64_t i = 0; i < n; i++) {
            const int64_t block = slots[i] / block_size, offset = slots[i] % block_size;
            for (int64_t h = 0; h < kv_heads; h++) {
                const float* kr = k + (i * kv_heads + h) * head_dim;
                float* kt = k_pool + (block * kv_heads + h) * head_floats + offset;  // column offset of (head_dim, block_size)
                for (int64_t c = 0; c < head_dim; c++) kt[c * block_size] = kr[c];
                std::memcpy(v_pool + (block * kv_heads + h) * head_floats + offset * head_dim, v + (i * kv_heads + h) * head_dim,
                            (size_t)head_dim * sizeof(float));
            }
        }
        return LLM_OK;
    });
}

extern "C" int llm_paged_attention(float* out, const float* q, const float* k_pool, const float* v_pool,
                                   const int32_t* block_tables, const int32_t* row_seq, const int32_t* row_pos,
                                   int64_t n, int64_t heads, int64_t kv_heads, int64_t head_dim, int64_t block_size,
                                   int64_t max_blocks, float scale) {
    return llm::guarded([&] {
        if (n <= 0 || heads <= 0 || head_dim <= 0) return;
        llm::paged_attention({out, q, k_pool, v_pool, block_tables, row_seq, row_pos, n, heads, kv_heads, head_dim,
                              block_size, max_blocks, scale});
    });
}
