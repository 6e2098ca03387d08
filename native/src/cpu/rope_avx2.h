// AVX2/FMA rotation of one head by precomputed cosines and sines (rope_avx2.cpp); rope.cpp calls
// it when use_avx2() is true.
#ifndef LLMACCEL_ROPE_AVX2_H
#define LLMACCEL_ROPE_AVX2_H

#include <cstdint>

namespace llm {
namespace avx2 {

// Turns pair i of v by the angle whose cosine and sine are cs[i], sn[i] (i < pairs); style 0
// pairs (2i, 2i+1), style 1 pairs (i, i + pairs).
void rope_rotate(float* v, const float* cs, const float* sn, int64_t pairs, int style);

}  // namespace avx2
}  // namespace llm

#endif
