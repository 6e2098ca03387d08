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
 */
public record EmbedderOptions(Backend backend, LongTextPolicy longTextPolicy, int batchSize) {
    public EmbedderOptions {
        Objects.requireNonNull(longTextPolicy, "longTextPolicy");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
    }

    /** The best backend, chunk-and-average for long texts (as LangChain4j), batches of 32. */
    public static EmbedderOptions defaults() {
        return new EmbedderOptions(null, LongTextPolicy.CHUNK_AND_AVERAGE, 32);
    }

    public EmbedderOptions withBackend(Backend b) {
        return new EmbedderOptions(b, longTextPolicy, batchSize);
    }

    public EmbedderOptions withLongTextPolicy(LongTextPolicy p) {
        return new EmbedderOptions(backend, p, batchSize);
    }

    public EmbedderOptions withBatchSize(int n) {
        return new EmbedderOptions(backend, longTextPolicy, n);
    }
}
