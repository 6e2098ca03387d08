// The elementwise kernels, written once over vec.h: kLanes at a time, masked loads and stores for
// the last partial vector.
#include "elementwise_simd.h"

#include "vec.h"

namespace llm {
namespace LLM_ISA {
namespace {

void add(float* out, const float* a, const float* b, int64_t n) {
    for_lanes(n, [&](int64_t i, auto lanes) { store(out + i, load(a + i, lanes) + load(b + i, lanes), lanes); });
}

void swiglu(float* out, const float* gate, const float* up, int64_t n) {
    const Vec one = set1(1.0f);
    for_lanes(n, [&](int64_t i, auto lanes) {
        const Vec g = load(gate + i, lanes);
        const Vec silu = g / (one + exp(zero() - g));
        store(out + i, silu * load(up + i, lanes), lanes);
    });
}

void gelu(float* out, const float* x, int64_t n) {
    const Vec minus_rsqrt2 = set1(-0.70710678118654752f);
    const Vec half = set1(0.5f);
    for_lanes(n, [&](int64_t i, auto lanes) {
        const Vec v = load(x + i, lanes);
        store(out + i, half * v * erfc(v * minus_rsqrt2), lanes);
    });
}

void softmax_row(float* y, const float* x, int64_t d) {
    const Vec neg_inf = set1(-__builtin_inff());
    Vec mv = neg_inf;
    for_lanes(d, [&](int64_t i, auto lanes) { mv = max(mv, keep(load(x + i, lanes), neg_inf, lanes)); });
    const float top_value = hmax(mv);
    if (top_value == __builtin_inff()) {
        // A row holding +inf: softmax's limit gives the +inf entries all the weight, shared
        // evenly, where exp(x - max) would be exp(inf - inf) = NaN.
        int64_t count = 0;
        for (int64_t c = 0; c < d; c++) count += x[c] == top_value ? 1 : 0;
        for (int64_t c = 0; c < d; c++) y[c] = x[c] == top_value ? 1.0f / (float)count : 0.0f;
        return;
    }
    const Vec top = set1(top_value);
    SumD sum;
    for_lanes(d, [&](int64_t i, auto lanes) {
        const Vec e = keep(exp(load(x + i, lanes) - top), zero(), lanes);
        store(y + i, e, lanes);
        sum.add(e);
    });
    const Vec inv = set1((float)(1.0 / sum.total()));
    for_lanes(d, [&](int64_t i, auto lanes) { store(y + i, load(y + i, lanes) * inv, lanes); });
}

}  // namespace

extern const ElementwiseKernels kElementwiseKernels = {add, swiglu, gelu, softmax_row};

}  // namespace LLM_ISA
}  // namespace llm
