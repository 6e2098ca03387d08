package dev.llmaccel.binding.cuda;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Binding of {@code llmaccel/cuda.h}: devices, device memory, contexts, timers. Device addresses
 * and the context are native addresses held in longs; every function returns 0 or a CUDA error
 * code that {@link #llm_cuda_error_string} explains.
 */
@Properties(inherit = CudaLibrary.class)
public final class CudaRuntime {
    static {
        Loader.load();
    }

    private CudaRuntime() {}

    /** Loads the native library (idempotent); throws {@link LinkageError} when it cannot. */
    public static void load() {
        // the static initializer does the work
    }

    public static native String llm_cuda_error_string(int code);

    public static native String llm_cuda_error_detail();

    // ---- devices

    public static native int llm_cuda_device_count(int[] out);

    public static native int llm_cuda_device_capability(int[] major, int[] minor, int device);

    public static native int llm_cuda_device_name(@Cast("char*") byte[] out, int capacity, int device);

    public static native int llm_cuda_memory_info(@Cast("int64_t*") long[] freeBytes, @Cast("int64_t*") long[] totalBytes,
            int device);

    // ---- device memory

    public static native int llm_cuda_memory_alloc(@Cast("void**") long[] out, long bytes, int device);

    public static native int llm_cuda_memory_free(@Cast("void*") long ptr, int device);

    public static native int llm_cuda_memory_write(@Cast("void*") long dst, @Cast("const void*") long src, long bytes,
            int device);

    public static native int llm_cuda_memory_write(@Cast("void*") long dst, @Cast("const void*") byte[] src, long bytes,
            int device);

    public static native int llm_cuda_memory_write(@Cast("void*") long dst, @Cast("const void*") float[] src, long bytes,
            int device);

    public static native int llm_cuda_memory_read(@Cast("void*") long dst, @Cast("const void*") long src, long bytes,
            int device);

    public static native int llm_cuda_memory_read(@Cast("void*") byte[] dst, @Cast("const void*") long src, long bytes,
            int device);

    public static native int llm_cuda_memory_read(@Cast("void*") float[] dst, @Cast("const void*") long src, long bytes,
            int device);

    // ---- contexts

    public static native int llm_cuda_context_create(@Cast("llm_cuda_context**") long[] out, int device);

    public static native void llm_cuda_context_destroy(@Cast("llm_cuda_context*") long ctx);

    public static native int llm_cuda_context_synchronize(@Cast("llm_cuda_context*") long ctx);

    public static native int llm_cuda_context_set_gemm(@Cast("llm_cuda_context*") long ctx, int engine);

    // enum llm_cuda_gemm_engine and enum llm_cuda_precision, read from the header.
    @MemberGetter
    public static native int LLM_CUDA_GEMM_AUTO();

    @MemberGetter
    public static native int LLM_CUDA_GEMM_OWN();

    @MemberGetter
    public static native int LLM_CUDA_GEMM_CUBLAS();

    @MemberGetter
    public static native int LLM_CUDA_PRECISION_F32();

    @MemberGetter
    public static native int LLM_CUDA_PRECISION_BF16();

    public static native int llm_cuda_context_set_precision(@Cast("llm_cuda_context*") long ctx, int precision);

    public static native int llm_cuda_cublas_available();

    public static native String llm_cuda_cublas_description();

    public static native int llm_cuda_timer_start(@Cast("llm_cuda_context*") long ctx);

    public static native int llm_cuda_timer_stop(@Cast("llm_cuda_context*") long ctx, float[] outMs);

    public static native int llm_cuda_copy(@Cast("llm_cuda_context*") long ctx, @Cast("void*") long dst,
            @Cast("const void*") long src, long bytes);
}
