package dev.llmaccel.binding.cuda;

import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.presets.javacpp;

/**
 * JavaCPP configuration of the CUDA library ({@code libllmaccel_cuda.so}, CUDA runtime linked
 * statically). Built only when CMake found a CUDA toolkit; loading it on a host without a driver
 * succeeds, and {@link CudaRuntime#llm_cuda_device_count} then reports the driver error.
 */
@Properties(
        inherit = javacpp.class,
        value = @Platform(
                value = "linux-x86_64",
                include = "llmaccel/cuda.h",
                link = "llmaccel_cuda",
                library = "jnillmaccel_cuda"))
public final class CudaLibrary {
    private CudaLibrary() {}
}
