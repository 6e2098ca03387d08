package dev.llmaccel.backend;

/**
 * Told of every op a {@link Backend} runs, around its kernel (see {@link Backend#setOpListener}):
 * the one hook for timing and tracing, so that no wrapper backend has to restate the kernels.
 * Called on the thread that runs the op; a listener shared by threads must be thread-safe itself.
 */
public interface OpListener {

    /** Before call's kernel runs; its arguments are checked. */
    default void started(OpCall call) {}

    /**
     * After call's kernel returned, or threw.
     *
     * @param nanos wall time of the kernel call (on CUDA: of queueing it, unless the op waits)
     */
    void finished(OpCall call, long nanos);
}
