// The sampler's passes over the vocabulary, written once over vec.h: conversion to double,
// maxima, the sum of the softmax weights with the double exp, and the selection of tokens above a
// threshold; kLanesD doubles a vector, two vectors a step, the rest one by one.
#include "sampling_simd.h"

#include "vec.h"

namespace llm {
namespace LLM_ISA {
namespace {

constexpr int64_t kStep = 2 * kLanesD;

void logits_to_double(double* l, const float* logits, int64_t n, double divisor) {
    const VecD neg_inf = setd(-__builtin_inf());
    const VecD div = setd(divisor);
    int64_t i = 0;
    for (; i + kLanesD <= n; i += kLanesD) {
        const VecD x = load_widen(logits + i);
        stored(l + i, select(unordered(x), neg_inf, x) / div);
    }
    for (; i < n; i++) l[i] = (logits[i] != logits[i] ? -__builtin_inf() : (double)logits[i]) / divisor;
}

double max_value(double* block_max, const double* l, int64_t n) {
    static_assert(kSampleBlock % kStep == 0, "blocks of whole steps");
    double top = -__builtin_inf();
    for (int64_t b0 = 0; b0 < n; b0 += kSampleBlock) {
        double m;
        if (b0 + kSampleBlock <= n) {
            VecD m0 = loadd(l + b0), m1 = loadd(l + b0 + kLanesD);
            for (int64_t i = b0 + kStep; i < b0 + kSampleBlock; i += kStep) {
                m0 = max(m0, loadd(l + i));
                m1 = max(m1, loadd(l + i + kLanesD));
            }
            m = hmax(max(m0, m1));
        } else {
            m = -__builtin_inf();
            for (int64_t i = b0; i < n; i++) m = l[i] > m ? l[i] : m;
        }
        block_max[b0 / kSampleBlock] = m;
        top = m > top ? m : top;
    }
    return top;
}

double exp_sum(const double* l, int64_t n, double top) {
    const VecD vmax = setd(top);
    VecD s0 = zerod(), s1 = zerod();
    int64_t i = 0;
    for (; i + kStep <= n; i += kStep) {
        s0 = s0 + exp(loadd(l + i) - vmax);
        s1 = s1 + exp(loadd(l + i + kLanesD) - vmax);
    }
    double sum = hsum(s0 + s1);
    for (; i < n; i++) sum += __builtin_exp(l[i] - top);
    return sum;
}

int64_t collect(int32_t* ids, const double* l, int64_t n, double lo, double hi) {
    const VecD vlo = setd(lo);
    const VecD vhi = setd(hi);
    auto in_range = [&](VecD x) { return bits(both(ge(x, vlo), lt(x, vhi))); };
    int64_t count = 0;
    int64_t i = 0;
    for (; i + kStep <= n; i += kStep) {
        unsigned found = in_range(loadd(l + i)) | in_range(loadd(l + i + kLanesD)) << kLanesD;
        while (found) {
            ids[count++] = (int32_t)(i + __builtin_ctz(found));
            found &= found - 1;
        }
    }
    for (; i < n; i++) {
        if (l[i] >= lo && l[i] < hi) ids[count++] = (int32_t)i;
    }
    return count;
}

}  // namespace

extern const SamplingKernels kSamplingKernels = {logits_to_double, max_value, exp_sum, collect};

}  // namespace LLM_ISA
}  // namespace llm
