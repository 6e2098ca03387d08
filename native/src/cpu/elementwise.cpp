// Elementwise ops and softmax: the entry points, which split the work among the pool's threads and
// run the kernels of the level in effect (elementwise_simd.cpp). The ops of the elementwise family
// (Java's Op.isElementwise()) share one entry point and a table, below.
#include <cstdint>
#include <cstring>

#include "elementwise_simd.h"
#include "llmaccel/elementwise.h"
#include "status.h"
#include "thread_pool.h"

namespace {
// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kGrain = 1 << 14;

// Rows per parallel chunk for rows of d elements.
int64_t row_grain(int64_t d) { return 1 + kGrain / (d > 0 ? d : 1); }

// The most tensor inputs an elementwise kernel takes.
constexpr int kMaxElementwiseInputs = 4;
}  // namespace

extern "C" int llm_add(float* out, const float* a, const float* b, int64_t n, int64_t d, int full) {
    return llm::guarded([&]() -> int {
        const llm::ElementwiseKernels& kern = LLM_AT_LEVEL(kElementwiseKernels);
        if (full) {
            llm::parallel_for(n * d, kGrain, [&](int64_t i0, int64_t i1) { kern.add(out + i0, a + i0, b + i0, i1 - i0); });
        } else {
            llm::parallel_for(n, row_grain(d), [&](int64_t r0, int64_t r1) {
                for (int64_t r = r0; r < r1; r++) kern.add(out + r * d, a + r * d, b, d);
            });
        }
        return LLM_OK;
    });
}

extern "C" int llm_softmax(float* out, const float* x, int64_t n, int64_t d) {
    return llm::guarded([&]() -> int {
        const llm::ElementwiseKernels& kern = LLM_AT_LEVEL(kElementwiseKernels);
        llm::parallel_for(n, row_grain(d), [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; r++) kern.softmax_row(out + r * d, x + r * d, d);
        });
        return LLM_OK;
    });
}

// ---- the elementwise family -------------------------------------------------------------------
//
// One table, by the op's name (Java's Op.kernelName()): each kernel computes out[i] = f(in[0][i],
// .., scalars) on a range of elements the thread pool hands out, choosing its instruction-set level
// itself. Java finds a kernel once with llm_elementwise_find and calls it through llm_elementwise,
// so an elementwise op needs no entry point, header line or binding of its own.

namespace {

using ElementwiseRange = void (*)(float* out, const float* const* in, const float* scalars, int64_t i0, int64_t i1);

void swiglu_range(float* out, const float* const* in, const float*, int64_t i0, int64_t i1) {
    LLM_AT_LEVEL(kElementwiseKernels).swiglu(out + i0, in[0] + i0, in[1] + i0, i1 - i0);
}

void gelu_range(float* out, const float* const* in, const float*, int64_t i0, int64_t i1) {
    LLM_AT_LEVEL(kElementwiseKernels).gelu(out + i0, in[0] + i0, i1 - i0);
}

// One multiply per element, memory-bound: the compiler's vectorization of the loop is enough at every level.
void scale_range(float* out, const float* const* in, const float* scalars, int64_t i0, int64_t i1) {
    const float* x = in[0];
    const float alpha = scalars[0];
    for (int64_t i = i0; i < i1; i++) out[i] = alpha * x[i];
}

struct ElementwiseKernel {
    const char* name;
    int inputs;
    int scalars;
    ElementwiseRange range;
};

const ElementwiseKernel kElementwise[] = {
    {"swiglu", 2, 0, swiglu_range},
    {"gelu", 1, 0, gelu_range},
    {"scale", 1, 1, scale_range},
};

constexpr int kElementwiseCount = sizeof(kElementwise) / sizeof(kElementwise[0]);

}  // namespace

extern "C" int llm_elementwise_find(const char* name) {
    return llm::guarded_value(-1, [&] {
        for (int k = 0; k < kElementwiseCount; k++) {
            if (std::strcmp(kElementwise[k].name, name) == 0) return k;
        }
        return -1;
    });
}

extern "C" int llm_elementwise(int kernel, float* out, const int64_t* inputs, int n_inputs, const float* scalars,
                               int n_scalars, int64_t n) {
    return llm::guarded([&]() -> int {
        if (kernel < 0 || kernel >= kElementwiseCount) return LLM_ERR_UNSUPPORTED;
        const ElementwiseKernel& k = kElementwise[kernel];
        if (n_inputs != k.inputs || n_scalars != k.scalars || n_inputs > kMaxElementwiseInputs) return LLM_ERR_UNSUPPORTED;
        const float* in[kMaxElementwiseInputs];
        for (int j = 0; j < n_inputs; j++) in[j] = reinterpret_cast<const float*>(static_cast<uintptr_t>(inputs[j]));
        llm::parallel_for(n, kGrain, [&](int64_t i0, int64_t i1) { k.range(out, in, scalars, i0, i1); });
        return LLM_OK;
    });
}
