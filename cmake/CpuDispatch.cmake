# The CPU kernels' instruction-set levels (see native/src/cpu/isa.h). Sources named *_simd.cpp are
# written once over the vector layer of vec.h and compiled once per level below, with the level's
# flags and -DLLM_ISA=<level> (their code lands in namespace llm::<level>); everything else targets
# baseline x86-64, and the entry points choose a level at run time from the CPU's features (never
# -march=native in what ships). An aarch64 NEON level would be one more name in the list (with its
# flags) here, in isa.h's LLM_ISA_LEVELS, and a Vec in vec.h: no kernel changes.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  set(LLMACCEL_ISA_LEVELS portable avx2 avx512)
else()
  set(LLMACCEL_ISA_LEVELS portable)
endif()
set(LLMACCEL_ISA_FLAGS_portable "")
set(LLMACCEL_ISA_FLAGS_avx2 -mavx2 -mfma -mf16c)
set(LLMACCEL_ISA_FLAGS_avx512 -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mavx512vbmi)

# Adds the sources, compiled once per level, to target (whose include directories they share).
function(llmaccel_cpu_levels target)
  foreach(level IN LISTS LLMACCEL_ISA_LEVELS)
    string(TOUPPER ${level} upper)
    add_library(${target}_${level} OBJECT ${ARGN})
    target_compile_definitions(${target}_${level} PRIVATE LLM_ISA=${level} LLM_ISA_${upper}=1)
    target_compile_options(${target}_${level} PRIVATE ${LLMACCEL_ISA_FLAGS_${level}} -O3 -fno-math-errno)
    target_include_directories(${target}_${level} PRIVATE $<TARGET_PROPERTY:${target},INCLUDE_DIRECTORIES>)
    llmaccel_warnings(${target}_${level})
    target_sources(${target} PRIVATE $<TARGET_OBJECTS:${target}_${level}>)
  endforeach()
endfunction()

# Sources named *_avx2.cpp / *_avx512.cpp hold kernels not yet written over vec.h: only those files
# are compiled with the level's flags, and called only when simd_level() allows.
function(llmaccel_cpu_dispatch_flags)
  foreach(src IN LISTS ARGN)
    if(src MATCHES "_avx2\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${LLMACCEL_ISA_FLAGS_avx2}")
    endif()
    if(src MATCHES "_avx512\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${LLMACCEL_ISA_FLAGS_avx512}")
    endif()
  endforeach()
endfunction()
