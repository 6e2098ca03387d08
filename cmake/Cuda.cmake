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
    enable_language(CUDA)
    set(LLMACCEL_CUDA_FOUND ON)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES OR CMAKE_CUDA_ARCHITECTURES STREQUAL "52")
      set(CMAKE_CUDA_ARCHITECTURES "90-real;80-virtual")
    endif()
    message(STATUS "llmaccel: CUDA ${CMAKE_CUDA_COMPILER_VERSION} found, architectures ${CMAKE_CUDA_ARCHITECTURES}")
  else()
    message(STATUS "llmaccel: no CUDA compiler found; building the CPU library only")
  endif()
endif()
