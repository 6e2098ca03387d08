package dev.llmaccel.cli;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.CpuBackend;
import dev.llmaccel.model.bert.Embedder;
import dev.llmaccel.model.bert.EmbedderOptions;
import dev.llmaccel.model.bert.LongTextPolicy;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every embedding command shares: which model, which backend, how long texts are treated. */
final class EmbedderMixin {
    @Option(names = {"-m", "--model"}, paramLabel = "PATH",
            description = "A BERT model: safetensors folder, GGUF or ONNX file (default: the built-in all-MiniLM-L6-v2).")
    Path model;

    @Option(names = "--backend", paramLabel = "NAME", description = "cpu, cuda or reference (default: the best present).")
    String backend;

    @Option(names = "--long-texts", paramLabel = "POLICY", defaultValue = "TRUNCATE",
            description = "Texts beyond --max-tokens: TRUNCATE or CHUNK_AND_AVERAGE (default: ${DEFAULT-VALUE}).")
    LongTextPolicy longTexts;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "0",
            description = "Tokens per text or window with [CLS] and [SEP] (default: the model's own limit, 128 for"
                    + " all-MiniLM-L6-v2).")
    int maxTokens;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Texts per pass (default: ${DEFAULT-VALUE}).")
    int batch;

    /** The backend --backend names, or null to let the embedder pick (and own) the best one. */
    Backend namedBackend() {
        return backend == null ? null : Backends.named(backend);
    }

    /** The embedder these options describe, on b (null: the best backend, owned by the embedder). */
    Embedder open(Backend b) throws IOException {
        EmbedderOptions options = new EmbedderOptions(b, longTexts, batch, maxTokens);
        return model == null ? Embedder.load(options) : Embedder.load(model, options);
    }

    /** "cpu (2 threads, AVX2 FMA F16C)" or the backend's name. */
    static String describe(Backend b) {
        return b.name().equals("cpu") ? "cpu (" + CpuBackend.describe() + ")" : b.name();
    }
}
