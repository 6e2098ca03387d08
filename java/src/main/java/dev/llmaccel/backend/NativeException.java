package dev.llmaccel.backend;

import dev.llmaccel.binding.cpu.CpuRuntime;

/**
 * A native kernel or device call reported a failure (out of memory, a device error, ...). The
 * message is the library's own for the status, with what the C++ exception said when one caused
 * it (the native side turns each kind of exception into its own status: out of memory, invalid
 * argument, internal error, unknown failure).
 */
public class NativeException extends RuntimeException {
    private final int status;

    public NativeException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** The native status code ({@code enum llm_status}, or the device's own error code). */
    public int status() {
        return status;
    }

    /**
     * Throws a NativeException naming what failed unless status (an {@code llm_status} the CPU
     * library just returned on this thread) is 0.
     */
    public static void check(int status, String what) {
        if (status != 0) {
            throw new NativeException(what + " failed: " + describe(status), status);
        }
    }

    /** The library's message for status, and the exception's own words when one caused it. */
    private static String describe(int status) {
        String detail = CpuRuntime.llm_error_detail();
        return CpuRuntime.llm_status_string(status) + " (status " + status + (detail.isEmpty() ? "" : ": " + detail) + ")";
    }
}
