package dev.llmaccel.model.bert;

import dev.llmaccel.attention.Attention;
import dev.llmaccel.attention.AttentionConfig;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.NonFiniteResultException;
import dev.llmaccel.backend.Pooling;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import dev.llmaccel.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A BERT encoder on a backend: word + absolute position + token-type embeddings and their
 * LayerNorm, then post-norm layers of bidirectional self-attention (with a padding mask) and a
 * GELU feed-forward block. A batch of token sequences runs as one padded pass; the result is each
 * sequence's mean over its tokens (not normalised). Every sequence is a single segment (token type 0).
 *
 * <p>Weights are read-only; the activations (the run state) are kept between calls and grown for
 * larger batches, so calls from several threads are serialised.
 */
public final class BertModel implements AutoCloseable {
    private final BertConfig config;
    private final Backend backend;
    private final BertWeights weights;
    private final BertCheckpoint checkpoint;
    private final Tokenizer tokenizer;
    private final int maxTokens;
    private final Attention attention;
    private final String description;
    private Buffers scratch;  // the run state; null until the first pass
    private boolean closed;

    private BertModel(BertConfig config, Backend backend, BertWeights weights, BertCheckpoint checkpoint,
            Tokenizer tokenizer) {
        this.config = config;
        this.backend = backend;
        this.weights = weights;
        this.checkpoint = checkpoint;
        this.tokenizer = tokenizer;
        this.maxTokens = checkpoint.maxTokens();
        this.attention = new Attention(backend, AttentionConfig.bidirectional(config.heads(), config.headDim()));
        this.description = checkpoint.description();
    }

