package dev.llmaccel.backend;

/**
 * A set of buffers would exceed the memory limit ({@link MemoryLimit}); nothing was allocated.
 * The message gives the size asked for, the limit and what to lower.
 */
public final class MemoryLimitException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public MemoryLimitException(String message) {
        super(message);
    }
}
