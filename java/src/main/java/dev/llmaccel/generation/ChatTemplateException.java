package dev.llmaccel.generation;

/**
 * A chat template refused a conversation ({@code raise_exception} in the template, for example
 * "Conversation roles must alternate user/assistant/...") or could not be rendered.
 */
public class ChatTemplateException extends RuntimeException {
    public ChatTemplateException(String message) {
        super(message);
    }
}
