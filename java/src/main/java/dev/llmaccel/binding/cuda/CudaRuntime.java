package dev.llmaccel.binding.cuda;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Properties;

/** Binding of {@code llmaccel/cuda.h}: device discovery. */
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

    public static native int llm_cuda_device_count(int[] out);

    public static native int llm_cuda_device_capability(int[] major, int[] minor, int device);

    public static native String llm_cuda_error_string(int code);
}
