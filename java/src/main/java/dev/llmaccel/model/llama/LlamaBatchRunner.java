package dev.llmaccel.model.llama;

import dev.llmaccel.attention.Attention;
import dev.llmaccel.attention.AttentionConfig;
import dev.llmaccel.attention.PagedKvCache;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.PagedAttentionParams;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;

/**
 * Runs forward passes over rows from many sequences at once, with their keys and values in one
 * {@link PagedKvCache}: the engine of continuous batching. Every matrix product of a pass sees all
 * the rows of the batch (the weights are read once per pass, not once per sequence), and each row
 * gets exactly the result it would get alone: the kernels are batch-invariant (see
 * {@link Backend#pagedAttention}, and {@code llm_matmul}'s header), so the composition of a batch
 * never changes a sequence's tokens.
 *
 * <p>The runner owns its cache and activation buffers (allocated once, for up to maxRows rows and
 * maxLogitRows rows of logits) but not the block tables: which blocks hold which sequence is the
 * caller's (see {@link TokenBatch}). One pass runs at a time; the runner belongs to one thread.
 *
 * <pre>{@code
 * try (LlamaBatchRunner runner = model.newBatchRunner(512, 16, 256, 64)) {
 *     Tensor logits = runner.forward(batch);   // (batch.logitRows().length, vocab)
 * }
 * }</pre>
 */
public final class LlamaBatchRunner implements AutoCloseable {
    private final LlamaConfig c;
    private final LlamaWeights w;
    private final Backend backend;
    private final Blocks blocks;
    private final Attention attention;
    private final PagedKvCache cache;
    private final Activations activations;
    private final int maxRows;
    private final int maxLogitRows;
    private final Tensor last;    // (maxLogitRows, dim) the rows whose logits are wanted, then normed
    private final Tensor logits;  // (maxLogitRows, vocab)
    private boolean closed;

    LlamaBatchRunner(LlamaConfig c, LlamaWeights w, Backend backend, int cacheBlocks, int blockSize, int maxRows,
            int maxLogitRows) {
        this.c = c;
        this.w = w;
        this.backend = backend;
        this.maxRows = maxRows;
        this.maxLogitRows = maxLogitRows;
        this.blocks = new Blocks(c, w, backend);
        this.attention = new Attention(backend, AttentionConfig.causal(c.heads(), c.kvHeads(), c.headDim()));
        PagedKvCache kv = null;
        Activations acts = null;
        Tensor l = null;
        try {
            kv = attention.newPagedCache(c.layers(), cacheBlocks, blockSize);
            acts = new Activations(backend, c, maxRows);
            l = backend.allocate(DType.F32, maxLogitRows, c.dim());
            this.logits = backend.allocate(DType.F32, maxLogitRows, c.vocabSize());
        } catch (RuntimeException | OutOfMemoryError e) {
            if (l != null) {
                l.close();
            }
            if (acts != null) {
                acts.close();
            }
            if (kv != null) {
                kv.close();
            }
            throw e;
        }
        this.cache = kv;
        this.activations = acts;
        this.last = l;
    }

    /** The model's configuration. */
    public LlamaConfig config() {
        return c;
    }

    /** The backend the logits live on. */
    public Backend backend() {
        return backend;
    }

    /** The cache the passes read and write. */
    public PagedKvCache cache() {
        return cache;
    }

    /** The most rows one pass takes. */
    public int maxRows() {
        return maxRows;
    }

    /** The most logit rows one pass returns. */
    public int maxLogitRows() {
        return maxLogitRows;
    }

    /**
     * Runs the batch's rows through the model (writing their keys and values into the cache) and
     * returns the logits of its logit rows.
     *
     * @return (batch.logitRows().length, vocab) F32, owned by the runner and overwritten by the
     *     next pass; close it (a view) when done
     * @throws IllegalArgumentException when the batch has more rows or logit rows than the runner
     *     takes, a token id is out of range, or a block id is outside the cache
     */
    public Tensor forward(TokenBatch batch) {
        checkOpen();
        int n = batch.rows();
        int wanted = batch.logitRows().length;
        if (n > maxRows || wanted > maxLogitRows) {
            throw new IllegalArgumentException("a batch of " + n + " rows and " + wanted + " logit rows exceeds the runner's "
                    + maxRows + " rows and " + maxLogitRows + " logit rows");
        }
        int[] ids = batch.tokens();
        for (int i = 0; i < n; i++) {
            if (ids[i] < 0 || ids[i] >= c.vocabSize()) {
                throw new IndexOutOfBoundsException("token id " + ids[i] + " at row " + i + " outside [0, " + c.vocabSize() + ")");
            }
        }
        int[] positions = batch.positions();
        for (int p : positions) {
            if (p >= c.contextLength()) {
                throw new IllegalArgumentException("position " + p + " is beyond the model's context of " + c.contextLength());
            }
        }
        PagedAttentionParams rows = attention.pagedRows(cache, batch.blockTables(), batch.maxBlocks(), batch.sequenceOfRow(),
                positions);
        try (Activations.Rows r = activations.rows(n)) {
            blocks.run(r, ids, (layer, rr) -> {
                backend.rope(rr.qHeads, positions, c.rope());
                backend.rope(rr.kHeads, positions, c.rope());
                attention.forward(rr.attHeads, rr.qHeads, rr.kHeads, rr.vHeads, cache, layer, rows);
            });
            if (wanted == 0) {
                return logits.rows(0, 0);
            }
            try (Tensor picked = last.rows(0, wanted); Tensor out = logits.rows(0, wanted)) {
                backend.embedding(picked, r.x, batch.logitRows());  // gathers the wanted rows of the residual stream
                backend.rmsNorm(picked, picked, w.outputNorm, c.rmsEps());
                backend.matmul(out, picked, w.output);
            }
            return logits.rows(0, wanted);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("batch runner is closed");
        }
    }

    /** Frees the cache and the buffers. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        logits.close();
        last.close();
        activations.close();
        cache.close();
    }
}
