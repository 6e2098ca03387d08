package dev.llmaccel.model.llama;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Op;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The weights of a Llama-family model on one backend, read-only and shared by every session.
 * Tensors are named as in GGUF files ({@code token_embd.weight}, {@code blk.N.attn_q.weight}, ...),
 * whatever the file format; on the CPU they view the mapped file directly, on other devices they
 * are copies this object owns.
 */
final class LlamaWeights implements AutoCloseable {

    /** Looks up a tensor by its GGUF name; null when the file has none by that name. */
    interface Source {
        Tensor find(String name) throws ModelFormatException;
    }

    /** One transformer block. Projections are (out, in), as the matmul op takes them. */
    record Layer(
            Tensor attnNorm, // (dim)
            Tensor wq,       // (heads * headDim, dim)
            Tensor wk,       // (kvHeads * headDim, dim)
            Tensor wv,       // (kvHeads * headDim, dim)
            Tensor bq,       // (heads * headDim) or null
            Tensor bk,       // (kvHeads * headDim) or null
            Tensor bv,       // (kvHeads * headDim) or null
            Tensor qNorm,    // (headDim) or null
            Tensor kNorm,    // (headDim) or null
            Tensor wo,       // (dim, heads * headDim)
            Tensor ffnNorm,  // (dim)
            Tensor wGate,    // (hiddenDim, dim)
            Tensor wUp,      // (hiddenDim, dim)
            Tensor wDown) {} // (dim, hiddenDim)

    final Tensor tokenEmbedding; // (vocab, dim)
    final Layer[] layers;
    final Tensor outputNorm;     // (dim)
    final Tensor output;         // (vocab, dim); the embedding table when tied
    private final List<Tensor> owned;
    private final long bytes;
    private volatile boolean closed;

    private LlamaWeights(Tensor tokenEmbedding, Layer[] layers, Tensor outputNorm, Tensor output, List<Tensor> owned,
            long bytes) {
        this.tokenEmbedding = tokenEmbedding;
        this.layers = layers;
        this.outputNorm = outputNorm;
        this.output = output;
        this.owned = owned;
        this.bytes = bytes;
    }

    /**
     * Finds, checks and places on the backend every tensor the configuration needs.
     *
     * @param file named in messages
     * @throws ModelFormatException when a tensor is missing or misshapen
     * @throws UnsupportedOperationException when the backend has no kernel for a weight's type
     */
    static LlamaWeights load(LlamaConfig c, Source source, Backend backend, String file) throws ModelFormatException {
        return load(c, source, backend, file, false);
    }

    /**
     * As {@link #load(LlamaConfig, Source, Backend, String)}; with checkValues, every weight is
     * also read through once and one holding NaN or infinity is refused (llama.cpp's --check-tensors).
     */
    static LlamaWeights load(LlamaConfig c, Source source, Backend backend, String file, boolean checkValues)
            throws ModelFormatException {
        Loader l = new Loader(source, backend, file, checkValues);
        try {
            Tensor embedding = l.matrix("token_embd.weight", c.vocabSize(), c.dim(), Op.EMBEDDING);
            Layer[] layers = new Layer[c.layers()];
            for (int i = 0; i < c.layers(); i++) {
                String p = "blk." + i + ".";
                layers[i] = new Layer(
                        l.vector(p + "attn_norm.weight", c.dim()),
                        l.matrix(p + "attn_q.weight", c.queryDim(), c.dim(), Op.MATMUL),
                        l.matrix(p + "attn_k.weight", c.kvDim(), c.dim(), Op.MATMUL),
                        l.matrix(p + "attn_v.weight", c.kvDim(), c.dim(), Op.MATMUL),
                        c.qkvBias() ? l.vector(p + "attn_q.bias", c.queryDim()) : null,
                        c.qkvBias() ? l.vector(p + "attn_k.bias", c.kvDim()) : null,
                        c.qkvBias() ? l.vector(p + "attn_v.bias", c.kvDim()) : null,
                        c.qkNorm() ? l.vector(p + "attn_q_norm.weight", c.headDim()) : null,
                        c.qkNorm() ? l.vector(p + "attn_k_norm.weight", c.headDim()) : null,
                        l.matrix(p + "attn_output.weight", c.dim(), c.queryDim(), Op.MATMUL),
                        l.vector(p + "ffn_norm.weight", c.dim()),
                        l.matrix(p + "ffn_gate.weight", c.hiddenDim(), c.dim(), Op.MATMUL),
                        l.matrix(p + "ffn_up.weight", c.hiddenDim(), c.dim(), Op.MATMUL),
                        l.matrix(p + "ffn_down.weight", c.dim(), c.hiddenDim(), Op.MATMUL));
            }
            Tensor outputNorm = l.vector("output_norm.weight", c.dim());
            Tensor output;
            if (c.tiedOutput()) {
                if (!backend.supports(Op.MATMUL, embedding.dtype())) {
                    throw new UnsupportedOperationException(file + ": backend " + backend.name() + " has no matmul for "
                            + embedding.dtype() + " weights (the tied output layer)");
                }
                output = embedding;
            } else {
                output = l.matrix("output.weight", c.vocabSize(), c.dim(), Op.MATMUL);
            }
            return new LlamaWeights(embedding, layers, outputNorm, output, l.owned, l.bytes);
        } catch (ModelFormatException | RuntimeException e) {
            l.owned.forEach(Tensor::close);
            throw e;
        }
    }

