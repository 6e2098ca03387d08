// RMSNorm and LayerNorm over the last dimension; sums in double so long rows stay exact enough.
#include <cmath>

#include "llmaccel/norm.h"
#include "thread_pool.h"

extern "C" int llm_rms_norm(float* out, const float* x, const float* weight, float eps, int64_t n, int64_t d) {
    llm::parallel_for(n, 8, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++) {
            const float* xr = x + r * d;
            double ss = 0;
            for (int64_t c = 0; c < d; c++) ss += (double)xr[c] * xr[c];
            float inv = (float)(1.0 / std::sqrt(ss / (double)d + eps));
            float* y = out + r * d;
            for (int64_t c = 0; c < d; c++) y[c] = xr[c] * inv * weight[c];
        }
    });
    return LLM_OK;
}

extern "C" int llm_layer_norm(float* out, const float* x, const float* weight, const float* bias, float eps,
                              int64_t n, int64_t d) {
    llm::parallel_for(n, 8, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++) {
            const float* xr = x + r * d;
            double mean = 0;
            for (int64_t c = 0; c < d; c++) mean += xr[c];
            mean /= (double)d;
            double var = 0;
            for (int64_t c = 0; c < d; c++) var += (xr[c] - mean) * (xr[c] - mean);
            var /= (double)d;
            float inv = (float)(1.0 / std::sqrt(var + eps));
            float m = (float)mean;
            float* y = out + r * d;
            for (int64_t c = 0; c < d; c++) y[c] = (xr[c] - m) * inv * weight[c] + (bias ? bias[c] : 0.0f);
        }
    });
    return LLM_OK;
}
