// RMSNorm and LayerNorm over the last dimension: the entry points, which split the rows among the
// pool's threads and run the row kernels of the level in effect (norm_simd.cpp).
#include "llmaccel/norm.h"
#include "norm_simd.h"
#include "status.h"
#include "thread_pool.h"

extern "C" int llm_rms_norm(float* out, const float* x, const float* weight, float eps, int64_t n, int64_t d) {
    return llm::guarded([&]() -> int {
        const llm::NormKernels& kern = LLM_AT_LEVEL(kNormKernels);
        llm::parallel_for(n, 8, [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; r++) kern.rms_norm_row(out + r * d, x + r * d, weight, eps, d);
        });
        return LLM_OK;
    });
}

extern "C" int llm_layer_norm(float* out, const float* x, const float* weight, const float* bias, float eps,
                              int64_t n, int64_t d) {
    return llm::guarded([&]() -> int {
        const llm::NormKernels& kern = LLM_AT_LEVEL(kNormKernels);
        llm::parallel_for(n, 8, [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; r++) kern.layer_norm_row(out + r * d, x + r * d, weight, bias, eps, d);
        });
        return LLM_OK;
    });
}
