package dev.llmaccel.tokenizer;

/**
 * Decodes a stream of token ids piece by piece; made by {@link Tokenizer#streamingDecoder()}.
 * Not thread-safe: one decoder per stream.
 */
public interface TokenDecoder {
    /**
     * The text that became complete with this token; empty while a UTF-8 character is still
     * incomplete or when the token has no text (control tokens).
     *
     * @throws IllegalArgumentException when id is outside the vocabulary (the state is unchanged)
     */
    String next(int id);

    /** Whatever is still held back (an incomplete character becomes U+FFFD); the stream may go on. */
    String flush();
}
