// The rotation of a head, written once over vec.h: kLanes / 2 interleaved pairs or kLanes split
// ("neox") pairs per vector.
#include "rope_simd.h"

#include "llmaccel/rope.h"
#include "vec.h"

namespace llm {
namespace LLM_ISA {
namespace {

void rotate(float* v, const float* cs, const float* sn, int64_t pairs, int style) {
    if (style == LLM_ROPE_NORMAL) {
        // v = (x0, x1, x2, x3, ...): y = v * (c0, c0, c1, c1, ...) + swap(v) * (-s0, s0, -s1, s1, ...)
        constexpr int kPairs = kLanes / 2;
        int64_t i = 0;
        if constexpr (kPairs > 0) {
            alignas(64) float signs[kLanes];
            for (int l = 0; l < kLanes; l++) signs[l] = l % 2 == 0 ? -1.0f : 1.0f;
            const Vec sign = load(signs);
            for (; i + kPairs <= pairs; i += kPairs) {
                const Vec x = load(v + 2 * i);
                store(v + 2 * i, fma(x, dup_pairs(cs + i), swap_pairs(x) * (dup_pairs(sn + i) * sign)));
            }
        }
        for (; i < pairs; i++) {
            const float x0 = v[2 * i], x1 = v[2 * i + 1];
            v[2 * i] = x0 * cs[i] - x1 * sn[i];
            v[2 * i + 1] = x0 * sn[i] + x1 * cs[i];
        }
        return;
    }
    // v = (first halves of the pairs | second halves): y0 = x0 c - x1 s, y1 = x0 s + x1 c
    float* v1 = v + pairs;
    for_lanes(pairs, [&](int64_t i, auto lanes) {
        const Vec c = load(cs + i, lanes);
        const Vec s = load(sn + i, lanes);
        const Vec x0 = load(v + i, lanes);
        const Vec x1 = load(v1 + i, lanes);
        store(v + i, fms(x0, c, x1 * s), lanes);
        store(v1 + i, fma(x0, s, x1 * c), lanes);
    });
}

}  // namespace

extern const RopeKernels kRopeKernels = {rotate};

}  // namespace LLM_ISA
}  // namespace llm
