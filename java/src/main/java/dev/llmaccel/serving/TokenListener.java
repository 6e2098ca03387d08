package dev.llmaccel.serving;

/**
 * Receives one request's output as it is generated. The engine calls a request's listener on its
 * callback threads, never on the thread that runs the model and never twice at once for one
 * request: events arrive in order, {@link #onToken} for each generated token, then exactly one of
 * {@link #onComplete} (also for a cancelled request) or {@link #onError}. A listener that throws
 * cancels its own request (which then ends with {@link #onError}); other requests never notice.
 */
public interface TokenListener {
    /**
     * A generated token.
     *
     * @param token its id
     * @param text the text that became final with it: often the token's text, empty while a
     *     character or a possible stop string is incomplete, sometimes several tokens' worth
     */
    default void onToken(int token, String text) {}

    /** The request ended normally or was cancelled; see {@link Completion#stopReason()}. */
    default void onComplete(Completion completion) {}

    /** The request failed; nothing more follows. */
    default void onError(Throwable error) {}
}
