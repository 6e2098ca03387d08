package dev.llmaccel.backend.cuda;

/** Which code runs matrix products of batches (more than 8 rows) for F32, F16 and BF16 weights. */
public enum GemmEngine {
    /** cuBLAS when libcublas.so.13 is on the library path, else {@link #OWN}: the default. */
    AUTO,
    /** The library's own kernels (tensor cores for F16/BF16). */
    OWN,
    /** cuBLAS (needs {@link CudaBackend#cublasAvailable()}). */
    CUBLAS
}
