// Scratch memory of the calling thread for kernels that need a workspace per call: one buffer per
// use, 64-byte aligned, grown to the largest request and kept for the next call (decode calls the
// kernels hundreds of times per token). Throws std::bad_alloc when it cannot grow.
#ifndef LLMACCEL_SCRATCH_H
#define LLMACCEL_SCRATCH_H

#include <cstdint>

namespace llm {

enum ScratchUse {
    kScratchActivations = 0,  // matmul: the prepared (quantized) activation rows
    kScratchGemm = 1,         // sgemm_avx512: packed weights
    kScratchAttentionKeys = 2,  // attention_simd.cpp (16 lanes): a transposed key tile
    kScratchUses = 3
};

char* scratch(ScratchUse use, int64_t bytes);

}  // namespace llm

#endif
