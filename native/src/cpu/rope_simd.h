// The rotation of one head by precomputed cosines and sines at every level (rope_simd.cpp,
// compiled once per level; see isa.h); rope.cpp holds the entry points and the angles.
#ifndef LLMACCEL_ROPE_SIMD_H
#define LLMACCEL_ROPE_SIMD_H

#include <cstdint>

#include "isa.h"

namespace llm {

struct RopeKernels {
    // Turns pair i of v by the angle whose cosine and sine are cs[i], sn[i] (i < pairs); style
    // LLM_ROPE_NORMAL pairs (2i, 2i+1), LLM_ROPE_NEOX pairs (i, i + pairs).
    void (*rotate)(float* v, const float* cs, const float* sn, int64_t pairs, int style);
};

LLM_ISA_DECLARE(RopeKernels, kRopeKernels)

}  // namespace llm

#endif
