# Turns CUDA on when a toolkit is found. The CUDA library links the CUDA runtime statically: it then
# loads on hosts without a driver and reports cudaErrorInsufficientDriver instead of failing to load.
# Targets: sm_90 machine code (H100/H200) and compute_80 PTX, which the driver compiles for any
# other GPU of compute capability 8.0 or newer.
include(CheckLanguage)
set(LLMACCEL_CUDA_FOUND OFF)
if(LLMACCEL_CUDA)
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS "/usr/local/cuda/bin/nvcc")
    set(CMAKE_CUDA_COMPILER "/usr/local/cuda/bin/nvcc")
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    # Our own setting, not CMAKE_CUDA_ARCHITECTURES: enable_language caches the compiler's default
    # there (sm_75 for nvcc 13) and the kernels need sm_80 instructions. The normal variable set
    # here shadows that cache entry for every target of this project.
    set(LLMACCEL_CUDA_ARCHITECTURES "90-real;80-virtual" CACHE STRING "CUDA architectures of libllmaccel_cuda")
    set(CMAKE_CUDA_ARCHITECTURES "${LLMACCEL_CUDA_ARCHITECTURES}")
    enable_language(CUDA)
    set(CMAKE_CUDA_ARCHITECTURES "${LLMACCEL_CUDA_ARCHITECTURES}")
    set(LLMACCEL_CUDA_FOUND ON)
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    message(STATUS "llmaccel: CUDA ${CMAKE_CUDA_COMPILER_VERSION} found, architectures ${CMAKE_CUDA_ARCHITECTURES}")
  else()
    message(STATUS "llmaccel: no CUDA compiler found; building the CPU library only")
  endif()
endif()
