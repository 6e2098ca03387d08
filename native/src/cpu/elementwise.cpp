// Elementwise ops and softmax. Each op has a portable loop and an AVX2 one (elementwise_avx2.cpp),
// chosen once per call by use_avx2(); GELU has an AVX-512 one too (elementwise_avx512.cpp). The ops
// of the elementwise family (Java's Op.isElementwise()) share one entry point and a table, below.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "cpu_features.h"
#include "elementwise_avx2.h"
#include "elementwise_avx512.h"
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
        const bool simd = llm::use_avx2();
        if (full) {
            llm::parallel_for(n * d, kGrain, [&](int64_t i0, int64_t i1) {
                if (simd) return llm::avx2::add(out + i0, a + i0, b + i0, i1 - i0);
                for (int64_t i = i0; i < i1; i++) out[i] = a[i] + b[i];
            });
        } else {
            llm::parallel_for(n, row_grain(d), [&](int64_t r0, int64_t r1) {
                for (int64_t r = r0; r < r1; r++) {
                    if (simd) {
                        llm::avx2::add(out + r * d, a + r * d, b, d);
                        continue;
                    }
                    for (int64_t c = 0; c < d; c++) out[r * d + c] = a[r * d + c] + b[c];
                }
            });
        }
        return LLM_OK;
    });
}

namespace {

// A row holding +inf: softmax's limit gives the +inf entries all the weight, shared evenly, where
// exp(x - max) would be exp(inf - inf) = NaN. Returns false (and writes nothing) for other rows.
// Here, not in the AVX2 file: a helper shared by translation units of different target flags
// could be linked in its AVX2 form.
bool one_hot_of_infinities(float* y, const float* x, int64_t d) {
    int64_t count = 0;
    for (int64_t c = 0; c < d; c++) count += x[c] == INFINITY ? 1 : 0;
    if (count == 0) return false;
    for (int64_t c = 0; c < d; c++) y[c] = x[c] == INFINITY ? 1.0f / (float)count : 0.0f;
    return true;
}

}  // namespace

extern "C" int llm_softmax(float* out, const float* x, int64_t n, int64_t d) {
    return llm::guarded([&]() -> int {
        const bool simd = llm::use_avx2();
        llm::parallel_for(n, row_grain(d), [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; r++) {
                const float* xr = x + r * d;
                float* y = out + r * d;
                if (one_hot_of_infinities(y, xr, d)) continue;
                if (simd) {
                    llm::avx2::softmax_row(y, xr, d);
                    continue;
                }
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
    const float* gate = in[0];
    const float* up = in[1];
    if (llm::use_avx2()) return llm::avx2::swiglu(out + i0, gate + i0, up + i0, i1 - i0);
    for (int64_t i = i0; i < i1; i++) {
        float g = gate[i];
        out[i] = g / (1.0f + std::exp(-g)) * up[i];
    }
}

void gelu_range(float* out, const float* const* in, const float*, int64_t i0, int64_t i1) {
    const float* x = in[0];
    const int level = llm::simd_level();
    if (level >= llm::kSimdAvx512) return llm::avx512::gelu(out + i0, x + i0, i1 - i0);
    if (level >= llm::kSimdAvx2) return llm::avx2::gelu(out + i0, x + i0, i1 - i0);
    for (int64_t i = i0; i < i1; i++) {
        float v = x[i];
        out[i] = 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f));
    }
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

constexpr int kElementwiseKernels = sizeof(kElementwise) / sizeof(kElementwise[0]);

}  // namespace

extern "C" int llm_elementwise_find(const char* name) {
    return llm::guarded_value(-1, [&] {
        for (int k = 0; k < kElementwiseKernels; k++) {
            if (std::strcmp(kElementwise[k].name, name) == 0) return k;
        }
        return -1;
    });
}

extern "C" int llm_elementwise(int kernel, float* out, const int64_t* inputs, int n_inputs, const float* scalars,
                               int n_scalars, int64_t n) {
    return llm::guarded([&]() -> int {
        if (kernel < 0 || kernel >= kElementwiseKernels) return LLM_ERR_UNSUPPORTED;
        const ElementwiseKernel& k = kElementwise[kernel];
        if (n_inputs != k.inputs || n_scalars != k.scalars || n_inputs > kMaxElementwiseInputs) return LLM_ERR_UNSUPPORTED;
        const float* in[kMaxElementwiseInputs];
        for (int j = 0; j < n_inputs; j++) in[j] = reinterpret_cast<const float*>(static_cast<uintptr_t>(inputs[j]));
        llm::parallel_for(n, kGrain, [&](int64_t i0, int64_t i1) { k.range(out, in, scalars, i0, i1); });
        return LLM_OK;
    });
}
