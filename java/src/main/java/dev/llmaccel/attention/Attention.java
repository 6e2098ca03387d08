package dev.llmaccel.attention;

import dev.llmaccel.backend.AttentionParams;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.PagedAttentionParams;
import dev.llmaccel.tensor.Tensor;
import java.util.Objects;

/**
 * Scaled dot-product attention for one layer shape ({@link AttentionConfig}): grouped-query heads,
 * causal or bidirectional, optional sliding window and padding mask, against fresh keys/values
 * (encoders, one pass), a {@link KvCache} (one decoder conversation, token by token) or a
 * {@link PagedKvCache} (many conversations in one batch, each row through its block table).
 *
 * <pre>{@code
 * Attention attention = new Attention(backend, AttentionConfig.causal(32, 8, 128));
 * try (KvCache cache = attention.newCache(layers, 1, 4096)) {
 *     // per layer: q (n, 32, 128), k and v (n, 8, 128) for the n new tokens
 *     attention.forward(out, q, k, v, cache, layer);
 * }
 * }</pre>
 */
public final class Attention {
    private final Backend backend;
    private final AttentionConfig config;

    public Attention(Backend backend, AttentionConfig config) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.config = Objects.requireNonNull(config, "config");
    }

    public AttentionConfig config() {
        return config;
    }

    /** A cache for layers layers of batch sequences of up to capacity tokens, on this backend. */
    public KvCache newCache(int layers, int batch, int capacity) {
        return new KvCache(backend, layers, batch, capacity, config.kvHeads(), config.headDim());
    }

    /** A paged cache of blocks blocks of blockSize token slots for layers layers, on this backend. */
    public PagedKvCache newPagedCache(int layers, int blocks, int blockSize) {
        return new PagedKvCache(backend, layers, blocks, blockSize, config.kvHeads(), config.headDim());
    }

    /**
     * The rows of a batch over a paged cache with this layer's scale: see {@link PagedAttentionParams}.
     * Causal only (a paged cache serves decoders); the config's window is not applied.
     */
    public PagedAttentionParams pagedRows(PagedKvCache cache, int[] blockTables, int maxBlocks, int[] rowSequence,
            int[] rowPosition) {
        Objects.requireNonNull(cache, "cache");
        if (!config.causal() || config.window() != 0) {
            throw new UnsupportedOperationException("paged attention is causal without a window; this layer is "
                    + (config.causal() ? "windowed" : "bidirectional"));
        }
        return new PagedAttentionParams(config.scale(), cache.blockSize(), blockTables, maxBlocks, rowSequence, rowPosition);
    }

    /**
     * Writes the new tokens' keys and values into their slots of the cache for layer, then attends
     * each query row over its own sequence's cached positions (its own included).
     *
     * @param out (rows, heads, headDim) F32
     * @param q (rows, heads, headDim) F32
     * @param k (rows, kvHeads, headDim) F32, the rows' new keys
     * @param v (rows, kvHeads, headDim) F32
     * @param rows from {@link #pagedRows}
     */
    public void forward(Tensor out, Tensor q, Tensor k, Tensor v, PagedKvCache cache, int layer, PagedAttentionParams rows) {
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(rows, "rows");
        checkHeads(q, k);
        backend.pagedKvWrite(cache.keys(layer), cache.values(layer), k, v, rows);
        backend.pagedAttention(out, q, cache.keys(layer), cache.values(layer), rows);
    }

    /**
     * Attention of q over keys k and values v of the same tokens (no cache): an encoder layer, or
     * a whole prompt at once.
     *
     * @param out (batch, n, heads, headDim) F32, or without the batch dimension
     * @param q (batch, n, heads, headDim) F32
     * @param k (batch, n, kvHeads, headDim) F32
     * @param v (batch, n, kvHeads, headDim) F32
     * @param mask batch * n ints, 0 marks padding keys; null keeps all
     */
    public void forward(Tensor out, Tensor q, Tensor k, Tensor v, int[] mask) {
        checkHeads(q, k);
        backend.attention(out, q, k, v, params(0, k.dim(-3), mask));
    }

    /**
     * Appends the new tokens' keys and values to the cache for layer, then attends q over every
     * cached position. The new tokens sit at positions cache.length(layer) onward.
     *
     * @param q (batch, n, heads, headDim) F32, or (n, heads, headDim) for batch 1
     * @param k (batch, n, kvHeads, headDim) F32 for the same n tokens
     */
    public void forward(Tensor out, Tensor q, Tensor k, Tensor v, KvCache cache, int layer) {
        Objects.requireNonNull(cache, "cache");
        checkHeads(q, k);
        if (q.dim(-3) != k.dim(-3)) {
            throw new IllegalArgumentException("queries " + q + " and new keys " + k + " hold different token counts");
        }
        long start = cache.append(layer, k, v);
        backend.attention(out, q, cache.keys(layer), cache.values(layer), params(start, start + q.dim(-3), null));
    }

    private AttentionParams params(long queryPosition, long kvLength, int[] mask) {
        return new AttentionParams(config.scale(), config.causal(), config.window(), queryPosition, kvLength, mask);
    }

    private void checkHeads(Tensor q, Tensor k) {
        Objects.requireNonNull(q, "q");
        Objects.requireNonNull(k, "k");
        if (q.rank() < 3 || q.dim(-2) != config.heads() || q.dim(-1) != config.headDim()) {
            throw new IllegalArgumentException("queries must be (..., n, " + config.heads() + ", " + config.headDim() + "), got " + q);
        }
        if (k.rank() < 3 || k.dim(-2) != config.kvHeads() || k.dim(-1) != config.headDim()) {
            throw new IllegalArgumentException("keys must be (..., n, " + config.kvHeads() + ", " + config.headDim() + "), got " + k);
        }
    }
}
