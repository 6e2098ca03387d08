package dev.llmaccel.model.llama;

import dev.llmaccel.attention.Attention;
import dev.llmaccel.attention.AttentionConfig;
import dev.llmaccel.attention.KvCache;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.embedding.Embedding;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
    private final Embedding embedding;
    private final Attention attention;
    private final KvCache cache;
    private final int capacity;
    private final int batchSize;
    private final int[] tokens;
    private int length;
    private boolean closed;

    // Activations for up to batchSize tokens; a forward pass over n tokens uses their first n rows.
    private final Tensor x;      // (batch, dim) the residual stream
    private final Tensor xb;     // (batch, dim) normed input of a sub-layer, then its output
    private final Tensor q;      // (batch, heads * headDim)
    private final Tensor k;      // (batch, kvHeads * headDim)
    private final Tensor v;      // (batch, kvHeads * headDim)
    private final Tensor att;    // (batch, heads * headDim) attention output
    private final Tensor hb;     // (batch, hiddenDim) gate, then silu(gate) * up
    private final Tensor hb2;    // (batch, hiddenDim) up
    private final Tensor normed; // (1, dim) the last token after the final norm
    private final Tensor logits; // (1, vocab)
    private final Tensor logitsRow; // (vocab) view of logits
    private final Rows decodeRows;  // the one-token views, made once
    private final List<Tensor> buffers = new ArrayList<>();

    LlamaSession(LlamaConfig c, LlamaWeights w, Backend backend, int capacity, int batchSize) {
        this.c = c;
        this.w = w;
        this.backend = backend;
        this.capacity = capacity;
        this.batchSize = batchSize;
        this.tokens = new int[capacity];
        this.embedding = new Embedding(backend);
        this.attention = new Attention(backend, AttentionConfig.causal(c.heads(), c.kvHeads(), c.headDim()));
        KvCache kv = null;
        try {
            kv = attention.newCache(c.layers(), 1, capacity);
            x = buffer(batchSize, c.dim());
            xb = buffer(batchSize, c.dim());
            q = buffer(batchSize, c.queryDim());
            k = buffer(batchSize, c.kvDim());
            v = buffer(batchSize, c.kvDim());
            att = buffer(batchSize, c.queryDim());
            hb = buffer(batchSize, c.hiddenDim());
            hb2 = buffer(batchSize, c.hiddenDim());
            normed = buffer(1, c.dim());
            logits = buffer(1, c.vocabSize());
            logitsRow = logits.view(c.vocabSize());
            decodeRows = new Rows(1);
        } catch (RuntimeException | OutOfMemoryError e) {
            buffers.forEach(Tensor::close);
            if (kv != null) {
                kv.close();
            }
            throw e;
        }
        this.cache = kv;
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
        checkInput(ids);
        Rows last = null;
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
        checkInput(ids);
        int start = length;
        Tensor out = backend.allocate(DType.F32, ids.length, c.vocabSize());
        try {
            for (int from = 0; from < ids.length; from += batchSize) {
                int n = Math.min(batchSize, ids.length - from);
                try (Rows r = new Rows(n); Tensor outRows = out.rows(from, n)) {
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
        checkOpen();
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate " + length + " tokens to " + newLength);
        }
        rewind(newLength);
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
        buffers.forEach(Tensor::close);
        cache.close();
    }

    // ---- the transformer --------------------------------------------------------------------------

    /** Runs every block over n = ids.length new tokens, leaving the residual stream in r.x. */
    private void layers(Rows r, int[] ids) {
        int pos = length;
        embedding.lookup(r.x, w.tokenEmbedding, ids);
        for (int l = 0; l < c.layers(); l++) {
            LlamaWeights.Layer L = w.layers[l];
            // attention: x += wo · attention(rope(norm(wq · xn)), rope(norm(wk · xn)), wv · xn)
            backend.rmsNorm(r.xb, r.x, L.attnNorm(), c.rmsEps());
            backend.matmul(r.q, r.xb, L.wq());
            backend.matmul(r.k, r.xb, L.wk());
            backend.matmul(r.v, r.xb, L.wv());
            if (L.bq() != null) {
                backend.add(r.q, r.q, L.bq());
                backend.add(r.k, r.k, L.bk());
                backend.add(r.v, r.v, L.bv());
            }
            if (L.qNorm() != null) {
                backend.rmsNorm(r.qPerHead, r.qPerHead, L.qNorm(), c.rmsEps());
                backend.rmsNorm(r.kPerHead, r.kPerHead, L.kNorm(), c.rmsEps());
            }
            backend.rope(r.qHeads, pos, c.rope());
            backend.rope(r.kHeads, pos, c.rope());
            attention.forward(r.attHeads, r.qHeads, r.kHeads, r.vHeads, cache, l);
            backend.matmul(r.xb, r.att, L.wo());
            backend.add(r.x, r.x, r.xb);
            // feed-forward: x += wDown · (silu(wGate · xn) * (wUp · xn))
            backend.rmsNorm(r.xb, r.x, L.ffnNorm(), c.rmsEps());
            backend.matmul(r.hb, r.xb, L.wGate());
            backend.matmul(r.hb2, r.xb, L.wUp());
            backend.swiglu(r.hb, r.hb, r.hb2);
            backend.matmul(r.xb, r.hb, L.wDown());
            backend.add(r.x, r.x, r.xb);
        }
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

    private Rows rowsFor(int n, Rows previous) {
        if (n == 1) {
            return decodeRows;
        }
        if (previous != null && previous != decodeRows && previous.n == n) {
            return previous;
        }
        if (previous != null && previous != decodeRows) {
            previous.close();
        }
        return new Rows(n);
    }

    private Tensor buffer(long rows, long cols) {
        Tensor t = backend.allocate(DType.F32, rows, cols);
        buffers.add(t);
        return t;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("session is closed");
        }
    }

    /** Views of the first n rows of every activation buffer, in the shapes the ops take. */
    private final class Rows implements AutoCloseable {
        final int n;
        final Tensor x, xb, q, k, v, att, hb, hb2;
        final Tensor qHeads;   // (n, heads, headDim)
        final Tensor kHeads;   // (n, kvHeads, headDim)
        final Tensor vHeads;   // (n, kvHeads, headDim)
        final Tensor attHeads; // (n, heads, headDim)
        final Tensor qPerHead; // (n * heads, headDim)
        final Tensor kPerHead; // (n * kvHeads, headDim)

        Rows(int n) {
            this.n = n;
            x = LlamaSession.this.x.rows(0, n);
            xb = LlamaSession.this.xb.rows(0, n);
            q = LlamaSession.this.q.rows(0, n);
            k = LlamaSession.this.k.rows(0, n);
            v = LlamaSession.this.v.rows(0, n);
            att = LlamaSession.this.att.rows(0, n);
            hb = LlamaSession.this.hb.rows(0, n);
            hb2 = LlamaSession.this.hb2.rows(0, n);
            qHeads = q.view(n, c.heads(), c.headDim());
            kHeads = k.view(n, c.kvHeads(), c.headDim());
            vHeads = v.view(n, c.kvHeads(), c.headDim());
            attHeads = att.view(n, c.heads(), c.headDim());
            qPerHead = q.view((long) n * c.heads(), c.headDim());
            kPerHead = k.view((long) n * c.kvHeads(), c.headDim());
        }

        @Override
        public void close() {
            // views own no memory; closing them only marks them unusable
            for (Tensor t : new Tensor[] {x, xb, q, k, v, att, hb, hb2, qHeads, kHeads, vHeads, attHeads, qPerHead, kPerHead}) {
                t.close();
            }
        }
    }
}
