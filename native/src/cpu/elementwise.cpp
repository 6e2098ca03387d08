// Elementwise ops and softmax.
#include <cmath>

#include "llmaccel/elementwise.h"
#include "thread_pool.h"

namespace {
// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kGrain = 1 << 14;
}  // namespace

extern "C" int llm_add(float* out, const float* a, const float* b, int64_t n, int64_t d, int full) {
    if (full) {
        llm::parallel_for(n * d, kGrain, [&](int64_t i0, int64_t i1) {
            for (int64_t i = i0; i < i1; i++) out[i] = a[i] + b[i];
        });
    } else {
        llm::parallel_for(n, 1 + kGrain / (d > 0 ? d : 1), [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; r++) {
                for (int64_t c = 0; c < d; c++) out[r * d + c] = a[r * d + c] + b[c];
            }
        });
    }
    return LLM_OK;
}

extern "C" int llm_swiglu(float* out, const float* gate, const float* up, int64_t n) {
    llm::parallel_for(n, kGrain, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; i++) {
            float g = gate[i];
            out[i] = g / (1.0f + std::exp(-g)) * up[i];
        }
    });
    return LLM_OK;
}

extern "C" int llm_gelu(float* out, const float* x, int64_t n) {
    llm::parallel_for(n, kGrain, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; i++) {
            float v = x[i];
            out[i] = 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f));
        }
    });
    return LLM_OK;
}

extern "C" int llm_softmax(float* out, const float* x, int64_t n, int64_t d) {
    llm::parallel_for(n, 1 + kGrain / (d > 0 ? d : 1), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++) {
            const float* xr = x + r * d;
            float* y = out + r * d;
            float max = -INFINITY;
            for (int64_t c = 0; c < d; c++) max = xr[c] > max ? xr[c] : max;
            double sum = 0;
            for (int64_t c = 0; c < d; c++) {
                y[c] = std::exp(xr[c] - max);
                sum += y[c];
            }
            float inv = (float)(1.0 / sum);
            for (int64_t c = 0; c < d; c++) y[c] *= inv;
        }
    });
    return LLM_OK;
}
