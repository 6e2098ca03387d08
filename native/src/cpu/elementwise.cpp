// Elementwise ops and softmax: the entry points, which split the work among the pool's threads
// and run the kernels of the level in effect (elementwise_simd.cpp).
#include "elementwise_simd.h"
#include "llmaccel/elementwise.h"
#include "thread_pool.h"

namespace {
// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kGrain = 1 << 14;

// Rows per parallel chunk for rows of d elements.
int64_t row_grain(int64_t d) { return 1 + kGrain / (d > 0 ? d : 1); }
}  // namespace

extern "C" int llm_add(float* out, const float* a, const float* b, int64_t n, int64_t d, int full) {
    const llm::ElementwiseKernels& kern = LLM_AT_LEVEL(kElementwiseKernels);
    if (full) {
        llm::parallel_for(n * d, kGrain, [&](int64_t i0, int64_t i1) { kern.add(out + i0, a + i0, b + i0, i1 - i0); });
    } else {
        llm::parallel_for(n, row_grain(d), [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; r++) kern.add(out + r * d, a + r * d, b, d);
        });
    }
    return LLM_OK;
}

extern "C" int llm_swiglu(float* out, const float* gate, const float* up, int64_t n) {
    const llm::ElementwiseKernels& kern = LLM_AT_LEVEL(kElementwiseKernels);
    llm::parallel_for(n, kGrain, [&](int64_t i0, int64_t i1) { kern.swiglu(out + i0, gate + i0, up + i0, i1 - i0); });
    return LLM_OK;
}

extern "C" int llm_gelu(float* out, const float* x, int64_t n) {
    const llm::ElementwiseKernels& kern = LLM_AT_LEVEL(kElementwiseKernels);
    llm::parallel_for(n, kGrain, [&](int64_t i0, int64_t i1) { kern.gelu(out + i0, x + i0, i1 - i0); });
    return LLM_OK;
}

extern "C" int llm_softmax(float* out, const float* x, int64_t n, int64_t d) {
    const llm::ElementwiseKernels& kern = LLM_AT_LEVEL(kElementwiseKernels);
    llm::parallel_for(n, row_grain(d), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++) kern.softmax_row(out + r * d, x + r * d, d);
    });
    return LLM_OK;
}
