package dev.llmaccel.attention;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.MemoryLimit;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Keys and values of past tokens, per layer: for each layer two (batch, capacity, kvHeads, headDim)
 * F32 tensors on the backend's device, and how many positions each layer holds. Appending beyond
 * the capacity is an {@link IllegalStateException}; nothing is overwritten silently.
 */
public final class KvCache implements AutoCloseable {
    private final Backend backend;
    private final int batch;
    private final int capacity;
    private final int kvHeads;
    private final int headDim;
    private final List<Tensor> keys = new ArrayList<>();
    private final List<Tensor> values = new ArrayList<>();
    private final long[] lengths;
    private boolean closed;

    KvCache(Backend backend, int layers, int batch, int capacity, int kvHeads, int headDim) {
        if (layers <= 0 || batch <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("layers, batch and capacity must be positive: " + layers + ", " + batch + ", " + capacity);
        }
        MemoryLimit.check(backend, bytes(layers, batch, capacity, kvHeads, headDim),
                "a KV cache of " + layers + " layers x " + batch + " sequences x " + capacity + " tokens",
                "use a smaller context (capacity) or batch");
        this.backend = backend;
        this.batch = batch;
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.lengths = new long[layers];
        try {
            for (int l = 0; l < layers; l++) {
                keys.add(backend.allocate(DType.F32, batch, capacity, kvHeads, headDim));
                values.add(backend.allocate(DType.F32, batch, capacity, kvHeads, headDim));
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            close();
            throw e;
        }
    }

    /** Bytes of a cache of these sizes (keys and values of every layer), Long.MAX_VALUE when that overflows. */
    public static long bytes(int layers, int batch, int capacity, int kvHeads, int headDim) {
        return MemoryLimit.product(2L * layers, batch, capacity, kvHeads, headDim, Float.BYTES);
    }

    public int layers() {
        return lengths.length;
    }

    public int batch() {
        return batch;
    }

    public int capacity() {
        return capacity;
    }

    /** Positions stored for layer. */
    public long length(int layer) {
        checkLayer(layer);
        return lengths[layer];
    }

    /** The key tensor of layer (batch, capacity, kvHeads, headDim); rows beyond length(layer) are unused. */
    public Tensor keys(int layer) {
        checkLayer(layer);
        return keys.get(layer);
    }

    /** The value tensor of layer (batch, capacity, kvHeads, headDim). */
    public Tensor values(int layer) {
        checkLayer(layer);
        return values.get(layer);
    }

    /**
     * Appends n positions to layer: k and v are (batch, n, kvHeads, headDim), or (n, kvHeads, headDim)
     * when batch is 1.
     *
     * @return the position of the first appended token
     */
    public long append(int layer, Tensor k, Tensor v) {
        checkLayer(layer);
        long n = checkNew(k, "keys");
        if (checkNew(v, "values") != n) {
            throw new IllegalArgumentException("keys " + k + " and values " + v + " hold different token counts");
        }
        long start = lengths[layer];
        if (start + n > capacity) {
            throw new IllegalStateException("KV cache full: layer " + layer + " holds " + start + " of " + capacity
                    + " positions and cannot take " + n + " more");
        }
        for (int b = 0; b < batch; b++) {
            copyRows(keys.get(layer), k, b, start, n);
            copyRows(values.get(layer), v, b, start, n);
        }
        lengths[layer] = start + n;
        return start;
    }

    /** Forgets everything (every layer back to length 0); memory is kept. */
    public void clear() {
        checkOpen();
        java.util.Arrays.fill(lengths, 0);
    }

    /** Forgets positions from length on, in every layer (to rewind a conversation). */
    public void truncate(long length) {
        checkOpen();
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        for (int l = 0; l < lengths.length; l++) {
            lengths[l] = Math.min(lengths[l], length);
        }
    }

    private void copyRows(Tensor cache, Tensor src, int b, long start, long n) {
        // cache (batch, capacity, kvHeads, headDim) -> rows of batch b, as (capacity, kvHeads, headDim)
        try (Tensor perBatch = cache.view((long) batch * capacity, kvHeads, headDim);
             Tensor dst = perBatch.rows((long) b * capacity + start, n);
             Tensor flatSrc = src.view(batch * n, kvHeads, headDim);
             Tensor srcRows = flatSrc.rows(b * n, n)) {
            backend.copy(dst, srcRows);
        }
    }

    private long checkNew(Tensor t, String what) {
        if (t == null) {
            throw new NullPointerException(what);
        }
        t.checkOpen();
        if (t.dtype() != DType.F32) {
            throw new IllegalArgumentException("new " + what + " must be F32, got " + t);
        }
        boolean ok = (t.rank() == 4 && t.dim(0) == batch && t.dim(2) == kvHeads && t.dim(3) == headDim)
                || (t.rank() == 3 && batch == 1 && t.dim(1) == kvHeads && t.dim(2) == headDim);
        if (!ok) {
            throw new IllegalArgumentException("new " + what + " must be (" + batch + ", n, " + kvHeads + ", " + headDim
                    + "), got " + t);
        }
        return t.dim(-3);
    }

    private void checkLayer(int layer) {
        checkOpen();
        if (layer < 0 || layer >= lengths.length) {
            throw new IndexOutOfBoundsException("layer " + layer + " outside [0, " + lengths.length + ")");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("KV cache is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        keys.forEach(Tensor::close);
        values.forEach(Tensor::close);
    }
}
