package dev.llmaccel.serving;

import dev.llmaccel.generation.ChatMessage;
import dev.llmaccel.generation.GenerationOptions;
import java.util.List;
import java.util.Objects;

/**
 * One request to an {@link Engine}: a prompt, given as token ids, as text, or as chat messages
 * (rendered with the engine's chat template, ending with the opening of an assistant turn), and
 * how to continue it (sampling, seed, stop strings, token limit: {@link GenerationOptions}).
 * Exactly one of promptTokens, promptText and messages is non-null; use the factories.
 */
public record CompletionRequest(int[] promptTokens, String promptText, List<ChatMessage> messages,
        GenerationOptions options) {

    public CompletionRequest {
        Objects.requireNonNull(options, "options");
        int given = (promptTokens != null ? 1 : 0) + (promptText != null ? 1 : 0) + (messages != null ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException("a request has exactly one of prompt tokens, prompt text and messages");
        }
        promptTokens = promptTokens == null ? null : promptTokens.clone();
        messages = messages == null ? null : List.copyOf(messages);
    }

    /** A prompt of token ids, run as given (no BOS added). */
    public static CompletionRequest ofTokens(int[] promptTokens, GenerationOptions options) {
        return new CompletionRequest(Objects.requireNonNull(promptTokens, "promptTokens"), null, null, options);
    }

    /** A prompt of text: special-token texts in it become their ids, BOS is added as the vocabulary asks. */
    public static CompletionRequest ofText(String promptText, GenerationOptions options) {
        return new CompletionRequest(null, Objects.requireNonNull(promptText, "promptText"), null, options);
    }

    /** A conversation, rendered with the engine's chat template. */
    public static CompletionRequest ofMessages(List<ChatMessage> messages, GenerationOptions options) {
        return new CompletionRequest(null, null, Objects.requireNonNull(messages, "messages"), options);
    }

    @Override
    public int[] promptTokens() {
        return promptTokens == null ? null : promptTokens.clone();
    }
}
