// Rows of RMSNorm and LayerNorm, written once over vec.h. The sums run in double (SumD: two
// double vectors per float vector).
#include "norm_simd.h"

#include <cmath>

#include "vec.h"

namespace llm {
namespace LLM_ISA {
namespace {

// Σ (x - shift)² over a row, in double.
double sum_squares(const float* x, float shift, int64_t d) {
    const Vec s = set1(shift);
    SumD sum;
    for_lanes(d, [&](int64_t i, auto lanes) {
        sum.add_squares(keep(load(x + i, lanes) - s, zero(), lanes));  // masked lanes: 0 - shift, zeroed
    });
    return sum.total();
}

double sum(const float* x, int64_t d) {
    SumD sum;
    for_lanes(d, [&](int64_t i, auto lanes) { sum.add(load(x + i, lanes)); });
    return sum.total();
}

void rms_norm_row(float* y, const float* x, const float* weight, float eps, int64_t d) {
    const Vec inv = set1((float)(1.0 / std::sqrt(sum_squares(x, 0.0f, d) / (double)d + eps)));
    for_lanes(d, [&](int64_t i, auto lanes) { store(y + i, load(x + i, lanes) * inv * load(weight + i, lanes), lanes); });
}

void layer_norm_row(float* y, const float* x, const float* weight, const float* bias, float eps, int64_t d) {
    const float mean = (float)(sum(x, d) / (double)d);
    const float inv = (float)(1.0 / std::sqrt(sum_squares(x, mean, d) / (double)d + eps));
    const Vec m = set1(mean);
    const Vec s = set1(inv);
    for_lanes(d, [&](int64_t i, auto lanes) {
        Vec v = (load(x + i, lanes) - m) * s * load(weight + i, lanes);
        if (bias) v = v + load(bias + i, lanes);
        store(y + i, v, lanes);
    });
}

}  // namespace

extern const NormKernels kNormKernels = {rms_norm_row, layer_norm_row};

}  // namespace LLM_ISA
}  // namespace llm
