package dev.llmaccel.generation;

/**
 * A prompt has more tokens than the context holds. Thrown by {@link Generator} and by the serving
 * engine before anything runs; carries both lengths so that a caller (an HTTP server answering
 * OpenAI's {@code context_length_exceeded}, a chat that drops its oldest turns) can act on them
 * without tokenizing the prompt again.
 */
public final class PromptTooLongException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final int promptTokens;
    private final int contextSize;

    /** @param advice what the caller can change, appended to the message (e.g. "raise contextSize") */
    public PromptTooLongException(int promptTokens, int contextSize, String advice) {
        super("the prompt has " + promptTokens + " tokens; the context holds " + contextSize + " (" + advice
                + " or shorten the prompt)");
        this.promptTokens = promptTokens;
        this.contextSize = contextSize;
    }

    /** Tokens of the prompt as it would run (chat template and BOS included). */
    public int promptTokens() {
        return promptTokens;
    }

    /** Tokens one sequence holds at most. */
    public int contextSize() {
        return contextSize;
    }
}
