package dev.llmaccel.backend;

/** A native kernel or device call reported a failure (out of memory, a device error, ...). */
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

    /** Throws a NativeException naming what failed unless status is 0. */
    public static void check(int status, String what) {
        if (status != 0) {
            throw new NativeException(what + " failed: " + describe(status), status);
        }
    }

    private static String describe(int status) {
        return switch (status) {
            case 1 -> "out of memory";
            case 2 -> "thread pool failure";
            case 3 -> "unsupported by this build or CPU";
            case 4 -> "I/O error";
            case 5 -> "device error";
            default -> "status " + status;
        };
    }
}
