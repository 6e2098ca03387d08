package dev.llmaccel.generation;

/**
 * What a generation produced.
 *
 * @param text the generated text (without the prompt, an end token or a stop string)
 * @param stopReason why it ended
 * @param promptTokens tokens in the prompt
 * @param reusedPromptTokens leading prompt tokens that the session already held and did not run again
 * @param generatedTokens tokens sampled (including one that completed a stop string, excluding an end token)
 * @param promptNanos time spent running the prompt
 * @param generationNanos time spent sampling and running the generated tokens
 */
public record GenerationResult(String text, StopReason stopReason, int promptTokens, int reusedPromptTokens,
        int generatedTokens, long promptNanos, long generationNanos) {

    /** Prompt tokens run per second (the reused ones not counted). */
    public double promptTokensPerSecond() {
        return rate(promptTokens - reusedPromptTokens, promptNanos);
    }

    /** Generated tokens per second. */
    public double tokensPerSecond() {
        return rate(generatedTokens, generationNanos);
    }

    private static double rate(int tokens, long nanos) {
        return nanos <= 0 ? 0 : tokens * 1e9 / nanos;
    }
}
