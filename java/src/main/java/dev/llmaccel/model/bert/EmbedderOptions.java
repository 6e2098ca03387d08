package dev.llmaccel.model.bert;

import dev.llmaccel.backend.Backend;
import java.util.Objects;

/**
 * Settings of an {@link Embedder}.
 *
 * @param backend where the model runs; null means {@link dev.llmaccel.backend.Backends#best()},
 *     which the embedder then owns and closes (a backend passed here stays the caller's)
 * @param longTextPolicy what happens to texts longer than the model's 510 text tokens
 * @param batchSize how many token windows run in one padded pass (texts are grouped by length first)
 * @param maxTokens tokens per input or window, [CLS] and [SEP] included; 0 means the model's own
 *     limit (its tokenizer.json's truncation length, else its positions)
 * @param normalize whether vectors are scaled to unit length (sentence-transformers' last module for
 *     all-MiniLM-L6-v2); without it a text's vector is its mean-pooled tokens (its windows' token-weighted mean)
 */
public record EmbedderOptions(Backend backend, LongTextPolicy longTextPolicy, int batchSize, int maxTokens,
        boolean normalize) {
    public EmbedderOptions {
        Objects.requireNonNull(longTextPolicy, "longTextPolicy");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (maxTokens != 0 && maxTokens < 3) {
            throw new IllegalArgumentException("max tokens must be 0 (the model's limit) or at least 3, got " + maxTokens);
        }
    }

    /** Options whose vectors are normalised. */
    public EmbedderOptions(Backend backend, LongTextPolicy longTextPolicy, int batchSize, int maxTokens) {
        this(backend, longTextPolicy, batchSize, maxTokens, true);
    }

    /**
     * The best backend, texts truncated to the model's limit, batches of 32, unit vectors: for
     * all-MiniLM-L6-v2 this is what LangChain4j's AllMiniLmL6V2EmbeddingModel computes.
     */
    public static EmbedderOptions defaults() {
        return new EmbedderOptions(null, LongTextPolicy.TRUNCATE, 32, 0);
    }

    public EmbedderOptions withBackend(Backend b) {
        return new EmbedderOptions(b, longTextPolicy, batchSize, maxTokens, normalize);
    }

    public EmbedderOptions withLongTextPolicy(LongTextPolicy p) {
        return new EmbedderOptions(backend, p, batchSize, maxTokens, normalize);
    }

    public EmbedderOptions withBatchSize(int n) {
        return new EmbedderOptions(backend, longTextPolicy, n, maxTokens, normalize);
    }

    public EmbedderOptions withMaxTokens(int n) {
        return new EmbedderOptions(backend, longTextPolicy, batchSize, n, normalize);
    }

    public EmbedderOptions withNormalize(boolean on) {
        return new EmbedderOptions(backend, longTextPolicy, batchSize, maxTokens, on);
    }
}
