package dev.llmaccel.spark;

import dev.llmaccel.model.bert.Embedder;
import dev.llmaccel.model.bert.EmbedderOptions;
import dev.llmaccel.model.bert.LongTextPolicy;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which sentence model an executor opens and how it embeds: what {@link SentenceEmbedder} and
 * {@code llm_embed} send to the executors (a few strings, never the model).
 *
 * @param modelPath {@link #DEFAULT_MODEL} for the shipped all-MiniLM-L6-v2, else a GGUF or ONNX
 *     file or a safetensors folder (see {@link ModelFiles} for the paths an executor resolves)
 * @param longTextPolicy a {@link LongTextPolicy} name
 * @param batchSize token windows per padded pass
 * @param normalize whether vectors have unit length
 */
record EmbedderSpec(String modelPath, String longTextPolicy, int batchSize, boolean normalize) implements Serializable {
    /** The model path that means the shipped all-MiniLM-L6-v2. */
    static final String DEFAULT_MODEL = "default";

    EmbedderSpec {
        policy(longTextPolicy);  // fails on the driver, before any task runs
        new EmbedderOptions(null, LongTextPolicy.TRUNCATE, batchSize, 0);
    }

    static EmbedderSpec defaults() {
        return new EmbedderSpec(DEFAULT_MODEL, LongTextPolicy.TRUNCATE.name(), 32, true);
    }

    static LongTextPolicy policy(String name) {
        try {
            return LongTextPolicy.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("long text policy must be one of " + List.of(LongTextPolicy.values())
                    + ", got " + name);
        }
    }

    boolean isDefaultModel() {
        return modelPath.equals(DEFAULT_MODEL);
    }

    ExecutorModels.Key key() {
        return new ExecutorModels.Key("embedding", modelPath, policy(longTextPolicy) + ", batch " + batchSize
                + (normalize ? ", normalised" : ", not normalised"));
    }

    /** Opens the model on this JVM's best backend (what {@link ExecutorModels} calls, once). */
    Embedder open() throws IOException {
        EmbedderOptions options = EmbedderOptions.defaults().withLongTextPolicy(policy(longTextPolicy))
                .withBatchSize(batchSize).withNormalize(normalize);
        return isDefaultModel() ? Embedder.load(options) : Embedder.load(ModelFiles.local(modelPath), options);
    }

    /** The vectors of texts, in order, on this JVM's model; a null text has a null vector. */
    List<float[]> embed(List<String> texts) {
        List<String> present = new ArrayList<>(texts.size());
        for (String t : texts) {
            if (t != null) {
                present.add(t);
            }
        }
        List<float[]> vectors = present.isEmpty() ? List.of()
                : ExecutorModels.use(key(), Embedder.class, this::open, e -> e.embedAll(present));
        List<float[]> out = new ArrayList<>(texts.size());
        int next = 0;
        for (String t : texts) {
            out.add(t == null ? null : vectors.get(next++));
        }
        return out;
    }
}
