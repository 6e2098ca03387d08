package dev.llmaccel.serving;

/**
 * Tokens a request used.
 *
 * @param promptTokens tokens of the prompt
 * @param cachedPromptTokens leading prompt tokens whose keys and values came from the prefix cache
 *     (not computed again for this request)
 * @param completionTokens tokens generated (a final end-of-generation token not counted)
 */
public record Usage(int promptTokens, int cachedPromptTokens, int completionTokens) {
    /** Prompt plus completion tokens. */
    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
