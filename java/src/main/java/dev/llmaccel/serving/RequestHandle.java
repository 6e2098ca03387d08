package dev.llmaccel.serving;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A submitted request: its result when it ends, and a way to cancel it. Safe to use from any thread.
 */
public final class RequestHandle {
    private final long id;
    private final int promptTokens;
    private final CompletableFuture<Completion> result;
    private final Runnable onCancel;

    RequestHandle(long id, int promptTokens, CompletableFuture<Completion> result, Runnable onCancel) {
        this.id = id;
        this.promptTokens = promptTokens;
        this.result = result;
        this.onCancel = onCancel;
    }

    /** The engine's number for this request (unique per engine, increasing in order of submission). */
    public long id() {
        return id;
    }

    /** Tokens in the prompt, as submitted. */
    public int promptTokens() {
        return promptTokens;
    }

    /**
     * Asks the engine to stop the request before its next token. It then ends with
     * {@link dev.llmaccel.generation.StopReason#CANCELLED} (its text so far kept), unless it has
     * ended already. Returns at once.
     */
    public void cancel() {
        onCancel.run();
    }

    /** Whether the request has ended (its listener has been told). */
    public boolean isDone() {
        return result.isDone();
    }

    /**
     * The result, completed after the listener's last call: normally (any stop reason, cancellation
     * included) or exceptionally with the request's error. A copy: completing it changes nothing here.
     */
    public CompletableFuture<Completion> future() {
        return result.copy();
    }

    /**
     * Waits for the end and returns the result.
     *
     * @throws CompletionException wrapping the request's error
     * @throws CancellationException never for a cancelled request (that is a result); only if the wait itself is cancelled
     */
    public Completion join() {
        return result.join();
    }
}
