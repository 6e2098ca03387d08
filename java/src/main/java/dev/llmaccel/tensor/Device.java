package dev.llmaccel.tensor;

/** Where a tensor's memory lives. */
public enum Device {
    /** Host memory (native, off the Java heap), also memory-mapped files. */
    CPU,
    /** NVIDIA GPU memory. */
    CUDA
}
