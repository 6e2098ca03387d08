package dev.llmaccel.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.llmaccel.serving.Completion;
import dev.llmaccel.serving.Engine;
import dev.llmaccel.serving.RequestHandle;
import dev.llmaccel.serving.TokenListener;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A LangChain4j {@link StreamingChatModel} on a local GGUF model, served by llmaccel's batching
 * {@link Engine}; the parameters it honours and refuses are those of {@link LlmaccelChatModel}.
 * The reply streams to the handler piece by piece, on the engine's callback threads (in order,
 * one call at a time per request); {@code doChat} returns at once.
 *
 * <p>{@code context.streamingHandle().cancel()} in {@code onPartialResponse} stops the request
 * before its next token: no further partial responses come, and {@code onCompleteResponse} gets
 * the text so far with finish reason {@code OTHER}.
 */
public final class LlmaccelStreamingChatModel implements StreamingChatModel, AutoCloseable {
    private final ServedModel served;
    private final ChatRequestParameters defaults;
    private final long seed;
    private final List<ChatModelListener> listeners;

    private LlmaccelStreamingChatModel(Builder b) {
        this.served = b.open();
        this.defaults = b.defaults(served.name);
        this.seed = b.seed();
        this.listeners = b.listeners();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds an {@link LlmaccelStreamingChatModel}; see the setters of {@link ModelBuilder}. */
    public static final class Builder extends ModelBuilder<Builder> {
        private Builder() {}

        @Override
        Builder self() {
            return this;
        }

        public LlmaccelStreamingChatModel build() {
            return new LlmaccelStreamingChatModel(this);
        }
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        AtomicReference<RequestHandle> handle = new AtomicReference<>();
        AtomicBoolean cancelled = new AtomicBoolean();
        StreamingHandle streaming = new StreamingHandle() {
            @Override
            public void cancel() {
                cancelled.set(true);
                RequestHandle h = handle.get();
                if (h != null) {
                    h.cancel();
                }
            }

            @Override
            public boolean isCancelled() {
                return cancelled.get();
            }
        };
        PartialResponseContext context = new PartialResponseContext(streaming);
        TokenListener listener = new TokenListener() {
            @Override
            public void onToken(int token, String text) {
                if (!text.isEmpty() && !cancelled.get()) {
                    handler.onPartialResponse(new PartialResponse(text), context);
                }
            }

            @Override
            public void onComplete(Completion completion) {
                handler.onCompleteResponse(ChatRequests.toResponse(completion, served.name));
            }

            @Override
            public void onError(Throwable error) {
                handler.onError(error);
            }
        };
        handle.set(served.engine.submit(ChatRequests.toEngine(request, served.name, seed), listener));
        if (cancelled.get()) {
            handle.get().cancel();
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

    /** The engine the replies come from (to share it with an {@link LlmaccelChatModel}, or for its stats). */
    public Engine engine() {
        return served.engine;
    }

    /** Stops the engine and frees the model, when the builder opened them. */
    @Override
    public void close() {
        served.close();
    }
}
