package dev.llmaccel.langchain4j;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.generation.ChatTemplate;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.serving.Engine;
import dev.llmaccel.serving.EngineConfig;
import dev.llmaccel.tokenizer.Tokenizer;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The engine a chat model runs on, and what it had to open for it: a GGUF file, a backend, the
 * model, its tokenizer and chat template. Closing it closes what it opened, in reverse order; an
 * engine handed in from outside is left to its owner.
 */
final class ServedModel implements AutoCloseable {
    final Engine engine;
    final String name;
    private final GgufFile gguf;
    private final Backend ownedBackend;
    private final LlamaModel ownedModel;

    private ServedModel(Engine engine, String name, GgufFile gguf, Backend ownedBackend, LlamaModel ownedModel) {
        this.engine = engine;
        this.name = name;
        this.gguf = gguf;
        this.ownedBackend = ownedBackend;
        this.ownedModel = ownedModel;
    }

    /** An engine someone else owns. */
    static ServedModel of(Engine engine, String name) {
        return new ServedModel(engine, name, null, null, null);
    }

    /**
     * Opens a GGUF file with its tokenizer and chat template and starts an engine on it.
     *
     * @param backend the backend to run on, or null for {@link Backends#best()} (closed with the model)
     */
    static ServedModel open(Path file, Backend backend, EngineConfig config, String name) {
        GgufFile gguf = null;
        Backend owned = null;
        LlamaModel model = null;
        try {
            gguf = GgufFile.open(file);
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
            ChatTemplate template = ChatTemplate.fromGguf(gguf, tokenizer);
            if (backend == null) {
                owned = Backends.best();
            }
            model = LlamaModel.fromGguf(gguf, backend != null ? backend : owned);
            Engine engine = Engine.start(model, tokenizer, template, config);
            String n = name != null ? name : gguf.getString("general.name", file.getFileName().toString());
            return new ServedModel(engine, n, gguf, owned, model);
        } catch (IOException | RuntimeException e) {
            if (model != null) {
                model.close();
            }
            if (owned != null) {
                owned.close();
            }
            if (gguf != null) {
                gguf.close();
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot open " + file + ": " + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
    }

    @Override
    public void close() {
        if (ownedModel == null) {
            return;
        }
        engine.close();
        ownedModel.close();
        if (ownedBackend != null) {
            ownedBackend.close();
        }
        gguf.close();
    }
}
