// Device discovery: what the Java side needs to decide whether the CUDA backend is usable.
#include <cuda_runtime.h>

#include "llmaccel/cuda.h"

extern "C" int llm_cuda_device_count(int* out) {
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    *out = err == cudaSuccess ? count : 0;
    return (int)err;
}

extern "C" int llm_cuda_device_capability(int* major, int* minor, int device) {
    *major = 0;
    *minor = 0;
    cudaError_t err = cudaDeviceGetAttribute(major, cudaDevAttrComputeCapabilityMajor, device);
    if (err != cudaSuccess) return (int)err;
    return (int)cudaDeviceGetAttribute(minor, cudaDevAttrComputeCapabilityMinor, device);
}

extern "C" const char* llm_cuda_error_string(int code) { return cudaGetErrorString((cudaError_t)code); }
