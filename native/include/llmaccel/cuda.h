/*
 * llmaccel CUDA library (libllmaccel_cuda.so): device discovery and device memory. Built only
 * when a CUDA toolkit is present; it links the CUDA runtime statically, so loading it on a host
 * without a driver works and llm_cuda_device_count reports why there is no device.
 */
#ifndef LLMACCEL_CUDA_H
#define LLMACCEL_CUDA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Number of usable devices into *out (0 when none). Returns the CUDA runtime's error code
 * (0 = cudaSuccess; 35 = cudaErrorInsufficientDriver, 100 = cudaErrorNoDevice, ...).
 */
int llm_cuda_device_count(int* out);

/* Compute capability of a device: *major, *minor. Returns the CUDA error code. */
int llm_cuda_device_capability(int* major, int* minor, int device);

/* The CUDA runtime's message for an error code (a static string). */
const char* llm_cuda_error_string(int code);

#ifdef __cplusplus
}
#endif

#endif
