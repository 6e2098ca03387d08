// The read loops of the bandwidth probe (probe.cpp), one per instruction-set level.
#ifndef LLMACCEL_PROBE_READ_H
#define LLMACCEL_PROBE_READ_H

#include <cstdint>

namespace llm {

// Sum of the 64-bit words of p[0 .. bytes) (and of the trailing bytes): every byte is loaded.
uint64_t read_sum_portable(const uint8_t* p, int64_t bytes);
uint64_t read_sum_avx2(const uint8_t* p, int64_t bytes);

}  // namespace llm

#endif