    /** Bytes of all weights, each tensor counted once. */
    long bytes() {
        return bytes;
    }

    /**
     * Bytes of weights one decoded token reads: every matrix once, the embedding table one row
     * (all of it when it is also the output layer).
     */
    long bytesPerToken() {
        if (output == tokenEmbedding) {
            return bytes;
        }
        return bytes - tokenEmbedding.bytes() + tokenEmbedding.bytes() / tokenEmbedding.dim(0);
    }

    /** Whether {@link #close()} ran: the model is closed, and its sessions must not run. */
    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        owned.forEach(Tensor::close);
    }

    /** Checks shapes and types, converts small F32-only tensors, uploads; remembers what it must close. */
    private static final class Loader {
        private final Source source;
        private final Backend backend;
        private final String file;
        private final boolean checkValues;
        final List<Tensor> owned = new ArrayList<>();
        long bytes;

        Loader(Source source, Backend backend, String file, boolean checkValues) {
            this.source = source;
            this.backend = backend;
            this.file = file;
            this.checkValues = checkValues;
        }

        Tensor matrix(String name, long rows, long cols, Op op) throws ModelFormatException {
            Tensor t = require(name, rows, cols);
            if (!backend.supports(op, t.dtype())) {
                throw new UnsupportedOperationException(file + ": tensor " + name + " is " + t.dtype() + ", and backend "
                        + backend.name() + " has no " + op.name().toLowerCase() + " kernel for that type");
            }
            return place(t);
        }

        /** Norm weights and biases: the ops take them as F32, so other types are converted once. */
        Tensor vector(String name, long length) throws ModelFormatException {
            Tensor t = require(name, length);
            if (t.dtype() != DType.F32) {
                Tensor converted = t.to(DType.F32);
                owned.add(converted);
                t = converted;
            }
            return place(t);
        }

        private Tensor require(String name, long... shape) throws ModelFormatException {
            Tensor t = source.find(name);
            if (t == null) {
                throw new ModelFormatException(file + ": tensor " + name + " is missing");
            }
            if (!Arrays.equals(t.shape(), shape)) {
                throw new ModelFormatException(file + ": tensor " + name + " has shape " + Arrays.toString(t.shape())
                        + ", the model's configuration needs " + Arrays.toString(shape));
            }
            if (checkValues) {
                checkFinite(name, t);
            }
            bytes += t.bytes();
            return t;
        }

        /** Throws when t holds NaN or infinity; reads it a piece of about a million values at a time. */
        private void checkFinite(String name, Tensor t) throws ModelFormatException {
            long rows = t.rank() == 1 ? 1 : t.dim(0);
            long rowLength = t.elements() / Math.max(1, rows);
            long step = Math.max(1, (1 << 20) / Math.max(1, rowLength));
            for (long r = 0; r < rows; r += step) {
                float[] values;
                if (t.rank() == 1) {
                    values = t.toFloatArray();
                } else {
                    try (Tensor part = t.rows(r, Math.min(step, rows - r))) {
                        values = part.toFloatArray();
                    }
                }
                for (int i = 0; i < values.length; i++) {
                    if (!Float.isFinite(values[i])) {
                        throw new ModelFormatException(file + ": tensor " + name + " holds " + values[i] + " at element "
                                + (r * rowLength + i) + " (checked because tensors are checked at load)");
                    }
                }
            }
        }

        private Tensor place(Tensor t) {
            Tensor placed = backend.upload(t);
            if (placed != t) {
                owned.add(placed);
            }
            return placed;
        }
    }
}
