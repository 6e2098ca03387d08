package dev.llmaccel.spark;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.serving.Engine;
import dev.llmaccel.serving.EngineConfig;
import dev.llmaccel.tokenizer.Tokenizer;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A decoder opened on an executor: the GGUF file (its weights are mapped from it), the model on
 * this JVM's best backend, its tokenizer, and, when rows run batched, the serving engine that
 * decodes every running prompt of every task of this JVM in one forward pass per step.
 */
final class GenerationModel implements AutoCloseable {
    final GgufFile gguf;
    final Backend backend;
    final LlamaModel model;
    final Tokenizer tokenizer;
    /** Null when rows run one after another on a session each. */
    final Engine engine;
    /** Tokens one prompt and its continuation hold at most (capped by the model's context length). */
    final int contextSize;

    private GenerationModel(GgufFile gguf, Backend backend, LlamaModel model, Tokenizer tokenizer, Engine engine,
            int contextSize) {
        this.gguf = gguf;
        this.backend = backend;
        this.model = model;
        this.tokenizer = tokenizer;
        this.engine = engine;
        this.contextSize = contextSize;
    }

    /**
     * Opens file; with parallel &gt; 0 starts an engine of that many running sequences (a cache of
     * kvCacheTokens tokens, at least one full context).
     */
    static GenerationModel open(Path file, int contextSize, int parallel, int kvCacheTokens) throws IOException {
        GgufFile gguf = GgufFile.open(file);
        Backend backend = null;
        LlamaModel model = null;
        try {
            backend = Backends.best();
            model = LlamaModel.fromGguf(gguf, backend);
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
            int context = Math.min(contextSize, model.config().contextLength());
            Engine engine = null;
            if (parallel > 0) {
                EngineConfig config = EngineConfig.defaults().withKvCacheTokens(Math.max(kvCacheTokens, context))
                        .withContextSize(context).withMaxRunningSequences(parallel).withMaxQueuedRequests(1 << 16);
                engine = Engine.start(model, tokenizer, null, config);
            }
            return new GenerationModel(gguf, backend, model, tokenizer, engine, context);
        } catch (IOException | RuntimeException e) {
            if (model != null) {
                model.close();
            }
            if (backend != null) {
                backend.close();
            }
            gguf.close();
            throw e;
        }
    }

    /** Stops the engine (its scheduler thread and cache), then frees the model, the backend and the file. */
    @Override
    public void close() {
        if (engine != null) {
            engine.close();
        }
        model.close();
        backend.close();
        gguf.close();
    }
}
