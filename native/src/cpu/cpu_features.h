// Run-time CPU feature checks. Kernels with an AVX2/FMA/F16C variant live in *_avx2.cpp files
// (compiled with those flags alone) and are called only when use_avx2() says the CPU has them.
#ifndef LLMACCEL_CPU_FEATURES_H
#define LLMACCEL_CPU_FEATURES_H

namespace llm {

enum CpuFeature { kAvx2 = 1, kFma = 2, kF16c = 4, kAvx512f = 8 };

int cpu_features();

// True when the CPU has AVX2, FMA and F16C and the SIMD paths are not disabled for a test.
bool use_avx2();

}  // namespace llm

#endif