    /**
     * Loads a model onto backend from a safetensors folder (model.safetensors, config.json,
     * tokenizer.json), a GGUF file (architecture bert) or an ONNX file (tokenizer.json beside it).
     * The backend stays the caller's.
     */
    public static BertModel load(Path path, Backend backend) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(backend, "backend");
        return load(BertCheckpoint.open(path), backend);
    }

    /** Loads from an open checkpoint, which the model then owns. */
    static BertModel load(BertCheckpoint checkpoint, Backend backend) throws IOException {
        try {
            BertConfig config = checkpoint.config();
            Tokenizer tokenizer = checkpoint.tokenizer();
            BertWeights weights = BertWeights.load(checkpoint, config, backend);
            return new BertModel(config, backend, weights, checkpoint, tokenizer);
        } catch (IOException | RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    public BertConfig config() {
        return config;
    }

    public Backend backend() {
        return backend;
    }

    /** The model's tokenizer (WordPiece for BERT). */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * The most tokens of one input, [CLS] and [SEP] included, that the model's tokenizer declares
     * (tokenizer.json's truncation length), else its positions. Longer inputs still run, up to the
     * positions; this is the length the model was meant to see.
     */
    public int maxTokens() {
        return maxTokens;
    }

    /** Where the weights came from: format and file. */
    public String description() {
        return description;
    }

    /**
     * Encodes a batch of token sequences in one padded pass and returns, per sequence, the mean of
     * its last hidden states (hidden values each, not normalised).
     *
     * @param sequences token ids, special tokens included ([CLS] ... [SEP]); each 1 to maxPositions long
     */
    public synchronized float[][] meanPooled(int[][] sequences) {
        checkOpen();
        int seq = checkSequences(sequences);
        int batch = sequences.length;
        int hidden = config.hidden();
        long n = (long) batch * seq;
        int[] ids = new int[(int) n];
        int[] positions = new int[(int) n];
        int[] mask = new int[(int) n];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                int i = b * seq + t;
                positions[i] = t;
                if (t < sequences[b].length) {
                    ids[i] = sequences[b][t];
                    mask[i] = 1;
                }  // padding: id 0, masked out of attention and pooling
            }
        }
        Buffers b = buffers(n).first(n, batch);
        embed(b, ids, positions);
        for (BertWeights.Layer layer : weights.layers) {
            layer(b, layer, batch, seq, mask);
        }
        backend.pool(b.pooled(), b.x().view(batch, seq, hidden), mask, Pooling.MEAN);
        float[] flat = b.pooled().toFloatArray();
        for (float x : flat) {
            if (!Float.isFinite(x)) {  // never a "NaN" in someone's JSON or vector index
                throw new NonFiniteResultException("embedding contains " + x + ": the model's weights or activations overflowed");
            }
        }
        float[][] out = new float[batch][hidden];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(flat, i * hidden, out[i], 0, hidden);
        }
        return out;
    }

    /** The run state, grown to hold at least n tokens (kept between calls: allocating and zeroing costs time). */
    private Buffers buffers(long n) {
        if (scratch == null || scratch.x().dim(0) < n) {
            if (scratch != null) {
                scratch.close();
                scratch = null;
            }
            scratch = Buffers.allocate(backend, n, config.hidden(), config.intermediate());
        }
        return scratch;
    }

    /** x = LayerNorm(word[ids] + position[positions] + type[0]). */
    private void embed(Buffers b, int[] ids, int[] positions) {
        backend.embedding(b.x(), weights.wordEmbeddings, ids);
        backend.embedding(b.rows(), weights.positionEmbeddings, positions);
        backend.add(b.x(), b.x(), b.rows());
        try (Tensor type0 = weights.typeEmbeddings.rows(0, 1).view(config.hidden())) {  // (hidden)
            backend.add(b.x(), b.x(), type0);
        }
        backend.layerNorm(b.x(), b.x(), weights.embeddingNormWeight, weights.embeddingNormBias, config.layerNormEps());
    }

    /** One post-norm encoder layer, in place on b.x (batch * seq, hidden). */
    private void layer(Buffers b, BertWeights.Layer w, int batch, int seq, int[] mask) {
        int heads = config.heads();
        int headDim = config.headDim();
        Tensor x = b.x();
        linear(b.q(), x, w.query(), w.queryBias());
        linear(b.k(), x, w.key(), w.keyBias());
        linear(b.v(), x, w.value(), w.valueBias());
        try (Tensor q = b.q().view(batch, seq, heads, headDim);
             Tensor k = b.k().view(batch, seq, heads, headDim);
             Tensor v = b.v().view(batch, seq, heads, headDim);
             Tensor ctx = b.context().view(batch, seq, heads, headDim)) {
            attention.forward(ctx, q, k, v, mask);
        }
        linear(b.rows(), b.context(), w.attentionOutput(), w.attentionOutputBias());
        backend.add(x, x, b.rows());
        backend.layerNorm(x, x, w.attentionNormWeight(), w.attentionNormBias(), config.layerNormEps());
        linear(b.up(), x, w.up(), w.upBias());
        backend.gelu(b.up(), b.up());
        linear(b.rows(), b.up(), w.down(), w.downBias());
        backend.add(x, x, b.rows());
        backend.layerNorm(x, x, w.outputNormWeight(), w.outputNormBias(), config.layerNormEps());
    }

    /** out = in · wᵀ + bias. */
    private void linear(Tensor out, Tensor in, Tensor w, Tensor bias) {
        backend.matmul(out, in, w);
        backend.add(out, out, bias);
    }

    private int checkSequences(int[][] sequences) {
        Objects.requireNonNull(sequences, "sequences");
        if (sequences.length == 0) {
            throw new IllegalArgumentException("an empty batch");
        }
        int longest = 0;
        for (int b = 0; b < sequences.length; b++) {
            int[] s = sequences[b];
            if (s == null || s.length == 0 || s.length > config.maxPositions()) {
                throw new IllegalArgumentException("sequence " + b + " has " + (s == null ? "no" : s.length)
                        + " tokens; each must have 1 to " + config.maxPositions());
            }
            for (int id : s) {
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " in sequence " + b + " is outside [0, "
                            + config.vocabSize() + ")");
                }
            }
            longest = Math.max(longest, s.length);
        }
        if ((long) sequences.length * longest > Integer.MAX_VALUE / Math.max(config.intermediate(), config.hidden())) {
            throw new IllegalArgumentException("batch of " + sequences.length + " x " + longest + " tokens is too large");
        }
        return longest;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("model " + description + " is closed");
        }
    }

    /** Releases the weights and the file they came from; the backend stays open. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (scratch != null) {
            scratch.close();
        }
        weights.close();
        checkpoint.close();
    }

    /**
     * The activations of a pass. The model keeps one set sized for the most tokens seen so far;
     * each pass works on views of its first rows.
     *
     * @param x       (n, hidden) hidden states, updated layer by layer
     * @param rows    (n, hidden) position embeddings, then each block's output before the residual add
     * @param q       (n, hidden) queries
     * @param k       (n, hidden) keys
     * @param v       (n, hidden) values
     * @param context (n, hidden) attention output
     * @param up      (n, intermediate) feed-forward activations
     * @param pooled  (batch, hidden) pooled vectors (batch <= n: every sequence has a token)
     */
    private record Buffers(Tensor x, Tensor rows, Tensor q, Tensor k, Tensor v, Tensor context, Tensor up, Tensor pooled)
            implements AutoCloseable {

        static Buffers allocate(Backend backend, long n, int hidden, int intermediate) {
            List<Tensor> made = new ArrayList<>();
            try {
                for (int i = 0; i < 7; i++) {
                    made.add(backend.allocate(DType.F32, n, hidden));
                }
                made.add(backend.allocate(DType.F32, n, intermediate));
            } catch (RuntimeException e) {
                made.forEach(Tensor::close);
                throw e;
            }
            return new Buffers(made.get(0), made.get(1), made.get(2), made.get(3), made.get(4), made.get(5), made.get(7),
                    made.get(6));
        }

        /** Views of the first n token rows and batch pooled rows. */
        Buffers first(long n, int batch) {
            return new Buffers(x.rows(0, n), rows.rows(0, n), q.rows(0, n), k.rows(0, n), v.rows(0, n),
                    context.rows(0, n), up.rows(0, n), pooled.rows(0, batch));
        }

        @Override
        public void close() {
            for (Tensor t : new Tensor[] {x, rows, q, k, v, context, up, pooled}) {
                t.close();
            }
        }
    }
}
