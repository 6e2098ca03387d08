package dev.llmaccel.langchain4j;

import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.serving.Engine;
import dev.llmaccel.serving.EngineConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What both chat models' builders take: where the model comes from (a GGUF file, or an engine
 * that already runs), how the engine is sized, and the request defaults.
 */
abstract class ModelBuilder<B extends ModelBuilder<B>> {
    private Path modelPath;
    private Engine engine;
    private Backend backend;
    private EngineConfig config = EngineConfig.defaults();
    private String modelName;
    private long seed;
    private ChatRequestParameters defaults = DefaultChatRequestParameters.EMPTY;
    private List<ChatModelListener> listeners = List.of();

    abstract B self();

    /** A GGUF file of a Llama-family chat model (with its tokenizer and, usually, its chat template). */
    public B modelPath(Path modelPath) {
        this.modelPath = Objects.requireNonNull(modelPath, "modelPath");
        return self();
    }

    /**
     * An engine already running (for example one shared with other chat models); the chat model
     * does not close it, and the sizes below do not apply.
     */
    public B engine(Engine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
        return self();
    }

    /** The backend a model from {@link #modelPath} runs on; default {@code Backends.best()}. */
    public B backend(Backend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
        return self();
    }

    /** Tokens one conversation holds at most (prompt and reply); default 4096, capped by the model. */
    public B contextSize(int tokens) {
        config = config.withContextSize(tokens);
        return self();
    }

    /** Tokens the shared key/value cache holds, over all conversations at once; default 8192. */
    public B kvCacheTokens(int tokens) {
        config = config.withKvCacheTokens(tokens);
        return self();
    }

    /** Conversations decoded together at most; more wait in the queue. Default 16. */
    public B maxConcurrentRequests(int n) {
        config = config.withMaxRunningSequences(n);
        return self();
    }

    /** Every engine setting at once (see {@link EngineConfig}). */
    public B engineConfig(EngineConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        return self();
    }

    /** The name the model answers to; default the GGUF's {@code general.name}. */
    public B modelName(String name) {
        this.modelName = Objects.requireNonNull(name, "name");
        return self();
    }

    /** Seeds the sampler of every request (the same request and seed give the same reply); default 0. */
    public B seed(long seed) {
        this.seed = seed;
        return self();
    }

    /** Request parameters for requests that leave them out (temperature, top-p, max output tokens, ...). */
    public B defaultRequestParameters(ChatRequestParameters parameters) {
        this.defaults = Objects.requireNonNull(parameters, "parameters");
        return self();
    }

    public B listeners(List<ChatModelListener> listeners) {
        this.listeners = List.copyOf(listeners);
        return self();
    }

    long seed() {
        return seed;
    }

    List<ChatModelListener> listeners() {
        return listeners;
    }

    /** The defaults with the model's name filled in. */
    ChatRequestParameters defaults(String name) {
        return DefaultChatRequestParameters.builder().modelName(name).build().overrideWith(defaults);
    }

    ServedModel open() {
        if ((modelPath == null) == (engine == null)) {
            throw new IllegalStateException("give the builder exactly one of modelPath(...) and engine(...)");
        }
        if (engine != null) {
            return ServedModel.of(engine, modelName != null ? modelName : "llmaccel");
        }
        return ServedModel.open(modelPath, backend, config, modelName);
    }
}
