// Run-time CPU feature checks and the kernels' instruction-set level. Kernels written once over
// vec.h live in *_simd.cpp files, compiled once per level (isa.h picks a level's table); the
// quantized dot kernels still have a file per level (matmul_avx2.cpp, matmul_avx512.cpp, compiled
// with those flags alone), called only when simd_level() allows.
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

}  // namespace llm

#endif
