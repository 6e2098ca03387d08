// Embedding lookup, pooling and L2 normalisation.
#include <cmath>
#include <vector>

#include "llmaccel/embedding.h"
#include "quant.h"
#include "status.h"
#include "thread_pool.h"

extern "C" int llm_embedding_rows(float* out, const void* table, int table_type, const int32_t* ids,
                                  int64_t n, int64_t d) {
    return llm::guarded([&]() -> int {
        const int64_t row_bytes = llm::type_bytes(table_type, d);
        if (llm::type_block_size(table_type) == 0) return LLM_ERR_UNSUPPORTED;
        llm::parallel_for(n, 1, [&](int64_t i0, int64_t i1) {
            for (int64_t i = i0; i < i1; i++) {
                const char* row = static_cast<const char*>(table) + ids[i] * row_bytes;
                llm::dequantize_row(table_type, row, out + i * d, d);
            }
        });
        return LLM_OK;
    });
}

extern "C" int llm_pool(float* out, const float* x, const int32_t* mask, int mode, int64_t batch,
                        int64_t seq, int64_t d) {
    return llm::guarded([&] {
        llm::parallel_for(batch, 1, [&](int64_t b0, int64_t b1) {
            std::vector<double> acc((size_t)d);
            for (int64_t b = b0; b < b1; b++) {
                float* y = out + b * d;
                const float* xb = x + b * seq * d;
                auto kept = [&](int64_t t) { return mask == nullptr || mask[b * seq + t] != 0; };
                if (mode == LLM_POOL_CLS) {
                    for (int64_t c = 0; c < d; c++) y[c] = seq > 0 ? xb[c] : 0.0f;
                    continue;
                }
                if (mode == LLM_POOL_LAST) {
                    int64_t last = -1;
                    for (int64_t t = seq - 1; t >= 0 && last < 0; t--) {
                        if (kept(t)) last = t;
                    }
                    for (int64_t c = 0; c < d; c++) y[c] = last < 0 ? 0.0f : xb[last * d + c];
                    continue;
                }
                std::fill(acc.begin(), acc.end(), 0.0);
                int64_t count = 0;
                for (int64_t t = 0; t < seq; t++) {
                    if (!kept(t)) continue;
                    count++;
                    for (int64_t c = 0; c < d; c++) acc[(size_t)c] += xb[t * d + c];
                }
                for (int64_t c = 0; c < d; c++) y[c] = count == 0 ? 0.0f : (float)(acc[(size_t)c] / (double)count);
            }
        });
    });
}

extern "C" int llm_l2_normalize(float* out, const float* x, int64_t n, int64_t d) {
    return llm::guarded([&]() -> int {
        llm::parallel_for(n, 16, [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; r++) {
                const float* xr = x + r * d;
                double ss = 0;
                for (int64_t c = 0; c < d; c++) ss += (double)xr[c] * xr[c];
                float inv = ss > 0 ? (float)(1.0 / std::sqrt(ss)) : 0.0f;
                for (int64_t c = 0; c < d; c++) out[r * d + c] = xr[c] * inv;
            }
        });
        return LLM_OK;
    });
}
