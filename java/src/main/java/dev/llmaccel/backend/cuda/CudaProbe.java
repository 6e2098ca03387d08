package dev.llmaccel.backend.cuda;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.binding.cuda.CudaRuntime;

/**
 * Finds out, without crashing on any host, whether the CUDA backend can run here: the CUDA library
 * must be in the jar and load, the driver must answer, and a device of compute capability 8.0 or
 * newer must be present.
 */
public final class CudaProbe {
    /** Oldest compute capability the kernels support (Ampere). */
    public static final int MIN_MAJOR = 8;

    private static final int INSUFFICIENT_DRIVER = 35;  // cudaErrorInsufficientDriver
    private static final int NO_DEVICE = 100;           // cudaErrorNoDevice

    private CudaProbe() {}

    /** Whether CUDA is usable, and why not or which device. */
    public record Result(boolean usable, String description) {}

    private static volatile Result cached;

    /** Probes once per process. */
    public static Result probe() {
        Result r = cached;
        if (r == null) {
            r = probeNow();
            cached = r;
        }
        return r;
    }

    private static Result probeNow() {
        try {
            CudaRuntime.load();
        } catch (LinkageError e) {
            return new Result(false, "CUDA library not available (" + e.getMessage() + ")");
        }
        int[] count = new int[1];
        int err = CudaRuntime.llm_cuda_device_count(count);
        if (err != 0) {
            String why = switch (err) {
                case INSUFFICIENT_DRIVER -> "no CUDA driver, or one older than the CUDA 13 runtime";
                case NO_DEVICE -> "no CUDA device";
                default -> "the CUDA driver does not answer";
            };
            return new Result(false, why + ": " + CudaRuntime.llm_cuda_error_string(err) + " (CUDA error " + err + ")");
        }
        if (count[0] == 0) {
            return new Result(false, "no CUDA device");
        }
        int[] major = new int[1];
        int[] minor = new int[1];
        err = CudaRuntime.llm_cuda_device_capability(major, minor, 0);
        if (err != 0) {
            return new Result(false, "cannot read the device's compute capability: " + CudaRuntime.llm_cuda_error_string(err));
        }
        if (major[0] < MIN_MAJOR) {
            return new Result(false, "device 0 has compute capability " + major[0] + "." + minor[0]
                    + ", below the " + MIN_MAJOR + ".0 the kernels need");
        }
        return new Result(true, "device 0 (" + CudaBackend.nameOf(0) + "), compute capability " + major[0] + "." + minor[0]);
    }

    /**
     * Opens the CUDA backend on device 0.
     *
     * @throws IllegalStateException when {@link #probe()} says CUDA is not usable here (with why)
     */
    public static Backend open() {
        Result r = probe();
        if (!r.usable()) {
            throw new IllegalStateException("CUDA is not usable here: " + r.description());
        }
        return new CudaBackend(0);
    }
}
