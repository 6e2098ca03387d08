package dev.llmaccel.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.llmaccel.serving.Completion;
import dev.llmaccel.serving.Engine;
import dev.llmaccel.serving.RequestHandle;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;

/**
 * A LangChain4j {@link ChatModel} on a local GGUF model, served by llmaccel's batching
 * {@link Engine}: any number of threads may chat at once, and their requests are decoded together
 * (each gets the reply it would get alone). Per request it honours temperature, top-p, top-k,
 * frequency and presence penalties, max output tokens, stop sequences and JSON response formats
 * (any JSON, or JSON of a schema: the reply is decoded under its grammar, so AI Services methods
 * that return a record get one); tools, non-text content and another model name are refused with
 * an {@code UnsupportedFeatureException}.
 *
 * <pre>{@code
 * try (LlmaccelChatModel model = LlmaccelChatModel.builder().modelPath(Path.of("SmolLM2-135M-Instruct-Q8_0.gguf"))
 *         .contextSize(2048).maxConcurrentRequests(8).build()) {
 *     Assistant assistant = AiServices.builder(Assistant.class).chatModel(model)
 *             .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(10)).build();
 * }
 * }</pre>
 *
 * <p>Close the model to free the engine and the model it opened (an engine handed to the builder
 * stays open). Interrupting a thread that waits for a reply cancels that request.
 */
public final class LlmaccelChatModel implements ChatModel, AutoCloseable {
    private final ServedModel served;
    private final ChatRequestParameters defaults;
    private final long seed;
    private final List<ChatModelListener> listeners;

    private LlmaccelChatModel(Builder b) {
        this.served = b.open();
        this.defaults = b.defaults(served.name);
        this.seed = b.seed();
        this.listeners = b.listeners();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds an {@link LlmaccelChatModel}; see the setters of {@link ModelBuilder}. */
    public static final class Builder extends ModelBuilder<Builder> {
        private Builder() {}

        @Override
        Builder self() {
            return this;
        }

        public LlmaccelChatModel build() {
            return new LlmaccelChatModel(this);
        }
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        RequestHandle handle = served.engine.submit(ChatRequests.toEngine(request, served.name, seed));
        try {
            Completion c = handle.future().get();
            return ChatRequests.toResponse(c, served.name);
        } catch (InterruptedException e) {
            handle.cancel();
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for the reply; the request is cancelled");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return defaults;
    }

    @Override
    public List<ChatModelListener> listeners() {
        return listeners;
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /** JSON schema response formats: the reply is decoded under the schema's grammar (AI Services then asks for one). */
    @Override
    public Set<Capability> supportedCapabilities() {
        return Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
    }

    /** The engine the replies come from (to share it with an {@link LlmaccelStreamingChatModel}, or for its stats). */
    public Engine engine() {
        return served.engine;
    }

    /** Stops the engine and frees the model, when the builder opened them. */
    @Override
    public void close() {
        served.close();
    }
}
