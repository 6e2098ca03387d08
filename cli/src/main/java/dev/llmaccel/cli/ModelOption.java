package dev.llmaccel.cli;

import dev.llmaccel.model.llama.LlamaConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code -m}, {@code --tokenizer} and {@code -c}: which model to run, with how much context. */
final class ModelOption {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF file or llama2.c checkpoint")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "llama2.c tokenizer file (default: tokenizer.bin or tok*.bin beside the checkpoint)")
    Path tokenizer;

    /** Context when -c is not given: llama.cpp's default, or the model's own when smaller. */
    private static final int DEFAULT_CONTEXT = 4096;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N",
            description = "context size in tokens; 0 = the model's own up to 4096 (default: 4096 or the model's, whichever is smaller)")
    Integer contextSize;

    @Option(names = "--check-tensors", description = "read every weight once at load and refuse NaN or infinity")
    boolean checkTensors;

    LoadedModel open(BackendOptions backend, PrintWriter err, ProgressBar.Mode progress) throws IOException {
        if (contextSize != null && contextSize < 0) {
            throw new IllegalArgumentException("--ctx-size must be >= 0, got " + contextSize);
        }
        long t0 = System.nanoTime();
        LoadedModel m = LoadedModel.open(model, tokenizer, backend, err, progress, checkTensors);
        LlamaConfig c = m.model.config();
        err.printf("llmaccel: %s: %s, %d layers, %d embd, %d heads (%d kv), vocab %d, %.1f MB of weights; backend %s; loaded in %.2f s%n",
                model.getFileName(), c.architecture(), c.layers(), c.dim(), c.heads(), c.kvHeads(), c.vocabSize(),
                m.model.weightBytes() / 1e6, m.backend.name(), (System.nanoTime() - t0) / 1e9);
        return m;
    }

    /** The context to give a session: the requested size, capped at the model's; err says when the model's is taken. */
    int contextFor(LlamaConfig config, PrintWriter err) {
        if (contextSize == null && config.contextLength() >= DEFAULT_CONTEXT) {
            return DEFAULT_CONTEXT;
        }
        if (contextSize == null || contextSize == 0) {
            // a model's context can be millions of tokens, whose cache no machine holds: -c N asks for more
            if (config.contextLength() > DEFAULT_CONTEXT) {
                err.printf("llmaccel: context: %d tokens of the model's %d (-c 0 takes at most %d; give -c N for more)%n",
                        DEFAULT_CONTEXT, config.contextLength(), DEFAULT_CONTEXT);
                return DEFAULT_CONTEXT;
            }
            err.printf("llmaccel: context: the model's %d tokens%n", config.contextLength());
            return config.contextLength();
        }
        if (contextSize > config.contextLength()) {
            err.printf("llmaccel: --ctx-size %d exceeds the model's context of %d; using %d%n", contextSize,
                    config.contextLength(), config.contextLength());
            return config.contextLength();
        }
        return contextSize;
    }
}
