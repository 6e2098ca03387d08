// Rotary position embedding. Angles are computed in double: positions reach 10^5 and more, where
// float angles lose the low bits that make neighbouring positions distinct. The cosines and sines
// are computed once per token and shared by its heads; the rotation has a portable loop and an
// AVX2 one (rope_avx2.cpp), chosen once per call. Tokens sit at consecutive positions
// (llm_rope) or at positions of their own (llm_rope_rows: rows of several sequences).
#include <cmath>
#include <vector>

#include "cpu_features.h"
#include "llmaccel/rope.h"
#include "rope_avx2.h"
#include "status.h"
#include "thread_pool.h"

namespace {

// Rotates the tokens [0, n) of x (n, heads, head_dim); token t is at position_of(t).
template <class PositionOf>
void rotate(float* x, int64_t n, int64_t heads, int64_t head_dim, int style, double theta, int64_t rot_dims,
            const float* freq_factors, PositionOf position_of) {
    const bool simd = llm::use_avx2();
    const int64_t pairs = rot_dims / 2;
    std::vector<double> freq((size_t)pairs);
    for (int64_t i = 0; i < pairs; i++) {
        freq[(size_t)i] = std::pow(theta, -2.0 * (double)i / (double)rot_dims);
        if (freq_factors) freq[(size_t)i] /= freq_factors[i];
    }
    llm::parallel_for(n, 1, [&](int64_t t0, int64_t t1) {
        std::vector<float> cs((size_t)pairs), sn((size_t)pairs);
        for (int64_t t = t0; t < t1; t++) {
            double pos = (double)position_of(t);
            for (int64_t i = 0; i < pairs; i++) {
                double a = pos * freq[(size_t)i];
                cs[(size_t)i] = (float)std::cos(a);
                sn[(size_t)i] = (float)std::sin(a);
            }
            for (int64_t h = 0; h < heads; h++) {
                float* v = x + (t * heads + h) * head_dim;
                if (simd) {
                    llm::avx2::rope_rotate(v, cs.data(), sn.data(), pairs, style);
                    continue;
                }
                for (int64_t i = 0; i < pairs; i++) {
                    int64_t i0 = style == LLM_ROPE_NORMAL ? 2 * i : i;
                    int64_t i1 = style == LLM_ROPE_NORMAL ? 2 * i + 1 : i + pairs;
                    float x0 = v[i0], x1 = v[i1];
                    v[i0] = x0 * cs[(size_t)i] - x1 * sn[(size_t)i];
                    v[i1] = x0 * sn[(size_t)i] + x1 * cs[(size_t)i];
                }
            }
        }
    });
}

}  // namespace

extern "C" int llm_rope(float* x, int64_t batch, int64_t seq, int64_t heads, int64_t head_dim, int64_t pos_offset,
                        int style, double theta, int64_t rot_dims, const float* freq_factors) {
    return llm::guarded([&] {
        rotate(x, batch * seq, heads, head_dim, style, theta, rot_dims, freq_factors,
               [&](int64_t t) { return pos_offset + t % seq; });
    });
}

extern "C" int llm_rope_rows(float* x, const int32_t* positions, int64_t n, int64_t heads, int64_t head_dim,
                             int style, double theta, int64_t rot_dims, const float* freq_factors) {
    return llm::guarded([&] {
        rotate(x, n, heads, head_dim, style, theta, rot_dims, freq_factors,
               [&](int64_t t) { return (int64_t)positions[t]; });
    });
}
