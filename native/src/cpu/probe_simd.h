// The read loop of the bandwidth probe at every level (probe_simd.cpp, compiled once per level;
// see isa.h); probe.cpp splits the buffer among the threads.
#ifndef LLMACCEL_PROBE_SIMD_H
#define LLMACCEL_PROBE_SIMD_H

#include <cstdint>

#include "isa.h"

namespace llm {

struct ProbeKernels {
    // Sum of the 64-bit words of p[0 .. bytes) (and of the trailing bytes): every byte is loaded.
    uint64_t (*read_sum)(const uint8_t* p, int64_t bytes);
};

LLM_ISA_DECLARE(ProbeKernels, kProbeKernels)

}  // namespace llm

#endif
