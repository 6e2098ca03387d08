package dev.llmaccel.serving;

/**
 * The engine did not take a request: its queue is full or it is closed. Nothing of the request
 * ran; the caller may retry later (queue full) or must use another engine (closed).
 */
public final class RequestRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a request was rejected. */
    public enum Reason {
        /** {@link EngineConfig#maxQueuedRequests()} requests are already waiting. */
        QUEUE_FULL,
        /** The engine is closed or closing. */
        CLOSED
    }

    private final Reason reason;

    public RequestRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
