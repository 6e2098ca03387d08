package dev.llmaccel.attention;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.MemoryLimit;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Keys and values of many sequences in one pool of fixed-size blocks: for each layer a key pool
 * (blocks, kvHeads, headDim, blockSize) (each block's keys transposed per head, so that attention
 * takes a block's keys in vector lanes) and a value pool (blocks, kvHeads, blockSize, headDim),
 * F32 on the backend's device. The cache holds data
 * only; which block belongs to which sequence is the caller's business (its block tables, see
 * {@link dev.llmaccel.backend.PagedAttentionParams}), so blocks can be shared between sequences
 * and handed from one to the next without copying.
 */
public final class PagedKvCache implements AutoCloseable {
    private final int blocks;
    private final int blockSize;
    private final int kvHeads;
    private final int headDim;
    private final List<Tensor> keys = new ArrayList<>();
    private final List<Tensor> values = new ArrayList<>();
    private boolean closed;

    PagedKvCache(Backend backend, int layers, int blocks, int blockSize, int kvHeads, int headDim) {
        if (layers <= 0 || blocks <= 0 || blockSize <= 0) {
            throw new IllegalArgumentException("layers, blocks and block size must be positive: " + layers + ", " + blocks
                    + ", " + blockSize);
        }
        long slots = (long) blocks * blockSize;
        if (slots > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(blocks + " blocks of " + blockSize + " exceed 2^31 token slots");
        }
        MemoryLimit.check(backend, bytes(layers, slots, kvHeads, headDim),  // throws when the size overflows
                "a paged KV cache of " + layers + " layers x " + slots + " token slots",
                "use fewer cache blocks or tokens");
        this.blocks = blocks;
        this.blockSize = blockSize;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        try {
            for (int l = 0; l < layers; l++) {
                keys.add(backend.allocate(DType.F32, blocks, kvHeads, headDim, blockSize));
                values.add(backend.allocate(DType.F32, blocks, kvHeads, blockSize, headDim));
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            close();
            throw e;
        }
    }

    /** Bytes of a cache of tokens token slots for a layer shape: keys and values of every layer, F32. */
    public static long bytes(int layers, long tokens, int kvHeads, int headDim) {
        try {
            return Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(2L * layers, tokens), (long) kvHeads * headDim),
                    Float.BYTES);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("a cache of " + tokens + " tokens overflows a long of bytes");
        }
    }

    public int layers() {
        return keys.size();
    }

    public int blocks() {
        return blocks;
    }

    public int blockSize() {
        return blockSize;
    }

    /** Token slots: blocks × blockSize. */
    public int slots() {
        return blocks * blockSize;
    }

    /** Bytes of all keys and values. */
    public long bytes() {
        return bytes(layers(), slots(), kvHeads, headDim);
    }

    /** The key pool of layer: (blocks, kvHeads, headDim, blockSize). */
    public Tensor keys(int layer) {
        checkLayer(layer);
        return keys.get(layer);
    }

    /** The value pool of layer: (blocks, kvHeads, blockSize, headDim). */
    public Tensor values(int layer) {
        checkLayer(layer);
        return values.get(layer);
    }

    private void checkLayer(int layer) {
        if (closed) {
            throw new IllegalStateException("paged KV cache is closed");
        }
        if (layer < 0 || layer >= keys.size()) {
            throw new IndexOutOfBoundsException("layer " + layer + " outside [0, " + keys.size() + ")");
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
