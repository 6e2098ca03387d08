package dev.llmaccel.generation;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A multi-turn conversation: each {@link #send} renders the whole conversation with the chat
 * template, lets the {@link Generator} continue it (only the new turn runs through the model: the
 * session keeps the earlier ones) and records the reply.
 *
 * <p>When the conversation outgrows the context, its oldest turns are dropped (a system message
 * is kept) until the prompt and room for the reply fit.
 */
public final class Chat {
    private final Generator generator;
    private final ChatTemplate template;
    private final List<ChatMessage> messages = new ArrayList<>();

    public Chat(Generator generator, ChatTemplate template) {
        this.generator = Objects.requireNonNull(generator, "generator");
        this.template = Objects.requireNonNull(template, "template");
    }

    /** Sets (or replaces) the system message that opens the conversation. */
    public void system(String content) {
        Objects.requireNonNull(content, "content");
        if (!messages.isEmpty() && messages.get(0).role().equals("system")) {
            messages.set(0, ChatMessage.system(content));
        } else {
            messages.add(0, ChatMessage.system(content));
        }
    }

    /** The conversation so far. */
    public List<ChatMessage> messages() {
        return List.copyOf(messages);
    }

    /** Forgets every turn but the system message. */
    public void clear() {
        messages.removeIf(m -> !m.role().equals("system"));
    }

    /**
     * Adds a user message and generates the assistant's reply, streaming it to onText.
     *
     * @throws IllegalArgumentException when even the system message and this message alone do not fit in the context
     * @throws ChatTemplateException when the template refuses the conversation
     */
    public GenerationResult send(String userMessage, GenerationOptions options, Consumer<String> onText) {
        Objects.requireNonNull(userMessage, "userMessage");
        Objects.requireNonNull(options, "options");
        messages.add(ChatMessage.user(userMessage));
        try {
            int[] prompt = fittingPrompt(options);
            GenerationResult result = generator.generate(prompt, options, onText);
            messages.add(ChatMessage.assistant(result.text()));
            return result;
        } catch (RuntimeException e) {
            messages.remove(messages.size() - 1);
            throw e;
        }
    }

    /** The rendered prompt, after dropping the oldest turns until it leaves room for the reply. */
    private int[] fittingPrompt(GenerationOptions options) {
        int capacity = generator.session().capacity();
        int room = options.maxNewTokens() >= 0 ? Math.min(options.maxNewTokens(), capacity / 2) : capacity / 4;
        while (true) {
            int[] prompt = generator.encode(template.render(messages, true));
            if (prompt.length + room <= capacity) {
                return prompt;
            }
            int first = !messages.isEmpty() && messages.get(0).role().equals("system") ? 1 : 0;
            if (messages.size() - first <= 1) {
                throw new IllegalArgumentException("the message needs " + prompt.length + " tokens, and with room for "
                        + room + " reply tokens that exceeds the context of " + capacity);
            }
            // drop the oldest turn: a user message and the reply that followed it
            messages.remove(first);
            if (messages.size() - first > 1 && messages.get(first).role().equals("assistant")) {
                messages.remove(first);
            }
        }
    }
}
