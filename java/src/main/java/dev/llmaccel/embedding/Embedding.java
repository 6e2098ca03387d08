package dev.llmaccel.embedding;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Pooling;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.Objects;

/**
 * Token embeddings and sentence vectors: rows of an embedding table (of any weight type) as F32,
 * pooling of token vectors into one vector per sequence, and L2 normalisation.
 *
 * <pre>{@code
 * try (Backend backend = Backends.best();
 *      Tensor table = backend.upload(Tensor.of(DType.Q8_0, weights, vocab, dim));
 *      Tensor rows = new Embedding(backend).lookup(table, new int[] {1, 42, 7})) {
 *     float[] values = rows.toFloatArray();   // 3 x dim
 * }
 * }</pre>
 */
public final class Embedding {
    private final Backend backend;

    public Embedding(Backend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
    }

    public Backend backend() {
        return backend;
    }

    /** A new (ids.length, d) F32 tensor with table's rows ids. */
    public Tensor lookup(Tensor table, int[] ids) {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(ids, "ids");
        if (table.rank() != 2) {
            throw new IllegalArgumentException("embedding table must be (vocab, d), got " + table);
        }
        Tensor out = backend.allocate(DType.F32, ids.length, table.dim(1));
        try {
            backend.embedding(out, table, ids);
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** Writes table's rows ids into out (ids.length, d) F32. */
    public void lookup(Tensor out, Tensor table, int[] ids) {
        backend.embedding(out, table, ids);
    }

    /**
     * Pools (batch, seq, d) token vectors into a new (batch, d) tensor.
     *
     * @param mask batch * seq ints, 0 marks padding; null keeps every token
     */
    public Tensor pool(Tensor hidden, int[] mask, Pooling mode) {
        Objects.requireNonNull(hidden, "hidden");
        if (hidden.rank() != 3) {
            throw new IllegalArgumentException("pool input must be (batch, seq, d), got " + hidden);
        }
        Tensor out = backend.allocate(DType.F32, hidden.dim(0), hidden.dim(2));
        try {
            backend.pool(out, hidden, mask, mode);
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** Scales every row of x to unit length, in place. */
    public void normalize(Tensor x) {
        backend.l2Normalize(x, x);
    }
}
