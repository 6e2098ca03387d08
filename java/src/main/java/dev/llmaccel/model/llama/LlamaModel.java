package dev.llmaccel.model.llama;

import dev.llmaccel.attention.PagedKvCache;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.tensor.MappedFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * A Llama-family decoder (Llama 2/3, Mistral, Qwen2, Qwen3, SmolLM, TinyLlama) on one backend:
 * its configuration and its read-only weights, shared by any number of {@link LlamaSession}s
 * (one per conversation and thread).
 *
 * <pre>{@code
 * try (GgufFile gguf = GgufFile.open(path);
 *      LlamaModel model = LlamaModel.fromGguf(gguf, Backends.best());
 *      LlamaSession session = model.newSession(2048)) {
 *     Tensor logits = session.forward(promptIds);   // (vocab)
 * }
 * }</pre>
 */
public final class LlamaModel implements AutoCloseable {
    /** Prompt tokens run through the model together; longer prompts go in several passes. */
    public static final int DEFAULT_BATCH = 256;

    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final Backend backend;
    private final MappedFile ownedFile;
    private boolean closed;

    private LlamaModel(LlamaConfig config, LlamaWeights weights, Backend backend, MappedFile ownedFile) {
        this.config = config;
        this.weights = weights;
        this.backend = backend;
        this.ownedFile = ownedFile;
    }

    /**
     * The model in a GGUF file of architecture llama, qwen2 or qwen3. On the CPU the weights view
     * the file's mapping, so the file must stay open while the model is used.
     *
     * @throws ModelFormatException when the architecture is not supported, metadata is missing or a tensor is absent or misshapen
     * @throws UnsupportedOperationException when the backend has no kernel for a weight type of the file
     */
    public static LlamaModel fromGguf(GgufFile gguf, Backend backend) throws ModelFormatException {
        return fromGguf(gguf, backend, false);
    }

    /**
     * As {@link #fromGguf(GgufFile, Backend)}; with checkTensors, every weight is read once at load
     * and one that holds NaN or infinity is a {@link ModelFormatException} naming the tensor (as
     * llama.cpp's --check-tensors), instead of a model whose logits are NaN.
     */
    public static LlamaModel fromGguf(GgufFile gguf, Backend backend, boolean checkTensors) throws ModelFormatException {
        Objects.requireNonNull(gguf, "gguf");
        Objects.requireNonNull(backend, "backend");
        LlamaConfig config = LlamaGguf.config(gguf);
        LlamaGguf.checkBlocks(gguf, config);  // before any array is sized by the block count
        String file = gguf.path().toString();
        Set<String> used = new HashSet<>();
        LlamaWeights weights = LlamaWeights.load(config, name -> {
            used.add(name);
            return gguf.hasTensor(name) ? gguf.tensor(name) : null;
        }, backend, file, checkTensors);
        try {
            LlamaGguf.checkAllUsed(gguf, used);
        } catch (ModelFormatException | RuntimeException e) {
            weights.close();
            throw e;
        }
        return new LlamaModel(config, weights, backend, null);
    }

    /**
     * The model in a llama2.c checkpoint ({@code model.bin}); the file stays mapped until {@link #close()}.
     *
     * @throws ModelFormatException when the header is not a llama2.c header or the file is too short
     */
    public static LlamaModel fromLlama2c(Path checkpoint, Backend backend) throws IOException {
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(backend, "backend");
        MappedFile file = MappedFile.open(checkpoint);
        try {
            Llama2cCheckpoint ckpt = Llama2cCheckpoint.read(file);
            LlamaWeights weights = LlamaWeights.load(ckpt.config, ckpt.tensors::get, backend, checkpoint.toString());
            return new LlamaModel(ckpt.config, weights, backend, file);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    public LlamaConfig config() {
        return config;
    }

    public Backend backend() {
        return backend;
    }

    /** Bytes of all weights. */
    public long weightBytes() {
        return weights.bytes();
    }

    /**
     * Bytes of weights one decoded token reads (all matrices, one row of the embedding table): the
     * numerator of decoding's memory-bandwidth roofline.
     */
    public long weightBytesPerToken() {
        return weights.bytesPerToken();
    }

    /** A session of up to contextSize tokens (at most the model's context length). */
    public LlamaSession newSession(int contextSize) {
        return newSession(contextSize, DEFAULT_BATCH);
    }

    /**
     * A session of up to contextSize tokens that runs prompts batchSize tokens at a time.
     *
     * @param contextSize in [1, config().contextLength()]
     * @param batchSize at least 1; larger batches run prompts faster and take more memory
     */
    public LlamaSession newSession(int contextSize, int batchSize) {
        checkOpen();
        if (contextSize < 1 || contextSize > config.contextLength()) {
            throw new IllegalArgumentException("context size must be in [1, " + config.contextLength()
                    + "] (the model's context length), got " + contextSize);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        return new LlamaSession(config, weights, backend, contextSize, Math.min(batchSize, contextSize));
    }

    /**
     * A runner of forward passes over many sequences at once (continuous batching), with a paged
     * key/value cache of cacheBlocks blocks of blockSize tokens.
     *
     * @param maxRows rows (tokens) one pass takes at most
     * @param maxLogitRows rows of logits one pass returns at most
     * @throws IllegalArgumentException when a size is not positive or the cache's size overflows
     */
    public LlamaBatchRunner newBatchRunner(int cacheBlocks, int blockSize, int maxRows, int maxLogitRows) {
        checkOpen();
        if (cacheBlocks < 1 || blockSize < 1 || maxRows < 1 || maxLogitRows < 1) {
            throw new IllegalArgumentException("cache blocks, block size, rows and logit rows must be positive: "
                    + cacheBlocks + ", " + blockSize + ", " + maxRows + ", " + maxLogitRows);
        }
        return new LlamaBatchRunner(config, weights, backend, cacheBlocks, blockSize, maxRows, maxLogitRows);
    }

    /** Bytes of a paged key/value cache of this many token slots (see {@link #newBatchRunner}). */
    public long kvCacheBytes(long tokens) {
        return PagedKvCache.bytes(config.layers(), tokens, config.kvHeads(), config.headDim());
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("model is closed");
        }
    }

    /**
     * Frees device copies of the weights and unmaps an owned file. Its sessions stop working
     * (their calls throw {@link IllegalStateException}); close them too, to free their buffers.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        weights.close();
        if (ownedFile != null) {
            ownedFile.close();
        }
    }
}
