package dev.llmaccel.binding.cpu;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Properties;

/** Binding of {@code llmaccel/common.h}: version, CPU features, host memory, threads. */
@Properties(inherit = CpuLibrary.class)
public final class CpuRuntime {
    static {
        Loader.load();
    }

    private CpuRuntime() {}

    /** Loads the native library (idempotent); throws {@link UnsatisfiedLinkError} when it cannot. */
    public static void load() {
        // the static initializer does the work
    }

    public static native int llm_version();

    public static native int llm_cpu_features();

    public static native void llm_cpu_simd_disable(int disable);

    public static native int llm_cpu_simd_limit(int maxLevel);

    public static native int llm_cpu_simd_level();

    public static native String llm_blas_core();

    public static native String llm_status_string(int status);

    public static native String llm_error_detail();

    public static native int llm_host_alloc(@Cast("void**") long[] out, long bytes);

    public static native void llm_host_free(@Cast("void*") long ptr);

    public static native long llm_host_bytes_in_use();

    public static native void llm_host_copy(@Cast("void*") long dst, @Cast("const void*") long src, long bytes);

    // The same copy with a Java array on one side: whole arrays, bytes counted from their start.

    public static native void llm_host_copy(@Cast("void*") long dst, @Cast("const void*") byte[] src, long bytes);

    public static native void llm_host_copy(@Cast("void*") byte[] dst, @Cast("const void*") long src, long bytes);

    public static native void llm_host_copy(@Cast("void*") long dst, @Cast("const void*") float[] src, long bytes);

    public static native void llm_host_copy(@Cast("void*") float[] dst, @Cast("const void*") long src, long bytes);

    public static native void llm_host_copy(@Cast("void*") long dst, @Cast("const void*") int[] src, long bytes);

    public static native void llm_host_copy(@Cast("void*") int[] dst, @Cast("const void*") long src, long bytes);

    public static native void llm_host_fill(@Cast("void*") long dst, int value, long bytes);

    public static native int llm_file_map(@Cast("void**") long[] outAddr, @Cast("int64_t*") long[] outBytes, String path);

    public static native void llm_file_unmap(@Cast("void*") long addr, long bytes);

    public static native int llm_threads_set(int n);

    public static native int llm_threads_get();
}
