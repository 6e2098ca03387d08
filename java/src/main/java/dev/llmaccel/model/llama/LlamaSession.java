package dev.llmaccel.model.llama;

import dev.llmaccel.attention.Attention;
import dev.llmaccel.attention.AttentionConfig;
import dev.llmaccel.attention.KvCache;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.MemoryLimit;
import dev.llmaccel.backend.MemoryLimitException;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * The run state of one conversation with a {@link LlamaModel}: its KV cache, the tokens it holds
 * and the activation buffers of the forward pass. Weights stay with the model and are shared;
 * a session belongs to one thread at a time.
 *
 * <p>{@link #forward} appends tokens (a whole prompt at once, or one generated token) and returns
 * the logits of the last one. Buffers are allocated once, when the session is made: decoding a
 * token allocates no tensor memory.
 */
public final class LlamaSession implements AutoCloseable {
    private final LlamaConfig c;
    private final LlamaWeights w;
    private final Backend backend;
    private final Blocks blocks;
    private final Attention attention;
    private final KvCache cache;
    private final Activations activations;
    private final int capacity;
    private final int batchSize;
    private final int[] tokens;
    private int length;
    private volatile boolean closed;
    /** Set while a call runs: a session belongs to one thread at a time. */
    private final java.util.concurrent.atomic.AtomicBoolean busy = new java.util.concurrent.atomic.AtomicBoolean();

    private final Tensor normed;    // (1, dim) the last token after the final norm
    private final Tensor logits;    // (1, vocab)
    private final Tensor logitsRow; // (vocab) view of logits
    private final Activations.Rows decodeRows;  // the one-token views, made once

    LlamaSession(LlamaConfig c, LlamaWeights w, Backend backend, int capacity, int batchSize) {
        this.c = c;
        this.w = w;
        this.backend = backend;
        this.capacity = capacity;
        this.batchSize = batchSize;
        checkMemory(c, backend, capacity, batchSize);
        this.tokens = new int[capacity];
        this.blocks = new Blocks(c, w, backend);
        this.attention = new Attention(backend, AttentionConfig.causal(c.heads(), c.kvHeads(), c.headDim()));
        KvCache kv = null;
        Activations acts = null;
        Tensor n = null;
        Tensor l = null;
        try {
            kv = attention.newCache(c.layers(), 1, capacity);
            acts = new Activations(backend, c, batchSize);
            n = backend.allocate(DType.F32, 1, c.dim());
            l = backend.allocate(DType.F32, 1, c.vocabSize());
        } catch (RuntimeException | OutOfMemoryError e) {
            if (l != null) {
                l.close();
            }
            if (n != null) {
                n.close();
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
        this.normed = n;
        this.logits = l;
        this.logitsRow = l.view(c.vocabSize());
        this.decodeRows = acts.rows(1);
    }

    /**
     * Sizes the whole run state before any of it is allocated: a context the machine cannot hold
     * is a {@link MemoryLimitException} here, not an OutOfMemoryError or a process the kernel kills
     * halfway through zero-filling its cache.
     */
    private static void checkMemory(LlamaConfig c, Backend backend, int capacity, int batchSize) {
        long bytes = MemoryLimit.sum(KvCache.bytes(c.layers(), 1, capacity, c.kvHeads(), c.headDim()),
                Activations.bytes(c, batchSize), MemoryLimit.product(c.dim() + (long) c.vocabSize(), Float.BYTES));
        String what = "a session of " + capacity + " tokens (KV cache of " + c.layers() + " layers, activations for "
                + batchSize + " tokens)";
        MemoryLimit.check(backend, bytes, what, "use a smaller context size");
        long heap = Runtime.getRuntime().maxMemory();
        if (4L * capacity > heap / 4) {  // the token list lives on the Java heap
            throw new MemoryLimitException(what + " keeps its tokens in " + MemoryLimit.size(4L * capacity)
                    + " of Java heap, more than a quarter of the " + MemoryLimit.size(heap) + " maximum: use a smaller context size");
        }
    }

    /** The most tokens this session can hold. */
    public int capacity() {
        return capacity;
    }

    /** Tokens held now (the position the next token gets). */
    public int length() {
        checkOpen();
        return length;
    }

    /** Room left before the context is full. */
    public int remaining() {
        return capacity - length();
    }

    /** The tokens held, in order. */
    public int[] tokens() {
        checkOpen();
        return Arrays.copyOf(tokens, length);
    }

    /** The model's configuration. */
    public LlamaConfig config() {
        return c;
    }

    /** The backend the logits tensors live on. */
    public Backend backend() {
        return backend;
    }

    /**
     * Appends tokens and returns the logits that follow the last of them.
     *
     * @param ids at least one token id in [0, vocab)
     * @return (vocab) F32 logits, owned by this session and overwritten by the next call
     * @throws IllegalStateException when the tokens do not fit in the remaining context; nothing changes then
     */
    public Tensor forward(int... ids) {
        enter();
        try {
            return forwardOwned(ids);
        } finally {
            busy.set(false);
        }
    }

    private Tensor forwardOwned(int... ids) {
        checkInput(ids);
        Activations.Rows last = null;
        int start = length;
        try {
            for (int from = 0; from < ids.length; from += batchSize) {
                int n = Math.min(batchSize, ids.length - from);
                last = rowsFor(n, last);
                layers(last, Arrays.copyOfRange(ids, from, from + n));
            }
            try (Tensor lastRow = last.x.rows(last.n - 1, 1)) {
                backend.rmsNorm(normed, lastRow, w.outputNorm, c.rmsEps());
            }
            backend.matmul(logits, normed, w.output);
            return logitsRow;
        } catch (RuntimeException e) {
            rewind(start);
            throw e;
        } finally {
            if (last != null && last != decodeRows) {
                last.close();
            }
        }
    }

    /**
     * Appends tokens and returns the logits after every one of them (for perplexity and scoring).
     *
     * @return a new (ids.length, vocab) F32 tensor that the caller closes
     * @throws IllegalStateException when the tokens do not fit in the remaining context; nothing changes then
     */
    public Tensor forwardAll(int... ids) {
        enter();
        try {
            return forwardAllOwned(ids);
        } finally {
            busy.set(false);
        }
    }

    private Tensor forwardAllOwned(int... ids) {
        checkInput(ids);
        int start = length;
        Tensor out = backend.allocate(DType.F32, ids.length, c.vocabSize());
        try {
            for (int from = 0; from < ids.length; from += batchSize) {
                int n = Math.min(batchSize, ids.length - from);
                try (Activations.Rows r = activations.rows(n); Tensor outRows = out.rows(from, n)) {
                    layers(r, Arrays.copyOfRange(ids, from, from + n));
                    backend.rmsNorm(r.xb, r.x, w.outputNorm, c.rmsEps());
                    backend.matmul(outRows, r.xb, w.output);
                }
            }
            return out;
        } catch (RuntimeException e) {
            out.close();
            rewind(start);
            throw e;
        }
    }

    /** Forgets the tokens from position length on (keeps the first length), to reuse a shared prefix. */
    public void truncate(int newLength) {
        enter();
        try {
            checkOpen();
            if (newLength < 0 || newLength > length) {
                throw new IllegalArgumentException("cannot truncate " + length + " tokens to " + newLength);
            }
            rewind(newLength);
        } finally {
            busy.set(false);
        }
    }

    /** Marks the session busy for this thread's call; another thread's call in flight is an exception. */
    private void enter() {
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException("the session is in use by another thread: a LlamaSession belongs to one"
                    + " thread at a time (give each thread a session of its own)");
        }
    }

    /** Forgets every token. */
    public void clear() {
        truncate(0);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        decodeRows.close();
        logits.close();
        normed.close();
        activations.close();
        cache.close();
    }

    // ---- the transformer --------------------------------------------------------------------------

    /** Runs every block over n = ids.length new tokens at the next positions, leaving the residual stream in r.x. */
    private void layers(Activations.Rows r, int[] ids) {
        int pos = length;
        blocks.run(r, ids, (layer, rows) -> {
            backend.rope(rows.qHeads, pos, c.rope());
            backend.rope(rows.kHeads, pos, c.rope());
            attention.forward(rows.attHeads, rows.qHeads, rows.kHeads, rows.vHeads, cache, layer);
        });
        System.arraycopy(ids, 0, tokens, pos, ids.length);
        length = pos + ids.length;
    }

    private void checkInput(int[] ids) {
        checkOpen();
        Objects.requireNonNull(ids, "ids");
        if (ids.length == 0) {
            throw new IllegalArgumentException("no tokens to run");
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= c.vocabSize()) {
                throw new IndexOutOfBoundsException("token id " + ids[i] + " at " + i + " outside [0, " + c.vocabSize() + ")");
            }
        }
        if (ids.length > capacity - length) {
            throw new IllegalStateException("context full: the session holds " + length + " of " + capacity
                    + " tokens and cannot take " + ids.length + " more");
        }
    }

    /** Back to newLength tokens; also undoes a forward pass that failed halfway. */
    private void rewind(int newLength) {
        cache.truncate(newLength);
        length = newLength;
    }

    private Activations.Rows rowsFor(int n, Activations.Rows previous) {
        if (n == 1) {
            return decodeRows;
        }
        if (previous != null && previous != decodeRows && previous.n == n) {
            return previous;
        }
        if (previous != null && previous != decodeRows) {
            previous.close();
        }
        return activations.rows(n);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("session is closed");
        }
        if (w.isClosed()) {
            throw new IllegalStateException("the model is closed: its sessions cannot run");
        }
    }
}
