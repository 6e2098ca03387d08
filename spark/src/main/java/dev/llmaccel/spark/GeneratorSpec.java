package dev.llmaccel.spark;

import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.generation.Generator;
import dev.llmaccel.model.llama.LlamaSession;
import dev.llmaccel.serving.CompletionRequest;
import dev.llmaccel.serving.RequestHandle;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;

/**
 * Which decoder an executor opens, how it runs rows, and how it samples: what {@link TextGenerator}
 * and {@code llm_generate} send to the executors.
 *
 * @param modelPath a GGUF file (see {@link ModelFiles} for the paths an executor resolves)
 * @param contextSize tokens of prompt and continuation together, at most (capped by the model's)
 * @param parallel prompts the engine decodes together; 0 runs rows one after another instead
 * @param kvCacheTokens tokens of the engine's paged cache (all running prompts together)
 * @param maxTokens tokens to generate at most; -1 until an end token or the context is full
 * @param sampling temperature (0: greedy), top-k, top-p, min-p, repetition penalty
 * @param stopStrings generation stops before the first of these
 * @param seed the sampler's seed for rows without one of their own
 */
record GeneratorSpec(String modelPath, int contextSize, int parallel, int kvCacheTokens, int maxTokens,
        Sampling sampling, List<String> stopStrings, long seed) implements Serializable {

    GeneratorSpec {
        if (modelPath == null || modelPath.isBlank()) {
            throw new IllegalArgumentException("no model: set modelPath to a GGUF file");
        }
        if (contextSize < 1 || parallel < 0 || kvCacheTokens < 1) {
            throw new IllegalArgumentException("context size and KV cache tokens must be >= 1 and parallel >= 0, got "
                    + contextSize + ", " + kvCacheTokens + ", " + parallel);
        }
        stopStrings = List.copyOf(stopStrings);
        Objects.requireNonNull(sampling, "sampling");
        // bad sampling values fail on the driver, before any task runs (the fields are not assigned yet)
        new GenerationOptions(sampling.params(), maxTokens, stopStrings, seed, GenerationOptions.DEFAULT_PENALTY_WINDOW);
    }

    /** Greedy decoding of up to maxTokens tokens on the batching engine (16 at once): llm_generate's defaults. */
    static GeneratorSpec greedy(String modelPath, int maxTokens) {
        return new GeneratorSpec(modelPath, 2048, 16, 8192, maxTokens, Sampling.GREEDY, List.of(), 0);
    }

    ExecutorModels.Key key() {
        String runs = parallel > 0 ? "engine of " + parallel + ", cache " + kvCacheTokens : "sequential";
        return new ExecutorModels.Key("generation", modelPath, "context " + contextSize + ", " + runs);
    }

    GenerationModel open() throws IOException {
        return GenerationModel.open(ModelFiles.local(modelPath), contextSize, parallel, kvCacheTokens);
    }

    GenerationOptions options(long rowSeed, int rowMaxTokens) {
        return new GenerationOptions(sampling.params(), rowMaxTokens, stopStrings, rowSeed, GenerationOptions.DEFAULT_PENALTY_WINDOW);
    }

    /** One prompt to continue: its text (null gives null), seed and token limit. */
    record Prompt(String text, long seed, int maxTokens) {}

    /** The continuations of prompts, in order, on this JVM's model. */
    List<String> generate(List<Prompt> prompts) {
        return ExecutorModels.use(key(), GenerationModel.class, this::open,
                m -> m.engine != null ? onEngine(m, prompts) : oneByOne(m, prompts));
    }

    /** Submits every prompt, then collects the texts in order (the engine batches them with the other tasks'). */
    private List<String> onEngine(GenerationModel m, List<Prompt> prompts) {
        List<RequestHandle> handles = new ArrayList<>(prompts.size());
        try {
            for (Prompt p : prompts) {
                handles.add(p.text() == null ? null
                        : m.engine.submit(CompletionRequest.ofText(p.text(), options(p.seed(), p.maxTokens()))));
            }
            List<String> out = new ArrayList<>(prompts.size());
            for (RequestHandle h : handles) {
                out.add(h == null ? null : h.join().text());
            }
            return out;
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("llmaccel: " + cause.getMessage(), cause);
        } finally {
            for (RequestHandle h : handles) {
                if (h != null) {
                    h.cancel();  // a no-op for the ended ones; frees the engine of this task's rest after a failure
                }
            }
        }
    }

    /** Runs the prompts one after another on one session (its prefix reuse helps prompts that start alike). */
    private List<String> oneByOne(GenerationModel m, List<Prompt> prompts) {
        try (LlamaSession session = m.model.newSession(m.contextSize)) {
            Generator generator = new Generator(session, m.tokenizer);
            List<String> out = new ArrayList<>(prompts.size());
            for (Prompt p : prompts) {
                out.add(p.text() == null ? null : generator.generate(p.text(), options(p.seed(), p.maxTokens()), null).text());
            }
            return out;
        }
    }

    /** The sampler's settings (SamplingParams itself does not travel to executors). */
    record Sampling(float temperature, int topK, float topP, float minP, float repeatPenalty) implements Serializable {
        static final Sampling GREEDY = new Sampling(0, 0, 1, 0, 1);

        SamplingParams params() {
            return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, 0, 0, Map.of());
        }
    }
}
