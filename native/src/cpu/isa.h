// The instruction-set levels of the CPU kernels and the one way to pick a level's kernels.
//
// Kernels are written once, in *_simd.cpp files, over the vector layer of vec.h. CMake
// (cmake/CpuDispatch.cmake) compiles each of those files once per level, with the level's flags
// and -DLLM_ISA=<level>, so that level's code lands in namespace llm::<level>. Each file defines a
// table of function pointers per level (LLM_ISA_TABLE in the file, LLM_ISA_DECLARE in its header);
// the entry points take the table of the level in effect with LLM_AT_LEVEL.
//
// Adding a level (an aarch64 NEON one, say) touches no kernel: a Vec for it in vec.h, its name in
// LLM_ISA_LEVELS below and its flags in CpuDispatch.cmake.
#ifndef LLMACCEL_ISA_H
#define LLMACCEL_ISA_H

#include <initializer_list>

#include "cpu_features.h"

// X(level, ...) for every level this build compiles, lowest first; a level's position in the
// list is its number in cpu_features.h (simd_level(), llm_cpu_simd_limit).
#if defined(__x86_64__)
#define LLM_ISA_LEVELS(X, ...) X(portable, __VA_ARGS__) X(avx2, __VA_ARGS__) X(avx512, __VA_ARGS__)
#else
// aarch64 would list X(portable, __VA_ARGS__) X(neon, __VA_ARGS__); until then, portable only.
#define LLM_ISA_LEVELS(X, ...) X(portable, __VA_ARGS__)
#endif

#define LLM_ISA_DECLARE_AT(level, Type, name) \
    namespace level {                         \
    extern const Type name;                   \
    }
// Declares the table `Type name` that every level's compilation of a *_simd.cpp file defines.
#define LLM_ISA_DECLARE(Type, name) LLM_ISA_LEVELS(LLM_ISA_DECLARE_AT, Type, name)

#define LLM_ISA_ADDRESS(level, name) &::llm::level::name,
// The table `name` (declared by LLM_ISA_DECLARE) of the level in effect now.
#define LLM_AT_LEVEL(name) (*::llm::at_level({LLM_ISA_LEVELS(LLM_ISA_ADDRESS, name)}))

namespace llm {

// tables[simd_level()]: the tables of every level, lowest first.
template <class T>
const T* at_level(std::initializer_list<const T*> tables) {
    return tables.begin()[simd_level()];
}

}  // namespace llm

#endif
