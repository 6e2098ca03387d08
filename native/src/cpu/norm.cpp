// RMSNorm and LayerNorm over the last dimension; sums in double so long rows stay exact enough.
// Each has a portable row loop and an AVX2 one (norm_avx2.cpp), chosen once per call.
#include <cmath>

#include "cpu_features.h"
#include "llmaccel/norm.h"
#include "norm_avx2.h"
#include "status.h"
#include "thread_pool.h"

extern "C" int llm_rms_norm(float* out, const float* x, const float* weight, float eps, int64_t n, int64_t d) {
    return llm::guarded([&]() -> int {
        const bool simd = llm::use_avx2();
        llm::parallel_for(n, 8, [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; r++) {
                const float* xr = x + r * d;
                float* y = out + r * d;
                if (simd) {
                    llm::avx2::rms_norm_row(y, xr, weight, eps, d);
                    continue;
                }
                double ss = 0;
                for (int64_t c = 0; c < d; c++) ss += (double)xr[c] * xr[c];
                float inv = (float)(1.0 / std::sqrt(ss / (double)d + eps));
                for (int64_t c = 0; c < d; c++) y[c] = xr[c] * inv * weight[c];
            }
        });
        return LLM_OK;
    });
}

extern "C" int llm_layer_norm(float* out, const float* x, const float* weight, const float* bias, float eps,
                              int64_t n, int64_t d) {
    return llm::guarded([&]() -> int {
        const bool simd = llm::use_avx2();
        llm::parallel_for(n, 8, [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; r++) {
                const float* xr = x + r * d;
                float* y = out + r * d;
                if (simd) {
                    llm::avx2::layer_norm_row(y, xr, weight, bias, eps, d);
                    continue;
                }
                double mean = 0;
                for (int64_t c = 0; c < d; c++) mean += xr[c];
                mean /= (double)d;
                double var = 0;
                for (int64_t c = 0; c < d; c++) var += (xr[c] - mean) * (xr[c] - mean);
                var /= (double)d;
                float inv = (float)(1.0 / std::sqrt(var + eps));
                float m = (float)mean;
                for (int64_t c = 0; c < d; c++) y[c] = (xr[c] - m) * inv * weight[c] + (bias ? bias[c] : 0.0f);
            }
        });
        return LLM_OK;
    });
}
