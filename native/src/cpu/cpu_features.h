// Run-time CPU feature checks. Kernels with an AVX2/FMA/F16C variant live in *_avx2.cpp files
// (compiled with those flags alone) and are called only when use_avx2() says the CPU has them;
// AVX-512 variants live in *_avx512.cpp files and are called only when simd_level() allows.
#ifndef LLMACCEL_CPU_FEATURES_H
#define LLMACCEL_CPU_FEATURES_H

namespace llm {

enum CpuFeature {
    kAvx2 = 1,
    kFma = 2,
    kF16c = 4,
    kAvx512f = 8,
    kAvx512bw = 16,
    kAvx512vl = 32,
    kAvx512vnni = 64,
    kAvx512vbmi = 128
};

int cpu_features();

// Instruction-set levels of the kernels, lowest first. kSimdAvx512 needs AVX-512 F, BW, VL, VNNI
// and VBMI (Ice Lake, Zen 4 and later) besides everything kSimdAvx2 needs.
enum SimdLevel { kSimdPortable = 0, kSimdAvx2 = 1, kSimdAvx512 = 2 };

// The level the kernels use: the highest the CPU has, capped by llm_cpu_simd_limit (for tests).
int simd_level();

// True when the CPU has AVX2, FMA and F16C and the SIMD paths are not disabled for a test.
bool use_avx2();

}  // namespace llm

#endif
