// Scaled dot-product attention with grouped-query heads and an online softmax: each query keeps a
// running maximum, a running sum and a running weighted sum of values, so the score matrix is
// never materialised and memory stays O(head_dim) per query.
#include <algorithm>
#include <cmath>
#include <vector>

#include "llmaccel/attention.h"
#include "status.h"
#include "thread_pool.h"

extern "C" int llm_attention(float* out, const float* q, const float* k, const float* v, const int32_t* mask,
                             int64_t batch, int64_t nq, int64_t heads, int64_t kv_heads, int64_t head_dim,
                             int64_t capacity, int64_t kv_len, int64_t q_pos, float scale, int causal,
                             int64_t window) {
    return llm::guarded([&] {
        const int64_t group = heads / kv_heads;
        llm::parallel_for(batch * nq * heads, 1, [&](int64_t t0, int64_t t1) {
            std::vector<float> acc((size_t)head_dim);
            for (int64_t t = t0; t < t1; t++) {
                const int64_t h = t % heads;
                const int64_t i = (t / heads) % nq;
                const int64_t b = t / (heads * nq);
                const int64_t kh = h / group;
                const int64_t pos = q_pos + i;
                // The visible keys form one range [lo, hi) before the padding mask.
                int64_t hi = causal ? std::min(kv_len, pos + 1) : kv_len;
                int64_t lo = 0;
                if (window > 0) {
                    lo = std::max<int64_t>(0, pos - window + 1);
                    if (!causal) hi = std::min(hi, pos + window);
                }
                const float* qv = q + t * head_dim;
                float* y = out + t * head_dim;
                std::fill(acc.begin(), acc.end(), 0.0f);
                float m = -INFINITY;
                float l = 0.0f;
                for (int64_t j = lo; j < hi; j++) {
                    if (mask && mask[b * kv_len + j] == 0) continue;
                    const float* kr = k + ((b * capacity + j) * kv_heads + kh) * head_dim;
                    const float* vr = v + ((b * capacity + j) * kv_heads + kh) * head_dim;
                    float s = 0.0f;
                    for (int64_t c = 0; c < head_dim; c++) s += qv[c] * kr[c];
                    s *= scale;
                    if (s > m) {  // a new maximum: rescale what has been summed so far
                        float correction = std::exp(m - s);
                        l *= correction;
                        for (int64_t c = 0; c < head_dim; c++) acc[(size_t)c] *= correction;
                        m = s;
                    }
                    float p = std::exp(s - m);
                    l += p;
                    for (int64_t c = 0; c < head_dim; c++) acc[(size_t)c] += p * vr[c];
                }
                float inv = l > 0.0f ? 1.0f / l : 0.0f;
                for (int64_t c = 0; c < head_dim; c++) y[c] = acc[(size_t)c] * inv;
            }
        });
    });
}
